"""The repository tests alone: a test that reads beside it fails."""

from __future__ import annotations

import pytest

from tests.isolation import REPO, OutsideRepositoryError


def test_reading_a_file_beside_the_repository_fails() -> None:
    with pytest.raises(OutsideRepositoryError, match="outside the repository"):
        (REPO.parent / "shared" / "fixtures" / "README.md").read_text("utf-8")


def test_files_inside_the_repository_are_readable() -> None:
    assert "provenance" in (REPO / "tests" / "fixtures" / "README.md").read_text("utf-8")

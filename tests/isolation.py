"""Keep the tests inside the repository.

The repository must test green as a fresh clone with nothing beside it, so an audit hook
refuses, for the whole session, any file opened in a folder next to the repository (such
as a `../shared` checkout a developer may have): a test that reaches outside fails at once.
The system's temporary folder stays open even when the clone lives in it (pytest's
`tmp_path` is there), except for a `shared` folder beside the clone, which never is.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
_OUTSIDE = str(REPO.parent) + os.sep
_INSIDE = str(REPO) + os.sep
_TEMPORARY = os.path.realpath(tempfile.gettempdir()) + os.sep
_SHARED = str(REPO.parent / "shared") + os.sep


class OutsideRepositoryError(PermissionError):
    """A test opened a file beside the repository; copy what it needs under `tests/`."""


def _refuse_neighbours(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if _beside_the_repository(path):
        raise OutsideRepositoryError(f"tests may not read outside the repository: {path}")


def _beside_the_repository(path: str) -> bool:
    folder = path + os.sep
    if folder.startswith(_INSIDE) or not folder.startswith(_OUTSIDE):
        return False
    return folder.startswith(_SHARED) or not folder.startswith(_TEMPORARY)


_installed: list[bool] = []


def refuse_reading_beside_the_repository() -> None:
    """Install the audit hook once for this interpreter."""
    if not _installed:
        sys.addaudithook(_refuse_neighbours)
        _installed.append(True)

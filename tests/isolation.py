"""Keep the tests inside the repository.

The repository must test green as a fresh clone with nothing beside it, so an audit hook
refuses, for the whole session, any file opened in a folder next to the repository (such
as a `../shared` checkout a developer may have): a test that reaches outside fails at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
_OUTSIDE = str(REPO.parent) + os.sep
_INSIDE = str(REPO) + os.sep


class OutsideRepositoryError(PermissionError):
    """A test opened a file beside the repository; copy what it needs under `tests/`."""


def _refuse_neighbours(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if path.startswith(_OUTSIDE) and not (path + os.sep).startswith(_INSIDE):
        raise OutsideRepositoryError(f"tests may not read outside the repository: {path}")


_installed: list[bool] = []


def refuse_reading_beside_the_repository() -> None:
    """Install the audit hook once for this interpreter."""
    if not _installed:
        sys.addaudithook(_refuse_neighbours)
        _installed.append(True)

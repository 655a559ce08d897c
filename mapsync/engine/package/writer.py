"""Writing a package's files under an output folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from mapsync.engine.errors import MapsyncError


class OutputError(MapsyncError):
    """The output folder cannot take the package; the message says why."""


def write_files(files: Mapping[str, bytes], out: Path, *, force: bool = False) -> list[Path]:
    """Write every file under `out` (created if needed) and return their paths, sorted.

    A folder that already holds files is refused unless `force`, so that an old package's
    leftovers never mix silently with a new one.
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(f"{out} is not empty (use --force to write over it)")
    written = []
    for relative, data in sorted(files.items()):
        path = out.joinpath(*_safe_parts(relative))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def _safe_parts(relative: str) -> tuple[str, ...]:
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise OutputError(f"refusing to write outside the output folder: {relative}")
    return parts

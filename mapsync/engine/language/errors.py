"""The exception that carries diagnostics out of the language pipeline."""

from __future__ import annotations

from collections.abc import Iterable

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.errors import MapsyncError


class LanguageError(MapsyncError):
    """Rule files have errors; `.diagnostics` says where and why. Fix them and validate again."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        text = f"{first.path}:{first.line}:{first.column}: {first.message}" if first else "error"
        super().__init__(text)

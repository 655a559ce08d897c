"""One error root: every exception mapsync raises on purpose is a MapsyncError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import mapsync.engine
from mapsync.engine.errors import MapsyncError

# Control flow inside the listener (a SOAP fault answered to Salesforce, a retry asked of
# it) is never shown to a user.
NOT_ERRORS = {"mapsync.engine.listen.soap.Fault", "mapsync.engine.listen.service.Retry"}


def _engine_exceptions() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for info in pkgutil.walk_packages(mapsync.engine.__path__, "mapsync.engine."):
        if ".sandbox" in info.name:
            continue  # the emulators answer with the services' own errors
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            is_error = issubclass(value, BaseException) and not issubclass(value, Warning)
            if is_error and value.__module__ == info.name:
                found.add(value)
    return found


def test_every_engine_exception_has_the_one_root() -> None:
    exceptions = _engine_exceptions()
    assert len(exceptions) > 30
    strays = sorted(
        f"{e.__module__}.{e.__qualname__}"
        for e in exceptions
        if not issubclass(e, MapsyncError) and f"{e.__module__}.{e.__qualname__}" not in NOT_ERRORS
    )
    assert strays == []

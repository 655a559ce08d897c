"""The Salesforce package: the metadata the integration needs, generated from a plan.

    model = build_model(plan, load_catalogs())      # what to deploy (model.py)
    files = package_files(model, "source")           # path -> XML bytes (files.py, render.py)
    write_files(files, Path("salesforce-package"))   # on disk (writer.py)

Output is deterministic: the same plan and catalogs give byte-identical files.
"""

from __future__ import annotations

from mapsync.engine.package.files import FORMATS, Format, package_files
from mapsync.engine.package.model import PackageError, PackageModel, build_model
from mapsync.engine.package.writer import OutputError, write_files

__all__ = [
    "FORMATS",
    "Format",
    "OutputError",
    "PackageError",
    "PackageModel",
    "build_model",
    "package_files",
    "write_files",
]

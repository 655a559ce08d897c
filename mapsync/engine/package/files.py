"""The package's files, by relative path, in SFDX source format or Metadata API format.

Source format (`sf project deploy start`): `sfdx-project.json`, `manifest/package.xml` and
the decomposed files under `force-app/main/default/`. Metadata API format (a deploy zip's
content): `package.xml` at the root, `objects/<Object>.object` with the fields inline,
`objectTranslations/<Object>-<lang>.objectTranslation` with the field labels inline.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Literal

from mapsync.engine.package import render
from mapsync.engine.package.automation import automation_files
from mapsync.engine.package.model import ActionSpec, ObjectSpec, PackageModel

Format = Literal["source", "mdapi"]
FORMATS: tuple[Format, ...] = ("source", "mdapi")
SOURCE_ROOT = "force-app/main/default"

Members = dict[str, list[str]]
Files = dict[str, bytes]


def package_files(model: PackageModel, fmt: Format) -> Files:
    """Every file of the package, keyed by `/`-separated relative path, sorted."""
    members: Members = defaultdict(list)
    files = dict(_metadata_files(model, fmt, members))
    manifest = render.to_bytes(render.package_manifest(members))
    if fmt == "source":
        files = {f"{SOURCE_ROOT}/{path}": data for path, data in files.items()}
        files["manifest/package.xml"] = manifest
        files["sfdx-project.json"] = _sfdx_project()
    else:
        files["package.xml"] = manifest
    return dict(sorted(files.items()))


def _metadata_files(model: PackageModel, fmt: Format,
                    members: Members) -> Iterator[tuple[str, bytes]]:
    for obj in model.objects:
        yield from _object_files(model, obj, fmt, members)
        for language in model.languages:
            yield from _translation_files(model, obj, language, fmt, members)
    yield from _action_files(model, fmt, members)
    yield from automation_files(model, fmt, members)


def _object_files(model: PackageModel, obj: ObjectSpec, fmt: Format,
                  members: Members) -> Iterator[tuple[str, bytes]]:
    language = model.default_language
    if obj.custom:
        members["CustomObject"].append(obj.name)
    members["CustomField"].extend(f"{obj.name}.{f.name}" for f in obj.fields)
    if fmt == "mdapi":
        if not obj.custom and not obj.fields:
            return  # a standard object the rules add nothing to: no file, as in source format
        root = render.custom_object(obj, language, inline_fields=True)
        yield f"objects/{obj.name}.object", render.to_bytes(root)
        return
    if obj.custom:
        root = render.custom_object(obj, language, inline_fields=False)
        yield f"objects/{obj.name}/{obj.name}.object-meta.xml", render.to_bytes(root)
    for field in obj.fields:
        yield (f"objects/{obj.name}/fields/{field.name}.field-meta.xml",
               render.to_bytes(render.custom_field(field, language)))


def _translation_files(model: PackageModel, obj: ObjectSpec, language: str, fmt: Format,
                       members: Members) -> Iterator[tuple[str, bytes]]:
    actions = _actions_on(model, obj.name)
    fields = render.translated_fields(obj, language)
    if not fields and not obj.custom and not actions:
        return
    name = f"{obj.name}-{language}"
    members["CustomObjectTranslation"].append(name)
    root = render.object_translation(obj, actions, language, inline_fields=fmt == "mdapi")
    if fmt == "mdapi":
        yield f"objectTranslations/{name}.objectTranslation", render.to_bytes(root)
        return
    yield f"objectTranslations/{name}/{name}.objectTranslation-meta.xml", render.to_bytes(root)
    for field in fields:
        yield (f"objectTranslations/{name}/{field.name}.fieldTranslation-meta.xml",
               render.to_bytes(render.field_translation(field, language)))


def _action_files(model: PackageModel, fmt: Format,
                  members: Members) -> Iterator[tuple[str, bytes]]:
    suffix = "-meta.xml" if fmt == "source" else ""
    for action in model.actions:
        name = f"{action.object}.{action.name}"
        members["QuickAction"].append(name)
        members["CustomLabel"].append(action.name)
        root = render.quick_action(action, model.default_language)
        yield f"quickActions/{name}.quickAction{suffix}", render.to_bytes(root)
    if model.actions:
        root = render.custom_labels(model.actions, model.default_language)
        yield f"labels/CustomLabels.labels{suffix}", render.to_bytes(root)
    for language in model.languages:
        members["Translations"].append(language)
        root = render.translations(model.actions, language)
        yield f"translations/{language}.translation{suffix}", render.to_bytes(root)


def _actions_on(model: PackageModel, obj: str) -> list[ActionSpec]:
    return [a for a in model.actions if a.object == obj]


def _sfdx_project() -> bytes:
    project = {
        "packageDirectories": [{"default": True, "path": "force-app"}],
        "sourceApiVersion": render.API_VERSION,
    }
    return (json.dumps(project, indent=2, sort_keys=True) + "\n").encode("utf-8")

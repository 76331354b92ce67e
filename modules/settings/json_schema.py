"""The JSON Schema of an environment file (environments/environment.schema.json), generated from the settings
declarations: each section's dataclass fields give the keys, types, descriptions and defaults, and each
field's checks what they say in JSON Schema (``modules/settings/schema.py``: ``expressed``). Editors read it
through taplo's ``#:schema`` directive on each file's first line; the loader stays the judge of what
JSON Schema cannot say (cross-field rules, window lengths, the name equal to the file name).

A single environment file is partial (its values come from ``_defaults.toml`` too): no key is required.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

from modules.settings.loader import DEFAULTS_FILE, RENAMED, SECTIONS
from modules.settings.schema import JsonSchema, fields_of, json_schema_of, resolved_types

SCHEMA_FILE = "environment.schema.json"
DIRECTIVE = f"#:schema ./{SCHEMA_FILE}"  # taplo's: the first line of every environment file
_SUBSCHEMAS = ("items", "additionalProperties", "propertyNames")
DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft taplo and the common editors read


def _type_schema(annotation: Any) -> JsonSchema:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):  # Optional[X]: None is only ever a default
        (annotation,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _type_schema(annotation)
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if annotation in simple:
        return {"type": simple[annotation]}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(typing.get_args(annotation)[0])}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": _type_schema(typing.get_args(annotation)[1])}
    raise TypeError(f"unsupported settings type {annotation!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _merged(schema: JsonSchema, fragment: JsonSchema) -> JsonSchema:
    """Both, as one schema: sub-schemas merged, a keyword said twice (two patterns) kept in allOf."""
    merged = dict(schema)
    for key, value in fragment.items():
        if key not in merged:
            merged[key] = value
        elif key in _SUBSCHEMAS and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = _merged(merged[key], value)
        elif merged[key] != value:
            merged["allOf"] = [*merged.get("allOf", []), {key: value}]
    return merged


def field_schema(spec: dataclasses.Field[Any], annotation: Any) -> JsonSchema:
    """One key: description, type, every check JSON Schema can say, default."""
    schema: JsonSchema = {"description": spec.metadata["description"], **_type_schema(annotation)}
    for check in spec.metadata["checks"]:
        fragment = json_schema_of(check, schema["type"])
        if fragment is None:
            raise TypeError(f"{check!r} does not say what it means in JSON Schema (schema.expressed)")
        schema = _merged(schema, fragment)
    default = spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default
    if default is not dataclasses.MISSING and default is not None:
        schema["default"] = _plain(default)
    return schema


def section_schema(section: str, settings_class: type) -> JsonSchema:
    hints = resolved_types(settings_class)
    properties = {name: field_schema(spec, hints[name]) for name, spec in fields_of(settings_class).items()}
    for (old_section, old_key), (new_section, new_key) in RENAMED.items():
        if old_section == section:  # still read, with a warning naming the new key
            new_class = SECTIONS[new_section]
            moved = field_schema(fields_of(new_class)[new_key], resolved_types(new_class)[new_key])
            moved.pop("default", None)
            moved["description"] = f"Deprecated: write {new_key} under [{new_section}] instead"
            properties[old_key] = {**moved, "deprecated": True}
    doc = (settings_class.__doc__ or "").strip()
    return {"description": doc, "type": "object", "additionalProperties": False, "properties": properties}


def environment_schema() -> JsonSchema:
    return {
        "$schema": DRAFT,
        "title": "Environment file",
        "description": (
            f"environments/<name>.toml, merged table by table over environments/{DEFAULTS_FILE}: a file states only "
            "what differs, so no key is required here. Generated from modules/settings/ by "
            "`python -m scripts.ops schema`; the loader checks what JSON Schema cannot say."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": {section: section_schema(section, cls) for section, cls in SECTIONS.items()},
    }


def render() -> str:
    return json.dumps(environment_schema(), indent=2, ensure_ascii=False) + "\n"

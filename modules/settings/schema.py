"""Typed, documented settings fields and the checks they carry.

Each construct's settings dataclass declares its fields with :func:`setting`: a description (rendered
into the workspace README), an optional default and the checks a value must pass. The loader in
``modules/settings/loader.py`` uses the same declarations to reject unknown keys, wrong types and bad values
with one line per problem, before anything is synthesized.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# A check returns None when the value is fine, otherwise what is allowed ("one of: a, b").
Check = Callable[[Any], "str | None"]
# A problem found in a settings table: (key, value, what is allowed).
Problem = tuple[str, object, str]


@dataclasses.dataclass(frozen=True)
class Either:
    """One problem that two keys share (two windows that overlap): the loader reports the choice whose key the
    environment file itself sets, the value the user changed, else the first."""

    choices: tuple[Problem, ...]


Found = Problem | Either
# What a check says in JSON Schema (environments/environment.schema.json, modules/settings/json_schema.py),
# given the JSON type it applies to ("array", "object", "string", ...; "item" for a list's items).
JsonSchema = dict[str, Any]
Fragment = Callable[[str], JsonSchema]
_FRAGMENTS: dict[Check, Fragment] = {}


def expressed(check: Check, fragment: JsonSchema | Fragment) -> Check:
    """``check`` with what it says in JSON Schema, as far as JSON Schema can say it."""
    _FRAGMENTS[check] = fragment if callable(fragment) else (lambda _kind: dict(fragment))
    return check


def json_schema_of(check: Check, kind: str) -> JsonSchema | None:
    """The JSON Schema of ``check`` applied to a value of JSON type ``kind``; None: not declared."""
    fragment = _FRAGMENTS.get(check)
    return None if fragment is None else fragment(kind)


def anchored(pattern: str) -> str:
    """A Python ``fullmatch`` pattern as a JSON Schema ``pattern`` (which searches)."""
    return f"^(?:{pattern})$"


def setting(description: str, *checks: Check, default: Any = dataclasses.MISSING) -> Any:
    """A settings field with its description and checks; without ``default`` the key is required."""
    metadata = {"description": description, "checks": checks}
    if isinstance(default, (list, dict)):
        frozen = tuple(default) if isinstance(default, list) else types.MappingProxyType(dict(default))
        return dataclasses.field(default_factory=lambda: frozen, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def describe(value: Any) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string: quotes and newlines escaped
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(describe(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(key)} = {describe(item)}" for key, item in value.items()) + "}"
    return str(value)


def _toml_key(key: object) -> str:
    return key if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_-]+", key) else describe(key)


# --- checks ------------------------------------------------------------------------------------------


def one_of(*allowed: Any) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed else "one of: " + ", ".join(describe(item) for item in allowed)

    return expressed(check, {"enum": list(allowed)})


def between(low: float, high: float) -> Check:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"a number from {describe(low)} to {describe(high)}"

    return expressed(check, {"minimum": low, "maximum": high})


def greater_than(low: float) -> Check:
    def check(value: Any) -> str | None:
        return None if value > low else f"a number greater than {describe(low)}"

    return expressed(check, {"exclusiveMinimum": low})


def multiple_of(step: float) -> Check:
    def check(value: Any) -> str | None:
        return None if (value / step) == int(value / step) else f"a multiple of {describe(step)}"

    return expressed(check, {"multipleOf": step})


def matches(pattern: str, what: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        return None if compiled.fullmatch(value) else what

    return expressed(check, {"pattern": anchored(pattern)})


def each(inner: Check) -> Check:
    """Applies ``inner`` to every item of a list, or every value of a table."""

    def check(value: Any) -> str | None:
        items = value.values() if isinstance(value, Mapping) else value
        for item in items:
            problem = inner(item)
            if problem:
                return f"{problem} (bad item: {describe(item)})"
        return None

    def fragment(kind: str) -> JsonSchema:
        inner_schema = json_schema_of(inner, "item") or {}
        return {"additionalProperties" if kind == "object" else "items": inner_schema}

    return expressed(check, fragment)


def non_empty(value: Any) -> str | None:
    return None if len(value) > 0 else "at least one item"


expressed(non_empty, lambda kind: {"minProperties" if kind == "object" else "minItems": 1})


def each_key(inner: Check) -> Check:
    """Applies ``inner`` to every key of a table."""

    def check(value: Any) -> str | None:
        for key in value:
            problem = inner(key)
            if problem:
                return f"{problem} (bad key: {describe(key)})"
        return None

    return expressed(check, lambda _kind: {"propertyNames": json_schema_of(inner, "string") or {}})


def at_most_items(limit: int, why: str) -> Check:
    def check(value: Any) -> str | None:
        return None if len(value) <= limit else f"at most {limit} items ({why})"

    return expressed(check, lambda kind: {"maxProperties" if kind == "object" else "maxItems": limit})


def distinct(normalize: Callable[[Any], Any] = lambda item: item, how: str = "") -> Check:
    """No two items of a list equal (after ``normalize``: ``str.lower`` for case-insensitive)."""

    def check(value: Any) -> str | None:
        seen: set[Any] = set()
        for item in value:
            if normalize(item) in seen:
                return f"no duplicates{how} (repeated: {describe(item)})"
            seen.add(normalize(item))
        return None

    return expressed(check, {"uniqueItems": True})  # case-insensitively distinct: JSON Schema says only distinct


def no_prefix(prefix: str, why: str) -> Check:
    """Refuses strings starting with ``prefix`` in any case."""

    def check(value: Any) -> str | None:
        return f"no {prefix} prefix in any case ({why})" if value.lower().startswith(prefix.lower()) else None

    any_case = "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char) for char in prefix)
    return expressed(check, {"not": {"pattern": f"^{any_case}"}})


def no_suffix(suffix: str, why: str) -> Check:
    """Refuses strings ending with ``suffix`` in any case."""

    def check(value: Any) -> str | None:
        return f"no {suffix} suffix ({why})" if value.lower().endswith(suffix.lower()) else None

    any_case = "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char) for char in suffix)
    return expressed(check, {"not": {"pattern": f"{any_case}$"}})


def none_of(*refused: str, why: str) -> Check:
    def check(value: Any) -> str | None:
        return f"not {describe(value)} ({why})" if value in refused else None

    return expressed(check, {"not": {"enum": list(refused)}})


# --- maintenance and backup windows (UTC) -------------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES, WEEK_MINUTES = 24 * 60, 7 * 24 * 60
_TIME = r"([01][0-9]|2[0-3]):([0-5][0-9])"  # ASCII digits, as AWS reads them
_DAILY = re.compile(rf"{_TIME}-{_TIME}")
_WEEKLY = re.compile(rf"({'|'.join(DAYS)}):{_TIME}-({'|'.join(DAYS)}):{_TIME}")


def window_span(value: str) -> tuple[int, int] | None:
    """(start, length) in minutes: daily "hh:mm-hh:mm" from midnight, weekly "ddd:hh:mm-ddd:hh:mm" from
    Monday 00:00. A window may cross midnight or the end of the week. None when malformed."""
    daily, weekly = _DAILY.fullmatch(value), _WEEKLY.fullmatch(value)
    if daily:
        h1, m1, h2, m2 = (int(part) for part in daily.groups())
        start, end, period = h1 * 60 + m1, h2 * 60 + m2, DAY_MINUTES
    elif weekly:
        day1, hour1, minute1, day2, hour2, minute2 = weekly.groups()
        start = DAYS.index(day1) * DAY_MINUTES + int(hour1) * 60 + int(minute1)
        end, period = DAYS.index(day2) * DAY_MINUTES + int(hour2) * 60 + int(minute2), WEEK_MINUTES
    else:
        return None
    return start, (end - start) % period


def daily_window(minimum: int, why: str) -> Check:
    """A daily "hh:mm-hh:mm" window (UTC) of at least ``minimum`` minutes; it may cross midnight."""
    return _window(_DAILY, "hh:mm-hh:mm (hh 00-23, mm 00-59)", minimum, why)


def weekly_window(minimum: int, why: str) -> Check:
    """A weekly "ddd:hh:mm-ddd:hh:mm" window (UTC) of at least ``minimum`` minutes; it may cross the week end."""
    return _window(_WEEKLY, "ddd:hh:mm-ddd:hh:mm (ddd mon-sun, hh 00-23, mm 00-59)", minimum, why)


def _window(form: re.Pattern[str], shape: str, minimum: int, why: str) -> Check:
    def check(value: Any) -> str | None:
        span = window_span(value) if form.fullmatch(value) else None
        if span is None:
            return shape
        return None if span[1] >= minimum else f"a window of at least {minimum} minutes ({why})"

    return expressed(check, {"pattern": anchored(form.pattern)})  # the shape; the length is the loader's


def overlap_problem(daily: tuple[str, str], weekly: tuple[str, str], why: str) -> Either:
    """Two (key, window) pairs that overlap, blamed on whichever the file sets."""
    (daily_key, daily_value), (weekly_key, weekly_value) = daily, weekly
    return Either(
        (
            (weekly_key, weekly_value, f"no overlap with {daily_key} {daily_value} ({why})"),
            (daily_key, daily_value, f"no overlap with {weekly_key} {weekly_value} ({why})"),
        )
    )


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window meets a weekly one on any day (windows are half-open: 04:00-05:00 and
    sun:05:00-sun:06:00 do not meet)."""
    day_span, week_span = window_span(daily), window_span(weekly)
    if day_span is None or week_span is None:
        return False  # malformed: reported by the field's own check
    (day_start, day_length), (week_start, week_length) = day_span, week_span
    for day in range(len(DAYS)):
        start = day * DAY_MINUTES + day_start
        for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES):  # either window may cross the end of the week
            if start < week_start + shift + week_length and week_start + shift < start + day_length:
                return True
    return False


# An address SNS and AWS Budgets deliver to: dot-separated local-part atoms (no leading, trailing or double
# dot) of at most 64 characters; a domain of labels that neither start nor end with a hyphen and a letters-only
# top-level label; at most 254 characters in all (RFC 5321).
EMAIL = matches(
    r"(?=.{1,254}$)(?=[^@]{1,64}@)"
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    "an email address like ops@example.com (no leading, trailing or double dots; no hyphen at a label's ends)",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# --- types -------------------------------------------------------------------------------------------


def type_problem(value: Any, annotation: Any) -> str | None:
    """What type was expected, when ``value`` (as read from TOML) does not have the field's type."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):  # Optional[X]: None is only ever a default
        (annotation,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return type_problem(value, annotation)
    if annotation is bool:
        return None if isinstance(value, bool) else "true or false"
    if annotation is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "a whole number"
    if annotation is float:
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "a number"
    if annotation is str:
        return None if isinstance(value, str) else "a string in quotes"
    if origin is tuple:
        item_type = typing.get_args(annotation)[0]
        if not isinstance(value, (list, tuple)):
            return f"a list of {type_name(item_type)}"
        bad = next((item for item in value if type_problem(item, item_type)), None)
        return None if bad is None else f"a list of {type_name(item_type)} (bad item: {describe(bad)})"
    if origin in (Mapping, dict) or annotation is Mapping:
        key_type, item_type = typing.get_args(annotation)
        if not isinstance(value, Mapping):
            return f"a table of {type_name(item_type)}"
        bad = next((key for key, item in value.items() if type_problem(item, item_type)), None)
        return None if bad is None else f"a table of {type_name(item_type)} (bad entry: {bad})"
    raise TypeError(f"unsupported settings type {annotation!r}")


def type_name(annotation: Any) -> str:
    return {bool: "true/false", int: "whole numbers", float: "numbers", str: "strings"}.get(annotation, "values")


def coerce(value: Any, annotation: Any) -> Any:
    """TOML value -> field value: ints become floats where a float is declared; lists become tuples."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        (annotation,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return coerce(value, annotation)
    if annotation is float:
        return float(value)
    if origin is tuple:
        return tuple(value)
    if origin in (Mapping, dict):
        return types.MappingProxyType(dict(sorted(value.items())))
    return value


def fields_of(settings_class: type) -> dict[str, dataclasses.Field[Any]]:
    return {item.name: item for item in dataclasses.fields(settings_class)}


def resolved_types(settings_class: type) -> dict[str, Any]:
    return typing.get_type_hints(settings_class)


def build(settings_class: type, table: Mapping[str, Any]) -> tuple[Any, list[Found]]:
    """Checks ``table`` against ``settings_class``; returns (instance or None, [(key, value, allowed)])."""
    problems: list[Found] = []
    declared = fields_of(settings_class)
    hints = resolved_types(settings_class)
    values: dict[str, Any] = {}
    for key in sorted(set(table) - set(declared)):
        close = difflib.get_close_matches(key, declared, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        problems.append((key, table[key], f"a known key ({hint}known keys: {', '.join(sorted(declared))})"))
    for name, spec in declared.items():
        if name not in table:
            if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                problems.append((name, None, f"required: {spec.metadata['description']}"))
            continue
        value = table[name]
        wrong_type = type_problem(value, hints[name])
        if wrong_type:
            problems.append((name, value, wrong_type))
            continue
        value = coerce(value, hints[name])
        failed = next((result for check in spec.metadata["checks"] if (result := check(value))), None)
        if failed:
            problems.append((name, value, failed))
            continue
        values[name] = value
    if problems:
        return None, problems
    instance = settings_class(**values)
    cross_field = getattr(instance, "problems", None)
    if cross_field:
        problems.extend(cross_field())
    return (None if problems else instance), problems


def documented_fields(settings_class: type) -> Iterable[tuple[str, str, Any]]:
    """(key, description, default) for README tables; ``dataclasses.MISSING`` marks a required key."""
    for name, spec in fields_of(settings_class).items():
        default = spec.default
        if spec.default_factory is not dataclasses.MISSING:
            default = spec.default_factory()
        yield name, spec.metadata["description"], default

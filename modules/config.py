"""Reads and validates ``environments/*.toml`` into typed, immutable settings.

``environments/_defaults.toml`` holds what every environment shares; each ``<name>.toml`` states what
differs and is merged over it, table by table. Every problem in every file is collected and reported
at once, one line each: the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.alarms import AlarmSettings
from modules.apprunner import AppRunnerSettings
from modules.aurora import AuroraSettings
from modules.budget import BudgetSettings
from modules.naming import NAME, EnvironmentSettings
from modules.schema import build, describe
from modules.valkey import ValkeySettings

DEFAULTS_FILE = "_defaults.toml"
SECTIONS: dict[str, type] = {
    "environment": EnvironmentSettings,
    "app": AppRunnerSettings,
    "database": AuroraSettings,
    "cache": ValkeySettings,
    "budget": BudgetSettings,
    "alarms": AlarmSettings,
}


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything one environment stack is built from."""

    source: Path
    environment: EnvironmentSettings
    app: AppRunnerSettings
    database: AuroraSettings
    cache: ValkeySettings
    budget: BudgetSettings
    alarms: AlarmSettings

    @property
    def name(self) -> str:
        return self.environment.name


class ConfigError(Exception):
    """Bad environment files; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _display(path: Path) -> str:
    """``environments/stage.toml``: the folder and the file, wherever the folder is."""
    return f"{path.parent.name}/{path.name}" if path.suffix else path.name


def _read(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{_display(path)}: not valid TOML: {error}")
    except OSError as error:
        problems.append(f"{_display(path)}: cannot be read: {error.strerror}")
    return None


def _merge(
    base: Mapping[str, Any], base_source: Mapping[tuple[str, ...], Path], override: Mapping[str, Any], path: Path
) -> tuple[dict[str, Any], dict[tuple[str, ...], Path]]:
    """Deep-merges two TOML documents; remembers which file each key's value came from."""
    sources: dict[tuple[str, ...], Path] = dict(base_source)

    def walk(left: Mapping[str, Any], right: Mapping[str, Any], prefix: tuple[str, ...]) -> dict[str, Any]:
        out = dict(left)
        for key, value in right.items():
            here = prefix + (key,)
            if isinstance(value, Mapping):
                below = left.get(key)
                out[key] = walk(below if isinstance(below, Mapping) else {}, value, here)
            else:
                out[key] = value
            sources[here] = path
        return out

    merged = walk(base, override, ())
    return merged, sources


def _source_of(sources: Mapping[tuple[str, ...], Path], key: tuple[str, ...], fallback: Path) -> Path:
    while key:
        if key in sources:
            return sources[key]
        key = key[:-1]
    return fallback


def _check(document: Mapping[str, Any], sources: Mapping[tuple[str, ...], Path], path: Path) -> tuple[dict, list[str]]:
    problems: list[str] = []
    built: dict[str, Any] = {}

    def report(key: tuple[str, ...], value: Any, allowed: str) -> None:
        where = _source_of(sources, key, path)
        label = _display(where) if where == path else f"{_display(where)} (for {_display(path)})"
        shown = "" if value is None else f" = {describe(value)}"
        problems.append(f"{label}: {'.'.join(key)}{shown}: expected {allowed}")

    for section in sorted(set(document) - set(SECTIONS)):
        report((section,), None, "a known section: " + ", ".join(f"[{name}]" for name in SECTIONS))
    for section, settings_class in SECTIONS.items():
        table = document.get(section, {})
        if not isinstance(table, Mapping):
            report((section,), table, f"a table [{section}]")
            continue
        instance, found = build(settings_class, table)
        for key, value, allowed in found:
            report((section, key), value, allowed)
        built[section] = instance
    return built, problems


def load_environment(path: Path) -> EnvironmentConfig:
    """One environment file, merged over the defaults beside it; raises ConfigError."""
    return _load_checked(path.parent, [path])[0]


def _load(
    paths: list[Path], defaults: Mapping[str, Any] | None, defaults_path: Path | None, problems: list[str]
) -> list[EnvironmentConfig]:
    base_sources: dict[tuple[str, ...], Path] = {}
    if defaults and defaults_path:
        _, base_sources = _merge({}, {}, defaults, defaults_path)
    configs = []
    for path in paths:
        stem = path.stem
        if not re.fullmatch(NAME, stem) or len(stem) > 16:
            problems.append(
                f"{_display(path)}: the file name {stem!r} is not a valid environment name: expected lowercase "
                "letters, digits and single hyphens, starting with a letter, at most 16 characters"
            )
            continue
        document = _read(path, problems)
        if document is None:
            continue
        merged, sources = _merge(defaults or {}, base_sources, document, path)
        built, found = _check(merged, sources, path)
        name = merged.get("environment", {}).get("name") if isinstance(merged.get("environment"), Mapping) else None
        if isinstance(name, str) and name != stem:
            found.append(f"{_display(path)}: environment.name = {describe(name)}: expected {describe(stem)}, the file name")
        problems.extend(found)
        if not found:
            configs.append(EnvironmentConfig(source=path, **built))
    return configs


def load_environments(directory: Path) -> list[EnvironmentConfig]:
    """Every ``<name>.toml`` in ``directory``, sorted by name; raises ConfigError with all problems."""
    return _load_checked(directory, sorted(path for path in directory.glob("*.toml") if path.name != DEFAULTS_FILE))


def _load_checked(directory: Path, paths: list[Path]) -> list[EnvironmentConfig]:
    problems: list[str] = []
    defaults_path = directory / DEFAULTS_FILE
    defaults = _read(defaults_path, problems) if defaults_path.exists() else {}
    if not paths:
        problems.append(f"{_display(directory)}: no environment files: expected at least one <name>.toml")
    configs = _load(paths, defaults, defaults_path, problems) if defaults is not None else []
    if problems:
        raise ConfigError(problems)
    return configs

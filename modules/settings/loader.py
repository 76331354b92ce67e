"""Reads and validates ``environments/*.toml`` into typed, immutable settings.

``environments/_defaults.toml`` holds what every environment shares; each ``<name>.toml`` states what
differs and is merged over it, table by table. Every problem in every file is collected and reported
at once, one line each: the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.settings.alarms import AlarmSettings
from modules.settings.alerts import AlertSettings, undeliverable
from modules.settings.app import AppSettings
from modules.settings.budget import COST_ALLOCATION_TAG, BudgetSettings
from modules.settings.cache import ValkeySettings
from modules.settings.ci import CiSettings
from modules.settings.database import AuroraSettings
from modules.settings.environment import EnvironmentSettings
from modules.settings.naming import NAME, RESERVED_PREFIX
from modules.settings.network import NetworkSettings
from modules.settings.regions import region_problem, usable_zones
from modules.settings.schema import Either, Problem, build, describe, type_problem
from modules.settings.waf import WafSettings

DEFAULTS_FILE = "_defaults.toml"
SECTIONS: dict[str, type] = {
    "environment": EnvironmentSettings,
    "app": AppSettings,
    "database": AuroraSettings,
    "cache": ValkeySettings,
    "budget": BudgetSettings,
    "alerts": AlertSettings,
    "alarms": AlarmSettings,
    "ci": CiSettings,
    "network": NetworkSettings,
    "waf": WafSettings,
}
# Keys that moved, old -> new: still read for one release, with a warning that names the new key.
RENAMED: dict[tuple[str, str], tuple[str, str]] = {
    ("database", "deletion_protection"): ("environment", "protected"),
    ("budget", "alert_emails"): ("alerts", "emails"),
}

Key = tuple[str, ...]
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
Sources = Mapping[Key, Path]


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything one environment stack is built from."""

    source: Path
    environment: EnvironmentSettings
    app: AppSettings
    database: AuroraSettings
    cache: ValkeySettings
    budget: BudgetSettings
    alerts: AlertSettings
    alarms: AlarmSettings
    ci: CiSettings = CiSettings()
    network: NetworkSettings = NetworkSettings()
    waf: WafSettings = WafSettings()
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.environment.name

    @property
    def protected(self) -> bool:
        """The one protection switch: everything that protects data derives from it."""
        return self.environment.protected


class ConfigError(Exception):
    """Bad environment files; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def display(path: Path) -> str:
    """``environments/stage.toml``: the folder and the file, wherever the folder is."""
    return f"{path.parent.name}/{path.name}" if path.suffix else path.name


def key_text(key: Key) -> str:
    """``app.port``, as TOML writes it: a part that is not a bare key is quoted (``app." "``)."""
    return ".".join(part if BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False) for part in key)


def _read(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(
            f"{display(path)}: line {line}: byte 0x{data[error.start]:02x} is not UTF-8: expected a UTF-8 file "
            "(save it as UTF-8)"
        )
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{display(path)}: not valid TOML: {error}")
    except RecursionError:
        problems.append(f"{display(path)}: not valid TOML: nested too deeply")
    except OSError as error:
        problems.append(f"{display(path)}: cannot be read: {error.strerror or error}")
    return None


def _merge(
    base: Mapping[str, Any], base_source: Sources, override: Mapping[str, Any], path: Path
) -> tuple[dict[str, Any], dict[Key, Path]]:
    """Deep-merges two TOML documents; remembers which file each key's value came from."""
    sources: dict[Key, Path] = dict(base_source)

    def walk(left: Mapping[str, Any], right: Mapping[str, Any], prefix: Key) -> dict[str, Any]:
        out = dict(left)
        for key, value in right.items():
            here = (*prefix, key)
            if isinstance(value, Mapping):
                below = left.get(key)
                out[key] = walk(below if isinstance(below, Mapping) else {}, value, here)
            else:
                out[key] = value
            sources[here] = path
        return out

    # A copy: a table only the defaults hold would otherwise be the defaults' own object in every merged
    # document, and a step that writes into one (a deprecated key's rename) would write into all of them.
    merged = walk(copy.deepcopy(dict(base)), override, ())
    return merged, sources


def _source_of(sources: Sources, key: Key, fallback: Path) -> Path:
    while key:
        if key in sources:
            return sources[key]
        key = key[:-1]
    return fallback


def _label(sources: Sources, key: Key, path: Path) -> str:
    where = _source_of(sources, key, path)
    return display(where) if where == path else f"{display(where)} (for {display(path)})"


def _rename(document: dict[str, Any], sources: dict[Key, Path], path: Path) -> tuple[list[str], list[str]]:
    """Moves deprecated keys to their new place in ``document``; returns (problems, warnings)."""
    problems: list[str] = []
    warnings: list[str] = []
    for (old_section, old_key), (new_section, new_key) in RENAMED.items():
        old_table = document.get(old_section)
        if not isinstance(old_table, dict) or old_key not in old_table:
            continue
        new_table = document.setdefault(new_section, {})
        if not isinstance(new_table, dict):
            continue  # reported as a malformed table by the checks
        old_value = old_table.pop(old_key)
        old_name, new_name = f"{old_section}.{old_key}", f"{new_section}.{new_key}"
        label = _label(sources, (old_section, old_key), path)
        wrong_type = type_problem(old_value, typing.get_type_hints(SECTIONS[new_section])[new_key])
        if wrong_type:
            problems.append(f"{label}: {old_name} = {describe(old_value)}: expected {wrong_type}")
            continue
        new_from_defaults = _source_of(sources, (new_section, new_key), path) != path
        if new_key in new_table and new_table[new_key] != old_value and not new_from_defaults:
            problems.append(
                f"{label}: {old_name} = {describe(old_value)}: expected no value: it is deprecated and contradicts "
                f"{new_name} = {describe(new_table[new_key])}; keep only {new_name}"
            )
            continue
        new_table[new_key] = old_value
        sources[(new_section, new_key)] = sources.get((old_section, old_key), path)
        warnings.append(
            f"{label}: {old_name} is deprecated: write {new_key} = {describe(old_value)} under [{new_section}] instead"
        )
    return problems, warnings


def _check(document: Mapping[str, Any], sources: Sources, path: Path) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    built: dict[str, Any] = {}

    def report(key: Key, value: Any, allowed: str) -> None:
        shown = "" if value is None else f" = {describe(value)}"
        # A key missing everywhere belongs in the environment file: the defaults are shared by all of them.
        label = display(path) if value is None and key not in sources else _label(sources, key, path)
        problems.append(f"{label}: {key_text(key)}{shown}: expected {allowed}")

    for section in sorted(set(document) - set(SECTIONS)):
        report((section,), None, "a known section: " + ", ".join(f"[{name}]" for name in SECTIONS))
    for section, settings_class in SECTIONS.items():
        table = document.get(section, {})
        if not isinstance(table, Mapping):
            report((section,), table, f"a table [{section}]")
            continue
        instance, found = build(settings_class, table)
        for item in found:
            key, value, allowed = _chosen(item, section, sources, path) if isinstance(item, Either) else item
            report((section, key), value, allowed)
        built[section] = instance
    return built, problems


def _chosen(either: Either, section: str, sources: Sources, path: Path) -> Problem:
    """The choice whose key this file sets (what the user changed), else the first."""
    return next((choice for choice in either.choices if sources.get((section, choice[0])) == path), either.choices[0])


def _stem_problem(path: Path) -> str | None:
    stem = path.stem
    if stem.startswith(RESERVED_PREFIX):
        return (
            f"{display(path)}: the file name {stem!r} is reserved: expected a name that does not start with "
            f"{RESERVED_PREFIX} (the state-backend stacks are named {RESERVED_PREFIX}[-...])"
        )
    if re.fullmatch(NAME, stem) and len(stem) <= 16:
        return None
    return (
        f"{display(path)}: the file name {stem!r} is not a valid environment name: expected lowercase "
        "letters, digits and single hyphens, starting with a letter, at most 16 characters"
    )


def _editor_file(name: str) -> bool:
    """Lock, swap and backup files editors leave beside the file they edit: .#stage.toml, .stage.toml.swp,
    stage.toml~, #stage.toml#, stage.toml.bak."""
    return name.startswith((".", "#")) or not name.endswith(".toml")


def environment_files(directory: Path) -> tuple[list[Path], list[str]]:
    """The environment files of ``directory``, sorted, and a notice for each editor file beside them."""
    paths, notices = [], []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        if path.name == DEFAULTS_FILE or ".toml" not in path.name:
            continue
        if _editor_file(path.name):
            notices.append(f"{display(path)}: ignored: an editor's lock, swap or backup file, not an environment file")
        else:
            paths.append(path)
    return paths, notices


def _load_one(
    path: Path, defaults: Mapping[str, Any], base_sources: Sources, problems: list[str]
) -> EnvironmentConfig | None:
    stem_problem = _stem_problem(path)
    if stem_problem:
        problems.append(stem_problem)
        return None
    document = _read(path, problems)
    if document is None:
        return None
    merged, sources = _merge(defaults, base_sources, document, path)
    found, warnings = _rename(merged, sources, path)
    built, checked = _check(merged, sources, path)
    found += checked
    environment = merged.get("environment")
    name = environment.get("name") if isinstance(environment, Mapping) else None
    if isinstance(name, str) and name != path.stem:
        found.append(
            f"{display(path)}: environment.name = {describe(name)}: expected {describe(path.stem)}, the file name"
        )
    if not found:
        across_problems, across_warnings = _across(built, sources, path)
        found += across_problems
        warnings += across_warnings
    problems.extend(found)
    if found:
        return None
    return EnvironmentConfig(source=path, warnings=tuple(warnings), **built)


# What an ECS task needs to start without internet egress (besides S3's gateway endpoint, always there).
ECS_START_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")


def _waf_without_effect(waf: WafSettings, sources: Sources, path: Path) -> list[str]:
    """A [waf] key this file sets without enabling the web ACL has no effect (_defaults.toml may set them for
    the environments that enable it)."""
    if waf.enabled:
        return []
    idle = sorted({key[1] for key, source in sources.items() if key[:1] == ("waf",) and len(key) == 2 and
                   key[1] != "enabled" and source == path})  # fmt: skip
    return [
        f"{_label(sources, ('waf', key), path)}: waf.{key} = {describe(getattr(waf, key, None))}: expected no value "
        "without [waf] enabled = true: there is no web ACL for it to set (enable it, or remove the key)"
        for key in idle
    ]


def _across(built: Mapping[str, Any], sources: Sources, path: Path) -> tuple[list[str], list[str]]:
    """Rules that read more than one table: (problems, warnings)."""
    problems, warnings = [], []
    region, app = built["environment"].region, built["app"]
    wrong_region = region_problem("apprunner", region)
    if wrong_region:
        label = _label(sources, ("environment", "region"), path)
        problems.append(f"{label}: environment.region = {describe(region)}: expected {wrong_region}")
    ci, env = built["ci"], built["environment"]
    if ci.enabled and not env.account_id:
        label = _label(sources, ("ci", "github_repository"), path)
        problems.append(
            f"{label}: ci.github_repository = {describe(ci.github_repository)}: expected environment.account_id set "
            "too: the GitHub OIDC provider exists once per account, and the account names the one bootstrap "
            'that creates it (add account_id = "<12 digits>" under [environment])'
        )
    budget = built["budget"]
    if budget.activate_cost_allocation_tag and not env.account_id:
        label = _label(sources, ("budget", "activate_cost_allocation_tag"), path)
        problems.append(
            f"{label}: budget.activate_cost_allocation_tag = true: expected environment.account_id set too: the "
            f"{COST_ALLOCATION_TAG} cost allocation tag is account-wide and exactly one state-backend stack per "
            'account may activate it (add account_id = "<12 digits>" under [environment])'
        )
    problems += _waf_without_effect(built["waf"], sources, path)
    network = built["network"]
    zones = usable_zones(region)
    if network.dedicated and not wrong_region and network.zone_count > zones:
        label = _label(sources, ("network", "azs"), path)
        problems.append(
            f"{label}: network.azs = {network.zone_count}: expected at most {zones}: {region} has {zones} "
            "Availability Zone(s) a new account and App Runner's VPC connector can use"
        )
    if app.ecs and network.dedicated and network.nat_kind == "none":
        missing = [name for name in ECS_START_ENDPOINTS if name not in network.endpoints]
        if missing:
            label = _label(sources, ("network", "endpoints"), path)
            problems.append(
                f"{label}: network.endpoints = {describe(list(network.endpoints))}: expected {', '.join(missing)} "
                'too: with nat = "none" and platform = "ecs" a task pulls its image, reads its secrets and writes '
                "its logs through these endpoints, or never starts"
            )
    for warning in network.warnings(public_tasks=app.ecs):
        warnings.append(f"{_label(sources, ('network',), path)}: {warning}")
    reserved = undeliverable(built["alerts"].emails)
    if reserved:
        label = _label(sources, ("alerts", "emails"), path)
        warnings.append(
            f"{label}: alerts.emails: {', '.join(reserved)} is at a reserved domain: mail to it never arrives, "
            "so alarms and budget alerts reach no one; set real addresses (a deploy to AWS refuses it)"
        )
    return problems, warnings


def load_environment(path: Path) -> EnvironmentConfig:
    """One environment file, merged over the defaults beside it; raises ConfigError."""
    return _load_checked(path.parent, [path])[0]


class Environments(list[EnvironmentConfig]):
    """The environments of a folder; ``notices``: the files beside them that were skipped, one line each."""

    notices: tuple[str, ...] = ()


def load_environments(directory: Path) -> Environments:
    """Every ``<name>.toml`` in ``directory``, sorted by name; raises ConfigError with all problems.
    Editor files beside them are skipped, each with a notice."""
    paths, notices = environment_files(directory)
    environments = Environments(_load_checked(directory, paths))
    environments.notices = tuple(notices)
    return environments


def _load_checked(directory: Path, paths: list[Path]) -> list[EnvironmentConfig]:
    problems: list[str] = []
    defaults_path = directory / DEFAULTS_FILE
    defaults = _read(defaults_path, problems) if defaults_path.exists() else {}
    if not paths:
        problems.append(f"{display(directory)}: no environment files: expected at least one <name>.toml")
    configs: list[EnvironmentConfig] = []
    if defaults is not None:
        base_sources = _merge({}, {}, defaults, defaults_path)[1] if defaults else {}
        for path in paths:
            config = _load_one(path, defaults, base_sources, problems)
            if config:
                configs.append(config)
    if problems:
        raise ConfigError(problems)
    return configs

"""Environment arguments, parsed once, and the one door to an environment's settings.

``parse_environment`` turns what a user typed into exactly one known environment or refuses it (exit 2)
naming the closest known one. Known environments are ``<name>.toml`` in the environments folder
(``ENVIRONMENTS_DIR``, default ``environments/``), except ``_defaults.toml``, hidden files and backups.
``bootstrap`` and every name starting with it are reserved for the state-backend stacks.
``parse_image_tag`` refuses (exit 2) a tag that ``[app] image_tag`` would refuse: the same rule.

``load_settings``, ``all_settings`` and ``is_protected`` are the only places scripts/ops reads settings.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from modules.settings import ConfigError, EnvironmentConfig, load_environment, load_environments
from modules.settings.alerts import undeliverable
from modules.settings.app import image_tag_problem
from modules.settings.naming import RESERVED_PREFIX
from scripts.ops.console import BAD_ARGUMENT, OpsError

ROOT = Path(__file__).resolve().parents[2]


class BadEnvironmentError(OpsError):
    """An unknown or reserved environment argument, or a bad environment file: exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, BAD_ARGUMENT)


def environments_dir() -> Path:
    return Path(os.environ.get("ENVIRONMENTS_DIR") or ROOT / "environments")


def known_environments(directory: Path | None = None) -> list[str]:
    folder = directory or environments_dir()
    names = []
    for path in folder.iterdir() if folder.is_dir() else []:
        if path.name.startswith((".", "_")) or path.suffix != ".toml" or not path.is_file():
            continue
        names.append(path.name.removesuffix(".toml"))
    return sorted(names)


def is_reserved(name: str) -> bool:
    return name.startswith(RESERVED_PREFIX)


def _normalized(argument: str) -> str:
    """What the user probably meant: ``./prod/`` -> prod, ``PROD`` -> prod, ``prod.toml`` -> prod."""
    text = argument.strip().strip("/").lower()
    text = text.rsplit("/", 1)[-1]
    return text.removesuffix(".toml")


def parse_environment(argument: str, directory: Path | None = None) -> str:
    """Exactly one known environment, or BadEnvironmentError naming the closest one."""
    known = known_environments(directory)
    listing = f"known environments: {', '.join(known) or 'none'}"
    guess = _normalized(argument)
    if is_reserved(argument) or is_reserved(guess):
        raise BadEnvironmentError(
            f"{argument!r} is reserved: the state-backend stacks ({RESERVED_PREFIX}*) are created by "
            f"./scripts/bootstrap.sh and never planned, deployed or destroyed as an environment ({listing})"
        )
    if argument in known:
        return argument
    if not argument.strip():
        raise BadEnvironmentError(f"no environment given ({listing})")
    closest = [guess] if guess in known else difflib.get_close_matches(guess, known, n=1, cutoff=0.5)
    hint = f": did you mean {closest[0]}?" if closest else ""
    raise BadEnvironmentError(f"unknown environment {argument!r}{hint} ({listing})")


def parse_image_tag(argument: str | None) -> str | None:
    """The image tag given on the command line, by [app] image_tag's rule; None: the file's tag."""
    if argument is None:
        return None
    problem = image_tag_problem(argument)
    if problem:
        raise BadEnvironmentError(f"image tag {argument!r}: expected {problem}")
    return argument


def load_settings(name: str) -> EnvironmentConfig:
    """The settings of one parsed environment; a bad environment file is BadEnvironmentError (exit 2)."""
    try:
        return load_environment(environments_dir() / f"{name}.toml")
    except ConfigError as error:
        raise BadEnvironmentError("\n".join(error.problems)) from error


def all_settings() -> list[EnvironmentConfig]:
    """Every environment's settings (which backends they use); bad files are BadEnvironmentError (exit 2)."""
    try:
        return load_environments(environments_dir())
    except ConfigError as error:
        raise BadEnvironmentError("\n".join(error.problems)) from error


def is_protected(name: str) -> bool:
    """The state backend always is; an environment when its settings say so."""
    if is_reserved(name):
        return True
    protected = load_settings(name).protected
    if not isinstance(protected, bool):
        raise TypeError(f"the protection setting of {name} is {protected!r}, not true or false")
    return protected


def undeliverable_alerts(name: str) -> str | None:
    """Why a deploy to AWS must not go ahead with these alert recipients, or None."""
    config = load_settings(name)
    reserved = undeliverable(config.alerts.emails)
    if not reserved:
        return None
    return (
        f"{', '.join(reserved)} in [alerts] emails (environments/{config.source.name} or _defaults.toml) "
        "is at a reserved domain and never confirms the SNS subscription: alarms and budget alerts would reach "
        "no one. Set the team's real addresses under [alerts] emails (local mode accepts them)."
    )

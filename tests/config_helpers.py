"""Editing environment files in tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from modules.settings import ConfigError, load_environments


def set_key(path: Path, section: str, key: str, value: str | None) -> None:
    """Sets (or with None removes) ``key`` in ``[section]`` of a TOML file, keeping everything else."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = f"[{section}]"
    start = lines.index(header) if header in lines else None
    if start is None:
        lines += ["", header]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    pattern = re.compile(rf"^{re.escape(key)}\s*=")
    for i in range(start + 1, end):
        if pattern.match(lines[i]):
            if value is None:
                del lines[i]
            else:
                lines[i] = f"{key} = {value}"
            break
    else:
        assert value is not None, f"{key} is not in [{section}] of {path}"
        lines.insert(start + 1, f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def problems(path: Path) -> list[str]:
    """The lines the loader refuses the environment files beside ``path`` with (it must refuse them)."""
    with pytest.raises(ConfigError) as raised:
        load_environments(path.parent)
    return raised.value.problems


def environment_copy(fixtures: Path, target: Path, name: str) -> Path:
    """``fixtures``' _defaults.toml and ``<name>.toml`` alone in ``target``: the path of the environment file."""
    target.mkdir(parents=True)
    shutil.copy(fixtures / "_defaults.toml", target / "_defaults.toml")
    return Path(shutil.copy(fixtures / f"{name}.toml", target / f"{name}.toml"))

"""How the additions attach to moto's classes: by name, at run time (mypy cannot follow such assignments)."""

from __future__ import annotations

from typing import Any


def replace(owner: Any, name: str, value: Any) -> None:
    """Set `owner.name` to `value` (a method, property or function of moto's, replaced by ours)."""
    setattr(owner, name, value)


def add_members(target: type, source: type) -> None:
    """Copy the methods and properties defined on `source` onto `target` (dunder names aside)."""
    for name, member in vars(source).items():
        if not name.startswith("__"):
            replace(target, name, member)

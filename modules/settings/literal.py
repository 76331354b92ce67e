"""Text from the environment files stays text in the Terraform JSON.

Terraform reads every string of a ``.tf.json`` file as a template: ``${...}`` is evaluated and ``%{...}`` is a
directive, so a value such as ``${file("/etc/passwd")}`` in ``[app.environment]`` would be run by Terraform on
the machine that plans. Terraform's escapes (Strings and Templates, "$${" and "%%{") keep it literal. Every
string a stack takes from the settings and puts into the JSON goes through :func:`literal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def literal(value: str) -> str:
    """``value`` as a Terraform string that evaluates to exactly ``value``."""
    return value.replace("${", "$${").replace("%{", "%%{")


def literal_map(values: Mapping[str, str]) -> dict[str, str]:
    """A table of settings strings, keys and values alike, as literal Terraform strings."""
    return {literal(key): literal(value) for key, value in values.items()}


def literal_all(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(literal(value) for value in values)

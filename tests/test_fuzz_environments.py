"""Fuzzing the environment files (Hypothesis): documents generated over the settings schema
(``modules.settings.loader.SECTIONS`` and each dataclass's typed fields) are either accepted, and then
synthesize, or refused with ``ConfigError`` whose every line starts with ``environments/<file>`` and names
a key (or, for bytes that are not UTF-8 or not TOML, the line), never any other exception.

Each document starts from the shipped stage file and mutates it: valid-looking values (taken from the
shipped files, the defaults and small numbers), wrong types, out-of-range numbers, random strings
(control characters and non-ASCII included), inf and nan, unknown keys and sections, nested junk,
missing required keys, and sometimes bytes that are not UTF-8.

Runs: ``pytest tests/test_fuzz_environments.py`` (the default profile: 100 documents loaded, 6 synthesized,
no deadline; a few seconds plus ~2 s per synthesis); ``FUZZ_PROFILE=long`` for 3,000 documents and 40
syntheses; ``--hypothesis-show-statistics`` prints what ran. The slow test runs ``terraform validate`` on
three accepted documents.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from main import synthesize
from modules.settings import ConfigError, load_environments
from modules.settings.loader import SECTIONS
from modules.settings.schema import fields_of, resolved_types
from tests.conftest import ENVIRONMENTS

PROFILES = {"default": (100, 6, 3), "long": (3000, 40, 8)}  # (loaded, synthesized, terraform validate)
LOADED, SYNTHESIZED, VALIDATED = PROFILES[os.environ.get("FUZZ_PROFILE", "default")]
COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
NAME = "fuzz"
BASE: dict[str, Any] = tomllib.loads((ENVIRONMENTS / "stage.toml").read_text(encoding="utf-8"))
BASE["environment"]["name"] = NAME
SHIPPED = [tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(ENVIRONMENTS.glob("*.toml"))]
PART = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*")'  # a bare key, or a quoted one (JSON escapes)
KEY_LINE = re.compile(
    rf"environments/[^:]+\.toml(?: \(for environments/fuzz\.toml\))?: (?P<key>{PART}(?:\.{PART})*)(?: = |: )"
)
FILE_LINE = re.compile(r"environments/fuzz\.toml: (line \d+: byte|not valid TOML)")

# --- TOML writing (no writer among the dependencies) ---------------------------------------------------


def toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else {"\\": "\\\\", '"': '\\"'}.get(char, char)
        for char in text
    )
    return f'"{escaped}"'


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(toml_value(item) for item in value) + "]"


def toml_document(document: Mapping[str, Any]) -> str:
    """Top-level scalars first, then one [table] per mapping (nested mappings inline)."""
    lines = [f"{toml_key(key)} = {toml_value(value)}" for key, value in document.items() if not isinstance(value, dict)]
    for key, value in document.items():
        if isinstance(value, dict):
            lines += ["", f"[{toml_key(key)}]", *(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())]
    return "\n".join(lines) + "\n"


# --- strategies ----------------------------------------------------------------------------------------

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
junk = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)  # fmt: skip
keys = st.text(min_size=1, max_size=20)


def sensible(section: str, key: str, annotation: Any) -> st.SearchStrategy[Any]:
    """Values of the right type: those of the shipped files, small numbers, short strings."""
    seen = [doc[section][key] for doc in SHIPPED if isinstance(doc.get(section), dict) and key in doc[section]]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, type(int | None)):
        (annotation,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    by_type: st.SearchStrategy[Any]
    if annotation is bool:
        by_type = st.booleans()
    elif annotation is int:
        by_type = st.integers(min_value=-5, max_value=100_000)
    elif annotation is float:
        by_type = st.integers(min_value=-5, max_value=10_000) | st.floats(min_value=-1, max_value=1e6)
    elif annotation is str:
        by_type = st.text(alphabet=st.characters(codec="ascii"), max_size=30)
    elif typing.get_origin(annotation) is tuple:
        item = typing.get_args(annotation)[0]
        by_type = st.lists(sensible(section, "", item) if item is not str else st.emails(), max_size=4)
    else:
        by_type = st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True) | st.text(max_size=8),
                                  st.text(max_size=20), max_size=4)  # fmt: skip
    return st.sampled_from(seen) | by_type if seen else by_type


FIELDS = [
    (section, key, annotation)
    for section, settings_class in SECTIONS.items()
    for key, annotation in resolved_types(settings_class).items()
    if key in fields_of(settings_class)
]


@st.composite
def documents(draw: st.DrawFn, valid_only: bool = False) -> tuple[dict[str, Any], bytes | None]:
    """(document, raw bytes or None): the stage file with mutations over the schema."""
    document = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        section, key, annotation = draw(st.sampled_from(FIELDS))
        table = document.setdefault(section, {})
        choice = 0 if valid_only else draw(st.integers(min_value=0, max_value=5))
        if choice <= 2:
            table[key] = draw(sensible(section, key, annotation))
        elif choice == 3:
            table[key] = draw(junk)
        elif choice == 4:
            table.pop(key, None)
        else:
            target = document if draw(st.booleans()) else table
            target[draw(keys)] = draw(junk)
    if not valid_only and draw(st.integers(min_value=0, max_value=9)) == 0:
        document[draw(st.sampled_from(list(SECTIONS)))] = draw(scalars)  # a section that is not a table
    raw = None
    if not valid_only and draw(st.integers(min_value=0, max_value=14)) == 0:
        text = toml_document(document).encode()
        at = draw(st.integers(min_value=0, max_value=len(text)))
        raw = text[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x80abc", b"\xed\xa0\x80"])) + text[at:]
    return document, raw


def write(folder: Path, document: Mapping[str, Any], raw: bytes | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ENVIRONMENTS / "_defaults.toml", folder / "_defaults.toml")
    path = folder / f"{NAME}.toml"
    path.write_bytes(raw if raw is not None else toml_document(document).encode("utf-8"))
    return path


def load_or_refuse(folder: Path, raw: bytes | None) -> bool:
    """True when accepted; a refusal must be ConfigError whose every line names the file and a key."""
    try:
        load_environments(folder)
    except ConfigError as error:
        assert error.problems
        for line in error.problems:
            if raw is not None and FILE_LINE.match(line):
                continue
            match = KEY_LINE.match(line)
            assert match, f"a problem line that names no file and key: {line!r}"
        return False
    return True


# --- tests ---------------------------------------------------------------------------------------------


@settings(max_examples=LOADED, **COMMON)
@given(documents())
def test_every_document_is_accepted_or_refused_with_one_line_per_problem(
    case: tuple[dict[str, Any], bytes | None],
) -> None:
    document, raw = case
    with tempfile.TemporaryDirectory() as scratch:
        accepted = load_or_refuse(write(Path(scratch) / "environments", document, raw).parent, raw)
    event("accepted" if accepted else "refused")


def test_the_writer_round_trips_the_shipped_file() -> None:
    assert tomllib.loads(toml_document(BASE)) == BASE


@settings(max_examples=SYNTHESIZED, **COMMON)
@given(documents(valid_only=True))
def test_accepted_documents_synthesize(case: tuple[dict[str, Any], bytes | None]) -> None:
    document, raw = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = write(Path(scratch) / "environments", document, raw).parent
        accepted = load_or_refuse(folder, raw)
        event("accepted, synthesized" if accepted else "refused")
        if accepted:
            stacks = synthesize(folder, Path(scratch) / "cdktf.out")
            assert sorted(stack.node.id for stack in stacks) == ["bootstrap", NAME]


@pytest.mark.slow
@settings(max_examples=VALIDATED, **COMMON)
@given(documents(valid_only=True))
def test_accepted_documents_pass_terraform_validate(case: tuple[dict[str, Any], bytes | None]) -> None:
    document, raw = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = write(Path(scratch) / "environments", document, raw).parent
        if not load_or_refuse(folder, raw):
            return
        synthesize(folder, Path(scratch) / "cdktf.out")
        stack = Path(scratch) / "cdktf.out" / "stacks" / NAME
        for command in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-no-color"]):
            result = subprocess.run(["terraform", f"-chdir={stack}", *command], capture_output=True, text=True,
                                    timeout=600, check=False)  # fmt: skip
            assert result.returncode == 0, result.stdout + result.stderr

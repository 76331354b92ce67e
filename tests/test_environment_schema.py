"""environments/environment.schema.json: generated from the settings declarations, current, valid for every
shipped file (each partial: the defaults fill in), and refusing what the loader refuses where JSON Schema
can say it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from modules.settings import ConfigError, load_environment
from modules.settings.json_schema import DIRECTIVE, SCHEMA_FILE, render
from modules.settings.loader import SECTIONS
from modules.settings.schema import fields_of
from tests.conftest import ENVIRONMENTS, ROOT

SCHEMA = ENVIRONMENTS / SCHEMA_FILE
CHECK_JSONSCHEMA = ROOT / ".venv" / "bin" / "check-jsonschema"
SHIPPED = sorted(ENVIRONMENTS.glob("*.toml"))


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA), *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_schema_file_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(), "stale: run python -m scripts.ops schema"


def test_the_regeneration_command_reports_a_stale_file() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "scripts.ops", "schema", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "up to date" in result.stdout, result.stderr


def test_the_schema_is_valid_json_schema_with_ecmascript_patterns() -> None:
    command = [str(CHECK_JSONSCHEMA), "--check-metaschema", str(SCHEMA)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_declared_key_is_in_the_schema_with_its_description() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert list(schema["properties"]) == list(SECTIONS)
    for section, settings_class in SECTIONS.items():
        properties = schema["properties"][section]["properties"]
        for name, spec in fields_of(settings_class).items():
            assert properties[name]["description"] == spec.metadata["description"], (section, name)


def test_each_shipped_file_names_the_schema_first_and_passes_it() -> None:
    for path in SHIPPED:
        assert path.read_text(encoding="utf-8").splitlines()[0] == DIRECTIVE, path.name
    result = check_jsonschema(*SHIPPED)
    assert result.returncode == 0, result.stdout + result.stderr


# Each: a value the loader refuses; the schema must refuse it too.
BAD = {
    "unknown key": "[app]\ncpus = 256\n",
    "unknown section": "[apps]\ncpu = 256\n",
    "wrong type": '[app]\ncpu = "256"\n',
    "not allowed": "[app]\ncpu = 300\n",
    "out of range": "[database]\nbackup_retention_days = 36\n",
    "not a multiple": "[database]\nmin_acu = 0.3\n",
    "bad pattern": '[environment]\naccount_id = "1234"\n',
    "window shape": '[cache]\nsnapshot_window = "2:00-3:00"\n',
    "reserved variable": '[app.environment]\nPORT = "1"\n',
    "secret-looking variable": '[app.environment]\nGITHUB_TOKEN = "x"\n',
    "reserved tag": '[environment.tags]\n"AWS:team" = "x"\n',
    "stack tag": '[environment.tags]\nproject = "x"\n',
    "no e-mail": "[alerts]\nemails = []\n",
    "duplicate share": "[budget]\nactual_alert_percents = [80, 80]\n",
    "engine version": '[database]\nengine_version = "12.4"\n',
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_the_loader_refuses_each_bad_value(environments: Path, text: str) -> None:
    stage = environments / "stage.toml"
    stage.write_text(stage.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_environment(stage)


def test_the_schema_refuses_each_bad_value_too(tmp_path: Path) -> None:
    """One check-jsonschema run over a file per bad value: each file is named in its report."""
    files = []
    for index, text in enumerate(BAD.values()):
        files.append(tmp_path / f"bad{index:02d}.toml")
        files[-1].write_text(f"{DIRECTIVE}\n{text}", encoding="utf-8")
    result = check_jsonschema(*files)
    assert result.returncode == 1
    refused = {path.name for path in files if f"{path.name}::" in result.stdout}
    assert refused == {path.name for path in files}, result.stdout


def test_a_partial_file_is_valid(tmp_path: Path) -> None:
    partial = tmp_path / "qa.toml"
    partial.write_text(f'{DIRECTIVE}\n[environment]\nname = "qa"\n\n[app]\ncpu = 512\nmemory = 1024\n')
    assert check_jsonschema(partial).returncode == 0

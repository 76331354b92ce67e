"""The repository as a user gets it: the tracked files (git ls-files) copied to a temporary folder, with
this checkout's installed packages (.venv, node_modules) linked in.

- The suite survives a user's own environments: with environments/qa.toml (a copy of stage.toml named
  qa) beside the shipped ones, the fast suite passes there.
- `./scripts/synth.sh` installs the cdktf CLI, as the README says, so `npx cdktf synth` works right after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def clone(target: Path, *, packages: tuple[str, ...] = (".venv", "node_modules")) -> Path:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for package in packages:
        (target / package).symlink_to(ROOT / package)
    return target


def test_the_fast_suite_passes_beside_a_users_qa_environment(tmp_path: Path) -> None:
    copy = clone(tmp_path / "repo")
    stage = (copy / "environments" / "stage.toml").read_text(encoding="utf-8")
    assert 'name = "stage"' in stage
    (copy / "environments" / "qa.toml").write_text(stage.replace('name = "stage"', 'name = "qa"'), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider", "-x",
         "--ignore=tests/test_fuzz_environments.py"],
        cwd=copy, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, capture_output=True, text=True, timeout=1200,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_synth_sh_installs_the_cdktf_cli_that_npx_cdktf_synth_needs(tmp_path: Path) -> None:
    copy = clone(tmp_path / "repo", packages=(".venv",))
    calls = tmp_path / "npm-calls"
    stub = tmp_path / "bin" / "npm"
    stub.parent.mkdir()
    stub.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\nmkdir -p node_modules/.bin\n'
        "printf '#!/bin/sh\\necho cdktf 0.21.0\\n' > node_modules/.bin/cdktf\nchmod +x node_modules/.bin/cdktf\n"
    )
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"}
    result = subprocess.run([str(copy / "scripts" / "synth.sh"), "--no-gate"], cwd=copy, env=env, capture_output=True,
                            text=True, timeout=600, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls.read_text().split()[:1] == ["ci"], calls.read_text()
    assert os.access(copy / "node_modules" / ".bin" / "cdktf", os.X_OK)
    assert (copy / "cdktf.out" / "manifest.json").is_file()

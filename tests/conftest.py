"""Shared fixtures. The provider bindings are imported once (lazily) and every stack is synthesized
once per session: importing the AWS bindings eagerly costs ~20 s per process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import modules.framework  # noqa: E402,F401  (first: lazy provider bindings)
from main import synthesize  # noqa: E402

ENVIRONMENTS = ROOT / "environments"

# The modules that apply or plan against the local AWS take most of the suite's wall time, mostly waiting
# on the provider's fixed polling. They run first, so that with several workers (scripts/test.sh runs
# pytest-xdist, one module per worker, in this order: --no-loadscope-reorder, or xdist would sort modules by
# their number of tests and start these last) the short modules fill the other workers while they wait.
# xdist hands each worker two modules at the start: the fifth, queued behind the longest, is a short one.
LONGEST_FIRST = (
    "test_local_apply.py",
    "test_local_ecs.py",
    "test_local_only.py",
    "test_local_aws.py",
    "test_loopback.py",
    "test_fresh_clone.py",
    "test_emulator.py",
    "test_cdktf_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside each module and among the others is kept


@pytest.fixture(scope="session")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdktf.out synthesized once from the shipped environment files."""
    target = tmp_path_factory.mktemp("synth") / "cdktf.out"
    synthesize(ENVIRONMENTS, target)
    return target


@pytest.fixture(scope="session")
def stack_json(outdir: Path) -> Callable[[str], dict]:
    cache: dict[str, dict] = {}

    def load(name: str) -> dict:
        if name not in cache:
            cache[name] = json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8"))
        return cache[name]

    return load


def synthesized(directory: Path, outdir: Path) -> Callable[[str], dict]:
    """Every stack of the environment files in ``directory``, synthesized once into ``outdir``: a loader of a
    stack's JSON by name (``.outdir`` says where)."""
    synthesize(directory, outdir)

    def load(name: str) -> dict:
        return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8"))

    load.outdir = outdir  # type: ignore[attr-defined]
    return load


def passing_gate(outdir: Path, reports: Path) -> dict[str, dict]:
    """Runs the gate (terraform validate with the real provider, checkov, the IAM linter) on ``outdir``; asserts
    that every stack is valid, passes checks and has no failed or stale finding. Its summary, by stack."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.ops", "gate", "--outdir", str(outdir), "--reports", str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary = {item["name"]: item for item in json.loads((reports / "summary.json").read_text(encoding="utf-8"))}
    for name, item in summary.items():
        assert item["validate"] == "valid", name
        assert item["failed"] == [] and item["stale"] == [] and item["passed"] > 0, name
        assert item["iam_failed"] == [] and item["iam_stale"] == [], name
    return summary


@pytest.fixture(scope="session")
def waf_json(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:
    """tests/fixtures/waf/ ([waf] on CloudFront outside us-east-1, on a load balancer, on App Runner; each with
    [ci]), synthesized once for the WAF and the CI tests."""
    return synthesized(ROOT / "tests" / "fixtures" / "waf", tmp_path_factory.mktemp("waf") / "cdktf.out")


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    """A writable copy of environments/ for tests that change or add files."""
    target = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS, target)
    return target


@pytest.fixture
def accounts(environments: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment files as a deploy to AWS needs them: every one names its account (operations read
    them through ENVIRONMENTS_DIR)."""
    for path in environments.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if "[environment]" in text and not path.name.startswith("_"):
            path.write_text(text.replace("[environment]\n", '[environment]\naccount_id = "111111111111"\n', 1))
    monkeypatch.setenv("ENVIRONMENTS_DIR", str(environments))
    return environments


def resources(document: dict, resource_type: str) -> dict[str, dict]:
    return document.get("resource", {}).get(resource_type, {})


def only(document: dict, resource_type: str) -> dict:
    found = resources(document, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


@pytest.fixture(scope="session")
def shared_local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One local AWS (scripts/ops/local_aws.py, as the scripts' --local start it) for every module that
    plans or applies against it: one emulator and one bootstrap per test session, stopped at its end."""
    from scripts.ops.local_aws import answers, local_aws, local_environment

    log = tmp_path_factory.mktemp("local-aws") / "emulator.log"
    with local_aws(log=log, reuse=False) as running:
        yield {
            **local_environment(dict(os.environ), running.endpoint),  # test credentials, real-AWS variables cleared
            "LOCAL_DIR": str(tmp_path_factory.mktemp("local")),
            "LOCAL_AWS_PID": str(running.process.pid if running.process else 0),
        }
    assert running.process is not None and running.process.poll() is not None, "the local AWS is still running"
    assert not answers(running.endpoint)

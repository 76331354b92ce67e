"""The floors of the house: what each layer may import, addresses that never move, protection as one
switch, and the size of the pieces. See ARCHITECTURE.md."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from main import synthesize
from modules.settings.protection import SECRET_RECOVERY_DAYS, STATEFUL_TYPES
from tests.config_helpers import set_key
from tests.conftest import ENVIRONMENTS, ROOT

FRAMEWORK = ("cdktf", "constructs", "jsii", "cdktf_cdktf_provider_aws")
MAX_FUNCTION_LINES = 60


def python_files() -> Iterator[Path]:
    for folder in ("modules", "bootstrap", "scripts", "policies"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield ROOT / "main.py"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_loading_every_environment_file_never_loads_the_framework() -> None:
    """In a fresh interpreter: this test process has imported cdktf already."""
    probe = (
        "import sys; from pathlib import Path; from modules.settings import load_environments; "
        f"configs = load_environments(Path({str(ENVIRONMENTS)!r})); "
        f"print(len(configs), sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORK!r}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    shipped = len([path for path in ENVIRONMENTS.glob("*.toml") if not path.name.startswith("_")])
    assert result.stdout.split(maxsplit=1) == [str(shipped), "[]\n"]


@pytest.mark.parametrize(
    ("floor", "forbidden"),
    [
        ("modules/settings", ("modules.framework", "modules.stack", *FRAMEWORK, "jinja2", "bootstrap", "scripts")),
        ("modules", ("bootstrap", "scripts", "main")),
        ("scripts/ops", ("modules.framework", "modules.stack", "modules.app", *FRAMEWORK)),
    ],
)
def test_each_floor_imports_only_what_sits_below_it(floor: str, forbidden: tuple[str, ...]) -> None:
    offenders = []
    for path in sorted((ROOT / floor).rglob("*.py")):
        for name in imports_of(path):
            if any(name == bad or name.startswith(f"{bad}.") for bad in forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_only_the_framework_module_imports_the_framework() -> None:
    allowed = {ROOT / "modules" / "framework.py", ROOT / "policies" / "checkov" / "apprunner_service.py"}
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files()
        if path not in allowed
        for name in imports_of(path)
        if name.split(".")[0] in FRAMEWORK
    ]
    assert offenders == []


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


def addresses(document: dict) -> set[str]:
    managed = {f"{kind}.{name}" for kind, blocks in document.get("resource", {}).items() for name in blocks}
    data = {f"data.{kind}.{name}" for kind, blocks in document.get("data", {}).items() for name in blocks}
    return managed | data


def test_no_resource_address_moves_without_a_moved_block(stack_json: Callable[[str], dict], outdir: Path) -> None:
    """tests/fixtures/addresses.json records every address of the shipped stacks before the redesign.
    A resource whose address changes is destroyed and created again (prod's database included) unless
    a moved block says where it went, or a removed block (versions.tf) that Terraform forgets it. Data
    sources hold nothing: they are read anew at every plan, so a dedicated network may drop the default
    VPC's lookups (tests/test_network.py checks that the default VPC mode keeps them)."""
    recorded = json.loads((ROOT / "tests" / "fixtures" / "addresses.json").read_text(encoding="utf-8"))
    for stack, before in recorded.items():
        document = stack_json(stack)
        now = addresses(document)
        moved = {block["from"]: block["to"] for block in document.get("moved", [])}
        versions = (outdir / "stacks" / stack / "versions.tf").read_text(encoding="utf-8")
        forgotten = set(re.findall(r"^removed \{\n  from = (\S+)\n  lifecycle \{\n    destroy = false", versions, re.M))
        managed = [address for address in before if not address.startswith("data.")]
        lost = [address for address in managed
                if address not in now and moved.get(address) not in now and address not in forgotten]  # fmt: skip
        assert lost == [], f"{stack}: addresses gone without a moved block"


@pytest.fixture(scope="module")
def protection_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, dict]:
    """The same environment synthesized protected and unprotected."""
    documents = {}
    for protected in (True, False):
        environments = tmp_path_factory.mktemp(f"protected-{protected}") / "environments"
        environments.mkdir()
        for path in ENVIRONMENTS.glob("*.toml"):
            if path.name in ("_defaults.toml", "stage.toml"):
                (environments / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        set_key(environments / "stage.toml", "environment", "protected", "true" if protected else "false")
        outdir = environments.parent / "cdktf.out"
        synthesize(environments, outdir)
        documents[protected] = json.loads((outdir / "stacks" / "stage" / "cdk.tf.json").read_text(encoding="utf-8"))
    return documents


@pytest.mark.parametrize("protected", [True, False])
def test_the_protection_switch_reaches_every_stateful_resource(
    protection_pair: dict[bool, dict], protected: bool
) -> None:
    document = protection_pair[protected]
    stateful = {
        f"{kind}.{name}": body
        for kind, blocks in document["resource"].items()
        if kind in STATEFUL_TYPES
        for name, body in blocks.items()
    }
    assert len(stateful) >= 7  # key, secret, database, instance, cache, repository, vault
    for address, body in stateful.items():
        assert body.get("lifecycle", {}).get("prevent_destroy", False) is protected, address
    (cluster,) = document["resource"]["aws_rds_cluster"].values()
    assert cluster["deletion_protection"] is protected
    assert cluster["skip_final_snapshot"] is False  # kept data either way
    for secret in document["resource"]["aws_secretsmanager_secret"].values():
        assert secret["recovery_window_in_days"] == SECRET_RECOVERY_DAYS[protected]
    # Unprotected: a destroy empties what would stop it (images, recovery points); protected: never.
    (repository,) = document["resource"]["aws_ecr_repository"].values()
    (vault,) = document["resource"]["aws_backup_vault"].values()
    assert repository["force_delete"] is not protected and vault["force_destroy"] is not protected
    skips = cluster["//"].get("checkov_skip", {})
    assert ("CKV_AWS_139" in skips) is not protected

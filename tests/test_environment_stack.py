"""Environment stacks: complete workspaces with the S3 backend, the provider and the network."""

from __future__ import annotations

from pathlib import Path

from main import synthesize
from tests.config_helpers import set_key


def test_backend_is_found_by_convention_with_native_locking(stack_json) -> None:
    for name in ("stage", "prod"):
        backend = stack_json(name)["terraform"]["backend"]["s3"]
        # No account_id in the shipped files: no bucket (a name without the account may be anyone's).
        assert backend == {
            "encrypt": True,
            "key": f"{name}/terraform.tfstate",
            "kms_key_id": "alias/cerberus-tfstate",
            "region": "us-east-1",
            "use_lockfile": True,
        }


def test_provider_has_region_and_default_tags_and_no_account_pin_unless_configured(stack_json) -> None:
    provider = stack_json("prod")["provider"]["aws"][0]
    assert provider["region"] == "us-east-1"
    assert provider["default_tags"] == [{"tags": {"environment": "prod", "managed-by": "cdktf", "project": "cerberus"}}]
    assert "allowed_account_ids" not in provider


def test_shipped_environments_have_a_vpc_of_their_own(stack_json) -> None:
    for name in ("stage", "prod"):
        document = stack_json(name)
        assert document["resource"]["aws_vpc"]["network"]["cidr_block"].endswith(".0.0/16")
        assert "aws_vpc" not in document["data"]  # the default VPC mode: tests/test_network.py


def test_account_id_pins_the_provider_and_names_the_backend(environments: Path, tmp_path: Path) -> None:
    import json

    others = sorted(path.stem for path in environments.glob("*.toml") if path.stem not in ("_defaults", "prod"))
    for name in others:
        set_key(environments / f"{name}.toml", "environment", "account_id", '"111111111111"')
    set_key(environments / "prod.toml", "environment", "account_id", '"222222222222"')
    outdir = tmp_path / "cdktf.out"
    stacks = synthesize(environments, outdir)
    names = sorted(stack.node.id for stack in stacks)
    # Two backends now (prod's account, and the others'): one bootstrap stack each.
    backends = ["bootstrap-cerberus-111111111111-us-east-1", "bootstrap-cerberus-222222222222-us-east-1"]
    assert names == sorted([*backends, "prod", *others])
    prod = json.loads((outdir / "stacks" / "prod" / "cdk.tf.json").read_text())
    assert prod["provider"]["aws"][0]["allowed_account_ids"] == ["222222222222"]
    assert prod["terraform"]["backend"]["s3"]["bucket"] == "cerberus-tfstate-222222222222-us-east-1"
    assert prod["terraform"]["backend"]["s3"]["allowed_account_ids"] == ["222222222222"]
    bootstrap = json.loads(
        (outdir / "stacks" / "bootstrap-cerberus-222222222222-us-east-1" / "cdk.tf.json").read_text()
    )
    assert bootstrap["resource"]["aws_s3_bucket"]["state_bucket"]["bucket"] == "cerberus-tfstate-222222222222-us-east-1"
    assert bootstrap["provider"]["aws"][0]["allowed_account_ids"] == ["222222222222"]
    # Each backend keeps its own local state.
    assert (
        bootstrap["terraform"]["backend"]["local"]["path"]
        == "../../../bootstrap/bootstrap-cerberus-222222222222-us-east-1.tfstate"
    )


def test_a_dev_file_copied_from_stage_becomes_a_dev_stack(environments: Path, tmp_path: Path) -> None:
    text = (environments / "stage.toml").read_text(encoding="utf-8").replace('name = "stage"', 'name = "dev"')
    (environments / "dev.toml").write_text(text, encoding="utf-8")
    outdir = tmp_path / "cdktf.out"
    synthesize(environments, outdir)
    files = sorted(path.stem for path in environments.glob("*.toml") if not path.name.startswith("_"))
    assert "dev" in files and sorted(path.name for path in (outdir / "stacks").iterdir()) == ["bootstrap", *files]
    assert '"key": "dev/terraform.tfstate"' in (outdir / "stacks" / "dev" / "cdk.tf.json").read_text()


def test_synthesis_is_deterministic(outdir: Path, tmp_path: Path) -> None:
    second = tmp_path / "cdktf.out"
    synthesize(Path(__file__).resolve().parent.parent / "environments", second)
    first_files = sorted(p.relative_to(outdir) for p in outdir.rglob("*") if p.is_file())
    second_files = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert first_files == second_files and len(first_files) > 5
    for relative in first_files:
        assert (outdir / relative).read_bytes() == (second / relative).read_bytes(), relative

"""The lazy provider loader: few submodules imported, JS-created objects still resolve, same output."""

from __future__ import annotations

import importlib.metadata
import mmap
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules import framework
from tests.conftest import ROOT

PACKAGE_DIR = Path(importlib.util.find_spec(framework.PROVIDER_PACKAGE).origin).parent  # type: ignore[union-attr]


def test_tests_run_on_the_lazy_path(outdir: Path) -> None:
    assert framework.PROVIDER_LOADING == "lazy"
    loaded = [name for name in sys.modules if name.startswith(framework.PROVIDER_PACKAGE + ".")]
    # _jsii plus the submodules the stacks use (both compute backends: about 165): nowhere near the ~2,135
    # the eager import loads.
    assert 3 < len(loaded) < 200, len(loaded)


def test_every_submodule_maps_to_its_jsii_name() -> None:
    """The map handed to jsii is derived by naming rule; check it against each module's own types."""
    submodules = framework.aws.__all__
    assert len(submodules) > 2000
    marker = b'jsii_type="@cdktf/provider-aws.'
    mismatches = []
    for name in submodules:
        with (
            open(PACKAGE_DIR / name / "__init__.py", "rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as text,
        ):
            start = text.find(marker)
            if start < 0:
                continue
            start += len(marker)
            actual = text[start : text.find(b".", start)].decode()
        if actual != framework.jsii_submodule_name(name):
            mismatches.append((name, actual))
    assert mismatches == []


def test_the_private_jsii_map_the_loader_writes_is_still_there_and_filled() -> None:
    """register_submodule_types writes jsii's private _submodule_fqn_map: an upgrade that renames or
    drops it fails here, not in the middle of a synthesis."""
    from jsii import _reference_map

    fqn_map = _reference_map._submodule_fqn_map
    assert isinstance(fqn_map, dict)
    assert fqn_map["@cdktf/provider-aws.rdsCluster"] == f"{framework.PROVIDER_PACKAGE}.rds_cluster"
    assert sum(key.startswith("@cdktf/provider-aws.") for key in fqn_map) == len(framework.aws.__all__)


def test_an_object_created_in_javascript_resolves_to_a_submodule_never_imported() -> None:
    from jsii import _reference_map
    from jsii._kernel import _make_reference_for_native
    from jsii._kernel.types import CreateRequest
    from jsii._runtime import kernel

    module = f"{framework.PROVIDER_PACKAGE}.wafv2_ip_set"
    assert module not in sys.modules
    stack = framework.TerraformStack(framework.App(), "js-side")
    created = kernel.provider.create(
        CreateRequest(
            fqn="@cdktf/provider-aws.wafv2IpSet.Wafv2IpSet",
            args=[
                _make_reference_for_native(kernel, stack),
                "ips",
                {"addresses": [], "ipAddressVersion": "IPV4", "name": "n", "scope": "REGIONAL"},
            ],
        )
    )
    resolved = _reference_map._refs.resolve(kernel, created)
    assert type(resolved).__module__ == module and module in sys.modules


def test_unexpected_bindings_fall_back_to_the_eager_import(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "21.0.0" if name == "cdktf-cdktf-provider-aws" else real(name)
    )
    assert "not the pinned versions" in (framework._lazy_supported() or "")
    monkeypatch.setattr(importlib.metadata, "version", real)
    monkeypatch.setenv("CDKTF_EAGER_PROVIDER", "1")
    assert framework._lazy_supported() == "CDKTF_EAGER_PROVIDER=1"
    monkeypatch.delenv("CDKTF_EAGER_PROVIDER")
    assert framework._lazy_supported() is None


@pytest.mark.slow
def test_lazy_and_eager_synthesis_are_byte_identical(outdir: Path, tmp_path: Path) -> None:
    eager = tmp_path / "cdktf.out"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        env={**os.environ, "CDKTF_EAGER_PROVIDER": "1", "CDKTF_OUTDIR": str(eager)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "importing the AWS provider bindings eagerly" in result.stderr
    lazy_files = sorted(p.relative_to(outdir) for p in outdir.rglob("*") if p.is_file())
    eager_files = sorted(p.relative_to(eager) for p in eager.rglob("*") if p.is_file())
    assert lazy_files == eager_files
    for relative in lazy_files:
        assert (outdir / relative).read_bytes() == (eager / relative).read_bytes(), relative

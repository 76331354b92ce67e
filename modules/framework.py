"""The one seam between this project and the CDKTF framework.

Everything else imports cdktf, constructs and the AWS provider bindings from here, so that a move to
the community fork (CDK Terrain) or to another output touches this file and little else.

It also makes the AWS provider bindings lazy. ``cdktf_cdktf_provider_aws`` 20.1.0 imports all of its
~2,135 submodules from its ``__init__`` (~20 s and ~1.6 GB per process), while a stack uses a few dozen.
jsii 1.142.0 can resolve types of submodules that were never imported (``_submodule_fqn_map``), but only
for bindings generated with that map; these predate it. So this module registers the package without
running its ``__init__``, loads its jsii assembly, imports submodules on first attribute access
(PEP 562) and hands jsii the map from jsii submodule names to Python modules, so that an object created
on the JavaScript side whose type lives in a submodule never imported still deserializes.

Import this module before any provider module. ``CDKTF_EAGER_PROVIDER=1`` forces the upstream eager
import (the benchmark and the byte-identity test compare both paths).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import re
import sys
import types
from typing import TYPE_CHECKING

# jsii prints a banner on every start under Node 20 (the Node on the machines this runs on); the
# toolchain is pinned and the banner says nothing a user can act on during a synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

PROVIDER_PACKAGE = "cdktf_cdktf_provider_aws"
PROVIDER_ASSEMBLY = "@cdktf/provider-aws"
# The loader was written against these versions; any other version takes the upstream eager path.
LAZY_PROVIDER_VERSION = "20.1.0"
LAZY_JSII_VERSION = "1.142.0"

_SUBMODULE_IMPORT = re.compile(r"^from \. import (\w+)$", re.MULTILINE)


def jsii_submodule_name(python_module: str) -> str:
    """``data_aws_iam_policy_document`` -> ``dataAwsIamPolicyDocument`` (jsii-pacmak's naming)."""
    head, *rest = python_module.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _lazy_supported() -> str | None:
    """Why the lazy path cannot be used, or None when it can."""
    if os.environ.get("CDKTF_EAGER_PROVIDER") == "1":
        return "CDKTF_EAGER_PROVIDER=1"
    try:
        provider = importlib.metadata.version("cdktf-cdktf-provider-aws")
        jsii_version = importlib.metadata.version("jsii")
    except importlib.metadata.PackageNotFoundError as missing:
        return f"{missing.name} is not installed"
    if provider != LAZY_PROVIDER_VERSION or jsii_version != LAZY_JSII_VERSION:
        return f"bindings {provider} / jsii {jsii_version} are not the pinned versions"
    import jsii._reference_map as reference_map  # noqa: PLC0415  (only once the versions are known)

    if not hasattr(reference_map, "_submodule_fqn_map"):
        return "this jsii cannot resolve types of submodules that were not imported"
    return None


def _install_lazy_provider() -> list[str]:
    """Register the provider package with PEP 562 submodule loading; returns its submodule names."""
    spec = importlib.util.find_spec(PROVIDER_PACKAGE)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        raise ImportError(f"{PROVIDER_PACKAGE} is not installed")
    with open(spec.origin, encoding="utf-8") as init_file:
        init_source = init_file.read()
    submodules = _SUBMODULE_IMPORT.findall(init_source)
    if len(submodules) < 1000 or "from ._jsii import *" not in init_source:
        raise ImportError(f"{spec.origin} does not have the layout the lazy loader expects")

    package = importlib.util.module_from_spec(spec)
    package.__all__ = submodules  # type: ignore[attr-defined]
    known = frozenset(submodules)

    def __getattr__(name: str) -> types.ModuleType:  # noqa: N807  (PEP 562 module attribute hook)
        if name in known:
            return importlib.import_module(f"{PROVIDER_PACKAGE}.{name}")
        raise AttributeError(f"module {PROVIDER_PACKAGE!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807  (PEP 562)
        return sorted(known)

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    package.__dir__ = __dir__  # type: ignore[method-assign]
    sys.modules[PROVIDER_PACKAGE] = package
    try:
        importlib.import_module(f"{PROVIDER_PACKAGE}._jsii")  # loads the assembly into the jsii kernel
    except BaseException:
        del sys.modules[PROVIDER_PACKAGE]
        raise
    register_submodule_types(submodules)
    return submodules


def register_submodule_types(submodules: list[str]) -> None:
    """Tells jsii which Python module holds each jsii submodule of the provider.

    This writes jsii's private ``_submodule_fqn_map`` (jsii 1.142.0): the public API registers it only
    for bindings generated with it, and these bindings predate it. Without the map, an object created
    on the JavaScript side whose type lives in a submodule never imported cannot be deserialized.
    tests/test_framework.py fails when a jsii or cdktf upgrade removes or renames the map, or changes
    what it holds, so the upgrade is caught at test time, not at synthesis.
    """
    import jsii._reference_map as reference_map  # noqa: PLC0415  (private: isolated in this one function)

    reference_map._submodule_fqn_map.update(
        {f"{PROVIDER_ASSEMBLY}.{jsii_submodule_name(name)}": f"{PROVIDER_PACKAGE}.{name}" for name in submodules}
    )


def _load_provider() -> tuple[types.ModuleType, str]:
    if PROVIDER_PACKAGE in sys.modules:
        module = sys.modules[PROVIDER_PACKAGE]
        return module, "lazy" if hasattr(module, "__getattr__") else "eager"
    reason = _lazy_supported()
    if reason is None:
        try:
            _install_lazy_provider()
            return sys.modules[PROVIDER_PACKAGE], "lazy"
        except ImportError as error:
            reason = str(error)
    print(f"note: importing the AWS provider bindings eagerly ({reason}); this takes ~20 s", file=sys.stderr)
    return importlib.import_module(PROVIDER_PACKAGE), "eager"


if TYPE_CHECKING:  # type checkers see the bindings as they are (their types are not checked: 2,135 modules)
    import cdktf_cdktf_provider_aws as aws

    PROVIDER_LOADING = "lazy"
else:
    aws, PROVIDER_LOADING = _load_provider()

# The framework's public surface, imported from here by the rest of the project.
from cdktf import (  # noqa: E402
    App,
    Aspects,
    Fn,
    IAspect,
    LocalBackend,
    Postcondition,
    S3Backend,
    TerraformDataSource,
    TerraformElement,
    TerraformOutput,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
    Testing,
)
from constructs import Construct, IConstruct, Node  # noqa: E402
from jsii import implements  # noqa: E402  (a Python class that implements a framework interface: IAspect)

__all__ = [
    "App",
    "Aspects",
    "Construct",
    "Fn",
    "IAspect",
    "IConstruct",
    "LocalBackend",
    "Node",
    "PROVIDER_LOADING",
    "Postcondition",
    "S3Backend",
    "TerraformDataSource",
    "TerraformElement",
    "TerraformOutput",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "TerraformVariableValidationConfig",
    "Testing",
    "aws",
    "implements",
    "jsii_submodule_name",
]

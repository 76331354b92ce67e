"""The network: [network] validation (one line per problem), and what each mode and NAT kind synthesizes.

The shipped stage runs a NAT instance and prod a NAT gateway per AZ; tests/fixtures/network/ (not
shipped) holds the default VPC, one NAT gateway for three AZs, and no NAT with interface endpoints."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.settings import load_environment, load_environments, regions
from modules.settings.cost import count, idle_cost
from modules.settings.network import NetworkSettings
from scripts.ops import guard
from tests.config_helpers import problems, set_key
from tests.conftest import ROOT, passing_gate, resources, synthesized

FIXTURES = ROOT / "tests" / "fixtures" / "network"


@pytest.fixture(scope="module")
def fixture_json(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:
    return synthesized(FIXTURES, tmp_path_factory.mktemp("network") / "cdktf.out")


@pytest.fixture
def stage_file(tmp_path: Path) -> Path:
    target = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", target)
    for other in target.glob("*.toml"):  # prod, and any environment of the user's own
        if not other.name.startswith("_") and other.stem != "stage":
            other.unlink()
    return target / "stage.toml"


# --- validation: one line per problem --------------------------------------------------------------

BAD_VALUES = [
    ("cidr", '"8.8.0.0/16"', "a private IPv4 range"),
    ("cidr", '"10.0.0.0/15"', "of /16 to /24"),
    ("cidr", '"10.0.0.0/25"', "of /16 to /24"),
    ("cidr", '"10.0.0.1/16"', "written as its network address"),
    ("cidr", '"fd00::/48"', "a private IPv4 range"),
    ("azs", "1", "a number from 2 to 3"),
    ("azs", "4", "a number from 2 to 3"),
    ("nat", '"nat-gateway"', 'one of: "gateway", "instance", "none"'),
    ("endpoints", '["s3"]', "one of:"),
    ("endpoints", '["logs", "logs"]', "no duplicates"),
    ("mode", '"custom"', 'one of: "default-vpc", "dedicated"'),
]


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES)
def test_a_bad_network_value_is_one_line(stage_file: Path, key: str, value: str, allowed: str) -> None:
    set_key(stage_file, "network", key, value)
    (line,) = problems(stage_file)
    assert line.startswith(f"environments/stage.toml: network.{key} = ")
    assert allowed in line


@pytest.mark.parametrize("key", ["cidr", "azs", "nat", "nat_per_az", "endpoints"])
def test_default_vpc_refuses_dedicated_only_keys_saying_why(stage_file: Path, key: str) -> None:
    values = {"cidr": '"10.1.0.0/16"', "azs": "2", "nat": '"gateway"', "nat_per_az": "true", "endpoints": '["sts"]'}
    for name in ("cidr", "azs", "nat"):
        set_key(stage_file, "network", name, None)
    set_key(stage_file, "network", "mode", '"default-vpc"')
    set_key(stage_file, "network", key, values[key])
    (line,) = problems(stage_file)
    assert f"network.{key} = " in line
    assert 'no value with mode = "default-vpc": ' in line and 'set mode = "dedicated"' in line


def test_nat_per_az_needs_nat_gateways(stage_file: Path) -> None:
    set_key(stage_file, "network", "nat_per_az", "true")
    (line,) = problems(stage_file)
    assert line == (
        'environments/stage.toml: network.nat_per_az = true: expected false unless nat = "gateway" (nat = "instance")'
    )


def test_more_zones_than_the_region_has_is_refused(stage_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every App Runner region has 3 usable zones or more today: a region with 2 stands for a future one.
    monkeypatch.setitem(regions.AVAILABILITY_ZONES, "us-east-1", 3)  # 3, less use1-az3: 2
    set_key(stage_file, "network", "azs", "3")
    (line,) = problems(stage_file)
    assert line == (
        "environments/stage.toml: network.azs = 3: expected at most 2: us-east-1 has 2 Availability Zone(s) a new "
        "account and App Runner's VPC connector can use"
    )


def test_every_app_runner_region_has_a_zone_count() -> None:
    assert set(regions.AVAILABILITY_ZONES) == set(regions.APPRUNNER_REGIONS)
    assert all(regions.usable_zones(region) >= 3 for region in regions.APPRUNNER_REGIONS)


def test_no_nat_and_no_endpoints_warns(stage_file: Path) -> None:
    set_key(stage_file, "network", "nat", '"none"')
    (config,) = load_environments(stage_file.parent)
    (warning,) = [line for line in config.warnings if "network" in line]
    assert warning.startswith('environments/stage.toml: network.nat = "none" and no endpoints: the app reaches nothing')


def test_the_default_vpc_says_the_app_has_no_internet_egress(stage_file: Path) -> None:
    for key in ("cidr", "azs", "nat"):
        set_key(stage_file, "network", key, None)
    set_key(stage_file, "network", "mode", '"default-vpc"')
    (config,) = load_environments(stage_file.parent)
    (warning,) = [line for line in config.warnings if "network" in line]
    assert warning.startswith('environments/stage.toml: network.mode = "default-vpc": the app has no internet egress')


def test_subnets_are_cut_so_that_a_third_zone_renumbers_nothing() -> None:
    two = NetworkSettings(mode="dedicated", cidr="10.20.0.0/16", azs=2)
    three = NetworkSettings(mode="dedicated", cidr="10.20.0.0/16", azs=3)
    assert two.subnet_cidrs("public") == ("10.20.0.0/20", "10.20.16.0/20")
    assert two.subnet_cidrs("private") == ("10.20.64.0/20", "10.20.80.0/20")
    assert two.subnet_cidrs("isolated") == ("10.20.128.0/20", "10.20.144.0/20")
    for tier in ("public", "private", "isolated"):
        assert three.subnet_cidrs(tier)[:2] == two.subnet_cidrs(tier)
    assert NetworkSettings(mode="dedicated", cidr="192.168.7.0/24").subnet_cidrs("isolated")[1] == "192.168.7.144/28"


def test_an_unset_network_is_the_default_vpc() -> None:
    settings = NetworkSettings()
    assert (settings.dedicated, settings.nat_kind, settings.nat_gateways) == (False, "none", 0)


# --- what each mode synthesizes --------------------------------------------------------------------


def test_default_vpc_creates_no_network(fixture_json: Callable[[str], dict]) -> None:
    document = fixture_json("default-vpc")
    kinds = set(document["resource"])
    assert not kinds & {"aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_instance", "aws_eip", "aws_flow_log"}
    assert document["data"]["aws_vpc"]["network_vpc"]["default"] is True
    filters = {f["name"]: f["values"] for f in document["data"]["aws_subnets"]["network_subnets"]["filter"]}
    assert filters == {"vpc-id": ["${data.aws_vpc.network_vpc.id}"], "default-for-az": ["true"]}
    subnets = "${data.aws_subnets.network_subnets.ids}"
    assert resources(document, "aws_db_subnet_group")["db_subnets"]["subnet_ids"] == subnets
    egress = resources(document, "aws_vpc_security_group_egress_rule")["network_app_to_https"]
    assert egress["description"] == "HTTPS out; in the default VPC only to addresses inside the VPC (no NAT)"
    readme = (fixture_json.outdir / "stacks" / "default-vpc" / "README.md").read_text()  # type: ignore[attr-defined]
    assert "**no internet egress**" in readme


def _zones(document: dict) -> dict:
    return document["data"]["aws_availability_zones"]["network_zones"]


def test_subnets_are_placed_by_zone_id_never_in_app_runners_refused_zone(stack_json: Callable[[str], dict]) -> None:
    document = stack_json("stage")
    zones = _zones(document)
    assert zones["exclude_zone_ids"] == ["use1-az3"]
    assert zones["lifecycle"]["postcondition"][0]["condition"] == "${length(self.zone_ids) >= 2}"
    subnets = resources(document, "aws_subnet")
    assert sorted(subnets) == [
        f"network_{tier}_{index}" for tier in ("isolated", "private", "public") for index in (0, 1)
    ]
    for name, subnet in subnets.items():
        index = name.rsplit("_", 1)[1]
        assert (
            subnet["availability_zone_id"]
            == f"${{element(data.aws_availability_zones.network_zones.zone_ids, {index})}}"
        )
        assert subnet["map_public_ip_on_launch"] is False


def test_the_data_tier_lives_in_the_isolated_subnets_and_the_app_in_the_private(
    stack_json: Callable[[str], dict],
) -> None:
    document = stack_json("prod")
    isolated = ["${aws_subnet.network_isolated_0.id}", "${aws_subnet.network_isolated_1.id}"]
    assert resources(document, "aws_db_subnet_group")["db_subnets"]["subnet_ids"] == isolated
    assert resources(document, "aws_elasticache_subnet_group")["cache_subnets"]["subnet_ids"] == isolated
    instances = resources(document, "aws_rds_cluster_instance")
    assert instances["db_instance_2"]["availability_zone"] == (
        "${element([aws_subnet.network_isolated_0.availability_zone, "
        "aws_subnet.network_isolated_1.availability_zone], 1)}"
    )
    connector = document["data"]["aws_subnets"]["service_connector_subnets"]["filter"]
    assert connector[0]["values"] == ["${aws_subnet.network_private_0.id}", "${aws_subnet.network_private_1.id}"]
    isolated_routes = resources(document, "aws_route_table")["network_isolated_routes"]
    assert "route" not in isolated_routes
    assert not [r for r in resources(document, "aws_route").values() if "isolated" in r["route_table_id"]]


def test_flow_logs_and_a_default_group_without_rules(stack_json: Callable[[str], dict]) -> None:
    document = stack_json("stage")
    log_group = resources(document, "aws_cloudwatch_log_group")["network_flow_log_group"]
    assert log_group["kms_key_id"] == "${aws_kms_key.key.arn}"
    assert log_group["retention_in_days"] == 365
    flow_log = resources(document, "aws_flow_log")["network_flow_log"]
    assert (flow_log["vpc_id"], flow_log["traffic_type"]) == ("${aws_vpc.network.id}", "ALL")
    default_group = resources(document, "aws_default_security_group")["network_default_security_group"]
    assert "ingress" not in default_group and "egress" not in default_group
    endpoints = resources(document, "aws_vpc_endpoint")
    assert {e["service_name"]: e["vpc_endpoint_type"] for e in endpoints.values()} == {
        "com.amazonaws.us-east-1.s3": "Gateway",
        "com.amazonaws.us-east-1.dynamodb": "Gateway",
    }


def test_nat_instance_behind_a_fixed_interface(stack_json: Callable[[str], dict]) -> None:
    document = stack_json("stage")
    interface = resources(document, "aws_network_interface")["network_nat_instance_interface"]
    assert interface["source_dest_check"] is False
    assert interface["subnet_id"] == "${aws_subnet.network_public_0.id}"
    for index in (0, 1):
        route = resources(document, "aws_route")[f"network_private_{index}_internet"]
        assert route["network_interface_id"] == "${aws_network_interface.network_nat_instance_interface.id}"
    address = resources(document, "aws_eip")["network_nat_instance_address"]
    assert address["network_interface"] == "${aws_network_interface.network_nat_instance_interface.id}"
    instance = resources(document, "aws_instance")["network_nat_instance"]
    assert instance["instance_type"] == "t4g.nano"
    assert (
        "al2023-ami-kernel-default-arm64" in document["data"]["aws_ssm_parameter"]["network_nat_instance_image"]["name"]
    )
    assert instance["lifecycle"]["ignore_changes"] == ["ami"]
    assert instance["metadata_options"]["http_tokens"] == "required"
    assert instance["root_block_device"]["encrypted"] is True
    assert instance["maintenance_options"] == {"auto_recovery": "default"}
    assert "key_name" not in instance
    assert instance["network_interface"] == [
        {"device_index": 0, "network_interface_id": "${aws_network_interface.network_nat_instance_interface.id}"}
    ]
    assert "net.ipv4.ip_forward = 1" in instance["user_data"] and "masquerade" in instance["user_data"]
    assert "10.20.64.0/20, 10.20.80.0/20" in instance["user_data"]
    ingress = resources(document, "aws_vpc_security_group_ingress_rule")
    nat_in = {rule["cidr_ipv4"] for name, rule in ingress.items() if name.startswith("network_nat_instance_nat_from")}
    assert nat_in == {"10.20.64.0/20", "10.20.80.0/20"}
    assert not [r for r in ingress.values() if r.get("from_port") == 22 or r.get("cidr_ipv4") == "0.0.0.0/0"]


def test_prod_has_a_nat_gateway_per_zone(stack_json: Callable[[str], dict]) -> None:
    document = stack_json("prod")
    assert len(resources(document, "aws_nat_gateway")) == 2
    assert len(resources(document, "aws_eip")) == 2
    for index in (0, 1):
        route = resources(document, "aws_route")[f"network_private_{index}_internet"]
        assert route["nat_gateway_id"] == f"${{aws_nat_gateway.network_nat_gateway_{index}.id}}"


def test_one_nat_gateway_serves_every_zone(fixture_json: Callable[[str], dict]) -> None:
    document = fixture_json("gateway")
    assert list(resources(document, "aws_nat_gateway")) == ["network_nat_gateway_0"]
    routes = [resources(document, "aws_route")[f"network_private_{index}_internet"] for index in range(3)]
    assert {route["nat_gateway_id"] for route in routes} == {"${aws_nat_gateway.network_nat_gateway_0.id}"}
    assert len(resources(document, "aws_subnet")) == 9


def test_no_nat_leaves_the_vpc_only_through_endpoints(fixture_json: Callable[[str], dict]) -> None:
    document = fixture_json("endpoints")
    kinds = set(document["resource"])
    assert not kinds & {"aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_instance"}
    assert not [name for name in resources(document, "aws_subnet") if "public" in name]
    interface = {
        endpoint["service_name"].rsplit(".", 1)[1]: endpoint
        for endpoint in resources(document, "aws_vpc_endpoint").values()
        if endpoint["vpc_endpoint_type"] == "Interface"
    }
    assert sorted(interface) == ["logs", "secretsmanager", "sts"]
    for endpoint in interface.values():
        assert endpoint["private_dns_enabled"] is True
        assert endpoint["subnet_ids"] == ["${aws_subnet.network_private_0.id}", "${aws_subnet.network_private_1.id}"]
    rule = resources(document, "aws_vpc_security_group_ingress_rule")["network_endpoints_from_app"]
    assert (rule["from_port"], rule["referenced_security_group_id"]) == (443, "${aws_security_group.network_app.id}")


def test_default_vpc_keeps_every_address_the_stage_had(fixture_json: Callable[[str], dict]) -> None:
    """An environment that stays in the default VPC plans no change to its network: every address the
    shipped stage had before [network] existed (data sources included) is still there."""
    document = fixture_json("default-vpc")
    now = {f"{kind}.{name}" for kind, blocks in document["resource"].items() for name in blocks}
    now |= {f"data.{kind}.{name}" for kind, blocks in document["data"].items() for name in blocks}
    recorded = json.loads((ROOT / "tests" / "fixtures" / "addresses.json").read_text(encoding="utf-8"))
    assert set(recorded["stage"]) - now == set()


# --- cost -------------------------------------------------------------------------------------------


def _network_cost(document: dict, name: Path) -> dict[str, float]:
    lines = idle_cost(load_environment(name), count(document))
    return {line.item: round(line.usd, 2) for line in lines if line.usd}


def test_idle_cost_counts_nat_ipv4_and_endpoints(
    stack_json: Callable[[str], dict], fixture_json: Callable[[str], dict]
) -> None:
    stage = _network_cost(stack_json("stage"), ROOT / "environments" / "stage.toml")
    assert (stage["NAT instance"], stage["Public IPv4 addresses"]) == (3.71, 3.65)
    prod = _network_cost(stack_json("prod"), ROOT / "environments" / "prod.toml")
    assert (prod["NAT gateways"], prod["Public IPv4 addresses"]) == (65.7, 7.3)
    endpoints = _network_cost(fixture_json("endpoints"), FIXTURES / "endpoints.toml")
    assert endpoints["Interface endpoints"] == 43.8  # 3 endpoints x 2 AZs x 0.01 USD x 730 h
    default = _network_cost(fixture_json("default-vpc"), FIXTURES / "default-vpc.toml")
    assert not {"NAT gateways", "NAT instance", "Public IPv4 addresses", "Interface endpoints"} & set(default)


def test_the_workspace_readme_describes_the_network(outdir: Path) -> None:
    stage = (outdir / "stacks" / "stage" / "README.md").read_text()
    assert "`10.20.64.0/20` `10.20.80.0/20` | App Runner's VPC connector" in stage
    assert "EC2's simplified automatic recovery" in stage
    assert re.search(r"\| NAT instance \| .* \| 3\.71 \|", stage)
    prod = (outdir / "stacks" / "prod" / "README.md").read_text()
    assert "a NAT gateway in each AZ: egress survives the loss of an AZ" in prod


# --- the guard: a protected data store never moves between networks --------------------------------


def _change(address: str, kind: str, actions: list[str], before: dict, after: dict) -> dict:
    return {
        "address": address,
        "type": kind,
        "mode": "managed",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
    }


def test_the_guard_refuses_moving_a_protected_data_store() -> None:
    plan = {
        "resource_changes": [
            _change(
                "aws_db_subnet_group.db_subnets",
                "aws_db_subnet_group",
                ["update"],
                {"subnet_ids": ["a"]},
                {"subnet_ids": ["b"]},
            ),
            _change(
                "aws_security_group.network_valkey",
                "aws_security_group",
                ["delete", "create"],
                {"vpc_id": "vpc-1"},
                {"vpc_id": "vpc-2"},
            ),
            _change(
                "aws_rds_cluster.db",
                "aws_rds_cluster",
                ["update"],
                {"db_subnet_group_name": "x", "tags": {}},
                {"db_subnet_group_name": "x", "tags": {"a": "b"}},
            ),
            _change("aws_db_subnet_group.new", "aws_db_subnet_group", ["create"], {}, {"subnet_ids": ["b"]}),
        ]
    }
    refused = guard.refused(plan, protected=True, allowed=[])
    assert [(item.address, item.action) for item in refused] == [
        ("aws_db_subnet_group.db_subnets", "move"),
        ("aws_security_group.network_valkey", "move"),
    ]
    assert guard.refused(plan, protected=False, allowed=[]) == []


def test_the_nat_instances_public_address_is_accepted_in_the_plan_scan_only(outdir: Path) -> None:
    """checkov finds CKV_AWS_88 only in a plan (the address is AWS's to assign): the suppression is
    marked so, and the JSON gate does not call it stale."""
    from scripts.ops.gate import declared_suppressions, plan_only_suppressions

    stage = outdir / "stacks" / "stage"
    assert ("aws_instance.network_nat_instance", "CKV_AWS_88") in declared_suppressions(stage)
    assert plan_only_suppressions(stage) == {("aws_instance.network_nat_instance", "CKV_AWS_88")}
    assert plan_only_suppressions(outdir / "stacks" / "prod") == set()


@pytest.mark.slow
def test_every_mode_and_nat_kind_validates_and_passes_checkov(
    fixture_json: Callable[[str], dict], tmp_path: Path
) -> None:
    """The gate (terraform validate with the real provider, checkov, the IAM linter) on the default VPC, one NAT
    gateway for three AZs and interface endpoints without NAT; the shipped files cover the NAT instance and a
    gateway per AZ. CKV2_AWS_11 (flow logs) and CKV2_AWS_12 (default security group) pass, never suppressed."""
    outdir = fixture_json.outdir  # type: ignore[attr-defined]
    summary = passing_gate(outdir, tmp_path / "reports")
    assert set(summary) == {"bootstrap", *(path.stem for path in FIXTURES.glob("[!_]*.toml"))}
    for name in summary:
        suppressed = json.loads((outdir / "stacks" / name / "checkov-suppressions.json").read_text())
        assert not {item["check_id"] for item in suppressed} & {"CKV2_AWS_11", "CKV2_AWS_12"}, name

"""`--local` honoured or refused by every command, and what a local run keeps of the caller's environment
(fast; tests/test_local_only.py proves it end to end in a loopback-only network namespace)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from scripts.ops import cdktf
from scripts.ops.cli import cli
from scripts.ops.console import OpsError
from scripts.ops.local_aws import local_environment

HONOURED = {"bootstrap", "plan", "deploy", "destroy"}  # and cdktf, which reads it from its arguments


def test_the_commands_that_reach_aws_take_local_and_the_others_refuse_it() -> None:
    for name, command in cli.commands.items():
        if name in HONOURED:
            assert "local" in {parameter.name for parameter in command.params}, name
        elif name not in ("cdktf", "guard"):
            result = CliRunner().invoke(cli, [name, "--local"])
            assert result.exit_code == 2 and "No such option '--local'" in result.output, name


def test_cdktf_init_refuses_local() -> None:
    with pytest.raises(OpsError) as refused:
        cdktf.run_cdktf(["init", "--local"])
    assert refused.value.code == 2


def test_a_local_run_keeps_no_aws_setting_of_the_caller_but_the_region() -> None:
    caller = {
        "PATH": os.environ["PATH"], "AWS_REGION": "eu-west-1", "AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "t",
        "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_CONFIG_FILE": "/c",
        "AWS_SHARED_CREDENTIALS_FILE": "/s", "AWS_CA_BUNDLE": "/ca.pem", "AWS_ENDPOINT_URL_S3": "https://s3",
        "AWS_USE_FIPS_ENDPOINT": "true", "HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "corp.example",
    }  # fmt: skip
    env = local_environment(caller, "http://127.0.0.1:4566")
    assert {key: value for key, value in env.items() if key.startswith("AWS_")} == {
        "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }  # fmt: skip
    assert env["LOCAL_AWS_ENDPOINT"] == "http://127.0.0.1:4566" and env["PATH"] == caller["PATH"]
    assert env["NO_PROXY"].split(",")[:2] == ["127.0.0.1", "localhost"] and "corp.example" in env["no_proxy"]

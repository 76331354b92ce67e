"""Who owns the state bucket, asked before any ``terraform init`` against a real account.

Terraform's S3 backend has no bucket-owner setting (its arguments: bucket, key, region, use_lockfile,
allowed_account_ids, ...; none sends S3's ``x-amz-expected-bucket-owner``), and S3 bucket names are
global: a bucket of the expected name in another account, whose policy lets anyone write, would receive
the state. So the flow asks S3 first: HeadBucket with ExpectedBucketOwner = the environment's account_id
answers 200 only when that account owns the bucket, 403 when another does (or these credentials may not
read it), 404 when nobody does. Anything else (no credentials, no network) refuses too: the check fails
closed.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scripts.ops.console import REFUSED, OpsError

RETRIES = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=20)


def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    session = botocore.session.get_session()
    return session.create_client(service, region_name=region, endpoint_url=endpoint_url, config=RETRIES)


def caller_account(region: str, endpoint_url: str | None = None) -> str:
    """The account of the credentials Terraform will use (the same environment, the same chain)."""
    return str(_client("sts", region, endpoint_url).get_caller_identity()["Account"])


def check_state_bucket(bucket: str, region: str, account_id: str, endpoint_url: str | None = None) -> None:
    """Returns when ``account_id`` owns ``bucket`` and these credentials are that account's; refuses
    (OpsError, exit 3) otherwise, saying why and what to do."""
    where = f"s3://{bucket} ({region})"
    try:
        caller = caller_account(region, endpoint_url)
        if caller != account_id:
            raise OpsError(
                f"refusing: the AWS credentials are for account {caller}, the environment files name {account_id} "
                f"(environment.account_id): switch credentials (AWS_PROFILE) before touching {where}",
                REFUSED,
            )
        _client("s3", region, endpoint_url).head_bucket(Bucket=bucket, ExpectedBucketOwner=account_id)
    except ClientError as error:
        raise OpsError(_refusal(where, account_id, error), REFUSED) from error
    except BotoCoreError as error:
        raise OpsError(f"refusing: cannot check who owns {where} (the check fails closed): {error}", REFUSED) from error


def _refusal(where: str, account_id: str, error: ClientError) -> str:
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in ("404", "NoSuchBucket", "NotFound") or status == 404:
        return f"refusing: {where} does not exist: create the state backend first (./scripts/bootstrap.sh)"
    if code in ("403", "AccessDenied", "Forbidden") or status == 403:
        return (
            f"refusing: {where} is not owned by account {account_id}, or these credentials may not read it "
            "(s3:ListBucket): Terraform would write the state into another account's bucket. If another "
            "account owns the name, choose another project name under [environment]; otherwise grant "
            "s3:ListBucket on the bucket"
        )
    if code in ("301", "PermanentRedirect") or status == 301:
        return f"refusing: {where} lives in another region than the environment's: it is not this backend's bucket"
    return f"refusing: cannot check who owns {where} (the check fails closed): {code or status}: {error}"

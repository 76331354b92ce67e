"""The Terraform state backend: an S3 bucket (state and S3 lockfiles, ``use_lockfile``) and its access-log
bucket, encrypted with their own key. Every bucket setting names the bucket's expected owner (the account
applying it), so S3 refuses to configure a bucket of the same name that another account owns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from modules.framework import Construct, aws
from modules.security.iam import deny_insecure_transport, policy_document, statement
from modules.security.kms import EncryptionKey
from modules.settings.naming import log_bucket_name, state_bucket_name, state_key_alias
from modules.stack import suppress


@dataclass(frozen=True, kw_only=True)
class StateBackendSettings:
    project: str
    region: str
    account_id: str = ""
    noncurrent_version_days: int = 90
    access_log_days: int = 365
    tags: Mapping[str, str] | None = None
    # Local mode only: moto evaluates bucket policies without their conditions, so the TLS-only deny
    # would deny every object operation there. Real AWS always gets it.
    deny_insecure_transport: bool = True
    # [budget] activate_cost_allocation_tag of one of its environments: this stack activates the account's
    # `environment` cost allocation tag (modules/settings/backends.py picks one stack per account).
    activate_cost_allocation_tag: bool = False

    @property
    def bucket_name(self) -> str:
        return state_bucket_name(self.project, self.region, self.account_id)

    @property
    def log_bucket_name(self) -> str:
        return log_bucket_name(self.project, self.region, self.account_id)


class PrivateBucket(Construct):
    """A private bucket: versioned, encrypted, owner-enforced, TLS only, with a lifecycle (the state
    backend's buckets, and the ECS backend's load-balancer access logs)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str | None,
        owner: str,
        kms_key_arn: str | None,
        noncurrent_days: int,
        expire_days: int | None,
        extra_statements: list[object] | Callable[[str], list[object]],
        tls_only: bool,
        name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # ``name_prefix`` instead of a name: S3 appends a unique suffix (a name whose account id is only
        # known at apply could not be checked against S3's 63 characters here).
        self.bucket = aws.s3_bucket.S3Bucket(self, "this", bucket=name, bucket_prefix=name_prefix)
        self.owner = owner
        self._private(self.bucket.id)
        self._encryption(self.bucket.id, kms_key_arn)
        self._lifecycle(self.bucket.id, noncurrent_days, expire_days)
        # Grants first: moto's check of log-delivery permissions stops at the first statement whose
        # principal is "*" (statement order means nothing to IAM).
        granted = extra_statements(self.bucket.arn) if callable(extra_statements) else extra_statements
        statements = [*granted, deny_insecure_transport(self.bucket.arn)] if tls_only else granted
        self.policy = None
        if statements:  # a bucket policy needs at least one statement
            policy = policy_document(self, "policy_document", *statements)
            self.policy = aws.s3_bucket_policy.S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=policy.json)
        self.arn: str = self.bucket.arn
        self.name: str = self.bucket.bucket

    def _private(self, bucket_id: str) -> None:
        """No public access, no ACLs (the owner owns every object), every version kept."""
        aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock(
            self,
            "public_access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        aws.s3_bucket_ownership_controls.S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=bucket_id,
            rule=aws.s3_bucket_ownership_controls.S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        aws.s3_bucket_versioning.S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket_id,
            expected_bucket_owner=self.owner,
            versioning_configuration=aws.s3_bucket_versioning.S3BucketVersioningVersioningConfiguration(
                status="Enabled"
            ),
        )

    def _encryption(self, bucket_id: str, kms_key_arn: str | None) -> None:
        sse = aws.s3_bucket_server_side_encryption_configuration
        by_default = sse.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms" if kms_key_arn else "AES256", kms_master_key_id=kms_key_arn
        )
        sse.S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket_id,
            expected_bucket_owner=self.owner,
            rule=[
                sse.S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=by_default,
                    bucket_key_enabled=True if kms_key_arn else None,
                )
            ],
        )

    def _lifecycle(self, bucket_id: str, noncurrent_days: int, expire_days: int | None) -> None:
        lifecycle = aws.s3_bucket_lifecycle_configuration
        aws.s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket_id,
            expected_bucket_owner=self.owner,
            rule=[
                lifecycle.S3BucketLifecycleConfigurationRule(
                    id="expire-noncurrent-and-abort-incomplete-uploads",
                    status="Enabled",
                    filter=[lifecycle.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        lifecycle.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=noncurrent_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        lifecycle.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                    expiration=[lifecycle.S3BucketLifecycleConfigurationRuleExpiration(days=expire_days)]
                    if expire_days
                    else None,
                )
            ],
        )


class StateBackend(Construct):
    """State bucket (SSE-KMS with its own CMK, access-logged) and its log bucket. Locking is S3's own
    (the backend's ``use_lockfile``): a ``<key>.tflock`` object beside each state, no DynamoDB table."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: StateBackendSettings) -> None:
        super().__init__(scope, construct_id)
        identity = aws.data_aws_caller_identity.DataAwsCallerIdentity(self, "account")
        partition = aws.data_aws_partition.DataAwsPartition(self, "partition").partition
        account_id = identity.account_id
        self.key = EncryptionKey(
            self,
            "key",
            alias=state_key_alias(settings.project).removeprefix("alias/"),
            description=f"{settings.project}: Terraform state bucket",
            account_id=account_id,
            partition=partition,
        )
        self.logs = self._log_bucket(settings, account_id, partition)
        log_bucket = self.logs.bucket
        self.state = self._state_bucket(settings, account_id)
        state_bucket = self.state.bucket
        aws.s3_bucket_logging.S3BucketLoggingA(
            self,
            "logging",
            bucket=state_bucket.id,
            target_bucket=log_bucket.id,
            target_prefix="access/",
            expected_bucket_owner=account_id,
            # S3 checks the log bucket's policy grants delivery when logging is switched on.
            depends_on=[self.logs.policy],
        )

    def _log_bucket(self, settings: StateBackendSettings, account_id: str, partition: str) -> PrivateBucket:
        """S3 server access logs of the state bucket: SSE-S3, kept ``access_log_days``."""
        state_bucket_arn = f"arn:{partition}:s3:::{settings.bucket_name}"
        logs = PrivateBucket(
            self,
            "logs",
            name=settings.log_bucket_name,
            owner=account_id,
            kms_key_arn=None,
            noncurrent_days=30,
            expire_days=settings.access_log_days,
            tls_only=settings.deny_insecure_transport,
            extra_statements=[
                statement(
                    "S3ServerAccessLogsFromTheStateBucket",
                    ["s3:PutObject"],
                    [f"arn:{partition}:s3:::{settings.log_bucket_name}/access/*"],
                    principals={"Service": ["logging.s3.amazonaws.com"]},
                    conditions=[
                        ("ArnLike", "aws:SourceArn", [state_bucket_arn]),
                        ("StringEquals", "aws:SourceAccount", [account_id]),
                    ],
                )
            ],
        )
        log_bucket = logs.bucket
        suppress(
            log_bucket,
            "CKV_AWS_145",
            "S3 server access logs can only be delivered to a bucket encrypted with SSE-S3 (AES256), not SSE-KMS",
        )
        suppress(
            log_bucket,
            "CKV_AWS_144",
            "Access logs are an audit trail kept 1 year in one region; a replica doubles cost without protecting state",
        )
        suppress(
            log_bucket, "CKV2_AWS_62", "Nothing consumes events of access-log objects; notifications would be noise"
        )

        return logs

    def _state_bucket(self, settings: StateBackendSettings, account_id: str) -> PrivateBucket:
        state = PrivateBucket(
            self,
            "bucket",
            name=settings.bucket_name,
            owner=account_id,
            kms_key_arn=self.key.arn,
            noncurrent_days=settings.noncurrent_version_days,
            expire_days=None,
            tls_only=settings.deny_insecure_transport,
            extra_statements=[],
        )
        suppress(
            state.bucket,
            "CKV_AWS_144",
            "State is versioned and KMS-encrypted; cross-region replication needs a second region's key and "
            "bucket for a few KB of state",
        )
        suppress(
            state.bucket,
            "CKV2_AWS_62",
            "Terraform reads and writes state itself; no consumer for S3 event notifications exists",
        )
        return state

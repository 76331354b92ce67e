"""What ``[environment].protected`` protects: the resource types that hold data or the keys to it.

Plain data, read by the construct that applies protection (modules/protection.py) and by the
destructive-change guard of the operations flow (which must not load the framework).
"""

from __future__ import annotations

# Deleting one of these loses data, or the means to read it (a key, a secret, an image).
STATEFUL_TYPES = frozenset(
    {
        "aws_backup_vault",
        "aws_dynamodb_table",
        "aws_ecr_repository",
        "aws_elasticache_replication_group",
        "aws_kms_key",
        "aws_rds_cluster",
        "aws_rds_cluster_instance",
        "aws_s3_bucket",
        "aws_secretsmanager_secret",
    }
)
# Where a data store lives. AWS moves neither an Aurora cluster nor a Valkey cache to other subnets of
# another VPC in place: an update of these (a subnet group's subnet_ids, a store's subnet group, a
# security group's VPC) fails halfway on AWS, or replaces the store. Type -> the attributes that place it
# (None: any update or deletion of the resource itself).
PLACEMENT: dict[str, tuple[str, ...] | None] = {
    "aws_db_subnet_group": None,
    "aws_elasticache_subnet_group": None,
    "aws_rds_cluster": ("db_subnet_group_name", "availability_zones"),
    "aws_rds_cluster_instance": ("db_subnet_group_name", "availability_zone"),
    "aws_elasticache_replication_group": ("subnet_group_name",),
    "aws_security_group": ("vpc_id",),
}
# Secrets Manager keeps a deleted secret restorable for this many days (7 to 30), and its name taken
# meanwhile; 0 deletes it at once, so an unprotected environment can be deployed again right after a
# destroy (its secrets are generated anew anyway).
SECRET_RECOVERY_DAYS = {True: 30, False: 0}
# What a destroy of an unprotected environment keeps: the final snapshots of Aurora and Valkey, encrypted
# with the environment's key. A key scheduled for deletion decrypts nothing, and 30 days later nothing ever
# again; so the operations flow takes these addresses out of the state before it destroys, and the key
# outlives the environment (its alias does not: the next deploy creates a new key and alias). Other keys (a
# web ACL's log key in another region) encrypt nothing a destroy leaves behind and go with it.
# tests/test_correct_on_aws.py checks that everything that leaves data behind is encrypted with one.
KEPT_BY_DESTROY = frozenset({"aws_kms_key.key"})
# What a destroy leaves to AWS instead of deleting itself, also taken out of the state first: the rotation
# schedule of RDS's own master secret. RDS deletes that secret with the cluster; cancelling its rotation
# first (CancelRotateSecret, what deleting the resource calls) is needless; moto refuses it for a secret with
# no rotation Lambda, and AWS documents it for Lambda rotation, not for a secret another service manages.
LEFT_TO_AWS_BY_DESTROY = frozenset({"aws_secretsmanager_secret_rotation"})

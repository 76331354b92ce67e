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
# Secrets Manager keeps a deleted secret restorable for this many days (7 to 30), and its name taken
# meanwhile; 0 deletes it at once, so an unprotected environment can be deployed again right after a
# destroy (its secrets are generated anew anyway).
SECRET_RECOVERY_DAYS = {True: 30, False: 0}

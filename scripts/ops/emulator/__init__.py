"""The project's local AWS: moto's server plus what our stacks need that moto lacks.

    python -m scripts.ops.emulator [--host 127.0.0.1] [--port N]

prints `LOCAL_AWS_ENDPOINT=http://127.0.0.1:N` first once it answers, and serves until SIGTERM/SIGINT.

Added, in moto's backend/response pattern (methods on moto's backend and response classes):
- ElastiCache: Create/Describe/Modify/DeleteUserGroup, ModifyUser, cache parameter groups
  (Create/Describe/Modify/Reset/Delete, DescribeCacheParameters), replication groups whose member
  clusters report what the group was given; CreateUser's valkey and IAM rules;
- Budgets: DescribeSubscribersForNotification, Create/Update/DeleteSubscriber;
- ElastiCache cache subnet groups: Modify/DeleteCacheSubnetGroup (cache_subnets.py);
- Backup: Create/Get/Delete/ListBackupSelection(s), StartBackupJob (a completed recovery point),
  ListRecoveryPointsByBackupVault, DeleteRecoveryPoint; DeleteBackupVault refuses a vault holding
  recovery points, DeleteBackupPlan one with selections; ListTags at the path the Go SDK sends;
- RDS: EngineLifecycleSupport and Performance Insights kept and reported, ScalingConfigurationInfo only
  for serverless v1, AWS's default CA for a new instance (rds.py);
- EC2: a security group rule's Description whatever it refers to (ec2.py);
- Application Auto Scaling: a scalable target's tags (RegisterScalableTarget's Tags, ListTagsForResource,
  Tag/UntagResource) (autoscaling.py);
- ECS: a service reports what CreateService was given (managed tags, grace period, AZ rebalancing,
  deployment configuration) and runs its desired count of tasks at once (ecs.py);
- CloudFront: no ForwardedValues for a cache behavior that has a cache policy, no custom certificate
  fields with the default certificate (cloudfront.py);
- Route 53: hosted zone ids of AWS's form, "Z..." (route53.py);
- ACM: a requested certificate's key of the requested KeyAlgorithm (acm.py);
- test hooks: POST /_emulator/set-engine-version and /_emulator/recovery-point (see hooks.py).

Nothing here imports cdktf, jsii or the provider bindings.
"""

from __future__ import annotations

from scripts.ops.emulator.additions import install
from scripts.ops.emulator.server import serve

__all__ = ["install", "serve"]

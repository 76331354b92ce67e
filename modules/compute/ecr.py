"""Amazon ECR: the environment's image repository."""

from __future__ import annotations

from dataclasses import dataclass

from modules.framework import Construct, Fn, aws
from modules.security.iam import statement

PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def image_pull_statements(repository_arn: str, *extra_actions: str) -> list[object]:
    """What pulling this repository's images takes: the layer actions on it (plus ``extra_actions``), and
    the registry token, which has no resource to name: AWS only accepts "*" for it."""
    return [
        statement("PullThisEnvironmentsImages", sorted((*PULL_ACTIONS, *extra_actions)), [repository_arn]),
        statement("GetRegistryToken", ["ecr:GetAuthorizationToken"], ["*"]),
    ]


@dataclass(frozen=True, kw_only=True)
class EcrSettings:
    name: str
    keep_tagged_images: int = 30
    untagged_expire_days: int = 7


class ContainerRepository(Construct):
    """Immutable tags (a tag names one image forever), scan on push, KMS, and a lifecycle policy."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EcrSettings, kms_key_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.repository = aws.ecr_repository.EcrRepository(
            self,
            "this",
            name=settings.name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr_repository.EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[
                aws.ecr_repository.EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=kms_key_arn)
            ],
        )
        policy = {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images after {settings.untagged_expire_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": settings.untagged_expire_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the last {settings.keep_tagged_images} tagged images (rollback targets)",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": settings.keep_tagged_images,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
        aws.ecr_lifecycle_policy.EcrLifecyclePolicy(
            self, "lifecycle", repository=self.repository.name, policy=Fn.jsonencode(policy)
        )
        self.arn: str = self.repository.arn
        self.url: str = self.repository.repository_url
        self.name: str = self.repository.name

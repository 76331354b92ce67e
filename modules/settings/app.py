"""[app]: the service the environment runs, whatever the compute backend."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from modules.settings.schema import LOG_LEVELS, Problem, anchored, between, expressed, matches, one_of, setting

# vCPU units -> memory (MB) pairs App Runner offers.
CPU_MEMORY = {
    256: (512, 1024),
    512: (1024,),
    1024: (2048, 3072, 4096),
    2048: (4096, 6144),
    4096: (8192, 10240, 12288),
}
# Set by the stack itself (from other settings, the data tier or Secrets Manager), or by App Runner.
RESERVED_VARIABLES = (
    "PORT",
    "LOG_LEVEL",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "DATABASE_HOST",
    "DATABASE_READER_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_SSLMODE",
    "DATABASE_USERNAME",
    "DATABASE_PASSWORD",
    "DATABASE_AUTH",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_USERNAME",
    "REDIS_AUTH",
    "REDIS_TLS",
)
# libpq sslmodes that encrypt (Aurora enforces TLS: rds.force_ssl = 1); the verifying ones need the RDS CA
# bundle in the image (README, "Secrets").
SSL_MODES = ("verify-full", "verify-ca", "require")
UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9_]*")
# Names that look like credentials: refused in plain variables here, and by the custom checkov policy
# (policies/checkov), which imports this pattern. A name is read as its parts (split on _):
# - PASSWORD, PASSWD, PASSPHRASE, SECRET, CREDENTIAL, PRIVATE anywhere, even inside a part (DBPASSWORD);
# - a whole part PASS, PWD, CREDS, or ACCESS followed by KEY (AWS_ACCESS_KEY_ID), anywhere;
# - TOKEN, KEY or APIKEY (or plural) as the last part, optionally followed by an encoding
#   (GITHUB_TOKEN, JWT_SIGNING_KEY, TLS_KEY_PEM); AUTH as the whole name (REDIS_AUTH, the stack's own
#   variable, names a method: iam).
# A TOKEN or KEY that a later part qualifies is a setting, not a credential: ACCESS_TOKEN_EXPIRE_MINUTES,
# REFRESH_TOKEN_EXPIRE_DAYS, API_KEY_PREFIX, KMS_KEY_ID are accepted.
SECRET_LOOKING = re.compile(
    r".*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|CREDENTIAL|PRIVATE).*"
    r"|(?:.*_)?(?:PASS|PWD|CREDS|ACCESS_KEY)(?:_.*)?"
    r"|(?:.*_)?(?:TOKENS?|KEYS?|APIKEYS?)(?:_(?:B64|BASE64|PEM|HEX|RAW|VALUE))?"
    r"|AUTH"
)
SECRETS_POINTER = (
    "secrets come from Secrets Manager: the stack generates SECRET_KEY and passes it to the service as a secret "
    "reference, and the database takes an IAM token, not a password; see README 'Secrets'"
)
# The OCI tag grammar: [app] image_tag, the scripts' tag argument and the stack's image_tag variable (RE2 too).
IMAGE_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
IMAGE_TAG_RULE = "a Docker tag: letters, digits, _ . -, not starting with . or -, at most 128"


def image_tag_problem(tag: str) -> str | None:
    """None when ``tag`` is a valid image tag, else what a tag must be."""
    return None if re.fullmatch(IMAGE_TAG, tag, flags=re.ASCII) else IMAGE_TAG_RULE


expressed(image_tag_problem, {"pattern": anchored(IMAGE_TAG)})


def _variables(value: Mapping[str, str]) -> str | None:
    reserved = [name for name in value if name in RESERVED_VARIABLES]
    if reserved:
        return f"no {', '.join(reserved)}: it is set by the stack (reserved: {', '.join(RESERVED_VARIABLES)})"
    malformed = [name for name in value if not UPPER_SNAKE.fullmatch(name)]
    if malformed:
        return f"variable names in UPPER_SNAKE_CASE (bad name: {', '.join(malformed)})"
    secret = [name for name in value if SECRET_LOOKING.fullmatch(name)]
    if secret:
        return f"no secret-looking names in plain variables (bad name: {', '.join(secret)}); {SECRETS_POINTER}"
    return None


_not_reserved_or_secret = {"anyOf": [{"enum": list(RESERVED_VARIABLES)}, {"pattern": anchored(SECRET_LOOKING.pattern)}]}
expressed(_variables, {"propertyNames": {"pattern": anchored(UPPER_SNAKE.pattern), "not": _not_reserved_or_secret}})


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """[app]: the service: its image, size, scaling and runtime settings."""

    image_tag: str = setting(
        "Image tag deployed (tags are immutable; scripts/deploy.sh overrides it per deploy)",
        image_tag_problem,
        default="v0.1.0",
    )
    port: int = setting("Container port", between(1, 65535), default=8000)
    cpu: int = setting("vCPU units (256 = 0.25 vCPU)", one_of(*CPU_MEMORY))
    memory: int = setting(
        "Memory in MB; must be a pair App Runner offers with cpu",
        one_of(512, 1024, 2048, 3072, 4096, 6144, 8192, 10240, 12288),
    )
    min_instances: int = setting("Minimum provisioned instances", between(1, 25))
    max_instances: int = setting("Maximum instances", between(1, 25))
    max_concurrency: int = setting("Concurrent requests per instance before scaling out", between(1, 200))
    health_check_path: str = setting(
        "HTTP health check path", matches(r"/[A-Za-z0-9/._~-]*", "a path starting with /"), default="/health"
    )
    log_level: str = setting("LOG_LEVEL of the application", one_of(*LOG_LEVELS))
    database_sslmode: str = setting(
        "DATABASE_SSLMODE (libpq sslmode) of the application: verify-full checks the server's certificate "
        "against the RDS CA bundle and its host name; require encrypts but checks no certificate",
        one_of(*SSL_MODES),
        default="verify-full",
    )
    secret_key_version: int = setting(
        "Version of the generated SECRET_KEY; increase it to rotate the key (ends every session)",
        between(1, 1_000_000),
        default=1,
    )
    environment: Mapping[str, str] = setting(
        "Plain runtime environment variables (never secrets)", _variables, default={}
    )

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        if self.memory not in CPU_MEMORY[self.cpu]:
            pairs = ", ".join(str(memory) for memory in CPU_MEMORY[self.cpu])
            found.append(("memory", self.memory, f"with cpu = {self.cpu}: one of {pairs}"))
        if self.min_instances > self.max_instances:
            found.append(("min_instances", self.min_instances, f"at most max_instances ({self.max_instances})"))
        return found

"""[app]: the service the environment runs, whatever the compute backend."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from modules.settings.schema import LOG_LEVELS, Problem, anchored, between, expressed, matches, one_of, setting

PLATFORMS = ("apprunner", "ecs")
ARCHITECTURES = ("x86_64", "arm64")
DEFAULT_ARCHITECTURE = "x86_64"
# vCPU units -> memory (MB) pairs App Runner offers.
CPU_MEMORY = {
    256: (512, 1024),
    512: (1024,),
    1024: (2048, 3072, 4096),
    2048: (4096, 6144),
    4096: (8192, 10240, 12288),
}
# vCPU units -> memory (MB) pairs Fargate offers (ECS Developer Guide, "Task CPU and memory"; Linux).
FARGATE_CPU_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
PLATFORM_CPU_MEMORY = {"apprunner": CPU_MEMORY, "ecs": FARGATE_CPU_MEMORY}
# A DNS name of two labels at least (RFC 1123), lowercase: what ACM and Route 53 take.
ACM_FIRST_NAME_MAX = 64  # ACM: the first domain name of a certificate (its subject's CN) is at most 64 characters
DOMAIN = r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOSTED_ZONE_ID = r"Z[A-Z0-9]{1,31}"
# App Runner's domain is a CNAME to the service, and a zone's apex (example.com) cannot carry one: a name of two
# labels is always an apex; a longer apex (example.co.uk) is refused at plan time, against the zone's own name.
APPRUNNER_APEX = (
    'with platform = "apprunner": a subdomain like api.example.com; a zone apex cannot carry the CNAME that '
    "points the domain at App Runner"
)
# Keys only ECS honours, and why App Runner cannot.
ECS_ONLY = {
    "architecture": "App Runner runs x86_64 only",
    "read_only_root_filesystem": "App Runner has no read-only root filesystem option",
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
# A URL that carries a password (scheme://user:password@host): the value lands in state, the console, cdk.tf.json.
URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:]*:[^/?#@\s]*@")
ORIGIN = re.compile(r"\*|https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
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
    with_password = [name for name, text in value.items() if isinstance(text, str) and URL_WITH_PASSWORD.search(text)]
    if with_password:
        return f"no password in a URL of a plain variable (bad: {', '.join(with_password)}); {SECRETS_POINTER}"
    cors = value.get("CORS_ORIGINS")
    if isinstance(cors, str) and not _origins(cors):
        return 'CORS_ORIGINS as the application reads it: a JSON list of "*" or origins (https://host[:port])'
    return None


def _origins(text: str) -> bool:
    """A JSON list of ``"*"`` or origins (scheme, host, optional port; no path), as the application parses it."""
    try:
        origins = json.loads(text)
    except ValueError:
        return False
    return isinstance(origins, list) and all(isinstance(item, str) and ORIGIN.fullmatch(item) for item in origins)


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
    platform: str = setting(
        "Compute backend: apprunner (App Runner: accounts that already use it; AWS closed it to new customers on "
        "2026-04-30) or ecs (ECS Fargate behind an Application Load Balancer, HTTPS always)",
        one_of(*PLATFORMS),
        default="apprunner",
    )
    architecture: str | None = setting(
        f"ecs only: CPU architecture of the image (x86_64 or arm64, about 20 % cheaper); unset: {DEFAULT_ARCHITECTURE}",
        one_of(*ARCHITECTURES),
        default=None,
    )
    read_only_root_filesystem: bool | None = setting(
        "ecs only: the container's root filesystem is read-only (the app writes only to /tmp, a volume of the "
        "task); unset: true",
        default=None,
    )
    domain: str | None = setting(
        "A custom domain (api.example.com, at most 64 characters: ACM's limit for a certificate's name) with a "
        "certificate validated in hosted_zone_id: on ecs an ACM "
        "certificate on the load balancer; on apprunner a subdomain, never the zone's apex (a CNAME to the "
        "service). Unset: the service's own HTTPS URL (App Runner's, or CloudFront's in front of the load balancer)",
        matches(DOMAIN, "a lowercase DNS name of two labels at least, like api.example.com"),
        default=None,
    )
    hosted_zone_id: str | None = setting(
        "The public Route 53 hosted zone that holds domain (the certificate's validation records and the record "
        "that points domain at the service)",
        matches(HOSTED_ZONE_ID, "a Route 53 hosted zone id, like Z0123456789ABCDEFGHIJ"),
        default=None,
    )
    cpu: int = setting(
        "vCPU units (256 = 0.25 vCPU); App Runner up to 4096, Fargate up to 16384", one_of(*FARGATE_CPU_MEMORY)
    )
    memory: int = setting(
        "Memory in MB; must be a pair the platform offers with cpu (README, 'Choosing a platform')",
        between(512, 122880),
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
        pairs = PLATFORM_CPU_MEMORY[self.platform]
        if self.cpu not in pairs:
            allowed = ", ".join(str(cpu) for cpu in pairs)
            found.append(("cpu", self.cpu, f'with platform = "{self.platform}": one of {allowed}'))
        elif self.memory not in pairs[self.cpu]:
            allowed = ", ".join(str(memory) for memory in pairs[self.cpu])
            found.append(
                ("memory", self.memory, f'with platform = "{self.platform}" and cpu = {self.cpu}: one of {allowed}')
            )
        if self.platform != "ecs":
            found += [
                (key, getattr(self, key), f'no value with platform = "{self.platform}": {why} (set platform = "ecs")')
                for key, why in ECS_ONLY.items()
                if getattr(self, key) is not None
            ]
            if self.domain is not None and self.domain.count(".") < 2:
                found.append(("domain", self.domain, APPRUNNER_APEX))
        if self.domain is not None and len(self.domain) > ACM_FIRST_NAME_MAX:
            issuer = "the stack requests" if self.platform == "ecs" else "App Runner requests"
            found.append(("domain", self.domain, f"at most {ACM_FIRST_NAME_MAX} characters: ACM refuses a certificate "
                          f"whose first domain name is longer ({issuer} one for the domain)"))  # fmt: skip
        if (self.domain is None) != (self.hosted_zone_id is None):
            key, value = ("domain", self.domain) if self.domain else ("hosted_zone_id", self.hosted_zone_id)
            found.append((key, value, "set together with " + ("hosted_zone_id" if self.domain else "domain")))
        if self.min_instances > self.max_instances:
            found.append(("min_instances", self.min_instances, f"at most max_instances ({self.max_instances})"))
        return found

    @property
    def ecs(self) -> bool:
        return self.platform == "ecs"

    @property
    def cpu_architecture(self) -> str:
        return self.architecture or DEFAULT_ARCHITECTURE

    @property
    def read_only_root(self) -> bool:
        return True if self.read_only_root_filesystem is None else self.read_only_root_filesystem

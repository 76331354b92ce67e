"""Settings: environment files (TOML) to typed, validated, immutable values.

The ground floor of the project: it never imports cdktf, constructs, jsii or the provider bindings, so
that reading one setting (is prod protected?) costs milliseconds, not the framework's start-up. The
constructs read these values; nothing here knows a construct.
"""

from modules.settings.loader import ConfigError, EnvironmentConfig, load_environment, load_environments

__all__ = ["ConfigError", "EnvironmentConfig", "load_environment", "load_environments"]

"""The site configuration (campushub.yaml): schema, defaults and validation."""

from .loader import ConfigError, defaults, load, loads, merge, parse_bytes, public_url, schema, validate

__all__ = ["ConfigError", "defaults", "load", "loads", "merge", "parse_bytes", "public_url", "schema", "validate"]

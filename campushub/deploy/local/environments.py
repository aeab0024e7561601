"""Named, versioned, tagged environments for the local deployment.

Each version is one read-only venv from userenv (named after its lock's hash,
so two versions with the same lock share it). Names are published as links:

    <install_prefix>/environments/<name>/versions/<version> -> ../../../envs/py3.11-<hash>
    <install_prefix>/environments/<name>/tags/<tag>         -> ../versions/<version>

The spawner resolves a tag at every spawn, so moving one (edit campushub.yaml,
run `campushub env build`) reaches new servers only: running servers keep the
real path they started from, and old versions are never deleted by a build.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ...config.resource_checks import IMPLICIT_ENVIRONMENT
from .singleuser_files import ensure_singleuser_files
from .userenv import LOCK_COPY, Progress, ensure_user_env, env_dir_for, is_complete

BUNDLED_LOCK = resources.files("campushub.singleuser").joinpath("environment.lock")
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#\\]+)", re.M)


@dataclass(frozen=True)
class Resolved:
    name: str
    tag: str
    version: str
    env_dir: Path


def definitions(config: dict) -> dict:
    """The configured environments, or the implicit one built from user_env.lock_file."""
    if config["environments"]:
        return config["environments"]
    return {IMPLICIT_ENVIRONMENT: {"title": "Python", "description": "", "show_packages": [],
                                   "versions": {"default": {"lock_file": None}},
                                   "tags": {"stable": "default"}, "default_tag": "stable"}}


def lock_for(config: dict, version: dict) -> Path:
    return Path(version.get("lock_file") or config["user_env"]["lock_file"] or BUNDLED_LOCK)


def _root(install_prefix) -> Path:
    return Path(install_prefix) / "environments"


def _link(path: Path, target: str) -> None:
    """Point `path` at `target` in one step: a spawn never finds it missing."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, path)


def ensure_environments(config: dict, progress: Progress | None = None) -> dict[str, dict[str, Path]]:
    """Build every version of every environment and publish names and tags.

    Returns {name: {tag: env_dir}}. Idempotent: built versions are reused.
    """
    say = progress or (lambda message: None)
    prefix = Path(config["install_prefix"])
    python = config["user_env"]["python"]
    published: dict[str, dict[str, Path]] = {}
    for name, env in definitions(config).items():
        base = _root(prefix) / name
        built = {}
        for version, spec in env["versions"].items():
            say(f"Environment {name} {version}")
            env_dir = ensure_user_env(python, prefix / "envs", lock_for(config, spec), progress=say)
            ensure_singleuser_files(env_dir)
            _link(base / "versions" / version, os.path.relpath(env_dir, base / "versions"))
            built[version] = env_dir
        for tag, version in env["tags"].items():
            _link(base / "tags" / tag, f"../versions/{version}")
        tags_dir = base / "tags"
        for stale in tags_dir.iterdir():
            if stale.name not in env["tags"] and not stale.name.startswith("."):
                stale.unlink()
        for d in (_root(prefix), base, base / "versions", tags_dir):
            os.chmod(d, 0o755)  # servers run as their users, from these paths
        published[name] = {tag: built[version] for tag, version in env["tags"].items()}
    return published


def default_env_dir(config: dict, published: dict[str, dict[str, Path]]) -> Path:
    name, env = next(iter(definitions(config).items()))
    return published[name][env.get("default_tag", "stable")]


def resolve(install_prefix, name: str, tag: str) -> Resolved:
    """What a tag points to right now; LookupError if it is not built."""
    link = _root(install_prefix) / name / "tags" / tag
    if not link.is_symlink():
        raise LookupError(f"environment {name}:{tag} is not built")
    version = Path(os.readlink(link)).name
    env_dir = link.resolve()
    if not is_complete(env_dir):
        raise LookupError(f"environment {name}:{tag} ({version}) is incomplete")
    return Resolved(name, tag, version, env_dir)


@lru_cache(maxsize=64)
def _packages(env_dir: Path) -> dict[str, str]:
    """Pinned versions from the lock copy in a built env (never changes: read once)."""
    try:
        text = (env_dir / LOCK_COPY).read_text()
    except OSError:
        return {}
    pins = {m.group(1).lower().replace("_", "-"): m.group(2) for m in _PIN.finditer(text)}
    try:
        cfg = (env_dir / "pyvenv.cfg").read_text()
        pins["python"] = re.search(r"^version(?:_info)?\s*=\s*(\S+)", cfg, re.M).group(1)
    except (OSError, AttributeError):
        pass
    return pins


def describe(install_prefix, config: dict) -> list[dict]:
    """Per environment: title, description and, per tag, version, build state and main packages."""
    out = []
    for name, env in definitions(config).items():
        tags = {}
        for tag in env["tags"]:
            try:
                found = resolve(install_prefix, name, tag)
            except LookupError:
                tags[tag] = {"version": env["tags"][tag], "built": False, "packages": {}}
                continue
            pins = _packages(found.env_dir)
            shown = {p: pins[p.lower()] for p in env.get("show_packages", []) if p.lower() in pins}
            tags[tag] = {"version": found.version, "built": True, "packages": shown, "env_dir": str(found.env_dir)}
        out.append({"name": name, "title": env.get("title") or name,
                    "description": env.get("description", ""), "tags": tags})
    return out


def expected_env_dir(config: dict, name: str, version: str) -> Path:
    spec = definitions(config)[name]["versions"][version]
    return env_dir_for(config["user_env"]["python"], Path(config["install_prefix"]) / "envs", lock_for(config, spec))

"""Named, versioned, tagged environments for the local deployment.

Each version is one read-only venv from userenv, named after its lock's hash
(so two versions with the same lock share it), in the install prefix that
several sites may share: it never changes once built. The names are the
site's own, published as links in its data dir:

    <data_dir>/environments/<name>/versions/<version> -> <install_prefix>/envs/py3.11-<hash>
    <data_dir>/environments/<name>/tags/<tag>         -> ../versions/<version>

so two sites on one machine may both have a "python:stable" pointing at
different versions (the links used to be in the prefix, and each site's
`env build` moved the other's tags). Only root (the hub, the CLI) reads the
links: a server gets the venv's real path, resolved at its spawn, so moving a
tag (edit campushub.yaml, run `campushub env build`) reaches new servers
only, and old versions are never deleted by a build. On Kubernetes the same
tags name images in the site's own configuration (kubernetes/images.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...config.environments import definitions, lock_for
from .errors import InstallError
from .singleuser_files import ensure_singleuser_files
from .userenv import LOCK_COPY, Progress, ensure_user_env, env_dir_for, is_complete

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#\\]+)", re.M)


@dataclass(frozen=True)
class Resolved:
    name: str
    tag: str
    version: str
    env_dir: Path


def _root(site_dir) -> Path:
    return Path(site_dir) / "environments"


def site_dir(config: dict) -> Path:
    """Where a site's environment names live: its data dir (see the module doc)."""
    return Path(config["data_dir"])


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
    """Build every version of every environment and publish the site's names and tags.

    Returns {name: {tag: env_dir}}. Idempotent: built versions are reused.
    """
    say = progress or (lambda message: None)
    prefix = Path(config["install_prefix"])
    python = config["user_env"]["python"]
    root = _root(site_dir(config))
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # only root resolves tags; servers get the real path
    published: dict[str, dict[str, Path]] = {}
    for name, env in definitions(config).items():
        base = root / name
        built = {}
        for version, spec in env["versions"].items():
            say(f"Environment {name} {version}")
            env_dir = ensure_user_env(python, prefix / "envs", lock_for(config, spec), progress=say)
            ensure_singleuser_files(env_dir)
            _link(base / "versions" / version, str(env_dir.resolve()))
            built[version] = env_dir
        for tag, version in env["tags"].items():
            _link(base / "tags" / tag, f"../versions/{version}")
        for stale in (base / "tags").iterdir():
            if stale.name not in env["tags"] and not stale.name.startswith("."):
                stale.unlink()
        published[name] = {tag: built[version] for tag, version in env["tags"].items()}
    return published


def default_env_dir(config: dict, published: dict[str, dict[str, Path]]) -> Path:
    name, env = next(iter(definitions(config).items()))
    return published[name][env.get("default_tag", "stable")]


def default_env_dirs(config: dict, published: dict[str, dict[str, Path]]) -> list[Path]:
    """The env dir of every environment's default tag, each once."""
    found = []
    for name, env in definitions(config).items():
        env_dir = published.get(name, {}).get(env.get("default_tag", "stable"))
        if env_dir is not None and Path(env_dir).resolve() not in found:
            found.append(Path(env_dir).resolve())
    return found


def published_now(config: dict) -> dict[str, dict[str, Path]]:
    """What the site's tags point at now: an `env build` may have moved them
    since `up` built (the same {name: {tag: env_dir}} as ensure_environments)."""
    out: dict[str, dict[str, Path]] = {}
    for name, env in definitions(config).items():
        for tag in env["tags"]:
            try:
                out.setdefault(name, {})[tag] = resolve(site_dir(config), name, tag).env_dir
            except LookupError:
                pass
    return out


def resolve(site, name: str, tag: str) -> Resolved:
    """What a tag of the site (its data dir) points to right now; LookupError if it is not built."""
    link = _root(site) / name / "tags" / tag
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


def describe(site, config: dict) -> list[dict]:
    """Per environment: title, description and, per tag, version, build state and main packages."""
    out = []
    for name, env in definitions(config).items():
        tags = {}
        for tag in env["tags"]:
            try:
                found = resolve(site, name, tag)
            except LookupError:
                # not this site's yet; its venv may still exist (another site, an earlier build)
                ready = _built_version(config, name, env["tags"][tag])
                tags[tag] = {"version": env["tags"][tag], "built": False, "packages": {},
                             "unpublished_env_dir": str(ready) if ready else None}
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


def built_default_env(config: dict) -> Path | None:
    """The venv of the default environment's default tag, if built; else None.

    This is the one notion of "built" that `campushub up` (which builds it),
    `env list` and `content check` share: the site's tag when it is published,
    else the content-addressed venv of the version that tag names (built by
    another site or before this site's tags existed)."""
    name, env = next(iter(definitions(config).items()))
    tag = env.get("default_tag", "stable")
    try:
        return resolve(site_dir(config), name, tag).env_dir
    except (LookupError, OSError):
        pass
    return _built_version(config, name, env["tags"].get(tag))


def _built_version(config: dict, name: str, version: str | None) -> Path | None:
    """The complete venv of a version, whether or not a tag of this site names it."""
    try:
        env_dir = expected_env_dir(config, name, version)
    except (KeyError, OSError, InstallError):
        return None
    return env_dir if is_complete(env_dir) else None

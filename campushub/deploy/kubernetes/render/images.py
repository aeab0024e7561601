"""The images of a Kubernetes release, as Docker build contexts.

The hub image is the chart's own (JupyterHub 5.5 on Python 3.12) with
CampusHub and the few packages it adds, pinned in hub_image.lock. Each
environment version without an image of its own gets a user image built
from the very lock file its local venv is built from (config/environments.py
picks it), installed the way the local build does (userenv.py: `pip install
--no-deps -r`, then `pip check`), on Debian 12's python3 as locally, with
CampusHub's server-side files (singleuser/files.py) laid on top.

A tag is the version's name plus a digest of everything in its build
context, so a changed lock (or base, or CampusHub file) is a new tag: tags
are never overwritten, and a node's cached image is always the right one.
The spawner takes its refs from here (deploy/kubernetes/images.py).
"""

from __future__ import annotations

import copy
import hashlib
import shlex
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import campushub

from ....config.assignments import enabled as assignments_enabled
from ....config.environments import definitions, lock_for
from ....config.errors import ConfigError
from ....config.help import enabled as help_enabled
from ....singleuser.files import SITE_PACKAGES, server_files
from . import help_site
from .dockerfiles import assignments_dockerfile, help_dockerfile, hub_dockerfile, user_dockerfile

# The hub image of the chart release readme.CHART_VERSION installs (readme
# imports this module, so the test keeps the two equal).
HUB_BASE = "quay.io/jupyterhub/k8s-hub:4.4.0"
HUB_LOCK = "hub_image.lock"
BUILD_LOCK = "hub_build.lock"
USER_LOCK = "environment.lock"
FILES_DIR = "campushub-files"
_SKIP = ("__pycache__", ".pyc")
HELP_SITE = "/srv/campushub-help"  # where the help image holds the portal (render/help.py's CAMPUSHUB_HELP_SITE)


@dataclass(frozen=True)
class Build:
    ref: str  # repository:tag, as the chart values and the spawner name it
    context: str  # folder of the build context under write()'s out_dir
    dockerfile: str
    files: dict[str, bytes] = field(repr=False)  # the rest of the context, by path in it
    # a folder of the context made by write() rather than held here: the built help site
    generated: str | None = None

    @property
    def push(self) -> bool:
        # a bare name has no registry to go to: it is loaded into the nodes by hand
        return "/" in self.ref.rsplit(":", 1)[0]


def _repository(config: dict, name: str) -> str:
    registry = config["kubernetes"]["images"]["registry"]
    return f"{registry.rstrip('/')}/{name}" if registry else name


def _digest(dockerfile: str, files: dict[str, bytes]) -> str:
    h = hashlib.sha256(dockerfile.encode())
    for path in sorted(files):
        h.update(b"\0" + path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return h.hexdigest()[:12]


def _lock_bytes(config: dict, environment: str, version: str) -> bytes:
    path = lock_for(config, definitions(config)[environment]["versions"][version])
    try:
        return path.read_bytes()
    except OSError as e:
        key = (f"environments.{environment}.versions.{version}.lock_file" if config["environments"]
               else "user_env.lock_file")
        raise ConfigError(f"cannot read the lock file {path}: {e.strerror}; "
                          "the images are built from it", key=key) from None


def user_build(config: dict, environment: str, version: str) -> Build:
    lock = _lock_bytes(config, environment, version)
    files = {USER_LOCK: lock}
    for path, text in server_files().items():
        files[f"{FILES_DIR}/{path}"] = text.encode()
    dockerfile = user_dockerfile(config["kubernetes"]["images"]["user_base"], environment, version, USER_LOCK,
                                 FILES_DIR, SITE_PACKAGES.rstrip("/"), hashes=b"--hash" in lock)
    tag = f"{environment}-{version}-{_digest(dockerfile, files)}"
    return Build(f"{_repository(config, config['kubernetes']['images']['user_name'])}:{tag}",
                 f"user-{environment}-{version}", dockerfile, files)


def user_image(config: dict, environment: str, version: str) -> str:
    """The ref of the image CampusHub builds for an environment version."""
    return user_build(config, environment, version).ref


def built_versions(config: dict) -> list[tuple[str, str]]:
    """(environment, version) of each user image to build: those the config names no image for."""
    if config["kubernetes"]["image"].get("name"):
        return []  # every such version runs the site's own image
    return [(name, version) for name, env in definitions(config).items()
            for version, spec in env["versions"].items() if not spec.get("image")]


def with_image_refs(config: dict) -> dict:
    """A copy of `config` naming the image of each version CampusHub builds
    one for. The hub pod reads this copy: the refs come from lock files on
    the machine that renders, which the pod does not have."""
    out = copy.deepcopy(config)
    for environment, version in built_versions(config):
        ref = user_image(config, environment, version)
        if config["environments"]:
            out["environments"][environment]["versions"][version]["image"] = ref
        else:  # the implicit environment has no entry to carry it: it becomes the site's image
            name, tag = ref.rsplit(":", 1)
            out["kubernetes"]["image"] = {**out["kubernetes"]["image"], "name": name, "tag": tag}
    return out


def _source() -> tuple[str, dict[str, bytes]]:
    """CampusHub's version and source tree (pyproject.toml, README.md, the package)."""
    package = Path(campushub.__file__).resolve().parent
    root = package.parent
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
        if project["name"] != "campushub":
            raise KeyError("name")
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        raise ConfigError(f"the hub image is built from a CampusHub source checkout, and {package} "
                          "is not in one: run `campushub k8s` from a checkout (pip install -e .)") from None
    readme = project.get("readme", "README.md")
    files = {f"src/{name}": (root / name).read_bytes() for name in ("pyproject.toml", readme)}
    for path in sorted(package.rglob("*")):
        if path.is_file() and not any(part in _SKIP or part.endswith(_SKIP) for part in path.parts):
            files[f"src/{path.relative_to(root)}"] = path.read_bytes()
    return project["version"], files


def package_lock(name: str) -> bytes:
    """One of the hub image's lock files shipped beside this module."""
    return resources.files(__package__).joinpath(name).read_bytes()


def hub_build(config: dict) -> Build:
    version, files = _source()
    for lock in (HUB_LOCK, BUILD_LOCK):
        files[lock] = package_lock(lock)
    dockerfile = hub_dockerfile(HUB_BASE, HUB_LOCK, BUILD_LOCK, version)
    tag = f"{version}-{_digest(dockerfile, files)}"
    return Build(f"{_repository(config, config['kubernetes']['images']['hub_name'])}:{tag}", "hub", dockerfile, files)


def hub_image(config: dict) -> str:
    return hub_build(config).ref


def assignments_image(config: dict) -> str:
    return assignments_build(config).ref


def grading_version(config: dict) -> tuple[str, str]:
    """The environment version submissions are graded in: the default one's,
    else the first CampusHub builds (its environment is where the assignments
    image copies it from)."""
    built = built_versions(config)
    if not built:
        raise ConfigError("assignments are graded in a user environment CampusHub builds, and every version here "
                          "runs an image of the site's own: leave one version without `image` (and "
                          "kubernetes.image unset), or set assignments.enabled: false", key="assignments.enabled")
    name, env = next(iter(definitions(config).items()))
    default = (name, env["tags"].get(env.get("default_tag", "stable"), ""))
    return default if default in built else built[0]


def assignments_build(config: dict) -> Build:
    """Built after the hub image and the grading environment's user image, from both (dockerfiles.py)."""
    dockerfile = assignments_dockerfile(hub_image(config), user_image(config, *grading_version(config)))
    # the hub's repository: the Dockerfile names both bases by digest-tagged ref, so its digest is the image's
    return Build(f"{_repository(config, config['kubernetes']['images']['hub_name'])}:assignments-"
                 f"{_digest(dockerfile, {})}", "assignments", dockerfile, {})


def help_build(config: dict) -> Build:
    """Built after the hub image, from it and the portal write() builds into its context (help_site.py)."""
    dockerfile = help_dockerfile(hub_image(config), "site", HELP_SITE)
    # the Dockerfile names the hub image by its digest-tagged ref (CampusHub's source, shipped pages included)
    tag = hashlib.sha256(f"{dockerfile}\0{help_site.digest(config)}".encode()).hexdigest()[:12]
    return Build(f"{_repository(config, config['kubernetes']['images']['hub_name'])}:help-{tag}", "help",
                 dockerfile, {}, generated="site")


def help_image(config: dict) -> str:
    return help_build(config).ref


def builds(config: dict) -> list[Build]:
    out = [hub_build(config), *(user_build(config, env, version) for env, version in built_versions(config))]
    if help_enabled(config):
        out.append(help_build(config))
    if assignments_enabled(config):
        out.append(assignments_build(config))
    return out


def write(config: dict, out_dir, help_portal: Path | None = None) -> list[Build]:
    """Write each build context as out_dir/<context>/ with its Dockerfile; a
    context left from an earlier run is replaced whole, so no stale file is
    built into an image. help_portal: the help site already built
    (help_site.build), else it is built here when the release has one."""
    done = builds(config)
    out = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="campushub-help-") as work:
        if help_portal is None and any(b.generated for b in done):
            help_portal = help_site.build(config, Path(work))
        for build in done:
            context = out / build.context
            if context.exists():
                shutil.rmtree(context)
            for path, data in {"Dockerfile": build.dockerfile.encode(), **build.files}.items():
                target = context / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            if build.generated:
                help_site.copy(help_portal, context / build.generated)
    return done


def build_commands(config: dict, out_dir) -> list[str]:
    """The docker commands that build (and, with a registry, push) every image
    from the contexts write() made in out_dir."""
    lines = []
    for build in builds(config):
        context = shlex.quote(str(Path(out_dir) / build.context))
        lines.append(f"docker build --tag {shlex.quote(build.ref)} {context}")
        if build.push:
            lines.append(f"docker push {shlex.quote(build.ref)}")
    return lines

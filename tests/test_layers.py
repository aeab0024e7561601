"""The import graph points one way: config, i18n and singleuser at the
bottom; the hub layer above; each deployment above that (never importing the
other); the CLI on top. Read from the source with `ast`, so imports inside
functions count, and so do dotted names handed to traitlets or importlib as
strings (`spawner_class = "campushub.deploy..."`): a cycle dodged by a lazy
import or a class named by string is still an upward dependency."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "campushub"

BOTTOM, HUB, DEPLOY, TOP = 0, 1, 2, 3
# Longest matching prefix wins. A new subpackage of campushub/ must be given
# a row here: the bare package name matches only campushub/__init__.py.
LAYERS = {
    "campushub": BOTTOM,
    "campushub.config": BOTTOM,
    "campushub.i18n": BOTTOM,
    "campushub.singleuser": BOTTOM,
    # what an app is and how each kind starts: pure, read by the hub, both spawners and the apps page
    "campushub.apps": BOTTOM,
    "campushub.hub": HUB,
    "campushub.content": HUB,
    "campushub.content.sync": HUB,
    # what our hub services (assignments, analytics) share: database, pages, metrics
    "campushub.webservice": HUB,
    # retention's policy, plan, archives and audit: plain files, used by both deployments' backends
    "campushub.retention": HUB,
    # projects: the model (pure) and the hub's start-up step for declared projects
    "campushub.projects": HUB,
    "campushub.deploy": DEPLOY,
    "campushub.deploy.local": DEPLOY,
    "campushub.deploy.kubernetes": DEPLOY,
    # content.check measures a course in the local sandbox: a deployment-layer tool
    "campushub.content.check": DEPLOY,
    # the assignments service: a hub service beside the hub, using content.check's sandbox
    "campushub.assignments": DEPLOY,
    # the analytics service: a hub service beside the hub, like assignments
    "campushub.analytics": DEPLOY,
    # the projects page: a hub service like analytics, which locally removes a deleted project's unix group
    "campushub.projects.web": DEPLOY,
    "campushub.projects.service": DEPLOY,
    # the remote-kernels front: a hub service like projects.web; on Kubernetes it adds the kernel pod's env
    "campushub.remote_kernels": DEPLOY,
    # the jobs service: a hub service like analytics, starting jobs on the backend its deployment names
    "campushub.jobs": DEPLOY,
    # the help portal: its build (MkDocs) for the CLI and the Kubernetes render, its service, the links
    # the hub's pages and messages give to it
    "campushub.help": HUB,
    "campushub.cli": TOP,
    "campushub.__main__": TOP,
}
# Side by side in one layer, yet neither may use the other.
APART = {("campushub.deploy.local", "campushub.deploy.kubernetes"),
         ("campushub.deploy.kubernetes", "campushub.deploy.local"),
         # the service runs in both deployments; each starts it, it uses neither
         ("campushub.assignments", "campushub.deploy.local"),
         ("campushub.assignments", "campushub.deploy.kubernetes"),
         ("campushub.analytics", "campushub.deploy.local"),
         ("campushub.analytics", "campushub.deploy.kubernetes"),
         ("campushub.projects.web", "campushub.deploy.kubernetes"),
         ("campushub.projects.service", "campushub.deploy.kubernetes"),
         # the front runs in both deployments; `up` hands it the local gateway's address and token
         ("campushub.remote_kernels", "campushub.deploy.local"),
         # two services: what they have in common lives in campushub.webservice
         ("campushub.analytics", "campushub.assignments"),
         ("campushub.assignments", "campushub.analytics")}
DOTTED = re.compile(r"campushub(?:\.\w+)+(?::\w+)?")


def module_of(name: str) -> str:
    """The module a dotted name lives in: `campushub.config.validate` is in
    campushub.config, `campushub.__version__` (or an entry-point group named
    "campushub.services") in the package itself."""
    parts = name.split(".")
    while len(parts) > 1:
        path = PACKAGE.parent.joinpath(*parts)
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            break
        parts.pop()
    return ".".join(parts)


def unit(name: str) -> str | None:
    """The row of LAYERS `name` belongs to; None for a module outside the table."""
    name = module_of(name)
    if name == "campushub":
        return name
    parts = name.split(".")
    for n in range(len(parts), 1, -1):
        if ".".join(parts[:n]) in LAYERS:
            return ".".join(parts[:n])
    return None


def imported(module: str, is_package: bool, source: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every campushub name this module's source uses, lazy or not."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level > len(parts):
                    raise ValueError(f"{module}:{node.lineno}: relative import beyond the top package")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found += [(node.lineno, f"{base}.{a.name}" if a.name != "*" else base) for a in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.fullmatch(node.value):
            found.append((node.lineno, node.value.replace(":", ".")))
    return [(line, name) for line, name in found if name == "campushub" or name.startswith("campushub.")]


def violations(module: str, is_package: bool, source: str) -> list[str]:
    here = unit(module)
    out = []
    for line, name in imported(module, is_package, source):
        there = unit(name)
        if there is None:
            out.append(f"{module}:{line}: {name} is in no layer (add its package to LAYERS in tests/test_layers.py)")
        elif LAYERS[there] > LAYERS[here] or (here, there) in APART:
            out.append(f"{module}:{line}: imports {name} ({there}, layer {LAYERS[there]}) "
                       f"from {here} (layer {LAYERS[here]})")
    return out


def modules() -> list[tuple[str, bool, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        out.append((".".join(parts[:-1] if is_package else parts), is_package, path))
    return out


def test_every_module_is_in_a_layer():
    assert modules(), f"no modules found under {PACKAGE}"
    lost = [name for name, _, _ in modules() if unit(name) is None]
    assert not lost, f"add their packages to LAYERS: {lost}"


def test_imports_point_only_down_the_layers():
    found = [v for name, is_package, path in modules() for v in violations(name, is_package, path.read_text())]
    assert not found, "imports against the layers:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    "from ...deploy.local import environments\n",
    "def f():\n    from ...deploy.local.spawner import cgroups\n",
    "import campushub.cli.main\n",
    'spawner_class = "campushub.deploy.local.spawner.system_user.SystemUserSpawner"\n',
])
def test_an_upward_import_in_the_hub_layer_is_caught(source):
    assert violations("campushub.hub.policy.spawner", False, source)


def test_the_deployments_do_not_use_each_other_but_may_use_the_layers_below():
    assert violations("campushub.deploy.kubernetes.spawner", False, "from ..local import environments\n")
    assert violations("campushub.deploy.local", True, "from .. import kubernetes\n")
    ok = "from ...hub.policy.spawner import PolicyMixin\nfrom ...i18n import N_\nfrom . import images\n"
    assert violations("campushub.deploy.kubernetes.spawner", False, ok) == []
    assert violations("campushub.content.check.meter", False, "from ...deploy.local.spawner import cgroups\n") == []


def test_the_assignments_service_uses_no_deployment_and_no_cli():
    for source in ("from ...deploy.local import layout\n", "from ...deploy.kubernetes import secrets\n",
                   "import campushub.cli.main\n", 'MODULE = "campushub.deploy.local.processes"\n'):
        assert violations("campushub.assignments.web.app", False, source), source
    ok = "from ..config import load\nfrom ..content.check import sandbox\nfrom ..hub import services\n"
    assert violations("campushub.assignments.service", False, ok) == []
    # the deployments start it by its module's name
    assert violations("campushub.deploy.local.hub_services_local", False,
                      'MODULE = "campushub.assignments.service"\n') == []



def test_the_help_portal_uses_config_and_i18n_but_no_deployment_and_no_cli():
    # the same build runs in `up`, `campushub help build` and the Kubernetes render
    for source in ("from ..deploy.local.layout import Layout\n", "from ..deploy.kubernetes import secrets\n",
                   "import campushub.cli.main\n"):
        assert violations("campushub.help.build", False, source), source
    ok = "from ..config import help as help_config\nfrom ..i18n import translate\nfrom . import navfile\n"
    assert violations("campushub.help.build", False, ok) == []

def test_names_resolve_to_their_module():
    assert unit("campushub.__version__") == "campushub"
    assert unit("campushub.service") == "campushub"  # a systemd unit's name, not a module
    assert unit("campushub.deploy.local.spawner.system_user.SystemUserSpawner") == "campushub.deploy.local"


def test_relative_imports_resolve_against_the_package():
    assert imported("campushub.deploy.local", True, "from . import layout\n") == [(1, "campushub.deploy.local.layout")]
    assert imported("campushub.hub.settings", False, "from .. import config\n") == [(1, "campushub.config")]
    assert imported("campushub.hub.policy.spawner", False, "from ...i18n import N_\n") == [(1, "campushub.i18n.N_")]

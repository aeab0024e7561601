"""CampusHub's own small additions to a user environment, in both deployments.

An environment is built from its lock file alone; these files are laid on
top afterwards: locally into each venv (deploy/local/singleuser_files.py
rewrites them whenever CampusHub's copy changes, so upgrading CampusHub
updates running sites without rebuilding the environment), on Kubernetes
into each user image (deploy/kubernetes/render/images.py, where a change
makes a new image tag). One table of files keeps the two identical.
"""

from __future__ import annotations

import json
from importlib import resources

from ..i18n import LAB_LOCALES, lab_default_settings

# Stands for the environment's own site-packages, whose path depends on its
# interpreter: each deployment puts these files where that one is.
SITE_PACKAGES = "site-packages/"

KERNEL_CONFIG = """\
c.InteractiveShellApp.extensions.append("campushub_memory_watch")
import os
# Where other accounts share the kernel's network (the local spawner says
# so), none of its sockets may be on TCP: campushub_kernel_sockets says why.
if os.environ.get("CAMPUSHUB_SHARED_NETWORK") == "1":
    import campushub_kernel_sockets
    campushub_kernel_sockets.apply()
"""
# Learners should not be asked about Jupyter news or updates: the site's
# admins choose the versions, and the machine may have no internet at all.
LAB_OVERRIDES = json.dumps({
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}, indent=1) + "\n"

# The environment is shared and read-only, so nobody can rebuild JupyterLab
# in it; yet with dash installed (its wheel lays a source extension,
# share/jupyter/lab/extensions/dash-jupyterlab.tgz) JupyterLab asks at every
# start to build. jupyterlab_server reads page_config.json from every
# labconfig directory of the config path, this environment's etc/jupyter too.
LAB_PAGE_CONFIG = json.dumps({"buildAvailable": False, "buildCheck": False}, indent=1) + "\n"

# Settings the hub decides per site (e.g. which sites may frame a server)
# reach the server through its environment: the spawner sets the variable,
# this config file, read by every server of the environment, applies it.
# Command-line flags cannot carry them: traitlets parses nested dicts there
# as strings.
SERVER_CONFIG = """\
import json, os, sys
from http.cookies import Morsel
# Partitioned cookies for embedded servers (campushub/hub/cookies.py says why).
if "partitioned" not in Morsel._reserved:
    Morsel._reserved["partitioned"] = "Partitioned"
    Morsel._flags.add("partitioned")
_settings = os.environ.get("CAMPUSHUB_TORNADO_SETTINGS")
if _settings:
    # A plain dict: JupyterHub's singleuser extension tests keys in it,
    # which a lazy .update() value does not support.
    c.ServerApp.tornado_settings = json.loads(_settings)
# Kernels talk to the server over unix sockets in the runtime directory
# (0700; the local spawner puts it in the server's private /tmp) instead of
# TCP ports of 127.0.0.1 that any local account can find in /proc/net/tcp and
# subscribe to. ipc also never collides: each kernel's sockets are named
# after its own connection file. AF_UNIX paths end at 107 bytes.
from jupyter_core.paths import jupyter_runtime_dir
_longest = os.path.join(jupyter_runtime_dir(), "kernel-%s-ipc-99999" % ("0" * 36))
if len(_longest.encode()) <= 107:
    c.KernelManager.transport = "ipc"
else:
    print("campushub: runtime directory too long for unix sockets; kernels use TCP:", _longest, file=sys.stderr)
# A fork server's child hands the server a warm kernel zygote: this
# environment's python3 kernels are forked from it instead of exec'd
# (campushub_kernel_fork says how; anything else is exec'd as before).
if os.environ.get("CAMPUSHUB_KERNEL_ZYGOTE_FD") or "campushub_kernel_fork" in sys.modules:
    import campushub_kernel_fork
    if campushub_kernel_fork.zygote_from_environment():
        c.KernelProvisionerFactory.default_provisioner_name = "campushub-fork"
# Idle kernels stop while the server stays (jupyter_server's kernel culling),
# as the site's culling.kernels says (hub/cull_env.py sets the variable).
_kernels = json.loads(os.environ.get("CAMPUSHUB_KERNEL_CULLING") or "{}")
if _kernels.get("timeout"):
    c.MappingKernelManager.cull_idle_timeout = _kernels["timeout"]
    c.MappingKernelManager.cull_interval = _kernels["interval"]
    c.MappingKernelManager.cull_busy = _kernels["cull_busy"]
    c.MappingKernelManager.cull_connected = _kernels["cull_connected"]
# People the hub gives remote kernels get them all from the site's Enterprise
# Gateway, through its front; they outlive this server (the module says how).
if os.environ.get("CAMPUSHUB_GATEWAY_URL"):
    import campushub_remote_kernels.remote_kernel_manager
    campushub_remote_kernels.remote_kernel_manager.configure(c)
# Outputs that survive a closed tab: jupyter-server-nbmodel runs each cell in
# the server and writes its outputs into jupyter-collaboration's shared
# document, which is saved to the file as it changes. The document was dropped
# 60 s after its last tab closed, and what a cell printed after that was lost;
# now it stays until the server stops (its memory: benchmarks/collaboration_memory.py).
c.YDocExtension.document_cleanup_delay = None
# The document's edit history (.jupyter_ystore.db in the home) gains a row per
# output line and is never cleared by default: squashed after an idle hour.
c.SQLiteYStore.squash_after_inactivity_of = 3600
# Memory (and CPU) against this server's own limits in JupyterLab's status
# bar; the limits come from MEM_LIMIT and CPU_LIMIT, which JupyterHub sets
# from the spawner's. Its Prometheus feed would walk every process each second.
# The environment is shared, read-only and pinned by the site: JupyterLab's
# PyPI extension manager could install nothing into it, yet it asks pip and
# PyPI at every start (half a second of waiting, longer without internet).
c.LabApp.extension_manager = "readonly"
c.ResourceUseDisplay.track_cpu_percent = True
c.ResourceUseDisplay.enable_prometheus_metrics = False
# Where the user's policy allows their own environments, the Launcher shows
# how to make one (a static page, served through jupyter-server-proxy).
# Proxied pages listen on unix sockets in fresh 0700 directories, never on
# TCP ports other accounts could reach.
_share = os.path.join(sys.prefix, "share", "campushub")
_servers = {}
if os.environ.get("CAMPUSHUB_USER_ENVIRONMENTS") == "1":
    _help = os.path.join(_share, "own-environments")
    _servers["own-environments"] = {
        "command": [sys.executable, os.path.join(_share, "static_page.py"), "{unix_socket}", _help],
        "unix_socket": True,
        "launcher_entry": {"title": os.environ.get("CAMPUSHUB_OWN_ENVIRONMENTS_TITLE", "Your own environments"),
                           "icon_path": os.path.join(_help, "icon.svg"), "category": "Other"},
    }
# Learners with courses get a Launcher card to pull the latest materials.
if os.environ.get("CAMPUSHUB_COURSES", "[]") != "[]":
    _sync = os.path.join(_share, "course-sync")
    _servers["course-sync"] = {
        "command": [sys.executable, os.path.join(_sync, "serve.py"), "{unix_socket}"],
        "unix_socket": True,
        "launcher_entry": {"title": os.environ.get("CAMPUSHUB_COURSE_SYNC_TITLE", "Update course materials"),
                           "icon_path": os.path.join(_sync, "icon.svg"), "category": "Other"},
    }
if _servers:
    c.ServerProxy.servers = _servers
# JupyterLab in the person's language (the hub sets CAMPUSHUB_LAB_LOCALE at
# spawn): jupyterlab_server takes defaults for settings from
# labconfig/default_setting_overrides.json on JUPYTER_CONFIG_PATH, and the
# person's own choice in Settings > Language still overrides a default.
_locale_dir = os.path.join(_share, "lab-language", os.environ.get("CAMPUSHUB_LAB_LOCALE", "-"))
if os.path.isdir(_locale_dir):
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (_locale_dir, os.environ.get("JUPYTER_CONFIG_PATH")) if p)
"""

# jupyter_client finds kernel provisioners by entry point: this minimal
# dist-info of the laid package is what makes `campushub-fork` one.
KERNEL_FORK_PACKAGE = "campushub_kernel_fork"
KERNEL_FORK_DIST = "campushub_kernel_fork-1.0.dist-info/"
KERNEL_FORK_INIT = '''"""CampusHub: kernels forked from a warm zygote (kernel_fork.py says how)."""
from .kernel_fork import start_zygote, zygote_from_environment
'''
KERNEL_FORK_METADATA = "Metadata-Version: 2.1\nName: campushub-kernel-fork\nVersion: 1.0\n"
KERNEL_FORK_ENTRY_POINTS = ("[jupyter_client.kernel_provisioners]\n"
                            "campushub-fork = campushub_kernel_fork.kernel_provisioner:ForkProvisioner\n")

# Every server loads the assignments extension (assignments_server.py), the
# way pip-installed server extensions enable themselves.
ASSIGNMENTS_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_assignments": True}}}) + "\n"
# Every server records cell executions for the analytics service
# (analytics/__init__.py says what, and how to switch it off).
ANALYTICS_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_analytics": True}}}) + "\n"
# Every server can warn before the hub's culler stops it (cull_warning.py;
# it does nothing where the server is never culled).
CULL_WARNING_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_cull_warning": True}}}) + "\n"
# JupyterLab's "Share an app" gets its labels where the site runs apps (apps_texts.py).
APPS_TEXTS_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_apps_texts": True}}}) + "\n"
# A save JupyterLab asks for through a collaborative room is "saved" only once written (collab_save.py).
COLLAB_SAVE_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_collab_save": True}}}) + "\n"
# JupyterLab's "Run as job…" posts to the jobs service through this server (jobs_server.py),
# which adds nothing where the site runs no jobs.
JOBS_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_jobs": True}}}) + "\n"
# Why a notebook's remote kernel is gone, for JupyterLab (remote_kernels_server.py;
# it does nothing where the server has no remote kernels).
REMOTE_KERNELS_CONFIG = json.dumps({"ServerApp": {"jpserver_extensions": {"campushub_remote_kernels": True}}}) + "\n"
# JupyterLab's "Submit assignment": the federated extension built from
# labextension/ (scripts/build_labextension.py), found by JupyterLab here.
LAB_EXTENSION = "share/jupyter/labextensions/@campushub/assignments/"

SYNC_ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24"><path fill="#616161" '
             'd="M12 4V1L8 5l4 4V6a6 6 0 0 1 6 6 6 6 0 0 1-.7 2.8l1.5 1.5A8 8 0 0 0 20 12a8 8 0 0 0-8-8zm0 14a6 6 0 0 '
             '1-6-6c0-1 .3-2 .7-2.8L5.2 7.7A8 8 0 0 0 4 12a8 8 0 0 0 8 8v3l4-4-4-4z"/></svg>\n')


# `campushub run` and `campushub jobs` in a person's terminal (jobs_cli.py). -I: no module of the home or of
# the current folder can stand in for the client that sends the person's token.
JOBS_COMMAND = '#!/bin/sh\nexec "$(dirname "$0")/python" -I -m campushub_jobs_cli "$@"\n'
# The files of server_files() that are programs (mode 0755 where both deployments lay them).
EXECUTABLE = ("bin/campushub",)


def _ours(name: str) -> str:
    return resources.files("campushub.singleuser").joinpath(name).read_text()


def _built(folder, prefix: str) -> dict[str, str]:
    files = {}
    for entry in folder.iterdir():
        if entry.is_dir():
            files.update(_built(entry, prefix + entry.name + "/"))
        else:
            files[prefix + entry.name] = entry.read_text()
    return files


def server_files() -> dict[str, str]:
    """CampusHub's files by path relative to the environment's prefix (sys.prefix)."""
    share = "share/campushub/"
    files = {
        SITE_PACKAGES + "campushub_memory_watch.py": _ours("memory_watch.py"),
        SITE_PACKAGES + "campushub_kernel_sockets.py": _ours("kernel_sockets.py"),
        # IPython reads sys.prefix/etc/ipython for every kernel of this environment
        "etc/ipython/ipython_kernel_config.py": KERNEL_CONFIG,
        "share/jupyter/lab/settings/overrides.json": LAB_OVERRIDES,
        "etc/jupyter/labconfig/page_config.json": LAB_PAGE_CONFIG,
        "etc/jupyter/jupyter_server_config.py": SERVER_CONFIG,
        share + "course-sync/serve.py": _ours("course_sync_page.py"),
        share + "course-sync/icon.svg": SYNC_ICON,
        share + "static_page.py": _ours("static_page.py"),
        SITE_PACKAGES + "campushub_assignments/__init__.py": _ours("assignments_server.py"),
        SITE_PACKAGES + "campushub_assignments/assignments_folder.py": _ours("assignments_folder.py"),
        "etc/jupyter/jupyter_server_config.d/campushub_assignments.json": ASSIGNMENTS_CONFIG,
        SITE_PACKAGES + "campushub_cull_warning.py": _ours("cull_warning.py"),
        # an app server's process tree (apps/kinds.py)
        SITE_PACKAGES + "campushub_app_proxy.py": _ours("app_proxy.py"),
        SITE_PACKAGES + "campushub_app_run.py": _ours("app_run.py"),
        "etc/jupyter/jupyter_server_config.d/campushub_cull_warning.json": CULL_WARNING_CONFIG,
        SITE_PACKAGES + "campushub_apps_texts.py": _ours("apps_texts.py"),
        "etc/jupyter/jupyter_server_config.d/campushub_apps_texts.json": APPS_TEXTS_CONFIG,
        SITE_PACKAGES + "campushub_collab_save.py": _ours("collab_save.py"),
        "etc/jupyter/jupyter_server_config.d/campushub_collab_save.json": COLLAB_SAVE_CONFIG,
        SITE_PACKAGES + "campushub_jobs.py": _ours("jobs_server.py"),
        SITE_PACKAGES + "campushub_jobs_cli.py": _ours("jobs_cli.py"),
        "bin/campushub": JOBS_COMMAND,
        "etc/jupyter/jupyter_server_config.d/campushub_jobs.json": JOBS_CONFIG,
        SITE_PACKAGES + "campushub_remote_kernels/__init__.py": _ours("remote_kernels_server.py"),
        SITE_PACKAGES + "campushub_remote_kernels/remote_kernel_manager.py": _ours("remote_kernel_manager.py"),
        SITE_PACKAGES + "campushub_remote_kernels/remote_kernel_client.py": _ours("remote_kernel_client.py"),
        "etc/jupyter/jupyter_server_config.d/campushub_remote_kernels.json": REMOTE_KERNELS_CONFIG,
        SITE_PACKAGES + KERNEL_FORK_PACKAGE + "/__init__.py": KERNEL_FORK_INIT,
        SITE_PACKAGES + KERNEL_FORK_DIST + "METADATA": KERNEL_FORK_METADATA,
        SITE_PACKAGES + KERNEL_FORK_DIST + "entry_points.txt": KERNEL_FORK_ENTRY_POINTS,
    }
    files["etc/jupyter/jupyter_server_config.d/campushub_analytics.json"] = ANALYTICS_CONFIG
    for module in sorted(resources.files("campushub.singleuser").joinpath("analytics").iterdir(), key=str):
        if module.name.endswith(".py"):
            files[SITE_PACKAGES + "campushub_analytics/" + module.name] = module.read_text()
    for name in ("kernel_fork.py", "kernel_child.py", "kernel_provisioner.py"):
        files[SITE_PACKAGES + KERNEL_FORK_PACKAGE + "/" + name] = _ours(name)
    files.update(_built(resources.files("campushub.singleuser").joinpath("labextension/dist"), LAB_EXTENSION))
    for name in ("index.html", "icon.svg"):
        files[share + "own-environments/" + name] = _ours("own_environments/" + name)
    for locale in LAB_LOCALES.values():
        files[share + f"lab-language/{locale}/labconfig/default_setting_overrides.json"] = (
            json.dumps(lab_default_settings(locale)) + "\n")
    return files

"""The local side of an app server (apps/kinds.py): the proxy from the
environment's venv, the app in a network namespace of its own (bubblewrap,
an unprivileged user namespace; it works under the server's no_new_privs and
sees its private /tmp). 127.0.0.1 is shared by every account of the machine:
an app listening there could be used by anyone around the proxy and its hub
login. The fork server is not used (fork_path.py): it forks
jupyterhub-singleuser, which an app server does not run.

Outbound network for the app comes from passt's pasta (Debian: passt), which
needs /dev/net/tun usable by every account (udev's default, 0666; a machine
without udev, e.g. a container, may have 0600). Without either the app runs
with no network but its own loopback, as the hub log says."""

from __future__ import annotations

import os
import shutil
import stat

from ....apps import kinds
from ....i18n import N_, translate
from .readiness import user_facing

TUN = "/dev/net/tun"
NO_BWRAP = N_("Apps cannot run on this machine yet: bubblewrap is not installed. Tell an administrator.")


def apply(spawner) -> None:
    """Make this start run the spawner's app (PolicyMixin.app_spec), if any."""
    spec = spawner.app_spec
    if spec is None:
        return
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise user_facing(translate(spawner.language(), NO_BWRAP), "apps need bwrap (Debian: bubblewrap)", 503)
    python = os.path.join(spawner.env_dir, "bin", "python") if spawner.env_dir else "python3"
    spawner.cmd = kinds.server_argv(spec, python, bwrap, _pasta(spawner))


def _pasta(spawner) -> str | None:
    pasta = shutil.which("pasta")
    try:
        tun_for_all = stat.S_IMODE(os.stat(TUN).st_mode) & 0o006 == 0o006
    except OSError:
        tun_for_all = False
    if pasta and tun_for_all:
        return pasta
    why = f"{TUN} is not usable by every account" if pasta else "pasta is not installed (Debian: passt)"
    spawner.log.warning("App %s of %s runs without outbound network: %s", spawner.name, spawner.user.name, why)
    return None

"""Kernels from the site's Enterprise Gateway that outlive this server.

Installed into every user environment as campushub_remote_kernels.remote_kernel_manager
(singleuser/files.py; it imports nothing of CampusHub) and chosen by the
server config only where the hub set CAMPUSHUB_GATEWAY_URL (configure()).

jupyter_server's gateway managers treat remote kernels as this server's
own: a stopping server deletes them all (ServerApp.cleanup_kernels calls
GatewayMappingKernelManager.shutdown_all, which sends DELETE for each), and
a new server knows none of them (GatewaySessionManager.kernel_culled counts
every kernel it has not started itself as culled and drops the session).
Here a stopping server forgets its kernels and they keep running; a new
server takes back, from the gateway, the kernels its persisted sessions name
and those the gateway lists (the front lists only this person's), so a
reopened notebook finds its kernel and its variables.
"""

import os

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.gateway.connections import GatewayWebSocketConnection
from jupyter_server.gateway.gateway_client import gateway_request
from jupyter_server.gateway.managers import (
    GatewayKernelManager,
    GatewayMappingKernelManager,
    GatewaySessionManager,
)
from tornado import web
from tornado.escape import json_decode
from traitlets import DottedObjectName, Type, default

from .remote_kernel_client import RemoteKernelClient

GATEWAY_ENV = "CAMPUSHUB_GATEWAY_URL"
# Kernel pods may wait for a node and an image pull; jupyter_server's default
# (40 s) would give up on them. It sends KERNEL_LAUNCH_TIMEOUT = this - pad.
REQUEST_TIMEOUT = 302.0


class RemoteKernel(GatewayKernelManager):
    client_class = DottedObjectName(f"{RemoteKernelClient.__module__}.RemoteKernelClient")
    client_factory = Type(klass=RemoteKernelClient)


class RemoteKernelManager(GatewayMappingKernelManager):
    _found_all = False

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self):
        return f"{__name__}.RemoteKernel"

    async def start_kernel(self, *, kernel_id=None, path=None, **kwargs):
        # GatewayKernelManager sends only the KERNEL_* variables of the env it
        # is given, yet logs all of it, this server's hub token included.
        if kwargs.get("env"):
            kwargs["env"] = {k: v for k, v in kwargs["env"].items() if k.startswith("KERNEL_")}
        return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)

    async def shutdown_all(self, now=False):
        """Called only as the server stops (ServerApp.cleanup_kernels): the
        kernels stay on the gateway, which culls them when idle."""
        kept = list(self._kernels)
        for kernel_id in kept:
            self.remove_kernel(kernel_id)
        if kept:
            self.log.info("campushub: %d remote kernel(s) keep running on the gateway: %s",
                          len(kept), ", ".join(kept))

    async def adopt(self, kernel_id: str) -> bool | None:
        """Take a running kernel of the gateway back: True when it runs there,
        False when the gateway has no such kernel (culled, or never this
        person's), None when the gateway could not be asked."""
        if kernel_id in self._kernels:
            return True
        km = self.kernel_manager_factory(parent=self, log=self.log)
        try:
            # with a kernel_id, GatewayKernelManager only fetches that kernel's model
            await km.start_kernel(kernel_id=kernel_id)
        except web.HTTPError as error:
            self.log.warning("campushub: could not ask the gateway for kernel %s: %s", kernel_id, error)
            return None
        if km.kernel is None:
            return False
        self._kernels.setdefault(kernel_id, km)
        return True

    async def list_kernels(self, **kwargs):
        if not self._found_all:
            # Once per server: what an earlier server left running shows in
            # Running Terminals and Kernels, where the person can stop it.
            response = await gateway_request(self.kernels_url, method="GET")
            for model in json_decode(response.body):
                await self.adopt(model["id"])
            self._found_all = True
        return await super().list_kernels(**kwargs)


class RemoteKernelWebsocket(GatewayWebSocketConnection):
    """JupyterLab closes a new kernel websocket at once and opens it again
    with the same session id. GatewayWebSocketConnection.disconnect then
    cancels the pending connect's future, which does not stop the connect:
    the gateway's websocket opened anyway and stayed open, unread, and EG
    held the reconnect with the same session id until the front gave up
    (60 s: JupyterLab's "Unknown"). Here it is closed once it is made."""

    def disconnect(self):
        pending = self.ws is None and self.ws_future is not None and not self.ws_future.done()
        if not pending:
            super().disconnect()
            return
        self.disconnected = True
        self.ws_future.add_done_callback(_close_made)


def _close_made(future) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()


class RemoteSessionManager(GatewaySessionManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # notebook path -> its kernel the gateway no longer had, for the notice
        # when the notebook opens again (remote_kernels_server.py)
        self.gone: dict[str, str] = {}

    async def kernel_culled(self, kernel_id: str) -> bool:
        # Only a kernel the gateway says it does not have is gone: an unreachable
        # gateway keeps the session (row_to_model then leaves it out of lists).
        return await self.kernel_manager.adopt(kernel_id) is False

    async def row_to_model(self, row, tolerate_culled=False):
        # the parent deletes the session of a gone kernel, and with it what the notebook had
        if await self.kernel_culled(row["kernel_id"]):
            self.gone[row["path"]] = row["kernel_id"]
        return await super().row_to_model(row, tolerate_culled)


def sessions_file() -> str:
    """Sessions (which notebook uses which kernel) outlive the server, one
    file per named server of the person, in their own data directory."""
    folder = os.path.join(jupyter_data_dir(), "campushub")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    name = os.environ.get("JUPYTERHUB_SERVER_NAME") or "default"
    return os.path.join(folder, f"sessions-{name}.db")


def configure(c) -> None:
    """The server config's part (etc/jupyter/jupyter_server_config.py)."""
    c.GatewayClient.url = os.environ[GATEWAY_ENV]
    # The front (a hub service) takes the server's own hub token, which holds
    # access to it (hub/services.py user_scopes); it decides whose kernel is whose.
    c.GatewayClient.auth_token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
    c.GatewayClient.request_timeout = REQUEST_TIMEOUT
    c.ServerApp.kernel_manager_class = f"{__name__}.RemoteKernelManager"
    c.ServerApp.session_manager_class = f"{__name__}.RemoteSessionManager"
    c.ServerApp.kernel_websocket_connection_class = f"{__name__}.RemoteKernelWebsocket"
    c.SessionManager.database_filepath = sessions_file()
    # The gateway culls idle kernels (remote_kernels.cull_idle_minutes) whether
    # or not this server runs; this server's own culler would delete them as
    # if the person had, and no "stopped after N minutes idle" would follow.
    c.MappingKernelManager.cull_idle_timeout = 0

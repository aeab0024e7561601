"""Installed into every user environment as the server extension
`campushub_remote_kernels` (singleuser/files.py; it imports nothing of
CampusHub), with its kernel and session managers beside it
(remote_kernel_manager.py). Where the hub gave this server remote kernels
(CAMPUSHUB_GATEWAY_URL, hub/remote_kernels_env.py), JupyterLab's plugin
(labextension/src/culled.js) asks here whether the gateway culled a
notebook's kernel: by kernel id when the kernel goes away under an open
notebook, by notebook path when a notebook opens again after the server
dropped its session. This asks the remote-kernels front with the server's
own token, which the browser does not hold, and hands on its answer, in the
language the browser asks for. Without the variable it adds nothing."""

import json
import os

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from .remote_kernel_manager import GATEWAY_ENV

TEXTS_ENV = "CAMPUSHUB_REMOTE_KERNELS_TEXTS"
KERNEL_ID = r"(?P<kernel_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
ANSWER = ("culled", "state", "idle_minutes", "message", "profile")
KERNEL_USAGE_PANEL = "@jupyter-server/resource-usage:kernel-panel-item"


async def ask_front(kernel_id: str, language: str | None) -> dict:
    headers = {"Authorization": "token " + os.environ.get("JUPYTERHUB_API_TOKEN", "")}
    if language:
        headers["Accept-Language"] = language
    url = url_path_join(os.environ[GATEWAY_ENV], "api/campushub/culled", kernel_id)
    try:
        response = await AsyncHTTPClient().fetch(url, headers=headers, request_timeout=20)
    except HTTPClientError as error:
        if error.code == 404:  # not a kernel the front stopped for idleness (or not this person's)
            return {"culled": False}
        raise web.HTTPError(502, f"The remote kernels service answered {error.code}; try again later.") from None
    except OSError:
        raise web.HTTPError(502, "The remote kernels service cannot be reached; try again later.") from None
    found = json.loads(response.body)
    return {key: found.get(key) for key in ANSWER}


class CulledHandler(APIHandler):
    # JupyterLab asks when a kernel has gone: asking is not using the server.
    _track_activity = False

    def told(self, kernel_id: str) -> None:
        gone = getattr(self.session_manager, "gone", {})
        for path in [p for p, k in gone.items() if k == kernel_id]:
            del gone[path]

    @web.authenticated
    async def get(self, kernel_id=None):
        if kernel_id is None:
            # a notebook opening again: was its kernel gone when the server dropped its session?
            kernel_id = getattr(self.session_manager, "gone", {}).get(self.get_query_argument("path", ""))
            if kernel_id is None:
                self.finish({"culled": False})
                return
        kernel_id = kernel_id.lower()
        self.told(kernel_id)  # said once, by id or by path
        self.finish(await ask_front(kernel_id, self.request.headers.get("Accept-Language")))


class NoKernelUsage(APIHandler):
    """jupyter-resource-usage's kernel usage (its KernelUsageHandler) asks the kernel on a zmq control
    socket that a gateway kernel's client has not (an AssertionError in GatewayKernelClient: a 500
    with a traceback). Answered as that library answers for a kernel that cannot tell."""

    _track_activity = False

    @web.authenticated
    def get(self, kernel_id=None):
        self.finish(json.dumps({"content": {"reason": "not_supported"}, "kernel_id": kernel_id}))


def without_kernel_usage(previous):
    """jupyterlab_server's page_config_hook: its kernel-usage panel off (it would ask the route above at
    every kernel change and only say "not supported"). A hook, not page_config_data: the handler
    overwrites that entry with the labconfig files' list."""

    def hook(handler, page_config):
        if previous is not None:
            page_config = previous(handler, page_config)
        disabled = list(page_config.get("disabledExtensions") or [])
        return {**page_config, "disabledExtensions": [*disabled, KERNEL_USAGE_PANEL]}

    return hook


def texts() -> dict[str, str]:
    try:
        found = json.loads(os.environ.get(TEXTS_ENV) or "{}")
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def _jupyter_server_extension_points():
    return [{"module": "campushub_remote_kernels"}]


def _load_jupyter_server_extension(serverapp):
    if not os.environ.get(GATEWAY_ENV):
        return
    web_app = serverapp.web_app
    route = url_path_join(web_app.settings["base_url"], "campushub/remote-kernels/culled")
    web_app.add_handlers(".*$", [(route, CulledHandler), (route + "/" + KERNEL_ID, CulledHandler)])
    # before jupyter-resource-usage's own route: the server loads extensions sorted by name
    # (jupyter_server's ExtensionManager), and tornado takes the first rule that matches
    usage = url_path_join(web_app.settings["base_url"], "api/metrics/v1/kernel_usage", r"get_usage/(.+)$")
    web_app.add_handlers(".*$", [(usage, NoKernelUsage)])
    # the plugin's labels; its presence tells the plugin this server has remote kernels
    web_app.settings.setdefault("page_config_data", {})["campushubRemoteKernels"] = json.dumps(texts())


async def _start_jupyter_server_extension(serverapp):
    """Once every extension is loaded: JupyterHub's singleuser extension sets its own page_config_hook
    when it loads (after this one), which this wraps."""
    if os.environ.get(GATEWAY_ENV):
        settings = serverapp.web_app.settings
        settings["page_config_hook"] = without_kernel_usage(settings.get("page_config_hook"))

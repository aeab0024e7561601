"""The single-user stack, imported once in the parent so children share it.

Each import is best effort: an environment without one of these packages
still gets a fork server, only a little less of it warm. After importing,
forking is only safe if nothing started a thread or an event loop: a thread
would be missing (and its locks possibly held) in every child, a loop would
be shared by all of them.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

MODULES = (
    "jupyterhub.singleuser",
    "jupyter_server.serverapp",
    "jupyterlab.labapp",
    "notebook_shim.nbserver",
    "jupyter_server_proxy",
    "jupyter_server_proxy.handlers",
    "jupyter_resource_usage",
    "jupyter_lsp",
    "jupyter_lsp.serverextension",
    "jupyter_server_terminals",
    "jupyter_server_terminals.app",
    "nbgitpuller",
    "campushub_assignments",
    "campushub_analytics",
    # what a started server imported on top of the above (python -X importtime)
    "httpcore",
    "httpx",
    "jupyterlab.extensions.pypi",
    "jinja2.ext",
    "jupyter_lsp.virtual_documents_shadow",
    "jupyter_core.migrate",
    "tornado.platform.asyncio",
    # kernels forked from the server later share these pages too
    "ipykernel.kernelapp",
    "IPython",
    # what every kernel imports while it starts: debugpy (through ipykernel.debugger) is about
    # half of a forked kernel's start (tests/singleuser/test_kernel_fork.py measures it)
    "ipykernel.ipkernel",
    "ipykernel.debugger",
)


def load(log) -> list[str]:
    """Import MODULES; the names that could not be imported."""
    missing = []
    for name in MODULES + _service_handlers():
        try:
            importlib.import_module(name)
        except Exception as e:  # an extension broken in this env must not stop the others
            missing.append(name)
            log(f"not preloaded: {name} ({type(e).__name__}: {e})")
    return missing


def _service_handlers() -> tuple[str, ...]:
    """The handler modules jupyter_server loads for its own services at start."""
    try:
        from jupyter_server.serverapp import JUPYTER_SERVICE_HANDLERS
    except Exception:
        return ()
    return tuple(m for modules in JUPYTER_SERVICE_HANDLERS.values() for m in modules or ())


def unsafe_to_fork() -> str | None:
    """Why forking this process now would be unsafe, or None."""
    if threading.active_count() != 1 or len(os.listdir("/proc/self/task")) != 1:
        return f"importing the server stack started threads ({threading.enumerate()})"
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        policy = asyncio.events._event_loop_policy
        local = getattr(policy, "_local", None)
        if asyncio.events._get_running_loop() is not None or getattr(local, "_loop", None) is not None:
            return "importing the server stack created an asyncio event loop"
    return None

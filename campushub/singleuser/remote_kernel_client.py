"""The kernel client jupyter_server's own code uses for a remote kernel
(installed beside remote_kernel_manager.py, whose RemoteKernel hands it
out; it imports nothing of CampusHub). jupyter-server-nbmodel runs every cell
JupyterLab executes on the server, through such a client, and
GatewayKernelClient (jupyter_server 2.21.1) cannot serve it: it opens its
websocket without the gateway's Authorization header, nbmodel waits for it
to be ready before opening it, it has no provisioner to say whether the
kernel lives, and execute_interactive polls zmq sockets it does not have."""

import asyncio
from queue import Empty
from threading import Thread
from time import monotonic

import websocket
from jupyter_core.utils import ensure_async
from jupyter_server.gateway.gateway_client import GatewayClient
from jupyter_server.gateway.managers import GatewayKernelClient
from jupyter_server.utils import url_path_join
from tornado.escape import url_escape

POLL = 0.05  # seconds between looks at a remote kernel's message queues


async def _take(channel):
    try:
        return await channel.get_msg(timeout=0)
    except Empty:
        return None


class RemoteKernelClient(GatewayKernelClient):

    async def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        # GatewayKernelClient.start_channels as of jupyter_server 2.21.1, but
        # with the gateway's headers: upstream opens this websocket without its
        # Authorization header, which every gateway with a token refuses (and
        # blocks the server's loop while it connects: here in a thread).
        gateway = GatewayClient.instance()
        url = url_path_join(gateway.ws_url or "", gateway.kernels_endpoint, url_escape(self.kernel_id), "channels")
        headers = gateway.load_connection_args().get("headers") or {}
        self.channel_socket = await asyncio.to_thread(
            websocket.create_connection, url, timeout=gateway.KERNEL_LAUNCH_TIMEOUT, enable_multithread=True,
            header=[f"{key}: {value}" for key, value in headers.items()],
            sslopt={"ca_certs": gateway.ca_certs, "certfile": gateway.client_cert, "keyfile": gateway.client_key})
        await ensure_async(super(GatewayKernelClient, self).start_channels(
            shell=shell, iopub=iopub, stdin=stdin, hb=hb, control=control))
        self.response_router = Thread(target=self._route_responses)
        self.response_router.start()

    async def execute_interactive(self, code, silent=False, store_history=True, user_expressions=None,
                                  allow_stdin=None, stop_on_error=True, timeout=None, output_hook=None,
                                  stdin_hook=None):
        """jupyter_client's loop polls the channels' zmq sockets, which a
        gateway client has not (its channels are queues its websocket fills):
        the same loop over the queues, looking every 50 ms (their own wait,
        ChannelQueue.get_msg with a timeout, keeps the server's loop busy)."""
        allow_stdin = self.allow_stdin if allow_stdin is None else allow_stdin
        msg_id = self.execute(code, silent=silent, store_history=store_history, user_expressions=user_expressions,
                              allow_stdin=allow_stdin, stop_on_error=stop_on_error)
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            if deadline is not None and monotonic() > deadline:
                raise TimeoutError("Timeout waiting for output")
            if allow_stdin and stdin_hook is not None:
                asked = await _take(self.stdin_channel)
                if asked is not None:
                    await ensure_async(stdin_hook(asked))
            msg = await _take(self.iopub_channel)
            if msg is None:
                await asyncio.sleep(POLL)
            elif msg["parent_header"].get("msg_id") == msg_id:
                if output_hook is not None:
                    await ensure_async(output_hook(msg))
                if msg["header"]["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
        while deadline is None or monotonic() <= deadline:
            reply = await _take(self.shell_channel)
            if reply is None:
                await asyncio.sleep(POLL)
            elif reply["parent_header"].get("msg_id") == msg_id:
                return reply
        raise TimeoutError("Timeout waiting for reply")

    async def wait_for_ready(self, timeout=None):
        if self.channel_socket is None:
            await self.start_channels()
        return await super().wait_for_ready(timeout)

    async def _async_is_alive(self) -> bool:
        return self.channel_socket is not None

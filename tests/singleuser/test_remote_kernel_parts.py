"""The parts of the remote-kernel managers that need no gateway (the stack
test, tests/remote_kernels/test_lab_side_stack.py, runs them against a real
one): a stopping server forgets its kernels without a request, and the
client's execute_interactive over a gateway client's message queues hands
the output hook only this request's messages, up to idle, then its reply."""

from __future__ import annotations

import asyncio
import queue

import pytest

from campushub.singleuser.remote_kernel_client import RemoteKernelClient
from campushub.singleuser.remote_kernel_manager import RemoteKernelManager


class Channel:
    """A gateway client's ChannelQueue as the client reads it (get_msg, Empty when nothing is there)."""

    def __init__(self, *messages):
        self.queue = queue.Queue()
        for message in messages:
            self.queue.put(message)

    async def get_msg(self, timeout=None):
        return self.queue.get(block=False)


class Client(RemoteKernelClient):
    iopub_channel = shell_channel = stdin_channel = None  # the queues are set per test


def message(parent: str, kind: str, **content) -> dict:
    return {"header": {"msg_type": kind}, "parent_header": {"msg_id": parent}, "msg_type": kind, "content": content}


def test_execute_interactive_over_the_queues():
    client = Client(kernel_id="k")
    client.execute = lambda code, **kwargs: "mine"
    client.iopub_channel = Channel(message("other", "stream", text="not mine"),
                                   message("mine", "status", execution_state="busy"),
                                   message("mine", "stream", text="42\n"),
                                   message("mine", "status", execution_state="idle"),
                                   message("mine", "stream", text="after idle"))
    client.shell_channel = Channel(message("other", "execute_reply", status="ok"),
                                   message("mine", "execute_reply", status="ok", execution_count=1))
    seen = []
    reply = asyncio.run(client.execute_interactive("print(42)", output_hook=seen.append, timeout=10))
    assert [m["content"].get("text") for m in seen if m["msg_type"] == "stream"] == ["42\n"]
    assert reply["parent_header"]["msg_id"] == "mine" and reply["content"]["execution_count"] == 1


def test_execute_interactive_gives_up_at_its_timeout():
    client = Client(kernel_id="k")
    client.execute = lambda code, **kwargs: "mine"
    client.iopub_channel, client.shell_channel = Channel(), Channel()
    with pytest.raises(TimeoutError):
        asyncio.run(client.execute_interactive("while True: pass", timeout=0.2))


class Kernel:
    def shutdown_kernel(self, *args, **kwargs):
        raise AssertionError("a stopping server must not shut a remote kernel down")


def test_a_stopping_server_forgets_its_kernels(monkeypatch):
    monkeypatch.setenv("JUPYTER_GATEWAY_URL", "http://127.0.0.1:9/")
    manager = RemoteKernelManager()
    manager._kernels.update({"k1": Kernel(), "k2": Kernel()})
    asyncio.run(manager.shutdown_all())
    assert manager.list_kernel_ids() == []

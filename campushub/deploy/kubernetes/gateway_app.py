"""Enterprise Gateway 3.2.3 as a release runs it (render/gateway.py mounts
this file from its ConfigMap and runs it by path with the image's python, so
it imports only EG, its dependencies and the standard library). One change
to EG, on its response port, where each starting kernel pod sends its
connection details, encrypted with EG's public key:

- EG's ResponseManager reads one connection at a time until the sender
  closes it, with no timeout: one kernel pod that connects and says nothing
  stalls every kernel start of the site. Responses reads each connection in
  a task of its own, within read_timeout and max_payload, and at most
  max_per_peer at once from one address.
- It takes the details of any kernel being started from anyone: every kernel
  pod has the public key (it is in its command), so a learner's kernel could
  answer for another person's start. KernelPod (the kernelspecs' process
  proxy, campushub_k8s_gateway.KernelPod) tells Responses the IP of the pod
  EG finds for the kernel (KubernetesProcessProxy.get_container_status: the
  pod labelled with the kernel's id, which only EG creates); only details
  sent from that IP are taken. Details that arrive before EG has seen the
  pod running are held until it has.

And, as the local gateway's (deploy/local/remote_kernels/eg_app.py, which
this file cannot import): SteadyRestarter counts a kernel that dies within
STEADY_S of its relaunch as dying again in a row; jupyter_client 6's
restarter forgot the count at the first poll that saw the kernel alive, so
a kernel living a few seconds got new pods for ever.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

from enterprise_gateway.enterprisegatewayapp import EnterpriseGatewayApp
from enterprise_gateway.services.processproxies.k8s import KubernetesProcessProxy
from enterprise_gateway.services.processproxies.processproxy import ResponseManager
from jupyter_client.ioloop.restarter import AsyncIOLoopKernelRestarter
from tornado.ioloop import IOLoop
from traitlets import Float, Integer

sys.modules.setdefault("campushub_k8s_gateway", sys.modules[__name__])  # for the kernelspecs' class_name


class Responses(ResponseManager):
    read_timeout = Float(5.0, config=True, help="Seconds a kernel pod has to send its details and close.")
    max_payload = Integer(64 * 1024, config=True, help="Bytes; a launcher's details are about 1 KiB.")
    max_per_peer = Integer(4, config=True, help="Connections read at once from one address.")
    # senders held for one kernel until its pod is known; each is a pod (an IP), few fill it
    MAX_HELD = 64

    def __init__(self, **kwargs):
        self._server = None
        self._serving = False
        self._reading = Counter()  # peer address -> connections being read
        self._held: dict[str, dict[str, dict]] = {}  # kernel id -> peer address -> details
        self._pod_ips: dict[str, str] = {}  # kernel id -> its pod's IP, once EG has seen it running
        super().__init__(**kwargs)

    def _start_response_manager(self) -> None:
        # instead of EG's PeriodicCallback over one accept-and-read at a time
        if self._response_socket is None:
            self._prepare_response_socket()
        if not self._serving:
            self._serving = True
            IOLoop.current().add_callback(self._serve)

    async def _serve(self) -> None:
        self._server = await asyncio.start_server(self._receive, sock=self._response_socket)

    def stop_response_manager(self) -> None:
        if self._server is not None:
            self._server.close()
        self._server = self._response_socket = None
        self._serving = False

    def register_event(self, kernel_id: str) -> None:
        super().register_event(kernel_id)  # a restart registers the same id again, for a new pod
        self._held.pop(kernel_id, None)
        self._pod_ips.pop(kernel_id, None)

    async def get_connection_info(self, kernel_id: str) -> dict:
        info = await super().get_connection_info(kernel_id)
        self._held.pop(kernel_id, None)
        self._pod_ips.pop(kernel_id, None)
        return info

    def expect(self, kernel_id: str, pod_ip: str) -> None:
        """EG found kernel_id's pod running at pod_ip: take its details from there only."""
        if kernel_id not in self._response_registry or kernel_id in self._pod_ips:
            return
        self._pod_ips[kernel_id] = pod_ip
        self.log.info("Response port: details for kernel %s taken from its pod's IP %s only", kernel_id, pod_ip)
        held = self._held.pop(kernel_id, {})
        for peer in held.keys() - {pod_ip}:
            self._refuse(kernel_id, peer, pod_ip)
        if pod_ip in held:
            self._post_connection(held[pod_ip])

    async def _receive(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[0]
        if self._reading[peer] >= self.max_per_peer:
            self.log.warning("Response port: more than %d connections at once from %s; closed", self.max_per_peer, peer)
            writer.close()
            return
        self._reading[peer] += 1
        try:
            data = await asyncio.wait_for(self._read(reader), self.read_timeout)
            if data is None:
                self.log.warning("Response port: %s sent more than %d bytes; closed", peer, self.max_payload)
            else:
                self._take(self._decode_payload(data.decode("ascii")), peer)
        except asyncio.TimeoutError:  # noqa: UP041 (not the builtin before 3.11; the image may be 3.10)
            self.log.warning("Response port: %s sent nothing complete within %s s; closed", peer, self.read_timeout)
        except Exception as ex:  # as EG's own reader: a bad payload is logged, never fatal
            self.log.error("Failure occurred processing connection from %s: %s", peer, ex)
        finally:
            self._reading[peer] -= 1
            if not self._reading[peer]:
                del self._reading[peer]
            writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> bytes | None:
        data = b""
        while chunk := await reader.read(4096):
            data += chunk
            if len(data) > self.max_payload:
                return None
        return data

    def _take(self, info: dict, peer: str) -> None:
        kernel_id = info.get("kernel_id")
        if kernel_id not in self._response_registry:
            self._post_connection(info)  # EG's: logs it as unknown and drops it
        elif kernel_id not in self._pod_ips:
            held = self._held.setdefault(kernel_id, {})
            if peer in held or len(held) < self.MAX_HELD:
                held[peer] = info
                self.log.info("Response port: details for kernel %s from %s held until its pod runs", kernel_id, peer)
        elif peer == self._pod_ips[kernel_id]:
            self._post_connection(info)
        else:
            self._refuse(kernel_id, peer, self._pod_ips[kernel_id])

    def _refuse(self, kernel_id: str, peer: str, pod_ip: str) -> None:
        self.log.warning("Response port: details for kernel %s came from %s, not from its pod %s; refused",
                         kernel_id, peer, pod_ip)


class KernelPod(KubernetesProcessProxy):
    def __init__(self, kernel_manager, proxy_config: dict):
        # first, so that EG's ResponseManager.instance() in RemoteProcessProxy gives this singleton
        Responses.instance()
        super().__init__(kernel_manager, proxy_config)

    def get_container_status(self, iteration: int | None) -> str:
        status = super().get_container_status(iteration)
        if self.assigned_ip:  # set by EG from the pod labelled with this kernel's id, once running
            self.response_manager.expect(self.kernel_id, self.assigned_ip)
        return status


STEADY_S = 60.0


class SteadyRestarter(AsyncIOLoopKernelRestarter):
    _relaunched = 0.0

    async def poll(self):
        if self._restarting and time.monotonic() - self._relaunched < STEADY_S \
                and await self.kernel_manager.is_alive():
            return  # alive, but not for long yet: its next death is one more in a row
        count = self._restart_count
        await super().poll()
        if self._restarting and self._restart_count != count:
            self._relaunched = time.monotonic()


if __name__ == "__main__":
    EnterpriseGatewayApp.launch_instance()

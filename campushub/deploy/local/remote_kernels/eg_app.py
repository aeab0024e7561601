"""Enterprise Gateway as `campushub up` runs it, in EG's own venv (so this file
imports only EG, its dependencies and the standard library; gateway.py runs
it by path with -I). Two changes to EG, each for kernels that outlive the
gateway as servers outlive the hub (a reload that restarts it, `campushub
down`, a crash):

- EnterpriseGatewayApp.shutdown() shuts down every kernel when the gateway
  stops. This gateway leaves them running; the next one takes them back from
  the sessions EG persists (FileKernelSessionManager, availability_mode
  standalone), EG's own mechanism for a gateway that went away.
- LocalProcessProxy puts kernels on TCP at 127.0.0.1, where every account of
  the machine may subscribe to a kernel's output. LocalKernel gives them
  transport ipc, unix sockets in a folder only the person and root may
  enter (sockets.py: CAMPUSHUB_KERNEL_SOCKETS/<kernel id>/kernel-<port>), also
  when a gateway takes a kernel back (EG would reconnect at the host's public
  address). Kernelspecs name it as campushub_gateway.LocalKernel.
- For a kernel taken back (not its child), EG signals by running
  `kill -SIG -PGID`, which procps-ng 4.0.2's kill reads as a signal to process
  group SIG: an interrupt went to group 2 (kill(-2, SIGINT)), a SIGKILL would
  go to group 9, processes of whoever happens to lead them. LocalKernel
  signals the launcher's process group itself (EG runs as root on this host).
- A gateway taking kernels back trusted the pid and process group in the
  persisted session: after a reboot or a launcher killed while the gateway
  was down, it signalled (the culler: SIGKILLed) whatever process had that
  pid since. LocalKernel persists the launcher's boot id and start time too
  and takes a kernel back only when its process is still that launcher;
  else the kernel counts as gone and nothing is signalled. A taken-back
  launcher is not the gateway's child, so its pid is free again as soon as
  it ends: every later signal and poll (EG's restarter polls with signal 0,
  then SIGTERM/SIGKILLs the group) checks that identity again first.
- jupyter_client 6's restarter counts deaths in a row only until one poll
  (every 3 s) sees the kernel alive, so a kernel that lives a few seconds
  and exits (a startup file) was relaunched for ever, a full launch each.
  SteadyRestarter counts a death as one more in a row until the kernel has
  lived STEADY_S (jupyter_client 7's stable_start_time, backported).
"""

import os
import sys
import time

from enterprise_gateway.enterprisegatewayapp import EnterpriseGatewayApp
from enterprise_gateway.services.processproxies.processproxy import LocalProcessProxy
from jupyter_client.ioloop.restarter import AsyncIOLoopKernelRestarter

STEADY_S = 60.0

sys.modules.setdefault("campushub_gateway", sys.modules[__name__])  # for the kernelspecs' class_name


class LocalKernel(LocalProcessProxy):
    _launcher = None  # a taken-back launcher's identity

    def __init__(self, kernel_manager, proxy_config):
        super().__init__(kernel_manager, proxy_config)
        self._on_sockets()

    def _on_sockets(self) -> None:
        # before EG writes the connection file (pre_start_kernel), and again where EG sets an address
        self.kernel_manager.transport = "ipc"
        self.kernel_manager.ip = os.path.join(os.environ["CAMPUSHUB_KERNEL_SOCKETS"], self.kernel_id, "kernel")

    def get_process_info(self) -> dict:
        return {**super().get_process_info(), "launcher": _identity(self.pid)}

    def load_process_info(self, process_info: dict) -> None:
        super().load_process_info(process_info)
        self._on_sockets()
        self._launcher = process_info.get("launcher")
        if not self._launcher or _identity(self.pid) != self._launcher:
            self.pid = self.pgid = 0  # not our launcher (any more)

    def poll(self):
        if self.local_proc is None and self.pid <= 0:
            return False  # EG's poll would report a kernel with no process as alive
        return super().poll()

    def local_signal(self, signum: int):
        if self.local_proc is None and self.pid > 0 and _identity(self.pid) != self._launcher:
            self.pid = self.pgid = 0  # the launcher ended and its pid is someone else's now: the kernel is gone
        try:
            if self.pgid > 0 and signum > 0:
                os.killpg(self.pgid, signum)
            elif self.pid > 0:
                os.kill(self.pid, signum)
            else:
                return False
        except OSError:
            return False
        return None  # as EG's: None when the signal was delivered


def _identity(pid: int) -> str | None:
    """Which process `pid` is: this boot's id and the process's start time (proc(5) stat field 22)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            started = f.read().rsplit(")", 1)[1].split()[19]
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f"{f.read().strip()} {started}"
    except (OSError, IndexError):
        return None


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


class CampusHubGateway(EnterpriseGatewayApp):
    def shutdown(self) -> None:
        kept = self.kernel_manager.list_kernel_ids()
        self.log.info("Stopping; %d kernel(s) keep running for the next gateway: %s", len(kept), ", ".join(kept))


if __name__ == "__main__":
    CampusHubGateway.launch_instance()

"""Enterprise Gateway as `campushub up` runs it, in EG's own venv (so this file
imports only EG, its dependencies and the standard library; gateway.py runs
it by path with -I). Two changes to EG, each for kernels that outlive the
gateway as servers outlive the hub (a reload that restarts it, `campushub
down`, a crash):

- EnterpriseGatewayApp.shutdown() shuts down every kernel when the gateway
  stops. This gateway leaves them running; the next one takes them back from
  the sessions EG persists (FileKernelSessionManager, availability_mode
  standalone), EG's own mechanism for a gateway that went away.
- LocalProcessProxy records a kernel's address as the machine's public one
  (processproxy.local_ip) and a gateway taking the kernel back connects
  there, while the kernel listens on 127.0.0.1 (LocalProcessProxy's own
  choice, kept: nothing else should reach its ports). LocalKernel connects
  where the kernel listens. Kernelspecs name it as campushub_gateway.LocalKernel.
- For a kernel taken back (not its child), EG signals by running
  `kill -SIG -PGID`, which procps-ng 4.0.2's kill reads as a signal to process
  group SIG: an interrupt went to group 2 (kill(-2, SIGINT)), a SIGKILL would
  go to group 9, processes of whoever happens to lead them. LocalKernel
  signals the launcher's process group itself (EG runs as root on this host).
"""

import os
import sys

from enterprise_gateway.enterprisegatewayapp import EnterpriseGatewayApp
from enterprise_gateway.services.processproxies.processproxy import LocalProcessProxy
from jupyter_client import localinterfaces

sys.modules.setdefault("campushub_gateway", sys.modules[__name__])  # for the kernelspecs' class_name


class LocalKernel(LocalProcessProxy):
    def load_process_info(self, process_info: dict) -> None:
        super().load_process_info(process_info)
        self.kernel_manager.ip = localinterfaces.LOCALHOST

    def local_signal(self, signum: int):
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


class CampusHubGateway(EnterpriseGatewayApp):
    def shutdown(self) -> None:
        kept = self.kernel_manager.list_kernel_ids()
        self.log.info("Stopping; %d kernel(s) keep running for the next gateway: %s", len(kept), ", ".join(kept))


if __name__ == "__main__":
    CampusHubGateway.launch_instance()

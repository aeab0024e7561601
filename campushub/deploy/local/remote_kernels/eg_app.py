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
"""

import sys

from enterprise_gateway.enterprisegatewayapp import EnterpriseGatewayApp
from enterprise_gateway.services.processproxies.processproxy import LocalProcessProxy
from jupyter_client import localinterfaces

sys.modules.setdefault("campushub_gateway", sys.modules[__name__])  # for the kernelspecs' class_name


class LocalKernel(LocalProcessProxy):
    def load_process_info(self, process_info: dict) -> None:
        super().load_process_info(process_info)
        self.kernel_manager.ip = localinterfaces.LOCALHOST


class CampusHubGateway(EnterpriseGatewayApp):
    def shutdown(self) -> None:
        kept = self.kernel_manager.list_kernel_ids()
        self.log.info("Stopping; %d kernel(s) keep running for the next gateway: %s", len(kept), ", ".join(kept))


if __name__ == "__main__":
    CampusHubGateway.launch_instance()

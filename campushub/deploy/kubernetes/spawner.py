"""KubeSpawner with CampusHub's group policies: the same spawn form and the
same checks as local servers (hub/policy/spawner.py), applied as pod
resources, GPUs, node pools and images. For Zero to JupyterHub:

    hub.extraConfig: |
      from campushub.config import load
      c.JupyterHub.spawner_class = "campushub.deploy.kubernetes.spawner.CampusHubKubeSpawner"
      c.CampusHubKubeSpawner.site_config = load("/etc/campushub/campushub.yaml")

The form lists each allowed environment tag as startable: its image is
pulled when the pod starts, so there is no local build to look at.

JupyterLab's default language is the person's (lab_language.py).
"""

from __future__ import annotations

from kubespawner import KubeSpawner

from ...hub.policy.spawner import PolicyMixin
from ...hub.policy.types import Choice
from ...i18n import LAB_LOCALES
from . import resources
from .lab_language import add_lab_language


class CampusHubKubeSpawner(PolicyMixin, KubeSpawner):
    def apply_backend_choice(self, choice: Choice) -> None:
        resources.apply_pod_settings(self, choice, self.site_config)

    async def get_pod_manifest(self):
        return add_lab_language(await super().get_pod_manifest(), LAB_LOCALES.get(self.language()))

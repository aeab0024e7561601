"""KubeSpawner with CampusHub's group policies: the same spawn form and the
same checks as local servers (hub/policy/spawner.py), applied as pod
resources, GPUs, node pools and images. For Zero to JupyterHub:

    hub.extraConfig: |
      from campushub.config import load
      c.JupyterHub.spawner_class = "campushub.deploy.kubernetes.spawner.CampusHubKubeSpawner"
      c.CampusHubKubeSpawner.site_config = load("/etc/campushub/campushub.yaml")

JupyterLab's default language is the person's (lab_language.py).
"""

from __future__ import annotations

from kubespawner import KubeSpawner

from ...hub.policy.spawner import PolicyMixin
from ...hub.policy.types import Choice, Policy
from ...i18n import LAB_LOCALES
from . import resources
from .lab_language import add_lab_language


class CampusHubKubeSpawner(PolicyMixin, KubeSpawner):
    def apply_choice(self, choice: Choice, policy: Policy) -> None:
        resources.apply_choice(self, choice, self.config_dict)
        self.disable_user_config = not policy.user_environments

    def environment_info(self, policy: Policy) -> list[dict]:
        config = self.config_dict
        out: dict[str, dict] = {}
        for name, tag in policy.environments:
            env = config["environments"].get(name, {})
            entry = out.setdefault(name, {"name": name, "title": env.get("title") or name,
                                          "description": env.get("description", ""), "tags": []})
            version = (env.get("tags") or {}).get(tag)
            entry["tags"].append({"tag": tag, "version": version, "packages": {}, "built": True})
        return list(out.values())

    async def get_pod_manifest(self):
        return add_lab_language(await super().get_pod_manifest(), LAB_LOCALES.get(self.language()))

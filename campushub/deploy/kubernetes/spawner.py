"""KubeSpawner with CampusHub's group policies: the same spawn form and the
same checks as local servers (hub/policy/spawner.py), applied as pod
resources, GPUs, node pools and images. For Zero to JupyterHub:

    hub.extraConfig: |
      from campushub.deploy.kubernetes.hub_config import apply_from_file
      apply_from_file(c, "/etc/campushub/campushub.yaml")

(hub_config.py; `campushub k8s render` writes it into the values), which
sets this class with the site configuration, and auth, roles and pages too.

The form lists each allowed environment tag as startable: its image is
pulled when the pod starts, so there is no local build to look at.

JupyterLab's default language is the person's (lab_language.py). The
user's courses are synced into their home by an init container
(course_sync.py), as local servers sync them before starting.
"""

from __future__ import annotations

from kubespawner import KubeSpawner

from ...hub import courses
from ...hub.policy.spawner import PolicyMixin
from ...hub.policy.types import Choice
from ...i18n import LAB_LOCALES
from . import resources
from .course_sync import add_course_sync
from .lab_language import add_lab_language


class CampusHubKubeSpawner(PolicyMixin, KubeSpawner):
    def apply_backend_choice(self, choice: Choice) -> None:
        resources.apply_pod_settings(self, choice, self.site_config)

    def get_env(self):
        env = super().get_env()
        env.update(courses.launcher_env(self.language(), courses.for_server(self)))
        return env

    async def get_pod_manifest(self):
        lang = self.language()
        pod = add_lab_language(await super().get_pod_manifest(), LAB_LOCALES.get(lang))
        return add_course_sync(pod, courses.for_server(self), lang, self.start_timeout)

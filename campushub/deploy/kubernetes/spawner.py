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

Starts beyond spawner.concurrent_starts wait in the hub's fair start line
and see their place in it (start_line.py). JupyterLab's default language
is the person's (lab_language.py). The user's courses are synced into
their home by an init container (course_sync.py), as local servers sync
them before starting. The person's projects are mounted at
~/projects/<name>, their claims made when missing (projects.py). Each pod
carries its policy group in the label `campushub-group`
(hub/policy/group_label.py), so pod metrics (cAdvisor's, joined with
kube-state-metrics' kube_pod_labels) add up by group as the local hub's own
series do.
"""

from __future__ import annotations

from kubespawner import KubeSpawner

from ...apps import kinds
from ...hub import courses
from ...hub.policy.spawner import PolicyMixin
from ...hub.policy.types import Choice
from ...i18n import LAB_LOCALES
from . import projects, resources
from .course_sync import add_course_sync
from .home_claim import forget_deleted_claim
from .lab_language import add_lab_language
from .render.dockerfiles import ENV_PREFIX
from .start_line import AUTOMATIC_SLOTS, Line

GROUP_LABEL = "campushub-group"


class CampusHubKubeSpawner(PolicyMixin, KubeSpawner):
    _line: Line | None = None
    _projects: list[str] | None = None  # read once per start: the claims made are the ones mounted

    def apply_backend_choice(self, choice: Choice) -> None:
        resources.apply_pod_settings(self, choice, self.site_config)
        if self.app_spec is not None:
            # the image's environment (render/dockerfiles.py); the pod's loopback is its own
            self.cmd = kinds.server_argv(self.app_spec, f"{ENV_PREFIX}/bin/python", None)

    def automatic_concurrent_starts(self) -> int:
        return AUTOMATIC_SLOTS  # pods start on the nodes: start_line.py

    def start(self):
        self._line = Line()
        return super().start()

    async def _start(self):
        # KubeSpawner.start() runs _start() as the future progress() follows;
        # all of it (pod creation, waiting for the pod) takes its turn.
        line = self._line or Line()
        async with self.start_turn(line.tell):
            line.close()
            await forget_deleted_claim(self)
            self._projects = projects.projects_of(self)
            await projects.ensure_claims(self, self._projects, projects.settings(self.site_config), self.language())
            return await super()._start()

    async def progress(self):
        if self._line is not None:
            async for event in self._line.events(self._start_future):
                yield event
        async for event in super().progress():
            yield event

    def get_env(self):
        env = super().get_env()
        env.update(courses.launcher_env(self.language(), courses.for_server(self)))
        return env

    async def get_pod_manifest(self):
        lang = self.language()
        pod = add_lab_language(await super().get_pod_manifest(), LAB_LOCALES.get(lang))
        pod = projects.add_projects(pod, projects.projects_of(self) if self._projects is None else self._projects)
        if self.policy_group:  # unset without a site configuration: no policy, no group
            pod.metadata.labels = {**(pod.metadata.labels or {}), GROUP_LABEL: self.policy_group}
        return add_course_sync(pod, courses.for_server(self), lang, self.start_timeout)

"""Project data on Kubernetes as the service sees it: not at all. The claims
(project-<name>, deploy/kubernetes/projects.py) are mounted only in members'
pods, and the service's pod has no access to the cluster's API, so
- the size is unknown (the page says so);
- last activity is the members' latest hub activity;
- deleting a project deletes its group only and keeps the claim: no data is
  removed without an archive, and archiving a claim needs a pod that mounts
  it, which is the operator's step (`campushub k8s archive-project NAME`,
  deploy/kubernetes/project_archive.py, once the group is gone).
"""

from __future__ import annotations

from ...i18n import N_
from .storage import MEMBERS, Archived, Note, Usage, latest_activity

CLAIM = "project-{name}"
CLAIM_KEPT = N_("Its volume claim {claim} is kept: an operator archives and deletes it with "
                "campushub k8s archive-project {name}.")


class KubernetesStorage:
    kind = "kubernetes"

    async def usage(self, name: str, members: list[dict]) -> Usage:
        return Usage(measured=False, activity=latest_activity(members), activity_kind=MEMBERS)

    async def archive(self, name: str) -> Archived:
        return Archived(path="")

    async def remove(self, name: str, archived: Archived) -> Note | None:
        return Note(CLAIM_KEPT, {"claim": CLAIM.format(name=name), "name": name})

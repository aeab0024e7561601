"""A home claim deleted by `campushub retention apply` is made again, empty,
at the person's next start.

KubeSpawner 7 keeps the claim's name in the server's state and, once it has
made the claim, never checks again: after the claim was deleted, the pod
would wait for it until the hub gave up on the start. One read per start
(the hub's service account may read claims) lets KubeSpawner make it anew,
with the same name, where `campushub retention restore` finds it.
"""

from __future__ import annotations


async def forget_deleted_claim(spawner) -> None:
    if not (spawner.storage_pvc_ensure and spawner._pvc_exists):
        return
    if not await spawner._check_pvc_exists(spawner.pvc_name, spawner.namespace):
        spawner.log.info("Home claim %s of %s is gone (archived by retention?): making a new one",
                         spawner.pvc_name, spawner.user.name)
        spawner._pvc_exists = False

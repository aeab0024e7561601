"""roles and courses in campushub.yaml -> JupyterHub roles (load_roles).

Learners need nothing here: JupyterHub's default `user` role already limits
everyone to their own server. Groups named here are created by JupyterHub if
missing and filled by the identity provider's group sync at each login.
"""

from __future__ import annotations

# What a tutor does with a learner's server: see it, open it, start or stop
# it (e.g. to help after a crash). Not: delete the learner, read their tokens.
TUTOR_SCOPES = ("access:servers", "read:servers", "servers", "read:users:name", "read:users:activity")


def load_roles(config: dict) -> list[dict]:
    roles = []
    admin_groups = config["roles"]["admin_groups"]
    if admin_groups:
        roles.append({"name": "admin", "groups": sorted(admin_groups)})
    for course, spec in sorted(config["courses"].items()):
        learners = spec["learners_group"]
        roles.append({
            "name": f"tutor-{course}",
            "description": f"Tutors of {spec.get('title') or course}: open the servers of its learners",
            "groups": [spec["tutors_group"]],
            "scopes": [f"{scope}!group={learners}" for scope in TUTOR_SCOPES],
        })
    return roles

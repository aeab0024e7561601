"""roles and courses in campushub.yaml -> JupyterHub roles (load_roles).

Learners need nothing here: JupyterHub's default `user` role already limits
everyone to their own server. Groups named here are created by JupyterHub if
missing and filled by the identity provider's group sync at each login.
"""

from __future__ import annotations

# JupyterHub (5.5 and 6) crashes at its first start when a group that does
# not exist yet is named in its built-in "admin" role (it sets .admin on the
# group it has just created, through a variable that is still None). So the
# admin groups hold a role of their own with the admin role's scopes, and the
# identity layer (auth/identity.py) gives their members the admin flag.
ADMIN_GROUPS_ROLE = "campushub-admin-groups"

# What a tutor does with a learner's server: see it, open it, start or stop
# it (e.g. to help after a crash). Not: delete the learner, read their tokens.
TUTOR_SCOPES = ("access:servers", "read:servers", "servers", "read:users:name", "read:users:activity")


def load_roles(config: dict) -> list[dict]:
    roles = []
    admin_groups = config["roles"]["admin_groups"]
    if admin_groups:
        # here, not at the top: `campushub status` imports this module for a name, and
        # jupyterhub.roles brings JupyterHub's ORM (1.5 s of CPU in every CLI command)
        from jupyterhub.roles import get_default_roles

        admin = next(r for r in get_default_roles() if r["name"] == "admin")
        roles.append({
            "name": ADMIN_GROUPS_ROLE,
            "description": "Admins by group (roles.admin_groups): everything the admin role may do",
            "scopes": list(admin["scopes"]),
            "groups": sorted(admin_groups),
        })
    for course, spec in sorted(config["courses"].items()):
        learners = spec["learners_group"]
        roles.append({
            "name": f"tutor-{course}",
            "description": f"Tutors of {spec.get('title') or course}: open the servers of its learners",
            "groups": [spec["tutors_group"]],
            "scopes": [f"{scope}!group={learners}" for scope in TUTOR_SCOPES],
        })
    return roles

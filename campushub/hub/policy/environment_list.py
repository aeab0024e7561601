"""The environments a spawn form lists: each one the user's policy allows,
with its title and, per tag, the version, main packages and whether it can
start. The configuration names them; the backend adds what it found built
(PolicyMixin.built_environments), so both deployments show one form."""

from __future__ import annotations

from .types import Policy


def environment_list(config: dict, policy: Policy, built: dict[str, dict] | None) -> list[dict]:
    """`built`: per environment name, what the backend found
    ({"title", "description", "tags": {tag: {"version", "packages", "built"}}});
    None when it cannot tell (images in a registry, a plain
    jupyterhub_config.py setup): then each tag is shown as configured, startable."""
    found = built or {}
    out: dict[str, dict] = {}
    for name, tag in policy.environments:
        conf = config["environments"].get(name, {})
        info = found.get(name) or conf  # the configuration's words when nothing here describes it
        entry = out.setdefault(name, {"name": name, "title": info.get("title") or name,
                                      "description": info.get("description", ""), "tags": []})
        tag_info = (found.get(name, {}).get("tags") or {}).get(tag, {})
        entry["tags"].append({"tag": tag, "version": tag_info.get("version") or (conf.get("tags") or {}).get(tag),
                              "packages": tag_info.get("packages") or {},
                              "built": tag_info.get("built", built is None)})
    return list(out.values())

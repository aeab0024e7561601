"""Adding to traits that someone else may have set first.

A Zero to JupyterHub hub sets services, load_roles, tornado_settings,
template_paths... in its own jupyterhub_config.py before our extraConfig
runs; replacing them would drop the chart's idle culler or its settings. So
CampusHub adds to what is there: a plain value, a traitlets lazy value (an
earlier `.append()` on a bare Config), or nothing.
"""

from __future__ import annotations


def _current(section, trait: str, empty):
    if trait not in section:
        return empty
    value = section[trait]
    return value.get_value(empty) if hasattr(value, "get_value") else value


def current(section, trait: str, empty):
    """What the trait holds so far, or `empty`."""
    return _current(section, trait, empty)


def extend(section, trait: str, items: list) -> None:
    """Items added at the end of a list trait, each once."""
    now = list(_current(section, trait, []))
    section[trait] = [*now, *(item for item in items if item not in now)]


def update_dict(section, trait: str, values: dict) -> None:
    section[trait] = {**_current(section, trait, {}), **values}


def prepend(section, trait: str, items: list) -> None:
    current = [item for item in _current(section, trait, []) if item not in items]
    section[trait] = [*items, *current]


def by_name(section, trait: str, entries: list[dict]) -> None:
    """Entries (services, roles) added, or merged into an entry of the same name
    (whose own keys win: a chart-made service token, say)."""
    current = [dict(e) for e in _current(section, trait, [])]
    names = {e.get("name"): e for e in current}
    for entry in entries:
        if entry["name"] in names:
            mine = names[entry["name"]]
            for key, value in entry.items():
                if isinstance(value, list) and isinstance(mine.get(key), list):
                    mine[key] = [*mine[key], *(v for v in value if v not in mine[key])]
                else:
                    mine.setdefault(key, value)
        else:
            current.append(dict(entry))
    section[trait] = current

"""`~/projects/<name>`: a link to each project folder of the person, made by
their own account (the hub runs this file's source as them, at_start.py).

Run as the person, whatever they did to their home only ever touches what
they could touch themselves: root never follows a link a person planted.
Only links into the projects root are ours to change or remove; anything
else the person keeps in ~/projects stays, and a name taken by something of
theirs is reported, not replaced. Standard library only, no imports from
CampusHub: it runs with `python -I -c` in the person's environment.
"""

from __future__ import annotations

import json
import os
import sys

FOLDER = "projects"


def _ours(path: str, root: str) -> str | None:
    """The target of a link into the projects root, else None."""
    try:
        target = os.readlink(path)
    except OSError:
        return None
    return target if os.path.dirname(target) == root else None


def update(home: str, root: str, names: list[str]) -> dict:
    folder = os.path.join(home, FOLDER)
    report = {"linked": [], "removed": [], "taken": []}
    if os.path.isdir(folder):
        for entry in sorted(os.listdir(folder)):
            path = os.path.join(folder, entry)
            target = _ours(path, root)
            if target is not None and (entry not in names or target != os.path.join(root, entry)):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    continue
                report["removed"].append(entry)
    elif not names:
        return report
    else:
        if os.path.lexists(folder):  # a file or a dangling link of theirs
            report["taken"] = [[FOLDER, name] for name in names]
            return report
        os.makedirs(folder, 0o755, exist_ok=True)  # two servers of one person may start at once
    for name in names:
        path = os.path.join(folder, name)
        if _ours(path, root) == os.path.join(root, name):
            continue
        if os.path.lexists(path):
            report["taken"].append([f"{FOLDER}/{name}", name])
            continue
        try:
            os.symlink(os.path.join(root, name), path)
        except FileExistsError:
            continue  # made meanwhile by another start of theirs
        report["linked"].append(name)
    if not names and report["removed"]:
        try:
            os.rmdir(folder)  # made for links that are all gone now; kept if anything else is in it
        except OSError:
            pass
    return report


if __name__ == "__main__":  # home, root, names...
    print(json.dumps(update(sys.argv[1], sys.argv[2], sys.argv[3:])))

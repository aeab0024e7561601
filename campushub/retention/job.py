"""`python -m campushub.retention.job`: one retention step on plain paths, for a
Kubernetes Job (the home claim and the archive volume mounted in a pod) or
an operator's shell. Prints one JSON line with the result; exits 0 when the
step succeeded, 1 when it did not (the line says why).

    archive ROOT DEST --user NAME   write DEST and DEST.manifest.json
    verify DEST                     read DEST back against its manifest
    restore ARCHIVE ROOT [--force] [--user NAME]
                                    verify (and that it is NAME's), then extract into ROOT as this process's user
    measure ROOT                    files, dirs, symlinks and bytes under ROOT
    unchanged ARCHIVE ROOT          ok only if ROOT still is what ARCHIVE's manifest lists
                                    (names, types, modes, sizes, mtimes): the check before a delete
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from .archive import write_archive
from .backend import RetentionError, explain
from .extract import extract
from .verify import home_changed, load_manifest, verify
from .walk import file_system_own, measure


def _restore(archive: Path, root: Path, force: bool, user: str | None) -> dict:
    manifest = load_manifest(archive)
    if user is not None and manifest.get("user") != user:
        # the operator named an archive of someone else: their files must not land in this home
        raise RetentionError(f"{archive.name} is the home of {manifest.get('user')!r}, not of {user!r}: "
                             "nothing restored")
    checked = verify(archive, manifest)
    if not checked.ok:
        raise RetentionError(f"{archive.name} did not verify, nothing restored: {checked.reason}")
    # a fresh volume holds mkfs's lost+found: still empty for the person
    if any(not file_system_own(p.name, p.lstat()) for p in root.iterdir()) and not force:
        raise RetentionError(f"{root} is not empty; give --force to write the archive over it")
    # Run by root (an operator's shell) into a folder someone else owns, the
    # files are extracted as that owner: as root, a link they swap in
    # meanwhile would lead the writes anywhere, and the files would be root's.
    st = os.stat(root)
    as_owner = os.geteuid() == 0 and st.st_uid != 0
    return {"ok": True, **extract(archive, root, *((st.st_uid, st.st_gid) if as_owner else (None, None)))}


def run(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m campushub.retention.job")
    steps = parser.add_subparsers(dest="step", required=True)
    a = steps.add_parser("archive")
    a.add_argument("root", type=Path)
    a.add_argument("dest", type=Path)
    a.add_argument("--user", required=True)
    v = steps.add_parser("verify")
    v.add_argument("dest", type=Path)
    r = steps.add_parser("restore")
    r.add_argument("archive", type=Path)
    r.add_argument("root", type=Path)
    r.add_argument("--force", action="store_true")
    r.add_argument("--user", help="the hub user the archive must belong to")
    m = steps.add_parser("measure")
    m.add_argument("root", type=Path)
    u = steps.add_parser("unchanged")
    u.add_argument("archive", type=Path)
    u.add_argument("root", type=Path)
    args = parser.parse_args(argv)
    if args.step == "archive":
        args.dest.parent.mkdir(parents=True, exist_ok=True)
        manifest = write_archive(args.root, args.dest, args.user)
        return {"ok": True, **{k: v for k, v in manifest.items() if k != "entries"}}
    if args.step == "verify":
        return verify(args.dest).to_json()
    if args.step == "restore":
        return _restore(args.archive, args.root, args.force, args.user)
    if args.step == "unchanged":
        changed = home_changed(args.root, load_manifest(args.archive))
        return {"ok": True} if changed is None else {"ok": False, "reason": f"{changed}: the home was used since"}
    return {"ok": True, **asdict(measure(args.root))}


def main(argv: list[str] | None = None) -> int:
    try:
        result = run(sys.argv[1:] if argv is None else argv)
    except (RetentionError, OSError, ValueError) as e:
        result = {"ok": False, "reason": explain(e)}
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())

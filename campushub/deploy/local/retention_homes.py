"""Retention's backend for this machine: homes under home_root, one unix account each.

A home is busy while the hub says the person's server runs or any process
of their account is alive (a server left from before a hub restart, a
job they left behind): archiving a home someone writes to would archive
a moving target. The account is deleted only when it carries the hub
user's mark (unix_users.owner_mark): an account the operator mapped on
purpose is never removed, only its home. An account marked as another hub
user's is not this person's at all (two hub names whose unix names
collide: the second sign-up would otherwise get the first's home archived
under their name and deleted): they are skipped, as ensure_user refuses
to start them.
"""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Callable
from pathlib import Path

from ...retention.archive import SUFFIX, archive_stem, write_archive
from ...retention.backend import PartlyDeleted, RetentionError, explain
from ...retention.extract import extract
from ...retention.model import Home, Person
from ...retention.verify import Verification, home_changed, load_manifest, verify
from ...retention.walk import measure, remove_tree
from . import archive_store
from .spawner.unix_users import ensure_user, owner_mark, remove_user, unix_name


def processes_of(uid: int) -> int:
    """Living processes with this uid. A zombie (exited, not yet reaped by its parent) holds no
    files and runs nothing: not counted, else an account whose server was just killed looks busy."""
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if line.startswith(("State:", "Uid:")))
        except (OSError, ValueError):
            continue  # gone meanwhile
        if fields.get("State", "").split()[:1] == ["Z"]:
            continue
        count += str(uid) in fields.get("Uid", "").split()
    return count


class LocalHomes:
    name = "local"

    def __init__(self, home_root: str, user_prefix: str, archive_dir: str | None,
                 running: Callable[[str], bool] = lambda name: False):
        self.home_root, self.user_prefix, self.archive_dir, self.running = home_root, user_prefix, archive_dir, running

    def _account(self, name: str) -> tuple[str, pwd.struct_passwd | None, Path]:
        unix = unix_name(name, self.user_prefix)
        try:
            entry = pwd.getpwnam(unix)
        except KeyError:
            entry = None
        return unix, entry, Path(entry.pw_dir if entry else os.path.join(self.home_root, unix))

    def _foreign(self, name: str) -> str | None:
        unix, entry, _ = self._account(name)
        # the mark ensure_user writes ("campushub <hash>"), checked as it checks it
        if entry is not None and entry.pw_gecos.startswith("campushub ") and entry.pw_gecos != owner_mark(name):
            return (f"the unix account {unix} was made for another hub user, not for {name}: "
                    "not their home (rename one of them)")
        return None

    def home(self, person: Person) -> Home:
        _, _, path = self._account(person.name)
        if path.is_symlink() or not path.is_dir():
            return Home(str(path), False)
        totals = measure(path)
        return Home(str(path), True, totals.files, totals.bytes, totals.dirs)

    def busy(self, person: Person) -> str | None:
        if self.running(person.name):
            return "their server is running"
        foreign = self._foreign(person.name)
        if foreign:
            return foreign
        unix, entry, _ = self._account(person.name)
        count = processes_of(entry.pw_uid) if entry else 0
        return f"{count} processes of the account {unix} are running" if count else None

    def archive(self, person: Person, home: Home, dest: str, on_bytes) -> dict:
        Path(dest).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        archive_store.check(Path(dest).parent)
        foreign = self._foreign(person.name)
        if foreign:
            raise RetentionError(foreign)
        unix, entry, _ = self._account(person.name)
        # an account mapped by hand may name any folder as its home (a shared
        # one, a system one): only a folder the account owns is its own to delete
        owner = os.lstat(home.location).st_uid
        if entry is not None and owner != entry.pw_uid:
            raise RetentionError(f"{home.location} belongs to uid {owner}, not to the account {unix}: not its own "
                                 "home to archive and delete; do it by hand if it is")
        return write_archive(Path(home.location), Path(dest), person.name, on_bytes,
                             owner=entry.pw_uid if entry else os.lstat(home.location).st_uid)

    def verify(self, person: Person, home: Home, dest: str, manifest: dict) -> Verification:
        return verify(Path(dest), manifest)

    def delete(self, person: Person, home: Home, manifest: dict) -> str | None:
        path = Path(home.location)
        foreign = self._foreign(person.name)
        if foreign:
            raise RetentionError(f"{foreign}; kept")
        changed = home_changed(path, manifest)
        if changed:
            raise RetentionError(f"{path}: {changed}; kept (apply again to archive it as it is now)")
        # comparing a big home takes a while: a server started meanwhile would
        # lose what it writes, and have its home pulled away under it
        busy = self.busy(person)
        if busy:
            raise RetentionError(f"{busy} as the home was about to be deleted; kept")
        unix, entry, _ = self._account(person.name)
        try:
            remove_tree(path)  # iterative: shutil.rmtree recurses (RecursionError on a deep home)
        except OSError as e:
            raise PartlyDeleted(f"{path} was partly deleted ({explain(e)}): its archive is complete; restore "
                                "it, or delete the rest by hand") from None
        # from here on the home is gone: the rest is a note on the "deleted" line, never a failure
        if entry is None:
            return "no unix account to delete"
        if entry.pw_gecos != owner_mark(person.name):
            return f"the unix account {unix} is not one CampusHub made for {person.name}; kept"
        result = remove_user(unix)
        if result.returncode not in (0, 12):  # 12: the home (already removed) was not found
            return f"home deleted, but userdel {unix} failed: {result.stderr.strip()}; remove the account by hand"
        return None

    def archives(self, name: str) -> list[str]:
        if not self.archive_dir or not os.path.isdir(self.archive_dir):
            return []
        found = []
        for path in sorted(Path(self.archive_dir).glob(f"{archive_stem(name)}-*{SUFFIX}")):
            try:
                if load_manifest(path)["user"] == name:
                    found.append(str(path))
            except (OSError, ValueError, KeyError):
                continue  # no manifest: not an archive retention can vouch for
        return found

    def restore(self, name: str, archive: str, force: bool) -> dict:
        source = Path(archive)
        if not os.path.lexists(source):
            raise RetentionError(f"{archive}: no such archive; give one that `campushub retention log` lists, "
                                 "or leave out --archive for the newest")
        archive_store.check_archive(source)
        manifest = load_manifest(source)
        if manifest.get("user") != name:
            raise RetentionError(f"{archive} is the home of {manifest.get('user')!r}, not of {name!r}")
        checked = verify(source, manifest)
        if not checked.ok:
            raise RetentionError(f"{archive} did not verify, nothing restored: {checked.reason}")
        busy = self.busy(Person(name))
        if busy:
            raise RetentionError(f"{busy}; stop it first (campushub down --stop-servers, or the admin page)")
        foreign = self._foreign(name)
        if foreign:
            raise RetentionError(f"{foreign}; nothing restored")
        unix, entry, path = self._account(name)
        occupied = path.is_dir() and any(path.iterdir())
        if occupied and not force:
            raise RetentionError(f"{path} is not empty; give --force to write the archive over it "
                                 "(its files that are not in the archive are kept)")
        entry = ensure_user(unix, self.home_root, owner=name)
        path = Path(entry.pw_dir)
        if not occupied:  # only what useradd copied from /etc/skel: the archive has the person's own
            for child in path.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        result = extract(source, path, entry.pw_uid, entry.pw_gid)
        return {"location": str(path), **result}

"""`Store`: the kernel -> owner table (SQLite in the service's folder, or the
database remote_kernels' DB_URL names). Synchronous and thread-safe, each call
its own transaction; the handlers call it off the event loop. It survives the
front's restarts, so who owns which kernel is never forgotten while EG runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update

from ..webservice import db as shared
from .models import Kernel

SCHEMA = shared.Schema(Path(__file__).with_name("migrations"), lock_key=0x63686b72,  # "chkr"
                       version_table="remote_kernels_alembic_version")
FIELDS = ("id", "owner", "kernelspec", "state", "started", "last_activity", "ended")


def _row(kernel: Kernel | None) -> dict | None:
    if kernel is None:
        return None
    out = {f: getattr(kernel, f) for f in FIELDS}
    for f in ("started", "last_activity", "ended"):
        out[f] = shared.utc(out[f])
    return out


class Store(shared.Database):
    def __init__(self, url: str):
        super().__init__(url, SCHEMA)
        from sqlalchemy.orm import sessionmaker

        self._read = sessionmaker(self._reader, expire_on_commit=False)
        self._write = sessionmaker(self._writer, expire_on_commit=False)

    def add(self, kernel_id: str, owner: str, kernelspec: str) -> None:
        now = datetime.now(UTC)
        with self._write.begin() as s:
            s.add(Kernel(id=kernel_id, owner=owner, kernelspec=kernelspec, state="running", started=now,
                         last_activity=now))

    def get(self, kernel_id: str) -> dict | None:
        with self._read() as s:
            return _row(s.get(Kernel, kernel_id))

    def owned(self, owner: str, state: str = "running") -> list[dict]:
        with self._read() as s:
            found = s.scalars(select(Kernel).where(Kernel.owner == owner, Kernel.state == state)
                              .order_by(Kernel.started))
            return [_row(k) for k in found]

    def running(self) -> list[dict]:
        with self._read() as s:
            return [_row(k) for k in s.scalars(select(Kernel).where(Kernel.state == "running"))]

    def seen(self, activity: dict[str, datetime]) -> None:
        """EG's last_activity of running kernels, by id."""
        with self._write.begin() as s:
            for kernel_id, when in activity.items():
                s.execute(update(Kernel).where(Kernel.id == kernel_id, Kernel.state == "running")
                          .values(last_activity=when))

    def end(self, kernel_id: str, state: str) -> bool:
        """Mark a running kernel ended (deleted, culled or stopped); False if it was no longer running."""
        with self._write.begin() as s:
            done = s.execute(update(Kernel).where(Kernel.id == kernel_id, Kernel.state == "running")
                             .values(state=state, ended=datetime.now(UTC)))
            return done.rowcount == 1

    def revive(self, kernel_ids) -> list[str]:
        """Kernels taken for culled or stopped that EG lists after all (it answered 404 while restarting and
        taking its kernels back): running again, their owner's once more."""
        with self._write.begin() as s:
            found = list(s.scalars(select(Kernel.id).where(Kernel.id.in_(list(kernel_ids)),
                                                         Kernel.state.in_(("culled", "stopped")))))
            if found:
                s.execute(update(Kernel).where(Kernel.id.in_(found)).values(state="running", ended=None))
            return found

    def counts(self) -> dict[tuple[str, str], int]:
        """(kernelspec, state) -> how many: the metrics' source."""
        with self._read() as s:
            rows = s.execute(select(Kernel.kernelspec, Kernel.state, func.count()).group_by(Kernel.kernelspec,
                                                                                            Kernel.state))
            return {(spec, state): n for spec, state, n in rows}

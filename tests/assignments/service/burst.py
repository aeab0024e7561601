"""A burst of submissions from several threads, and the checks that every
acknowledged one is intact in the database (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import threading

import requests
from sqlalchemy import create_engine, text

from campushub.assignments.store import db

from .conftest import COURSE, b64


def versioned(ps1_release, marker: str) -> dict[str, bytes]:
    files = {}
    for path in ("problem1.ipynb", "problem2.ipynb"):
        nb = json.loads(ps1_release.student[path])
        nb["metadata"]["burst"] = marker  # a distinct version each time
        files[path] = json.dumps(nb).encode()
    return files


class Burst:
    """Threads submitting distinct versions until stop(); acked holds (learner, reply, files) of each 201."""

    def __init__(self, call, ps1_release, learners: tuple[str, ...], threads: int = 4, assignment: str = "ps1"):
        self.acked, self.failed = [], []
        self._stop, self._lock = threading.Event(), threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(call, ps1_release, learners[n % len(learners)],
                                                                  n, assignment)) for n in range(threads)]

    def _run(self, call, ps1_release, learner, n, assignment):
        i = 0
        while not self._stop.is_set():
            files = versioned(ps1_release, f"{n}-{i}")
            i += 1
            try:
                r = call(learner, "POST", f"api/course/{COURSE}/a/{assignment}/submissions",
                         json={"files": b64(files)})
            except requests.RequestException as e:
                with self._lock:
                    self.failed.append(type(e).__name__)
                continue
            with self._lock:
                if r.status_code == 201:
                    self.acked.append((learner, r.json(), files))
                else:
                    self.failed.append(r.status_code)

    def start(self) -> Burst:
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self.threads:
            t.join(180)


def check_intact(url: str, acked: list, assignment: str = "ps1") -> None:
    """Every acknowledged version is there with its files; nothing is half-written."""
    engine = create_engine(db.normalise(url))
    with engine.connect() as c:
        for learner, reply, files in acked:
            row = c.execute(text("SELECT v.id, v.sha256 FROM versions v JOIN assignments a ON a.id = v.assignment_id "
                                 "WHERE a.name = :a AND v.learner = :l AND v.number = :n"),
                            {"a": assignment, "l": learner, "n": reply["number"]}).first()
            assert row is not None and row[1] == reply["sha256"], (learner, reply)
            stored = {p: bytes(d) for p, d in c.execute(text(
                "SELECT f.path, b.data FROM version_files f JOIN blobs b ON b.sha256 = f.sha256 "
                "WHERE f.version_id = :v AND f.kind = 'submitted'"), {"v": row[0]})}
            assert stored == files, (learner, reply["number"])
        assert c.execute(text("SELECT count(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM version_files f "
                              "WHERE f.version_id = v.id AND f.kind = 'submitted')")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM versions v WHERE NOT EXISTS "
                              "(SELECT 1 FROM jobs j WHERE j.version_id = v.id)")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM versions v WHERE NOT EXISTS "
                              "(SELECT 1 FROM cell_grades g WHERE g.version_id = v.id)")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM version_files f WHERE NOT EXISTS "
                              "(SELECT 1 FROM blobs b WHERE b.sha256 = f.sha256)")).scalar() == 0
        for learner, count, top in c.execute(text("SELECT learner, count(*), max(number) FROM versions "
                                                  "GROUP BY assignment_id, learner")):
            assert count == top, f"{learner}: version numbers have gaps"
    engine.dispose()

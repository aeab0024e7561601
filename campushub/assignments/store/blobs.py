"""Content-addressed file storage inside the database (table `blobs`)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Blob


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_sha256(hashes: dict[str, str]) -> str:
    """One hash for a set of files: of their sorted paths and contents' hashes."""
    lines = "".join(f"{path}\0{digest}\n" for path, digest in sorted(hashes.items()))
    return sha256(lines.encode("utf-8"))


def put(session: Session, files: dict[str, bytes]) -> dict[str, str]:
    """Store each file's content once (ignored if already there); {path: sha256}."""
    hashes = {path: sha256(data) for path, data in files.items()}
    rows = {digest: files[path] for path, digest in hashes.items()}
    if rows:
        # INSERT ... ON CONFLICT DO NOTHING: two submissions of one content at once both succeed.
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(Blob).on_conflict_do_nothing(index_elements=["sha256"])
        session.execute(statement, [{"sha256": d, "size": len(b), "data": b} for d, b in rows.items()])
    return hashes


def get(session: Session, hashes: dict[str, str]) -> dict[str, bytes]:
    """{path: content} for {path: sha256}, in one query."""
    if not hashes:
        return {}
    found = dict(session.execute(select(Blob.sha256, Blob.data).where(Blob.sha256.in_(set(hashes.values())))).all())
    return {path: bytes(found[digest]) for path, digest in sorted(hashes.items())}

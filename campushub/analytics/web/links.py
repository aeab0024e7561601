"""URLs of the analytics pages, quoted: course names, notebook paths and user names are data."""

from __future__ import annotations

from urllib.parse import quote


def course(prefix: str, name: str) -> str:
    return f"{prefix}courses/{quote(name, safe='')}"


def notebook(prefix: str, course_name: str, path: str) -> str:
    return f"{course(prefix, course_name)}/notebooks/{quote(path, safe='/')}"


def learner(prefix: str, name: str) -> str:
    return f"{prefix}learners/{quote(name, safe='')}"

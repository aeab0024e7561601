"""The retention section: checks the schema cannot express, for both deployments."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from datetime import date

CONDITIONS = ("group", "inactive_days", "course_ended_days")


def check(config: dict, fail: Callable[[str, str], None]) -> None:
    for name, course in config["courses"].items():
        if course.get("ends"):
            try:
                date.fromisoformat(course["ends"])
            except ValueError:
                fail(f"courses.{name}.ends", f"got {course['ends']!r}, which is no day of the calendar; "
                     "write a real date such as 2026-06-30")
    section = config["retention"]
    for index, rule in enumerate(section["rules"]):
        key = f"retention.rules.{index}"
        if not any(rule.get(c) is not None for c in CONDITIONS):
            fail(key, "a rule needs at least one of group, inactive_days, course_ended_days; "
                 "a rule without one would select everybody")
        course = rule.get("course")
        if course is not None:
            if rule.get("course_ended_days") is None:
                fail(f"{key}.course", "only means something with course_ended_days; add it or remove course")
            if course not in config["courses"]:
                fail(f"{key}.course", f"no course {course!r} under courses; use one of its names")
            elif not config["courses"][course].get("ends"):
                fail(f"{key}.course", f"courses.{course}.ends is not set; give the course its end date")
    archive_dir = section["archive_dir"]
    volume = section["kubernetes"]["archive_volume"]
    if volume.get("claim") and volume.get("csi"):
        fail("retention.kubernetes.archive_volume", "has both claim and csi; keep the one the archives are on")
    if volume.get("service_account") and not (volume.get("claim") or volume.get("csi")):
        fail("retention.kubernetes.archive_volume.service_account", "only means something with claim or csi; "
             "add the volume the archives are on")
    if section["enabled"] and not archive_dir and not (volume.get("claim") or volume.get("csi")):
        fail("retention.archive_dir", "retention is enabled but has nowhere to put archives; "
             "set archive_dir to a folder outside the homes (on Kubernetes: "
             "retention.kubernetes.archive_volume)")
    if archive_dir:
        homes, inside = _path(config["spawner"]["home_root"]), _path(archive_dir)
        if inside == homes or inside.startswith(homes.rstrip("/") + "/") or homes == "/":
            fail("retention.archive_dir", f"got {archive_dir!r}, inside spawner.home_root ({homes}); "
                 "archives must live outside the homes they outlive")


def _path(path: str) -> str:
    """An absolute path as Linux reads it: normpath keeps a leading "//" (POSIX leaves
    its meaning open), which would let "//home/archive" pass for a folder outside /home."""
    return "/" + posixpath.normpath(path).lstrip("/")

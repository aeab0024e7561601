"""Who the rules select, and the plan made from it (pure: no hub, no disks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campushub.config import loads
from campushub.retention.model import Home, Person
from campushub.retention.plan import make_plan
from campushub.retention.policy import select

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SITE = """
courses:
  ml101: {learners_group: ml-l, tutors_group: ml-t, ends: 2026-06-30}
  db201: {learners_group: db-l, tutors_group: db-t, ends: 2026-11-20}
  open: {learners_group: open-l, tutors_group: open-t}
retention:
  archive_dir: /srv/archive
  except_groups: [staff]
  rules:
    - course_ended_days: 90
    - group: guests
      inactive_days: 30
      except_groups: [vip]
"""


def person(name, *groups, days_idle=None, admin=False, created_days=400, running=False):
    last = NOW - timedelta(days=days_idle) if days_idle is not None else None
    return Person(name, admin, tuple(groups), last, NOW - timedelta(days=created_days), running)


def chosen(people, text=SITE):
    return {s.person.name: (s.rule, s.reason) for s in select(people, loads(text), NOW)}


def test_course_ended_needs_every_course_of_theirs_ended_long_enough():
    got = chosen([person("done", "ml-l"), person("also-db", "ml-l", "db-l"), person("open", "ml-l", "open-l"),
                  person("tutor", "ml-t"), person("nobody")])
    assert set(got) == {"done", "tutor"}
    assert got["done"] == (0, "course ml101 ended 2026-06-30 (154 days ago)")


def test_conditions_of_one_rule_must_all_hold():
    got = chosen([person("idle-guest", "guests", days_idle=31), person("busy-guest", "guests", days_idle=3),
                  person("idle-member", days_idle=300), person("vip-guest", "guests", "vip", days_idle=90),
                  person("new-guest", "guests", created_days=5)])
    assert set(got) == {"idle-guest"}
    assert got["idle-guest"] == (1, "member of guests; last active 2026-10-31 (31 days ago)")


def test_never_active_uses_the_accounts_age():
    got = chosen([person("old-guest", "guests", created_days=60)])
    assert got["old-guest"][1].endswith("never active, created 2026-10-02 (60 days ago)")


def test_admins_and_excepted_groups_are_never_selected():
    assert chosen([person("boss", "ml-l", admin=True), person("keeper", "ml-l", "staff")]) == {}


def test_a_named_course_must_be_theirs():
    text = SITE.replace("    - course_ended_days: 90\n", "    - course_ended_days: 0\n      course: db201\n")
    got = chosen([person("ml-only", "ml-l"), person("db-only", "db-l")], text)
    assert set(got) == {"db-only"}


class Homes:
    """An in-memory backend: the plan is pure, so no disks are needed to check it."""
    name = "memory"

    def __init__(self, homes, busy=()):
        self.homes, self.busy_names = homes, busy

    def home(self, p):
        return self.homes.get(p.name, Home(f"/home/{p.name}", False))

    def busy(self, p):
        return "a job of theirs runs" if p.name in self.busy_names else None


def test_plan_says_what_happens_to_each_selected_person():
    homes = Homes({"a": Home("/home/a", True, 3, 300), "b": Home("/home/b", True, 1, 1),
                   "c": Home("/home/c", True, 2, 2)}, busy={"c"})
    people = [person("a", "ml-l"), person("b", "ml-l", running=True), person("c", "ml-l"), person("d", "ml-l")]
    plan = make_plan(people, loads(SITE), homes, NOW)
    got = {i.user.name: (i.action, i.why, i.archive) for i in plan.items}
    assert got == {"a": ("archive", "", "/srv/archive/a-20261201T120000000000Z.tar.gz"),
                   "b": ("skip", "their server is running", "/srv/archive/b-20261201T120000000000Z.tar.gz"),
                   "c": ("skip", "a job of theirs runs", "/srv/archive/c-20261201T120000000000Z.tar.gz"),
                   "d": ("skip", "no home to archive", "/srv/archive/d-20261201T120000000000Z.tar.gz")}
    assert plan.to_json()["totals"] == {"archive": 1, "skip": 3, "bytes": 300, "files": 3}


def test_people_from_the_hubs_user_model():
    model = {"name": "ann", "admin": False, "groups": ["b", "a"], "last_activity": "2026-11-30T10:00:00.000000Z",
             "created": "2025-01-01T00:00:00Z", "servers": {"": {"ready": True}}}
    p = Person.from_api(model)
    assert p.groups == ("a", "b") and p.running and p.last_activity == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert not Person.from_api({**model, "servers": {}, "last_activity": None}).running

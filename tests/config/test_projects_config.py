"""The projects section: defaults, helpers, and one-line errors naming the key
and its line for what the schema cannot say (names, owners, overlaps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from campushub.config import ConfigError, loads, schema
from campushub.config import projects as projects_config
from campushub.projects import model


def test_defaults():
    config = loads("")
    assert projects_config.root(config) == Path("/srv/campushub/projects")
    assert config["projects"]["kubernetes"] == {"storage_class": "", "size": "10Gi", "access_mode": "ReadWriteMany"}
    assert projects_config.declared(config) == {}


def test_declared_projects_with_their_members_and_owners():
    config = loads("projects:\n  root: /data/projects\n  declared:\n"
                   "    churn-model: {title: Churn model, owners: [alice], members: [carol, bob]}\n"
                   "    q1: {members: [dan]}\n")
    assert projects_config.root(config) == Path("/data/projects")
    assert projects_config.declared(config) == {
        "churn-model": {"title": "Churn model", "owners": ["alice"], "members": ["alice", "bob", "carol"]},
        "q1": {"title": "", "owners": [], "members": ["dan"]},
    }


@pytest.mark.parametrize("text, key, line, words", [
    ("projects:\n  declared:\n    churn: {}\n    Churn_Model: {}\n", "projects.declared.Churn_Model", 4,
     "not a project name"),
    ("projects:\n  declared:\n    x: {}\n", "projects.declared.x", 3, "not a project name"),
    ("projects:\n  declared:\n    churn:\n      owners: [alice, Bob]\n", "projects.declared.churn.owners.1", 4,
     "write 'bob'"),
    ("projects:\n  declared:\n    churn:\n      members:\n        - bob\n        - al ice\n",
     "projects.declared.churn.members.1", 6, "without spaces"),
    ("projects:\n  declared:\n    churn:\n      members: [bob, carol, bob]\n",
     "projects.declared.churn.members.2", 4, "listed twice"),
    ("projects:\n  declared:\n    churn: {owner: [alice]}\n", "projects.declared.churn", 3, "unknown key 'owner'"),
    ("projects:\n  root: /home/projects\n", "projects.root", 2, "overlaps spawner.home_root"),
    ("projects:\n  root: /srv/../home/projects\n", "projects.root", 2, "overlaps"),  # as Linux reads it
    ("spawner:\n  home_root: /srv/campushub\n", "spawner.home_root", 2, "overlaps projects.root"),
    # every local server has its own empty tmpfs there, so members would see nothing
    ("projects:\n  root: /tmp/projects\n", "projects.root", 2, "own empty tmpfs"),
    ("projects:\n  root: /dev/shm\n", "projects.root", 2, "own empty tmpfs"),
    ("projects:\n  root: /\n", "projects.root", 2, "expected an absolute path"),
    ("projects:\n  root: relative/dir\n", "projects.root", 2, "expected an absolute path"),
    ("projects:\n  kubernetes:\n    access_mode: ReadOnlyMany\n", "projects.kubernetes.access_mode", 3,
     "allowed values: ReadWriteMany, ReadWriteOnce"),
    ("projects:\n  kubernetes:\n    size: ten\n", "projects.kubernetes.size", 3, "Kubernetes quantity"),
    ("projects:\n  kubernetes:\n    storage_class: EFS\n", "projects.kubernetes.storage_class", 3,
     "Kubernetes name"),
    ("courses:\n  stats:\n    title: Stats\n    learners_group: stats\n    tutors_group: stats-tutors\n"
     "projects:\n  declared:\n    stats-tutors: {}\n", "projects.declared.stats-tutors", 8,
     "courses.stats.tutors_group"),
])
def test_bad_projects_settings_are_one_line_naming_key_and_line(text, key, line, words):
    with pytest.raises(ConfigError) as e:
        loads(text, "site.yaml")
    message = str(e.value)
    assert message.startswith(f"site.yaml:{line}: {key}: "), message
    assert words in message and "\n" not in message


def test_the_default_root_is_the_schemas():
    assert projects_config.DEFAULT_ROOT == schema()["properties"]["projects"]["properties"]["root"]["default"]


def test_the_config_and_the_model_share_one_name_rule():
    assert model.NAME_RE is projects_config.NAME_RE
    loads("projects:\n  declared:\n    " + "a" * 40 + ": {}\n")
    with pytest.raises(ConfigError):
        loads("projects:\n  declared:\n    " + "a" * 41 + ": {}\n")

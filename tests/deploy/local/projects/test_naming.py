"""Project name and projects root -> unix group name: valid, exactly 32 characters, not the project's
name, never two projects on one group, never a tombstone's, another group on another root, the name of
before on the default root; the old names are still known (for renaming them)."""

from __future__ import annotations

import hashlib
import re

import pytest

from campushub.config.projects import DEFAULT_ROOT
from campushub.deploy.local.projects.names import RETIRED, earlier_names, group_name, legacy_name, site_root
from campushub.projects.model import check_name

GROUP = re.compile(r"[a-z_][a-z0-9_-]*")  # what groupadd accepts on Debian
ROOTS = (DEFAULT_ROOT, "/srv/ml/projects", "/data/projects")


@pytest.mark.parametrize("root", ROOTS)
@pytest.mark.parametrize("project", ["ab", "churn-model", "2026-q1", "a" * 24, "a" * 40, "a-" * 19 + "zz"])
def test_group_names_do_not_spell_the_project(project, root):
    check_name(project)
    name = group_name(project, root)
    assert len(name) == 32 and GROUP.fullmatch(name) and name.startswith("chp-")
    assert re.fullmatch("[0-9a-f]{28}", name[4:]) and name != legacy_name(project)  # a hash, not the name


def test_long_names_differing_only_at_the_end_get_different_groups():
    names = [f"{'p' * 38}{a}{b}" for a in "ab" for b in "0123456789"]
    for root in ROOTS:
        assert len({group_name(n, root) for n in names}) == len(names)


def test_no_project_group_is_a_tombstone_or_an_old_name():
    assert not group_name("deleted-70001", DEFAULT_ROOT).startswith(RETIRED)  # an underscore: in no project name
    assert GROUP.fullmatch(RETIRED + "70001")
    for project in ("ab", "a" * 24, "a" * 25):
        for root in ROOTS:
            assert group_name(project, root) != legacy_name(project)
    assert legacy_name("churn-model") == "chp-churn-model"
    assert len(legacy_name("a" * 40)) == 32 and legacy_name("a" * 40).startswith("chp-" + "a" * 11 + "-")


def test_each_root_has_its_own_group_for_a_project_name():
    # two sites on one machine, each with a project "ml": one group would open each site's folder to the
    # other's members
    names = {root: group_name("ml", root) for root in ROOTS}
    assert len(set(names.values())) == len(ROOTS)
    assert group_name("ml", "/srv/ml/projects/") == group_name("ml", "/srv/ml//projects") == names["/srv/ml/projects"]
    # the root and the name cannot be traded for each other ("/srv/a" + "b-c" against "/srv/a-b" + "c")
    assert group_name("b-c", "/srv/a") != group_name("c", "/srv/a-b")


def test_the_default_root_keeps_the_names_existing_sites_have():
    # the hash of the name alone, as before the root counted: an existing site's groups and gids stay
    assert group_name("churn-model", DEFAULT_ROOT) == "chp-" + hashlib.sha256(b"churn-model").hexdigest()[:28]
    assert earlier_names("churn-model", DEFAULT_ROOT) == ("chp-churn-model",)
    assert earlier_names("churn-model", "/srv/ml/projects") == (group_name("churn-model", DEFAULT_ROOT),
                                                                "chp-churn-model")


def test_the_root_is_qualified_by_the_folder_it_names(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert site_root(tmp_path / "link") == site_root(f"{tmp_path}/x/../real") == str(tmp_path / "real")
    (tmp_path / "default").symlink_to(DEFAULT_ROOT)  # the default's folder by another path: its names
    assert site_root(tmp_path / "default") == DEFAULT_ROOT

"""~/projects/<name>: links into the projects root made, replaced and removed; everything else the person
keeps there left alone. (Run as the person by a real hub: test_projects_stack.py.)"""

from __future__ import annotations

import os

from campushub.deploy.local.projects.home_links import update

ROOT = "/srv/campushub/projects"


def test_links_are_made_then_the_stale_ones_removed(tmp_path):
    report = update(str(tmp_path), ROOT, ["alpha", "beta"])
    assert sorted(report["linked"]) == ["alpha", "beta"] and report["taken"] == []
    assert os.readlink(tmp_path / "projects" / "alpha") == f"{ROOT}/alpha"
    (tmp_path / "projects" / "notes.md").write_text("mine")
    (tmp_path / "projects" / "elsewhere").symlink_to("/srv/other/alpha")  # theirs: not into the root
    report = update(str(tmp_path), ROOT, ["beta"])
    assert report == {"linked": [], "removed": ["alpha"], "taken": []}
    assert sorted(os.listdir(tmp_path / "projects")) == ["beta", "elsewhere", "notes.md"]


def test_a_link_of_ours_to_the_wrong_folder_is_put_right(tmp_path):
    (tmp_path / "projects").mkdir()
    (tmp_path / "projects" / "alpha").symlink_to(f"{ROOT}/beta")
    report = update(str(tmp_path), ROOT, ["alpha"])
    assert report["removed"] == ["alpha"] and report["linked"] == ["alpha"]
    assert os.readlink(tmp_path / "projects" / "alpha") == f"{ROOT}/alpha"


def test_names_taken_by_the_persons_own_things_are_reported_not_replaced(tmp_path):
    (tmp_path / "projects").mkdir()
    (tmp_path / "projects" / "alpha").mkdir()
    report = update(str(tmp_path), ROOT, ["alpha", "beta"])
    assert report["taken"] == [["projects/alpha", "alpha"]] and report["linked"] == ["beta"]
    assert (tmp_path / "projects" / "alpha").is_dir() and not (tmp_path / "projects" / "alpha").is_symlink()
    other = tmp_path / "other-home"
    other.mkdir()
    (other / "projects").write_text("a file of theirs")
    assert update(str(other), ROOT, ["alpha"])["taken"] == [["projects", "alpha"]]
    assert (other / "projects").read_text() == "a file of theirs"


def test_nothing_is_made_for_a_person_without_projects_and_the_emptied_folder_goes(tmp_path):
    assert update(str(tmp_path), ROOT, []) == {"linked": [], "removed": [], "taken": []}
    assert not os.path.lexists(tmp_path / "projects")
    update(str(tmp_path), ROOT, ["alpha"])
    assert update(str(tmp_path), ROOT, [])["removed"] == ["alpha"]
    assert not os.path.lexists(tmp_path / "projects")

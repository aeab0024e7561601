"""Attacks through where a shared volume is mounted (kubernetes.shared_volumes).

- `..`/`.` parts: the path check compared strings, so /srv/../home/jovyan
  (which the container runtime resolves to the home) passed and hid every
  learner's home behind one shared volume, and /srv/./c and /srv/c were two
  different mount points to the duplicate check.
- A volume servers write, mounted where servers load programs or settings
  (/etc/jupyter, /usr/local/bin, ~/.ipython/profile_default/startup): one
  person's file there runs in everyone's server, with their files.
Both are refused in one line naming the key; read-only site content under
/opt and plain writable folders (/srv, the home's own folders) stay allowed."""

from __future__ import annotations

import pytest

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes.render import storage


def _config(path: str, **volume) -> dict:
    return validate({"kubernetes": {"shared_volumes": {
        "x": {"mount_path": path, "storage_class": "efs-sc", **volume}}}})


@pytest.mark.parametrize("path", ["/srv/../home/jovyan", "/srv/a/..", "/srv/./course", "/tmp/..",
                                  "/home/jovyan/.", "/home/jovyan/../jovyan"])
def test_dot_parts_in_a_mount_path_are_refused(path):
    with pytest.raises(ConfigError) as e:
        storage.values(_config(path))
    assert "kubernetes.shared_volumes.x.mount_path" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("path", ["/etc/jupyter", "/usr/local/bin", "/opt/campushub/env/bin",
                                  "/home/jovyan/.ipython/profile_default/startup", "/home/jovyan/.local"])
@pytest.mark.parametrize("writers", [{"read_only": False}, {"writable_by": ["tutors"]}])
def test_a_writable_volume_where_servers_load_code_is_refused(path, writers):
    with pytest.raises(ConfigError) as e:
        storage.values(_config(path, **writers))
    assert "kubernetes.shared_volumes.x.mount_path" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("path,volume", [("/opt/datasets", {}), ("/etc/jupyter/site", {}),
                                         ("/srv/projects", {"read_only": False}),
                                         ("/home/jovyan/shared", {"writable_by": ["tutors"]})])
def test_ordinary_mounts_stay_allowed(path, volume):
    mounts = storage.values(_config(path, **volume))["singleuser"]["storage"]["extraVolumeMounts"]
    assert mounts["shared-x"]["mountPath"] == path


def _course_site(volume: dict) -> dict:
    return validate({
        "courses": {"ml101": {"learners_group": "ml101", "tutors_group": "ml101-tutors",
                              "repo": "file:///srv/course/ml101.git"}},
        "kubernetes": {"shared_volumes": {"course": {"mount_path": "/srv/course", "storage_class": "efs-sc",
                                                     **volume}}}})


@pytest.mark.parametrize("volume", [{"read_only": False}, {"writable_by": ["ml101", "ml101-tutors"]}])
def test_a_course_repo_its_learners_may_write_is_refused(volume):
    """A learner who can commit to the repository the course syncs from
    (file:// on a shared volume) puts their files into every other learner's
    home at the next start."""
    with pytest.raises(ConfigError) as e:
        storage.values(_course_site(volume))
    assert "courses.ml101.repo" in str(e.value) and "\n" not in str(e.value)


def test_a_course_repo_only_its_tutors_write_is_fine():
    mounts = storage.values(_course_site({"writable_by": ["ml101-tutors"]}))["singleuser"]["storage"]
    assert mounts["extraVolumeMounts"]["shared-course"]["readOnly"] is True

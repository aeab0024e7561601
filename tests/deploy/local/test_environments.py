"""Versioned, tagged environments, really built (tiny locks keep it quick):
tags are the site's links (in its data dir) that move atomically, running
processes keep their version, two sites sharing a prefix keep their own tags,
and `campushub env build|list` report what they did."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.deploy.local import environments

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="builds shared environments as root")
SCRATCH = Path("/opt/campushub-test/scratch")  # traversable for `nobody`, unlike pytest's tmp dirs


@pytest.fixture(scope="module")
def prefix():
    SCRATCH.mkdir(parents=True, exist_ok=True)
    d = Path(tempfile.mkdtemp(dir=SCRATCH))
    os.chmod(d, 0o755)
    (d / "six-new.lock").write_text("six==1.17.0\n")
    (d / "six-old.lock").write_text("six==1.16.0\n")
    yield d
    shutil.rmtree(d)


def config(prefix: Path, tags: dict, site: str = "site-a", **env) -> dict:
    return validate({"install_prefix": str(prefix), "data_dir": str(prefix / site), "environments": {"tiny": {
        "title": "Tiny", "show_packages": ["six", "python"],
        "versions": {"new": {"lock_file": str(prefix / "six-new.lock")},
                     "old": {"lock_file": str(prefix / "six-old.lock")}},
        "tags": tags, **env}}})


def test_tags_resolve_to_their_versions_and_describe_their_packages(prefix):
    published = environments.ensure_environments(config(prefix, {"stable": "new", "stable-old": "old"}))
    stable = environments.resolve(prefix / "site-a", "tiny", "stable")
    assert stable.version == "new" and stable.env_dir == published["tiny"]["stable"]
    assert environments.resolve(prefix / "site-a", "tiny", "stable-old").version == "old"
    (info,) = environments.describe(prefix / "site-a", config(prefix, {"stable": "new", "stable-old": "old"}))
    assert info["tags"]["stable"]["packages"]["six"] == "1.17.0"
    assert info["tags"]["stable-old"]["packages"]["six"] == "1.16.0"
    assert info["tags"]["stable"]["packages"]["python"].startswith("3.")
    tag_link = prefix / "site-a" / "environments" / "tiny" / "tags" / "stable"
    assert os.readlink(tag_link) == "../versions/new"
    assert not (prefix / "environments").exists()  # nothing of the site's in the shared prefix


def test_moving_a_tag_leaves_running_processes_on_their_version(prefix):
    environments.ensure_environments(config(prefix, {"stable": "old"}))
    before = environments.resolve(prefix / "site-a", "tiny", "stable")
    proc = subprocess.Popen([str(before.env_dir / "bin" / "python"), "-c",
                             "import six, sys, time; print(six.__version__, flush=True); time.sleep(60)"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "1.16.0"
        environments.ensure_environments(config(prefix, {"stable": "new"}))
        after = environments.resolve(prefix / "site-a", "tiny", "stable")
        assert after.version == "new" and after.env_dir != before.env_dir
        assert proc.poll() is None and before.env_dir.is_dir()  # still running, still there
        out = subprocess.run([str(after.env_dir / "bin" / "python"), "-c", "import six; print(six.__version__)"],
                             capture_output=True, text=True, check=True).stdout
        assert out.strip() == "1.17.0"
    finally:
        proc.kill()
        proc.wait()


def test_a_removed_tag_is_gone_and_a_rebuild_builds_nothing(prefix):
    cfg = config(prefix, {"stable": "new", "dev": "old"})
    environments.ensure_environments(cfg)
    marker = environments.resolve(prefix / "site-a", "tiny", "dev").env_dir / ".campushub-complete"
    built_at = marker.stat().st_mtime_ns
    environments.ensure_environments(config(prefix, {"stable": "new"}))
    with pytest.raises(LookupError):
        environments.resolve(prefix / "site-a", "tiny", "dev")
    environments.ensure_environments(cfg)
    assert marker.stat().st_mtime_ns == built_at  # the old version was kept, not rebuilt


def test_cli_build_and_list(prefix, tmp_path):
    cfg = tmp_path / "campushub.yaml"
    raw = {"install_prefix": str(prefix), "data_dir": str(tmp_path / "site"), "environments": {"tiny": {
        "versions": {"new": {"lock_file": str(prefix / "six-new.lock")}}, "tags": {"stable": "new", "dev": "new"}}}}
    cfg.write_text(json.dumps(raw))
    run = [sys.executable, "-m", "campushub", "env"]
    out = subprocess.run([*run, "build", "--config", str(cfg)], capture_output=True, text=True, env={
        **os.environ, "COLUMNS": "200", "TERM": "dumb"})
    assert out.returncode == 0, out.stderr
    assert "tiny:stable -> new" in out.stdout and "tiny:dev -> new" in out.stdout
    listing = subprocess.run([*run, "list", "--config", str(cfg)], capture_output=True, text=True, check=True).stdout
    assert "tiny" in listing and "built" in listing and "not built" not in listing


def test_cli_refuses_an_unreadable_lock_and_changes_nothing(tmp_path):
    cfg = tmp_path / "campushub.yaml"
    fresh = tmp_path / "prefix"
    missing = str(tmp_path / "missing.lock")
    cfg.write_text(json.dumps({"install_prefix": str(fresh), "data_dir": str(tmp_path / "site"), "environments": {
        "ds": {"versions": {"v1": {"lock_file": missing}}, "tags": {"stable": "v1"}}}}))
    out = subprocess.run([sys.executable, "-m", "campushub", "env", "build", "--config", str(cfg)],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "environments.ds.versions.v1.lock_file" in out.stderr and "missing.lock" in out.stderr
    assert "Traceback" not in out.stderr and not fresh.exists() and not (tmp_path / "site").exists()


def test_two_sites_sharing_a_prefix_keep_their_own_tags(prefix):
    environments.ensure_environments(config(prefix, {"stable": "new"}, site="site-a"))
    environments.ensure_environments(config(prefix, {"stable": "old"}, site="site-b"))
    a = environments.resolve(prefix / "site-a", "tiny", "stable")
    b = environments.resolve(prefix / "site-b", "tiny", "stable")
    assert (a.version, b.version) == ("new", "old") and a.env_dir != b.env_dir
    # rebuilding one site moves nothing of the other's
    environments.ensure_environments(config(prefix, {"stable": "new", "dev": "new"}, site="site-a"))
    assert environments.resolve(prefix / "site-b", "tiny", "stable") == b
    with pytest.raises(LookupError):
        environments.resolve(prefix / "site-b", "tiny", "dev")
    # the venvs themselves are shared: one per lock, in the prefix
    assert a.env_dir.parent == b.env_dir.parent == prefix / "envs"


def test_what_up_builds_is_the_built_default_environment(prefix, tmp_path):
    """No environments configured: `up` builds the implicit one from user_env.lock_file;
    `env list` and built_default_env (content check's) see that very venv as built."""
    data = prefix / "site-up"
    cfg = validate({"install_prefix": str(prefix), "data_dir": str(data),
                    "user_env": {"lock_file": str(prefix / "six-new.lock")}})
    env_dir = environments.default_env_dir(cfg, environments.ensure_environments(cfg))  # what `up` calls
    data.chmod(0o700)
    (data / "effective-config.json").write_text(json.dumps(cfg))  # what `up` records (Layout.config_copy)
    assert environments.built_default_env(cfg) == env_dir
    listing = subprocess.run([sys.executable, "-m", "campushub", "env", "list", "--data-dir", str(data)],
                             capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert listing.returncode == 0, listing.stderr
    row = next(line for line in listing.stdout.splitlines() if "python" in line and "stable" in line)
    assert "built" in row and "not built" not in row and str(env_dir) in row
    # another site on the machine with the same lock: the venv is there, its tag is not (yet)
    other = validate({**cfg, "data_dir": str(prefix / "site-other")})
    assert environments.built_default_env(other) == env_dir
    (info,) = environments.describe(prefix / "site-other", other)
    assert info["tags"]["stable"]["built"] is False
    assert info["tags"]["stable"]["unpublished_env_dir"] == str(env_dir)


def test_built_default_env_is_none_when_nothing_is_built(tmp_path):
    (tmp_path / "never.lock").write_text("six==1.15.0\n")
    cfg = validate({"install_prefix": str(tmp_path / "prefix"), "data_dir": str(tmp_path / "site"),
                    "user_env": {"lock_file": str(tmp_path / "never.lock")}})
    assert environments.built_default_env(cfg) is None

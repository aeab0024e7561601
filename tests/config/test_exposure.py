"""A site configuration holding secrets that other accounts can read is
refused by `config check` and `up`. The attack: a learner's terminal ran
`cat /etc/campushub/campushub.yaml` (0644, as an editor leaves it) and read
the database password in hub.db_url (and client secrets, LDAP passwords)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from campushub.cli.main import CommandError
from campushub.cli.up import effective_config

from ..inprocess import campushub

SECRET = "hub:\n  db_url: postgresql://hub:hunter2@127.0.0.1/hub\n"


@pytest.fixture
def shared_dir():
    d = Path(tempfile.mkdtemp(dir="/tmp"))  # /tmp and / let every account through, as /etc does
    d.chmod(0o755)
    yield d
    shutil.rmtree(d)


def test_a_world_readable_config_with_a_password_is_refused(shared_dir):
    config = shared_dir / "campushub.yaml"
    config.write_text(SECRET)
    config.chmod(0o644)
    # what a learner sees
    peek = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(config)], capture_output=True, text=True)
    assert "hunter2" in peek.stdout
    result = campushub("config", "check", str(config))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "hub.db_url" in result.stderr and "chmod 600" in result.stderr and "hunter2" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    args = argparse.Namespace(config=str(config), ip=None, port=None, data_dir=None)
    with pytest.raises(CommandError, match="hub.db_url"):
        effective_config(args)
    config.chmod(0o600)
    assert campushub("config", "check", str(config)).returncode == 0
    assert effective_config(args)["hub"]["db_url"].endswith("/hub")


def test_a_readable_config_without_secrets_or_out_of_reach_is_fine(shared_dir, tmp_path):
    plain = shared_dir / "plain.yaml"
    plain.write_text("hub:\n  port: 8000\n")
    plain.chmod(0o644)
    assert campushub("config", "check", str(plain)).returncode == 0
    hidden = tmp_path / "campushub.yaml"  # pytest's tmp dirs are 0700: nobody else gets through
    hidden.write_text(SECRET)
    hidden.chmod(0o644)
    assert campushub("config", "check", str(hidden)).returncode == 0


@pytest.mark.parametrize("url", [
    "postgresql://hub:hunter2@127.0.0.1/hub",
    "postgresql://hub:hun/ter2@127.0.0.1/hub",  # a '/' in the password hid it from the check
    "postgresql://hub@127.0.0.1/hub?sslmode=require&password=hunter2",  # libpq's query form too
])
def test_every_form_of_database_password_counts_as_a_secret(shared_dir, url):
    config = shared_dir / "campushub.yaml"
    config.write_text(f"hub:\n  db_url: {url}\n")
    config.chmod(0o644)
    result = campushub("config", "check", str(config))
    assert result.returncode == 1 and "hub.db_url" in result.stderr and "hunter2" not in result.stderr


@pytest.mark.parametrize("url", ["postgresql://hub@127.0.0.1:5432/hub", "sqlite:////var/lib/campushub/hub.sqlite",
                                 "postgresql://127.0.0.1:5432/hub?sslmode=require"])
def test_a_database_url_without_a_password_is_no_secret(url):
    from campushub.config import exposure, validate

    assert exposure.secret_keys(validate({"hub": {"db_url": url}})) == []

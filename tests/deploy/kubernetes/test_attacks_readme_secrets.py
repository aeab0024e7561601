"""Attack: the render README had the admin type each secret into
`kubectl create secret generic ... --from-literal=key=VALUE`, so the hub
database password and the auth secrets sat on a command line, where `ps`
shows them to every account on the machine, and in the shell's history.

Here the README's own Secrets blocks run in sh as written. The admin's
editor is a script that fills in the values; kubectl is the real one
building the Secret with --dry-run=client, behind a wrapper that records
every command line and stands in for the API server (no cluster runs here).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess

import pytest
import yaml

from campushub.config import validate
from campushub.deploy.kubernetes.render import hub, readme

from .test_values import LDAP

VALUES = {"hub-db-url": "postgresql://hub:Db-pw-4f1a@db.example.org:5432/hub",
          "ldap-search-password": "Ldap pw #7 'q' $HOME"}
NEW_VALUES = {"hub-db-url": "postgresql://hub:Rotated-9c2e@db.example.org:5432/hub",
              "ldap-search-password": "rotated-ldap-0d5b"}
KUBECTL = shutil.which("kubectl")

# Stands in for the API server: `create secret` without --dry-run is built
# by the real kubectl client-side and "applied" into $APPLIED.
WRAPPER = """#!/bin/sh
printf '%s\\n' "$*" >> "$LOG"
case " $* " in
  *" create namespace "*|*" rollout restart "*) exit 0 ;;
  *" apply -f - "*) cat >> "$APPLIED"; exit 0 ;;
  *" --dry-run=client "*) exec "$REAL" "$@" ;;
  *" create secret generic "*) exec "$REAL" "$@" --dry-run=client -o yaml >> "$APPLIED" ;;
esac
exit 3
"""
# The admin in their editor: notes the file's mode, then fills in the values
# (truncating in place, as editors writing back do, so the mode stays).
EDITOR = """#!/bin/sh
stat -c %a "$1" > "$MODE"
cat "$FILLED" > "$1"
"""


def _config() -> dict:
    return validate({"hub": {"db_url": VALUES["hub-db-url"]},
                     "auth": {"type": "ldap", "ldap": {**LDAP, "search_password": "x"}}})


def _blocks(config: dict) -> list[str]:
    text = readme.text(config, [], [], [])
    section = text.split("## 2. Secrets", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@pytest.fixture
def shell(tmp_path):
    if KUBECTL is None:
        pytest.skip("kubectl is not installed (it builds the Secret client-side here)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("kubectl", WRAPPER), ("editor", EDITOR)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    work = tmp_path / "release"
    work.mkdir()
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "none"),
           "LOG": str(tmp_path / "argv.log"), "APPLIED": str(tmp_path / "applied.yaml"), "REAL": KUBECTL,
           "EDITOR": str(bin_dir / "editor"), "MODE": str(tmp_path / "mode"), "FILLED": str(tmp_path / "filled")}

    def run(block: str, values: dict[str, str]) -> dict[str, str]:
        (tmp_path / "filled").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        (tmp_path / "applied.yaml").write_text("")
        result = subprocess.run(["sh", "-e", "-c", block], cwd=work, env=env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        argv = (tmp_path / "argv.log").read_text()
        for value in values.values():
            assert value not in argv, "a secret value was on kubectl's command line"
        assert not (work / readme.ENV_FILE).exists(), "secrets.env left behind"
        secrets = [d for d in yaml.safe_load_all((tmp_path / "applied.yaml").read_text()) if d]
        assert [s["metadata"]["name"] for s in secrets] == ["campushub-secrets"]
        return {k: base64.b64decode(v).decode() for k, v in secrets[0]["data"].items()}

    run.work, run.mode = work, tmp_path / "mode"
    return run


def test_the_readmes_secret_values_go_through_a_private_file_never_a_command_line(shell):
    config = _config()
    create, update, *_ = _blocks(config)
    assert {s.key for s in hub.wired(config)} == set(VALUES)
    # an earlier, world-readable secrets.env must not keep its mode
    (shell.work / readme.ENV_FILE).write_text("stale\n")
    (shell.work / readme.ENV_FILE).chmod(0o644)
    assert shell(create, VALUES) == VALUES
    assert shell.mode.read_text().strip() == "600"

    # replacing a value: the admin writes secrets.env again, the block replaces the Secret
    (shell.work / readme.ENV_FILE).write_text("".join(f"{k}={v}\n" for k, v in NEW_VALUES.items()))
    assert shell(update, NEW_VALUES) == NEW_VALUES


def test_the_readme_names_only_placeholders():
    config = _config()
    text = readme.text(config, [], [], [])
    assert "--from-literal" not in text
    for value in VALUES.values():
        assert value not in text
    assert "hub-db-url=postgresql://USER:PASSWORD@HOST:5432/DATABASE" in readme.env_file_lines(config)
    assert "ldap-search-password=SEARCH-PASSWORD" in readme.env_file_lines(config)

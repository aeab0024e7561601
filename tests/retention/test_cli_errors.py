"""`campushub retention` without a running hub, or with bad input: one line, exit status, nothing changed."""

from __future__ import annotations

import json

from ..harness import campushub


def _site(tmp_path, **retention) -> str:
    config = tmp_path / "campushub.yaml"
    config.write_text(json.dumps({"data_dir": str(tmp_path / "data"),
                                  "retention": {"archive_dir": str(tmp_path / "archive"), **retention}}))
    return str(config)


def test_plan_without_a_running_hub_says_so(tmp_path):
    r = campushub("retention", "plan", "--config", _site(tmp_path))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "is not running" in r.stderr and "campushub up" in r.stderr
    assert not (tmp_path / "archive").exists()


def test_a_bad_rule_is_a_configuration_error(tmp_path):
    r = campushub("retention", "plan", "--config", _site(tmp_path, rules=[{"except_groups": ["x"]}]))
    assert r.returncode == 2
    assert "retention.rules.0" in r.stderr and "at least one of" in r.stderr and r.stderr.count("\n") == 1


def test_log_of_a_site_without_retention_is_empty(tmp_path):
    r = campushub("retention", "log", "--json", "--data-dir", str(tmp_path / "data"))
    assert r.returncode == 0 and r.stdout == ""


def test_kubernetes_needs_a_hub_address(tmp_path):
    r = campushub("retention", "plan", "--target", "kubernetes", "--url", "hub.example", "--config", _site(tmp_path),
                  env={"PATH": "/usr/bin:/bin", "CAMPUSHUB_API_TOKEN": "t"})
    assert r.returncode == 2 and "--url needs the hub's http(s) address" in r.stderr


def test_restore_from_a_missing_archive_names_it_and_creates_nothing(tmp_path):
    from campushub.deploy.local.retention_homes import LocalHomes
    from campushub.retention.backend import RetentionError

    homes = LocalHomes(str(tmp_path / "home"), "ck-", str(tmp_path / "archive"))
    missing = str(tmp_path / "archive" / "ann-20260101T000000Z.tar.gz")
    try:
        homes.restore("ann", missing, force=False)
    except RetentionError as e:
        message = str(e)
    else:
        raise AssertionError("restored from an archive that does not exist")
    assert message.startswith(f"{missing}: no such archive") and "--archive" in message and "\n" not in message
    assert not (tmp_path / "home").exists()

"""Site configuration: defaults, validation messages that name key and line, and the CLI."""

import os

import pytest

from campushub.config import ConfigError, defaults, load, loads, parse_bytes, schema

from ..harness import campushub as campushub_process
from ..inprocess import campushub


def test_no_file_means_documented_defaults():
    config = load(None)
    expected = defaults()
    del expected["kubernetes"]["culling"]  # the old place of `culling`: read from files only (config/culling.py)
    assert config == expected
    assert config["limits"]["cpu"] == 1 and config["limits"]["memory"] == "2G"
    assert config["hub"]["db_url"] is None


def _walk(node, path=""):
    for key, sub in node.get("properties", {}).items():
        yield f"{path}{key}", sub, key in node.get("required", ())
        yield from _walk(sub, f"{path}{key}.")


def test_every_key_is_documented_with_a_default():
    for key, sub, required in _walk(schema()):
        assert sub.get("description"), f"{key} has no description"
        # a key its object requires (the CSI volume's driver) has no default by definition
        assert required or "default" in sub, f"{key} has no default"


@pytest.mark.parametrize(
    "text, key, line, hint",
    [
        ("hub:\n  port: 70000\n", "hub.port", 2, "at most 65535"),
        ("hub:\n  ip: 1.2.3.4\n  prot: 80\n", "hub", 3, "allowed keys here"),
        ("ui:\n  language: fr\n", "ui.language", 2, "allowed values: auto, en, ja"),
        ("limits:\n  cpu: lots\n", "limits.cpu", 2, "expected number"),
        ("limits:\n  memory: 3 parsecs\n", "limits.memory", 2, "512M"),
        ("limits:\n  memory: 10M\n", "limits.memory", 2, "at least 64M"),
        ("hub:\n  db_url: mysql://x/y\n", "hub.db_url", 2, "postgresql://"),
        ("data_dir: relative/dir\n", "data_dir", 1, "absolute path"),
    ],
)
def test_errors_name_key_line_and_what_is_allowed(text, key, line, hint):
    with pytest.raises(ConfigError) as info:
        loads(text, "site.yaml")
    err = info.value
    assert (err.key, err.line) == (key, line)
    assert hint in str(err)
    assert str(err).startswith(f"site.yaml:{line}: {key}:")


def test_yaml_syntax_error_has_line():
    with pytest.raises(ConfigError) as info:
        loads("hub:\n  port: 1\n bad: [\n", "x.yaml")
    assert info.value.line is not None and "not valid YAML" in str(info.value)


def test_values_merge_over_defaults():
    config = loads("limits:\n  memory: 1.5GiB\n")
    assert config["limits"]["cpu"] == 1
    assert parse_bytes(config["limits"]["memory"]) == int(1.5 * 1024**3)


@pytest.mark.parametrize("value, expected", [(1024, 1024), ("512M", 512 * 2**20), ("2 GiB", 2 * 2**30), ("1T", 2**40)])
def test_parse_bytes(value, expected):
    assert parse_bytes(value) == expected


def test_cli_check_rejects_bad_file_with_nonzero_exit(tmp_path):
    bad = tmp_path / "campushub.yaml"
    bad.write_text("limits:\n  cpu: -1\n")
    result = campushub("config", "check", str(bad))
    assert result.returncode == 2
    assert f"{bad}:2: limits.cpu" in result.stderr and "Traceback" not in result.stderr


def test_cli_check_accepts_good_file(tmp_path):
    good = tmp_path / "campushub.yaml"
    good.write_text("limits:\n  cpu: 2\n")
    result = campushub("config", "check", str(good))
    assert result.returncode == 0 and "OK" in result.stdout


def test_cli_show_prints_effective_config(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("hub:\n  port: 9999\n")
    result = campushub("config", "show", "--config", str(f))
    assert result.returncode == 0
    assert "port: 9999" in result.stdout and "memory: 2G" in result.stdout


def test_up_with_bad_config_fails_cleanly_and_changes_nothing(tmp_path):
    f = tmp_path / "c.yaml"
    data = tmp_path / "data"
    f.write_text(f"data_dir: {data}\nhub:\n  port: 0\n")
    result = campushub("up", "--config", str(f))
    assert result.returncode == 2
    assert "hub.port" in result.stderr and "at least 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not data.exists()


def test_up_with_bad_port_flag_fails_cleanly(tmp_path):
    result = campushub("up", "--data-dir", str(tmp_path / "d"), "--port", "123456")
    assert result.returncode == 2 and "hub.port" in result.stderr
    assert not (tmp_path / "d").exists()


def test_missing_config_file_is_reported():
    result = campushub("config", "check", "/nonexistent/campushub.yaml")
    assert result.returncode == 2 and "file not found" in result.stderr


def test_reference_docs_are_current():
    from pathlib import Path

    from campushub.cli.config_cmd import reference

    docs = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    assert docs.read_text().strip() == reference().strip(), "run: campushub config docs > docs/configuration.md"


def test_up_refuses_a_busy_port_before_starting_anything(tmp_path):
    import socket

    from ..harness import free_port

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        f = tmp_path / "c.yaml"
        f.write_text(f"data_dir: {tmp_path / 'data'}\nhub:\n  ip: 127.0.0.1\n  port: {port}\n"
                     f"  hub_port: {free_port()}\n  proxy_api_port: {free_port()}\n"
                     # never the machine's default root: were `up` to claim it, later sites there are refused
                     f"projects:\n  enabled: false\n  root: /srv/chp-test-busy-{os.getpid()}\n")
        # the real `python -m campushub` (the others call main() in-process): were the check to
        # regress, the hub it starts stays in a child of its own, not in the test process
        result = campushub_process("up", "--config", str(f), timeout=300)
    assert result.returncode == 1
    assert f"hub.port 127.0.0.1:{port}" in result.stderr and "choose another port" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "run" / "proxy.pid").exists()
    assert not os.path.lexists(f"/srv/chp-test-busy-{os.getpid()}")

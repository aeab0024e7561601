"""Every hub service starts the same way (campushub.webservice.runner.boot): a bad site configuration
is one line naming the service's command, the file and the line, and exit 2, before anything is made;
the URL prefix is JupyterHub's, else /services/<name>/. Each service's real run() is called (in this
process: a child python each cost the fast tier 9 s)."""

from __future__ import annotations

import importlib

import pytest

from campushub.webservice import runner

SERVICES = {"help": "help", "jobs": "jobs", "projects": "projects", "analytics": "analytics",
            "assignments": "assignments", "remote_kernels": "remote-kernels"}


@pytest.mark.parametrize("module", sorted(SERVICES))
def test_a_bad_configuration_is_one_line_and_exit_2(module, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "campushub.yaml"
    bad.write_text(f"data_dir: {tmp_path / 'data'}\nhub: [\n")
    monkeypatch.setenv("CAMPUSHUB_CONFIG", str(bad))
    assert importlib.import_module(f"campushub.{module}.service").run() == 2
    assert capsys.readouterr().err.splitlines() == [
        f"campushub {SERVICES[module]}: {bad}:3: not valid YAML: expected the node content, but found '<stream end>'"]
    assert not (tmp_path / "data").exists()


def test_the_prefix_is_jupyterhubs_else_the_services(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert runner.prefix("jobs") == "/services/jobs/"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/base/services/jobs/")
    assert runner.prefix("jobs") == "/base/services/jobs/"

"""Outputs that survive a closed tab: what the laid server config tells
jupyter-collaboration (the browser test, tests/browser/test_outputs_survive.py,
shows the whole of it)."""

from traitlets.config import Config

from campushub.singleuser.files import SERVER_CONFIG, server_files


def _load(monkeypatch) -> Config:
    for name in ("CAMPUSHUB_TORNADO_SETTINGS", "CAMPUSHUB_USER_ENVIRONMENTS", "CAMPUSHUB_COURSES",
                 "CAMPUSHUB_KERNEL_ZYGOTE_FD", "CAMPUSHUB_GATEWAY_URL", "CAMPUSHUB_KERNEL_CULLING"):
        monkeypatch.delenv(name, raising=False)
    c = Config()
    exec(compile(SERVER_CONFIG, "jupyter_server_config.py", "exec"), {"c": c, "get_config": lambda: c})
    return c


def test_a_notebook_stays_in_the_server_after_its_last_tab_closes(monkeypatch):
    # jupyter-collaboration's default drops it after 60 s: a cell still running
    # then writes its outputs into a document nobody saves any more
    c = _load(monkeypatch)
    assert "document_cleanup_delay" in c.YDocExtension
    assert c.YDocExtension.document_cleanup_delay is None


def test_the_edit_history_in_the_home_is_squashed(monkeypatch):
    assert _load(monkeypatch).SQLiteYStore.squash_after_inactivity_of == 3600


def test_both_deployments_get_it_from_the_one_table():
    # locally laid into the venv, on Kubernetes into the image: the same file
    assert server_files()["etc/jupyter/jupyter_server_config.py"] == SERVER_CONFIG

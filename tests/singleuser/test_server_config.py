"""The server config laid into every user environment, read the way
jupyter_server reads a config file (a Config named `c`)."""

from traitlets.config import Config

from campushub.singleuser.files import SERVER_CONFIG


def _load(monkeypatch) -> Config:
    for name in ("CAMPUSHUB_TORNADO_SETTINGS", "CAMPUSHUB_USER_ENVIRONMENTS", "CAMPUSHUB_COURSES",
                 "CAMPUSHUB_KERNEL_ZYGOTE_FD"):
        monkeypatch.delenv(name, raising=False)
    c = Config()
    exec(compile(SERVER_CONFIG, "jupyter_server_config.py", "exec"), {"c": c, "get_config": lambda: c})
    return c


def test_learners_get_no_pypi_extension_manager(monkeypatch):
    # the shared environment is read-only: the PyPI manager could install
    # nothing, and it asks PyPI at every start
    assert _load(monkeypatch).LabApp.extension_manager == "readonly"

"""How the service reads its environment (pure functions of service.py)."""

from __future__ import annotations

import os
import stat

from campushub.assignments import service
from campushub.config import loader


def _config(tmp_path, **assignments) -> dict:
    config = loader.defaults()
    config["data_dir"] = str(tmp_path / "data")
    config["assignments"].update(assignments)
    return config


def test_database_url_precedence(tmp_path, monkeypatch):
    for var in ("CAMPUSHUB_ASSIGNMENTS_DB_URL", "CAMPUSHUB_ASSIGNMENTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    folder = tmp_path / "state"
    assert service.database_url(_config(tmp_path), folder) == \
        f"sqlite:///{tmp_path / 'data' / 'assignments' / 'assignments.sqlite'}"
    monkeypatch.setenv("CAMPUSHUB_ASSIGNMENTS_DIR", str(folder))  # a PVC on Kubernetes
    assert service.database_url(_config(tmp_path), folder) == f"sqlite:///{folder / 'assignments.sqlite'}"
    assert service.database_url(_config(tmp_path, db_url="postgresql://h/db"), folder) == "postgresql://h/db"
    monkeypatch.setenv("CAMPUSHUB_ASSIGNMENTS_DB_URL", "postgresql://env/db")
    assert service.database_url(_config(tmp_path, db_url="postgresql://h/db"), folder) == "postgresql://env/db"


def test_listen_address(tmp_path, monkeypatch):
    monkeypatch.delenv("CAMPUSHUB_ASSIGNMENTS_BIND", raising=False)
    for url, expected in (("http://127.0.0.1:8001", ("127.0.0.1", 8001)), ("http://0.0.0.0:8002", ("0.0.0.0", 8002)),
                          ("http://assignments:8003", ("", 8003)), ("http://localhost:8004", ("127.0.0.1", 8004))):
        monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", url)
        assert service.listen_address(_config(tmp_path)) == expected
    monkeypatch.setenv("CAMPUSHUB_ASSIGNMENTS_BIND", "10.0.0.5")
    assert service.listen_address(_config(tmp_path)) == ("10.0.0.5", 8004)


def test_cookie_secret_is_private_and_kept(tmp_path):
    first = service.cookie_secret(tmp_path)
    assert len(first) == 32 and service.cookie_secret(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "cookie_secret").st_mode) == 0o600

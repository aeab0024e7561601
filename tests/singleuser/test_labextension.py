"""The committed build of @campushub/assignments matches its source, and
both deployments install it with the server extension (files.py's table:
local venvs and the Kubernetes user image's build context)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from campushub.config import validate
from campushub.deploy.kubernetes.render import images
from campushub.singleuser.files import LAB_EXTENSION, SITE_PACKAGES, server_files

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "campushub" / "singleuser" / "labextension"


def _build_script():
    spec = importlib.util.spec_from_file_location("build_labextension", ROOT / "scripts" / "build_labextension.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_build_is_of_the_current_source():
    build = _build_script()
    built = json.loads((SOURCE / "dist" / "package.json").read_text())
    assert built[build.HASH_KEY] == build.source_hash(), (
        "labextension/src or package.json changed since the last build: run "
        ".venv/bin/python scripts/build_labextension.py and commit labextension/dist")
    assert built["name"] == json.loads((SOURCE / "package.json").read_text())["name"] == "@campushub/assignments"


def test_the_build_loads_the_command_and_its_texts():
    built = json.loads((SOURCE / "dist" / "package.json").read_text())
    entry = SOURCE / "dist" / built["jupyterlab"]["_build"]["load"]
    assert entry.is_file()
    code = "".join(p.read_text() for p in (SOURCE / "dist" / "static").glob("*.js"))
    assert "campushub:submit-assignment" in code and "campushub/assignments/submit" in code
    # the page config key the server extension fills in
    server = (ROOT / "campushub" / "singleuser" / "assignments_server.py").read_text()
    assert '"campushubAssignments"' in server and "campushubAssignments" in code


def test_every_environment_gets_the_extension_and_loads_the_server_part():
    files = server_files()
    dist = {p.relative_to(SOURCE / "dist").as_posix(): p.read_text()
            for p in (SOURCE / "dist").rglob("*") if p.is_file()}
    assert {p.removeprefix(LAB_EXTENSION): t for p, t in files.items() if p.startswith(LAB_EXTENSION)} == dist
    assert files[SITE_PACKAGES + "campushub_assignments/__init__.py"] == (
        ROOT / "campushub" / "singleuser" / "assignments_server.py").read_text()
    assert SITE_PACKAGES + "campushub_assignments/assignments_folder.py" in files
    enabled = json.loads(files["etc/jupyter/jupyter_server_config.d/campushub_assignments.json"])
    assert enabled == {"ServerApp": {"jpserver_extensions": {"campushub_assignments": True}}}


def test_the_kubernetes_user_image_context_holds_them(tmp_path):
    config = validate({})
    environment, version = images.built_versions(config)[0]
    build = images.user_build(config, environment, version)
    images.write(config, tmp_path)
    context = tmp_path / build.context
    for path in (LAB_EXTENSION + "package.json", SITE_PACKAGES + "campushub_assignments/__init__.py",
                 "etc/jupyter/jupyter_server_config.d/campushub_assignments.json"):
        assert (context / images.FILES_DIR / path).read_text() == server_files()[path]
    assert f"COPY {images.FILES_DIR}/" in build.dockerfile

"""`campushub k8s render` and `campushub k8s images` as an operator runs them:
what lands in the folder, what is printed, and that a configuration the
renderer refuses writes nothing and says why in one line."""

from __future__ import annotations

import os

import pytest
import yaml

from tests import harness
from tests.inprocess import campushub

OIDC_SECRET = "oidc-secret-e4f1a0"
DB_PASSWORD = "hub-db-pw-29c7d3"
CONFIG = f"""\
hub:
  db_url: postgresql://hub:{DB_PASSWORD}@db.example.org/hub
  public_url: https://hub.example.org
auth:
  type: oidc
  oidc:
    authorize_url: https://id.example.org/auth
    token_url: https://id.example.org/token
    userdata_url: https://id.example.org/userinfo
    client_id: hub
    client_secret: {OIDC_SECRET}
kubernetes:
  namespace: jhub
  images: {{registry: registry.example.org/campushub}}
  shared_volumes:
    course: {{mount_path: /srv/course, storage_class: efs-sc}}
"""


def _config(tmp_path, text: str = CONFIG):
    path = tmp_path / "campushub.yaml"
    path.write_text(text)
    os.chmod(path, 0o600)  # it holds secrets, as an admin's file may
    return path


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_render_writes_the_release_and_no_secret(tmp_path):
    out = tmp_path / "release"
    # the real command once, as the operator types it; the other tests call its main() in-process
    result = harness.campushub("k8s", "render", "--config", str(_config(tmp_path)), "--out", str(out), timeout=120)
    assert result.returncode == 0, result.stderr
    for name in ("values.yaml", "manifests.yaml", "README.md", "hub/Dockerfile"):
        assert (out / name).is_file(), name
        assert f"wrote {out / name.split('/')[0]}" in result.stdout
    # the secrets written inline are named with the Secret key they belong in
    assert "auth.oidc.client_secret" in result.stdout and "oidc-client-secret" in result.stdout
    assert "hub.db_url" in result.stdout and "hub-db-url" in result.stdout
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert OIDC_SECRET.encode() not in data and DB_PASSWORD.encode() not in data, path
    assert OIDC_SECRET not in result.stdout + result.stderr
    values = yaml.safe_load((out / "values.yaml").read_text())
    assert values["hub"]["image"]["name"] == "registry.example.org/campushub/campushub-hub"
    # the shared volume's claim, and the analytics service (on by default) with its claim
    assert {m["kind"] for m in yaml.safe_load_all((out / "manifests.yaml").read_text())} == {
        "PersistentVolumeClaim", "ConfigMap", "Deployment", "Service", "NetworkPolicy"}
    text = (out / "README.md").read_text()
    assert "kubectl --namespace jhub create secret generic campushub-secrets" in text
    assert "--from-env-file=secrets.env" in text and "\noidc-client-secret=CLIENT-SECRET\n" in text
    assert "kubectl --namespace jhub apply -f manifests.yaml" in text
    assert ("helm upgrade --install campushub jupyterhub --repo https://hub.jupyter.org/helm-chart/ "
            "--version 4.4.0 --namespace jhub --values values.yaml") in text
    assert "docker build --tag registry.example.org/campushub/campushub-hub:" in text


def test_images_prints_the_tags_and_build_commands(tmp_path):
    result = campushub("k8s", "images", "--config", str(_config(tmp_path)), "--out", "release")
    assert result.returncode == 0, result.stderr
    ref = next(line.split()[0] for line in result.stdout.splitlines() if "campushub-hub:" in line)
    assert f"docker build --tag {ref} release/hub" in result.stdout
    assert f"docker push {ref}" in result.stdout


@pytest.mark.parametrize("text, message", [
    (CONFIG.replace("postgresql://hub:", "sqlite:////srv/hub.sqlite#"), "hub.db_url: a Kubernetes release keeps"),
    (CONFIG + "unknown_key: 1\n", "unknown_key"),
    (CONFIG.replace("mount_path: /srv/course", "mount_path: /home"), "kubernetes.shared_volumes.course.mount_path"),
])
def test_a_bad_config_is_one_line_and_writes_nothing(tmp_path, text, message):
    out = tmp_path / "release"
    result = campushub("k8s", "render", "--config", str(_config(tmp_path, text)), "--out", str(out))
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert not out.exists()


def test_an_out_that_is_a_file_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "release"
    out.write_text("mine")
    result = campushub("k8s", "render", "--config", str(_config(tmp_path)), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"campushub: --out {out}: exists and is not a folder; "
                                     "give a folder to write the release into.")
    assert out.read_text() == "mine"


def test_rendering_again_replaces_the_release(tmp_path):
    out = tmp_path / "release"
    config = _config(tmp_path)
    assert campushub("k8s", "render", "--config", str(config), "--out", str(out)).returncode == 0
    first = _files(out)
    (out / "hub" / "stale.txt").write_text("left from an older render")
    assert campushub("k8s", "render", "--config", str(config), "--out", str(out)).returncode == 0
    assert _files(out) == first


def test_objects_no_longer_rendered_are_not_left_behind(tmp_path):
    out = tmp_path / "release"
    assert campushub("k8s", "render", "--config", str(_config(tmp_path)), "--out", str(out)).returncode == 0
    assert (out / "manifests.yaml").is_file()
    without_volume = (CONFIG.split("  shared_volumes:")[0]
                      + "analytics: {enabled: false}\nprojects: {enabled: false}\nhelp: {enabled: false}\n")
    result = campushub("k8s", "render", "--config", str(_config(tmp_path, without_volume)), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not (out / "manifests.yaml").exists()
    assert "manifests.yaml" not in (out / "README.md").read_text()

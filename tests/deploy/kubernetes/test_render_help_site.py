"""The help portal a release carries, built for real: `campushub k8s render`
runs MkDocs (campushub.help.build) on the shipped guides and the example
organisation's pages (examples/help-pages), and the help image's context
holds the site its Dockerfile copies to the folder the pod serves.

Then the rendered pod runs here, without Kubernetes: the help service's
container command and environment exactly as manifests.yaml gives them,
with only what the cluster provides replaced (mocks for the cluster only):
the Service addresses (hub:8081, 0.0.0.0:8080) by local ports, the mounts
(the ConfigMap's file, the emptyDir, the image's COPY target) by the folders
they come from, the chart's token by the token a real JupyterHub (with its
configurable-http-proxy) gives the service through our service registry.
A person logged in to that hub with a Japanese browser lands on the
Japanese portal and gets the rendered files byte for byte."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml
from dockerfile_parse import DockerfileParser

from campushub.deploy.local.proxy import ensure_proxy

from ...harness import free_port, wait_for

pytestmark = pytest.mark.stack  # MkDocs builds the portal; JupyterHub and the proxy run
REPO = Path(__file__).resolve().parents[3]
PAGES = REPO / "campushub" / "help" / "pages"
ORG = REPO / "examples" / "help-pages"
BASE = "/campus/"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _write_config(folder: Path, pages: Path) -> Path:
    path = folder / "campushub.yaml"
    path.write_text(yaml.safe_dump({"hub": {"base_url": BASE}, "help": {"pages_dir": str(pages)},
                                    "kubernetes": {"images": {"registry": "registry.example.org/campus"}}}))
    return path


def _render(config: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "campushub", "k8s", "render", "--config", str(config),
                           "--out", str(out)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("help-release")
    done = _render(_write_config(folder, ORG), folder / "out")
    assert done.returncode == 0, done.stderr
    return folder / "out"


def _objects(out: Path) -> dict[str, dict]:
    return {m["kind"]: m for m in yaml.safe_load_all((out / "manifests.yaml").read_text())
            if m["metadata"]["name"].startswith("campushub-help")}


def _container(out: Path) -> dict:
    (container,) = _objects(out)["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def _copy(out: Path) -> tuple[Path, str]:
    """The help image's one COPY: (the folder in the render output, where the image holds it)."""
    structure = DockerfileParser(fileobj=io.BytesIO((out / "help" / "Dockerfile").read_bytes())).structure
    (copy,) = [i["value"].split() for i in structure if i["instruction"] == "COPY"]
    return out / "help" / copy[0], copy[1].rstrip("/")


def _heading(page: str) -> str:
    return next(line[2:].strip() for line in (PAGES / page).read_text().splitlines() if line.startswith("# "))


def test_the_release_carries_the_portal_where_the_pod_serves_it(release):
    container = _container(release)
    env = {e["name"]: e.get("value") for e in container["env"]}
    site, target = _copy(release)
    assert target == env["CAMPUSHUB_HELP_SITE"]
    # the learners' guide in English at the root and in Japanese under ja/, each page in its language
    for lang, folder, source in (("en", "", "learners/index.md"), ("ja", "ja/", "learners/index.ja.md")):
        html = (site / folder / "learners" / "index.html").read_text()
        assert f'<html lang="{lang}"' in html
        assert re.search(rf"<h1[^>]*>{re.escape(_heading(source))}", html), (lang, _heading(source))
    # the organisation's pages (help.pages_dir, read at render time) beside them
    for folder in ("", "ja/"):
        assert (site / folder / "organisation" / "vpn" / "index.html").is_file()
    assert "university VPN" in (site / "organisation" / "vpn" / "index.html").read_text()
    # readable by the image's user whoever rendered it: nothing private, nothing executable
    modes = {p.stat().st_mode & 0o777 for p in site.rglob("*")}
    assert modes == {0o755, 0o644}
    # the image the Deployment runs is the one the README builds from this context
    assert f"docker build --tag {container['image']} help" in (release / "README.md").read_text()


def test_a_broken_page_fails_the_render_and_changes_nothing(release, tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(ORG, pages)
    with open(pages / "vpn.md", "a") as f:
        f.write("\nSee also [the printers](printing.md).\n")
    out = tmp_path / "out"
    shutil.copytree(release, out)  # an earlier render of this release
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    done = _render(_write_config(tmp_path, pages), out)
    assert done.returncode == 1
    assert re.search(rf"{re.escape(str(pages / 'vpn.md'))}:\d+: .*printing\.md", done.stderr), done.stderr
    assert "nothing was written" in done.stderr and "Traceback" not in done.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def _pod_environment(out: Path, tmp: Path, hub_port: int, port: int, token: str) -> dict[str, str]:
    """The container's environment with the cluster's parts replaced by local ones (see the module's doc)."""
    container, objects = _container(out), _objects(out)
    volumes = {v["name"]: v for v in objects["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    site, target = _copy(out)
    places = {target: str(site)}  # the image's folder is the context's
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        local = tmp / mount["name"]
        local.mkdir()
        if "configMap" in volume:
            (config_map,) = [m for m in yaml.safe_load_all((out / "manifests.yaml").read_text())
                             if m["kind"] == "ConfigMap" and m["metadata"]["name"] == volume["configMap"]["name"]]
            for key, text in config_map["data"].items():
                (local / key).write_text(text)
        else:
            assert volume == {"name": mount["name"], "emptyDir": {}}  # no claim, no host path
        places[mount["mountPath"]] = str(local)
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8"}
    for item in container["env"]:
        if "valueFrom" in item:  # the one secret: the token the chart makes for hub.services.help
            assert item["valueFrom"] == {"secretKeyRef": {"name": "hub", "key": "hub.services.help.apiToken"}}
            env[item["name"]] = token
            continue
        value = (item["value"].replace("http://hub:8081/", f"http://127.0.0.1:{hub_port}/")
                 .replace("http://0.0.0.0:8080", f"http://127.0.0.1:{port}"))
        for mounted, local in places.items():
            if value == mounted or value.startswith(mounted + "/"):
                value = local + value[len(mounted):]
        env[item["name"]] = value
    return env


def _hub_config(tmp: Path, site_file: Path, chp: list[str], port: int, hub_port: int, service_port: int,
                token: str) -> str:
    """A plain JupyterHub announcing the help service as the release's hub does (hub/services.py's
    registry on the site file the release mounts), with the token the chart would make."""
    return textwrap.dedent(f"""\
        from campushub.config import load
        from campushub.hub import services

        site = load({str(site_file)!r})
        announced, _roles = services.hub_services(site, {{"help": {token!r}}},
                                                  {{"help": "http://127.0.0.1:{service_port}"}})
        c.JupyterHub.services = [s for s in announced if s["name"] == "help"]
        c.JupyterHub.load_roles = [{{"name": "user", "scopes": ["self", *services.user_scopes(c.JupyterHub.services)]}}]
        c.JupyterHub.authenticator_class = "dummy"
        c.Authenticator.allow_all = True
        c.JupyterHub.bind_url = "http://127.0.0.1:{port}" + site["hub"]["base_url"]  # the base_url with it
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {hub_port}
        c.ConfigurableHTTPProxy.command = {[str(part) for part in chp]!r}
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
        c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
        c.JupyterHub.db_url = "sqlite:///{tmp / "jupyterhub.sqlite"}"
        c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
        """)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _login(session: requests.Session, url: str, name: str) -> None:
    page = session.get(f"{url}{BASE}hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text).group(1)
    r = session.post(f"{url}{BASE}hub/login", data={"username": name, "password": "any", "_xsrf": xsrf},
                     timeout=30, allow_redirects=False)
    assert r.status_code == 302, r.text[-2000:]


@pytest.mark.timeout(600)
def test_the_rendered_pod_serves_the_rendered_portal(release, tmp_path):
    chp = ensure_proxy(Path("/opt/campushub/proxy"))
    port, hub_port, service_port, token = free_port(), free_port(), free_port(), uuid.uuid4().hex
    env = _pod_environment(release, tmp_path, hub_port, service_port, token)
    site_file = Path(env["CAMPUSHUB_CONFIG"])
    (tmp_path / "jupyterhub_config.py").write_text(
        _hub_config(tmp_path, site_file, chp, port, hub_port, service_port, token))
    command = _container(release)["command"]
    assert command[0] == "python3"
    logs = {name: tmp_path / f"{name}.log" for name in ("jupyterhub", "help")}
    hub = service = None
    try:
        with open(logs["jupyterhub"], "w") as log:
            hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", "jupyterhub_config.py"], cwd=tmp_path,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   env={"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": str(tmp_path)})
        with open(logs["help"], "w") as log:
            service = subprocess.Popen([sys.executable, *command[1:]], cwd=tmp_path, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True, env=env)
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            for proc in (hub, service):
                if proc.poll() is not None:
                    raise AssertionError(f"{proc.args} exited with {proc.returncode}")
            return _listening(service_port) and requests.get(f"{url}{BASE}hub/api/", timeout=5).ok
        wait_for(up, 120, "JupyterHub (through its proxy) and the help service to answer")

        session = requests.Session()
        prefix = f"{BASE}services/help/"
        # nobody logged in: the service sends them to the hub's OAuth, as a pod behind the chart's proxy does
        r = session.get(f"{url}{prefix}", timeout=30, allow_redirects=False)
        assert r.status_code == 302 and urlparse(r.headers["Location"]).path == f"{BASE}hub/api/oauth2/authorize"
        _login(session, url, "hanako")
        # a Japanese browser: through OAuth to the Japanese portal
        r = session.get(f"{url}{prefix}", headers={"Accept-Language": "ja-JP,ja;q=0.9"}, timeout=30)
        assert r.status_code == 200 and urlparse(r.url).path == f"{prefix}ja/", (r.url, r.status_code)
        site = Path(env["CAMPUSHUB_HELP_SITE"])
        for path in ("ja/learners/", "learners/", "ja/organisation/vpn/"):
            r = session.get(f"{url}{prefix}{path}", headers={"Accept-Language": "ja"}, timeout=30)
            assert r.status_code == 200, (path, r.status_code)
            assert r.content == (site / path / "index.html").read_bytes(), path  # the rendered file itself
        assert '<html lang="ja"' in session.get(f"{url}{prefix}ja/learners/", timeout=30).text
        # a file outside the site is not served
        r = session.get(f"{url}{prefix}..%2f..%2fmanifests.yaml", timeout=30)
        assert r.status_code in (400, 403, 404) and b"campushub-help" not in r.content
    except AssertionError as e:
        tails = "\n".join(f"--- {name} log (tail) ---\n{p.read_text(errors='replace')[-4000:]}"
                          for name, p in logs.items() if p.exists())
        raise AssertionError(f"{e}\n{tails}") from None
    finally:
        _stop(service)
        _stop(hub)
        with suppress(OSError, ValueError):  # the proxy runs in its own session; the hub stops it unless killed
            os.kill(int((tmp_path / "proxy.pid").read_text()), signal.SIGKILL)

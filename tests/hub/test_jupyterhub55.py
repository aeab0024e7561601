"""Our plugins in a plain JupyterHub 5.5 (what Zero to JupyterHub runs), from a jupyterhub_config.py,
and the hub plugins' own tests run against 5.5 as against the 6.x of the dev venv.

A venv with jupyterhub==5.5.4 and campushub installed from this repo with its
test extra (not editable: package data is tested as shipped) is built under
/opt/campushub-test, shared by both tests, in two layers: the dependencies
once per change of the requirements, campushub once per hash of its sources.
Of the test extra it leaves out what those tests never import: Playwright
(its driver would double the venv's size) and ruff.
The config uses only entry-point names and class config, as an existing
hub's admin would; the hub starts its own proxy.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import tomllib
import uuid
import xml.etree.ElementTree as ET
from contextlib import suppress
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.proxy import ensure_proxy
from campushub.deploy.local.spawner import cgroups
from campushub.deploy.local.spawner.unix_users import unix_name
from campushub.deploy.local.userenv import ensure_user_env, python_version

from ..harness import TEST_PREFIX, Browserless, Hub, execute, free_port, run_code, wait_for

JH_VERSION = "5.5.4"
PYTHON = "/usr/bin/python3"
BUILD_ROOT = Path("/opt/campushub-test")
REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "campushub" / "singleuser" / "environment.lock"
MARKER = ".complete"
MEMORY = 512 * 1024**2
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # useradd is in sbin
PACKAGE_DATA = ["hub/templates/native-login.html", "config/schema.yaml", "i18n/locale/ja.json",
                "singleuser/environment.lock", "singleuser/memory_watch.py"]
# Where the hub plugins' tests live (authenticators, spawn form and policy
# checks, roles, templates and translation, the Kubernetes spawner and hub
# configuration, the declared projects' start-up step); of these, plugin_tests() picks what runs inside the 5.5 venv.
TEST_DIRS = ["tests/hub", "tests/i18n", "tests/deploy/kubernetes", "tests/projects"]
# What differs between 5.5 and 6 is JupyterHub's own code (its templates
# too) and the packages built on it, reached through our hub layer.
BUILT_ON_JUPYTERHUB = re.compile(r"(jupyterhub|kubespawner|nativeauthenticator|ldapauthenticator|oauthenticator)(\.|$)")
NOT_NEEDED = {"playwright", "ruff"}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub creates unix accounts and cgroups")


def _sources() -> list[Path]:
    files = (p for p in (REPO / "campushub").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [REPO / "pyproject.toml", REPO / "README.md", *sorted(files)]


def _requirements() -> list[str]:
    """CampusHub's dependencies and its test extra, without what those tests never import."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return [r for r in wanted if re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() not in NOT_NEEDED]


def _imported(path: Path) -> set[str]:
    """The modules a source file imports (anywhere in it), relative imports resolved; `from a import b`
    gives a.b too, as b may be a module."""
    parts = path.relative_to(REPO).with_suffix("").parts
    package = ".".join(parts if parts[-1] == "__init__" else parts[:-1]).removesuffix(".__init__")
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _source(name: str) -> Path | None:
    """The file of one of our modules (tests or campushub), or None for anything else."""
    if name.split(".")[0] not in ("tests", "campushub"):
        return None
    path = REPO.joinpath(*name.split("."))
    return next((p for p in (path.with_suffix(".py"), path / "__init__.py") if p.is_file()), None)


def _runs_jupyterhub(path: Path, seen: set[Path]) -> bool:
    """Whether the file, or any of our modules it imports however indirectly, imports JupyterHub or a
    package built on it."""
    seen.add(path)
    for name in _imported(path):
        if BUILT_ON_JUPYTERHUB.match(name):
            return True
        parts = name.split(".")  # importing a.b.c runs a/__init__ and a/b/__init__ too
        for source in filter(None, (_source(".".join(parts[:i])) for i in range(1, len(parts) + 1))):
            if source not in seen and _runs_jupyterhub(source, seen):
                return True
    return False


def plugin_tests() -> list[str]:
    """The test files of TEST_DIRS whose code reaches JupyterHub. The others (rendering Helm values,
    manifests and Dockerfiles, retention jobs) run no JupyterHub code: their results cannot differ between
    5.5 and 6, and the dev venv's run covers them."""
    def reaches(test: Path) -> bool:  # its fixtures too: the conftest.py files pytest loads for it
        conftests = (d / "conftest.py" for d in test.parents if d.is_relative_to(REPO / "tests"))
        return any(_runs_jupyterhub(f, set()) for f in (test, *conftests) if f.is_file())

    files = sorted(p for d in TEST_DIRS for p in (REPO / d).rglob("test_*.py"))
    return [str(p.relative_to(REPO)) for p in files if reaches(p)]


def _build(venv: Path, digest: str, cmds: list[list[str]]) -> None:
    """Build `venv` in place (venv scripts hard-code their path) unless complete; the marker, written last,
    makes it usable. The caller holds the build lock."""
    if not (venv / MARKER).exists():
        shutil.rmtree(venv, ignore_errors=True)
        for cmd in cmds:
            r = subprocess.run(cmd, capture_output=True, text=True)
            assert r.returncode == 0, f"{cmd} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        (venv / MARKER).write_text(digest)
    os.utime(venv / MARKER)  # last use; venvs of older inputs go after a day unused


def _deps_venv() -> Path:
    """JupyterHub 5.5 and every dependency, keyed by the requirements only: the minutes of downloads and
    installs are paid once per change of pyproject's dependencies, not once per change of our sources."""
    requirements = [f"jupyterhub=={JH_VERSION}", *_requirements()]
    digest = hashlib.sha256(f"{python_version(PYTHON)} {requirements}".encode()).hexdigest()
    venv = BUILD_ROOT / f"jh55deps-{digest[:12]}"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _build(venv, digest, [[PYTHON, "-m", "venv", str(venv)],
                          [*pip, "install", "--progress-bar", "off", *requirements]])
    return venv


def hub_venv() -> Path:
    """The JupyterHub 5.5 venv for the current sources: campushub built from them and installed (not
    editable) into a venv of its own whose .pth adds the dependencies' venv (_deps_venv) behind it."""
    digest = hashlib.sha256(f"{python_version(PYTHON)} jupyterhub=={JH_VERSION}".encode())
    for path in _sources():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    venv = BUILD_ROOT / f"jh55-{digest.hexdigest()[:12]}"
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    with open(BUILD_ROOT / ".jh55.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        deps = _deps_venv()
        with tempfile.TemporaryDirectory() as src:  # pip would write build/ into the repo
            for path in _sources():
                (Path(src) / path.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, Path(src) / path.relative_to(REPO))
            site = f"lib/python{'.'.join(python_version(PYTHON).split('.')[:2])}/site-packages"
            link = (f"import pathlib; pathlib.Path({str(venv / site / '_jh55_deps.pth')!r})"
                    f".write_text({str(deps / site)!r} + '\\n')")
            _build(venv, digest.hexdigest(), [
                [PYTHON, "-m", "venv", "--without-pip", str(venv)], [PYTHON, "-c", link],
                [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-input",
                 "install", "--progress-bar", "off", "--no-deps", src]])
        for old in [*BUILD_ROOT.glob("jh55-*"), *BUILD_ROOT.glob("jh55deps-*")]:
            marker = old / MARKER  # none: a build that died (builds hold the lock)
            if old not in (venv, deps) and (not marker.exists() or time.time() - marker.stat().st_mtime > 86400):
                shutil.rmtree(old, ignore_errors=True)
    return venv


def hub_config(tmp: Path, env_dir: Path, chp: list[str], hub: Hub, api_port: int) -> str:
    return textwrap.dedent(f"""\
        from importlib import resources

        c.JupyterHub.spawner_class = "campushub-systemuser"
        c.SystemUserSpawner.env_dir = {str(env_dir)!r}
        c.SystemUserSpawner.user_prefix = {TEST_PREFIX!r}
        c.SystemUserSpawner.cpu_limit = 1
        c.SystemUserSpawner.mem_limit = "512M"
        c.SystemUserSpawner.start_timeout = 120
        c.SystemUserSpawner.log_dir = {str(tmp / "user-logs")!r}
        c.JupyterHub.authenticator_class = "campushub-native"
        c.CampusHubAuthenticator.open_signup = True
        c.Authenticator.allow_all = True
        c.JupyterHub.template_paths = [str(resources.files("campushub.hub") / "templates")]
        c.JupyterHub.jinja_environment_options = {{"extensions": ["campushub.i18n.jinja.I18nExtension"]}}

        c.JupyterHub.bind_url = "http://127.0.0.1:{hub.port}"
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {hub.hub_port}
        c.ConfigurableHTTPProxy.command = {[str(part) for part in chp]!r}
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
        c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
        c.JupyterHub.db_url = "sqlite:///{tmp / "jupyterhub.sqlite"}"
        c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
        c.JupyterHub.services = [{{"name": "jh55-test", "api_token": {hub.api_token!r}}}]
        c.JupyterHub.load_roles = [{{
            "name": "jh55-test", "services": ["jh55-test"],
            "scopes": ["admin:users", "admin:servers", "access:servers", "tokens", "read:hub"],
        }}]
        """)


def _tail(path: Path, chars: int = 6000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


def _memory_limit(cgroup_text: str, unix: str) -> int:
    """The memory limit of the kernel's cgroup, given the text of its /proc/<pid>/cgroup."""
    backend = cgroups.detect()
    for line in cgroup_text.splitlines():
        _, controllers, path = line.split(":", 2)
        if backend.version == 1 and "memory" in controllers.split(","):
            assert path.endswith(f"/campushub/{unix}"), cgroup_text
            return int((backend.mounts["memory"] / "campushub" / unix / "memory.limit_in_bytes").read_text())
        if backend.version == 2 and controllers == "":
            assert path.endswith(f"/campushub/{unix}"), cgroup_text
            return int((backend.root / "campushub" / unix / "memory.max").read_text())
    raise AssertionError(f"no memory cgroup in {cgroup_text!r}")


def _stop(hub: Hub, name: str, tmp: Path) -> None:
    proc = hub.proc
    if proc.poll() is None:
        with suppress(Exception):
            hub.api("DELETE", f"users/{name}/server")
            wait_for(lambda: not hub.api("GET", f"users/{name}").json().get("servers"), 60, "the server to stop")
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    with suppress(OSError, ValueError):  # the proxy runs in its own session; the hub stops it unless killed
        os.kill(int((tmp / "proxy.pid").read_text()), signal.SIGKILL)


@pytest.mark.timeout(1200)
def test_plugins_in_a_plain_jupyterhub_55(tmp_path):
    venv = hub_venv()
    r = subprocess.run([venv / "bin" / "python", "-c", "import jupyterhub, importlib.resources as r; "
                        f"print(jupyterhub.__version__); [print(r.files('campushub') / p) for p in {PACKAGE_DATA}]"],
                       capture_output=True, text=True, check=True, cwd=tmp_path)  # not the repo
    version, *data = r.stdout.split()
    assert version == JH_VERSION
    assert all(Path(p).is_file() and str(venv) in p for p in data), r.stdout  # installed, with package data
    # the same shared env and proxy `campushub up` installs by default
    env_dir = ensure_user_env(PYTHON, Path("/opt/campushub/envs"), LOCK)
    chp = ensure_proxy(Path("/opt/campushub/proxy"))

    hub = Hub(tmp_path, tmp_path / "jupyterhub_config.py", free_port(), free_port(), api_token=uuid.uuid4().hex)
    hub.config_file.write_text(hub_config(tmp_path, env_dir, chp, hub, api_port=free_port()))
    log = tmp_path / "jupyterhub.log"
    name = "jh55user"
    unix = unix_name(name, TEST_PREFIX)
    with open(log, "w") as out:
        hub.proc = subprocess.Popen(
            [venv / "bin" / "python", "-m", "jupyterhub", "-f", hub.config_file], cwd=tmp_path, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
            env={"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": str(tmp_path)},  # nothing of the dev python
        )
    try:
        def hub_up():
            if hub.proc.poll() is not None:
                raise AssertionError(f"jupyterhub exited with {hub.proc.returncode}")
            return requests.get(f"{hub.url}/hub/api/", timeout=5).status_code == 200
        wait_for(hub_up, 120, "JupyterHub 5.5 to answer through its proxy")
        assert hub.api("GET", "").json()["version"] == JH_VERSION

        # the login page is ours, translated by our Jinja extension
        page = requests.get(f"{hub.url}/hub/login", headers={"Accept-Language": "ja"}, timeout=30)
        assert page.status_code == 200, page.text[:500]
        page.encoding = "utf-8"  # the hub sends text/html without a charset, announced by <meta> only
        assert '<html lang="ja">' in page.text and "パスワードを表示" in page.text, page.text[:3000]

        user = Browserless(hub, name, f"{name}-Secret-pw-2026")
        r = user.signup()
        assert r.status_code == 200 and "The signup was successful" in r.text, r.text[:3000]
        r = Browserless(hub, name, "not-the-password").login()  # NativeAuthenticator's own error path
        assert r.status_code == 200 and "Invalid username or password." in r.text, r.text[-3000:]
        r = user.login()
        assert r.status_code == 302, f"login answered {r.status_code}: {r.text[:3000]}"

        r = user.session.get(f"{hub.url}/hub/spawn/{name}", timeout=60)
        assert r.status_code == 200, f"spawn page answered {r.status_code}: {r.text[:3000]}"
        wait_for(lambda: hub.server_ready(name), 180, f"{name}'s server to be ready")
        # The server is JupyterHub 6's singleuser (our lock, as in the user
        # images on Kubernetes) behind this 5.5 hub: the browser's OAuth
        # round trip between the two must end in the server, not loop.
        r = user.session.get(f"{hub.url}/user/{name}/lab", timeout=60)
        assert r.status_code == 200 and r.url == f"{hub.url}/user/{name}/lab", (r.status_code, r.url)
        assert "jupyter-config-data" in r.text, r.text[:500]  # JupyterLab's own page, served to this login

        token = hub.user_token(name)
        out = run_code(hub, name, token, "5*4")
        assert out["result"] == "20", out
        code = "import os, pwd; print(pwd.getpwuid(os.getuid()).pw_name); print(open('/proc/self/cgroup').read())"
        out = execute(hub, name, token, out["kernel_id"], code)
        who, cgroup_text = out["stream"].split("\n", 1)
        assert who == unix, out
        assert _memory_limit(cgroup_text, unix) == MEMORY
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- jupyterhub log (tail) ---\n{_tail(log)}\n"
                             f"--- server log (tail) ---\n{_tail(tmp_path / 'user-logs' / f'{unix}.log')}") from None
    finally:
        _stop(hub, name, tmp_path)
        subprocess.run(["pkill", "-KILL", "-u", unix], capture_output=True)
        subprocess.run(["userdel", "--remove", unix], capture_output=True)
        with suppress(cgroups.CgroupUnavailable):
            cgroups.detect().remove(unix)


@pytest.mark.timeout(1800)
def test_hub_plugin_tests_pass_on_jupyterhub_55(tmp_path):
    venv = hub_venv()
    python = venv / "bin" / "python"
    version = subprocess.run([python, "-c", "import jupyterhub; print(jupyterhub.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == JH_VERSION
    report = tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=f"{venv / 'bin'}:{SYSTEM_PATH}", HOME=str(tmp_path), LANG="C.UTF-8")
    # The repo's tests, on the sources the venv was built from (its hash). A
    # basetemp of its own: pytest's cleanup of old runs leaves ours alone.
    done = subprocess.run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "not stack",
         f"--basetemp={tmp_path / 'basetemp'}", f"--junitxml={report}", *plugin_tests()],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, (f"the hub plugins' tests fail on JupyterHub {JH_VERSION}:\n"
                                  f"{done.stdout[-8000:]}\n{done.stderr[-2000:]}")
    passed = [case.get("classname", "") for case in ET.parse(report).getroot().iter("testcase")
              if not any(child.tag in ("skipped", "failure", "error") for child in case)]
    # the authenticators, the spawner's start line, the templates, the hub pod's config and the policy's pods
    for part in ("tests.hub.auth.", "tests.hub.test_start_turn", "tests.i18n.test_templates",
                 "tests.deploy.kubernetes.test_hub_config", "tests.deploy.kubernetes.test_policy_pods",
                 "tests.projects.test_declared"):
        assert any(name.startswith(part) for name in passed), f"no test of {part} passed on {JH_VERSION}"

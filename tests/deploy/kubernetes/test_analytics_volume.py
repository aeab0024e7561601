"""The analytics pod's start on its claim, as the pod's user: the service's
folder and SQLite database made and migrated by the real code
(webservice/runner.py, analytics/store) with the environment the rendered
Deployment gives, on a folder prepared the way the kubelet prepares a
volume for the pod's fsGroup (owned by root, group fsGroup, setgid,
group-writable). No cluster: a folder here stands in for the volume, and
the process runs as the Deployment's runAsUser/runAsGroup."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes.render import analytics

from .service_objects import env_values, service_container, service_objects

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the service's start as uid 1000, as in the pod")

START = """\
import json
from campushub.analytics.store import Store
from campushub.config import loader
from campushub.webservice import runner
config = loader.defaults()
folder = runner.state_dir(config, "analytics")
url = runner.database_url(config, "analytics", folder)
Store(url).close()
print(json.dumps({"folder": str(folder), "url": url, "mode": folder.stat().st_mode & 0o777}))
"""


@pytest.fixture
def volume():
    """A claim's root as the kubelet leaves it for fsGroup 1000."""
    parent = Path(tempfile.mkdtemp(prefix="campushub-analytics-volume-"))
    parent.chmod(0o755)
    root = parent / "volume"
    root.mkdir()
    os.chown(root, 0, analytics.GID)
    root.chmod(0o2775)
    yield root
    shutil.rmtree(parent)


def _start(volume: Path, env: dict) -> subprocess.CompletedProcess:
    # the pod's paths, moved onto the stand-in volume
    env = {k: v.replace(analytics.DATA, str(volume)) for k, v in env.items() if isinstance(v, str)}
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run([sys.executable, "-c", START], env=env, user=analytics.UID, group=analytics.GID,
                          extra_groups=[analytics.GID], capture_output=True, text=True, timeout=120)


def test_the_service_makes_its_folder_and_database_on_the_claim(volume):
    objects = service_objects(validate({}), analytics.ANALYTICS.name)
    env = env_values(service_container(objects))
    done = _start(volume, env)
    assert done.returncode == 0, done.stderr
    started = json.loads(done.stdout)
    assert started["folder"] == str(volume / "service") and started["mode"] == 0o700
    assert started["url"] == f"sqlite:///{volume}/service/analytics.sqlite"
    assert (volume / "service" / "analytics.sqlite").stat().st_uid == analytics.UID


def test_the_claims_root_itself_would_not_do(volume):
    """Why the service's folder is one level down: it closes its folder with
    chmod, which only the owner may do, and the kubelet leaves the root to root."""
    objects = service_objects(validate({}), analytics.ANALYTICS.name)
    env = env_values(service_container(objects)) | {"CAMPUSHUB_ANALYTICS_DIR": analytics.DATA,
                                                    "CAMPUSHUB_ANALYTICS_DB_URL": ""}
    done = _start(volume, env)
    assert done.returncode != 0 and "PermissionError" in done.stderr

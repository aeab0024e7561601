"""`campushub up` runs Enterprise Gateway for remote kernels: on a port below
1024 behind its token, shown by `status`, started again when it dies, kept by
a reload that leaves its settings alone, restarted by one that changes them
(its kernels keep running, with their variables), stopped with its kernels
by a reload that turns remote kernels off."""

from __future__ import annotations

import json
import os
import signal

import requests

from campushub.deploy.local import processes
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.remote_kernels import gateway

from ....harness import Hub, campushub, running, wait_for
from ....remote_gateway import PROFILES, Gateway


def _answers(config: dict, layout: Layout) -> bool:
    r = requests.get(f"{gateway.gateway_url(config)}/api/kernelspecs", timeout=5,
                     headers={"Authorization": f"token {gateway.gateway_token(layout)}"})
    return r.status_code == 200 and set(r.json()["kernelspecs"]) == {"campushub-small"}


def test_up_runs_supervises_and_reloads_the_gateway(tmp_path):
    site = Hub.create(tmp_path, {"profiles": PROFILES, "remote_kernels": {"enabled": True}}, servers=False)
    layout = Layout(site.data_dir)
    with running(site):
        config = json.loads(layout.config_copy.read_text())
        assert config["remote_kernels"]["gateway_port"] < 1024
        assert _answers(config, layout)
        assert requests.get(f"{gateway.gateway_url(config)}/api/kernels", timeout=5).status_code in (401, 403)
        status = json.loads(campushub("status", "--data-dir", str(site.data_dir), "--json").stdout)
        assert status["gateway"] is True and status["ports"]["gateway"] == config["remote_kernels"]["gateway_port"]

        first = processes.read_pid(layout, gateway.NAME)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: processes.read_pid(layout, gateway.NAME) not in (None, first) and _answers(config, layout),
                 90, "up to start the gateway again")

        gw = Gateway(config, layout, env_dir=None, idle=None)
        gw.add_person("alice")
        kernel = gw.start_kernel("alice")
        gw.execute(kernel, "kept = 41")
        kept = processes.read_pid(layout, gateway.NAME)
        second = campushub("up", "--config", str(site.config_file))
        assert second.returncode == 0, second.stdout + second.stderr
        assert processes.read_pid(layout, gateway.NAME) == kept  # unchanged settings: the same gateway

        site.config_file.write_text(json.dumps({**json.loads(site.config_file.read_text()),
                                                "remote_kernels": {"enabled": True, "cull_idle_minutes": 90}}))
        third = campushub("up", "--config", str(site.config_file))
        assert third.returncode == 0, third.stdout + third.stderr
        assert processes.read_pid(layout, gateway.NAME) not in (None, kept)
        assert gw.execute(kernel, "kept + 1")["result"] == "42"  # taken back by the new gateway
        launcher = int(gw.execute(kernel, "import os; os.getppid()")["result"])

        site.config_file.write_text(json.dumps({**json.loads(site.config_file.read_text()),
                                                "remote_kernels": {"enabled": False}}))
        fourth = campushub("up", "--config", str(site.config_file))
        assert fourth.returncode == 0, fourth.stdout + fourth.stderr
        assert processes.read_pid(layout, gateway.NAME) is None  # turned off: the gateway and its kernels stop
        wait_for(lambda: not os.path.exists(f"/proc/{launcher}"), 30, "the remote kernel to be stopped")
        status = json.loads(campushub("status", "--data-dir", str(site.data_dir), "--json").stdout)
        assert "gateway" not in status
    assert processes.read_pid(layout, gateway.NAME) is None

"""GPU hand-out. This machine has no GPU, so nvidia-smi is a stand-in script
printing what a real one prints for `--query-gpu=uuid --format=csv,noheader`;
the ledger and the allocation rules are the real ones."""

from __future__ import annotations

import pytest

from campushub.deploy.local.spawner import gpus

UUIDS = ["GPU-0aa1b2c3-0000-0000-0000-000000000001", "GPU-0aa1b2c3-0000-0000-0000-000000000002",
         "GPU-0aa1b2c3-0000-0000-0000-000000000003"]


@pytest.fixture
def smi(tmp_path):
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\n" + "".join(f"echo {u}\n" for u in UUIDS))
    script.chmod(0o755)
    yield str(script)
    for owner in list(gpus.held()):
        gpus.release(owner)


def test_detect_lists_uuids_and_nothing_without_nvidia_smi(smi, tmp_path):
    assert gpus.detect(smi) == UUIDS
    assert gpus.detect(str(tmp_path / "missing")) == []


def test_gpus_are_exclusive_until_released(smi):
    first = gpus.allocate("srv-a", 2, smi)
    assert first == UUIDS[:2]
    assert gpus.allocate("srv-b", 1, smi) == UUIDS[2:]
    with pytest.raises(gpus.GPUUnavailable) as e:
        gpus.allocate("srv-c", 1, smi)
    assert (e.value.requested, e.value.free, e.value.total) == (1, 0, 3)
    gpus.release("srv-a")
    assert gpus.allocate("srv-c", 2, smi) == UUIDS[:2]


def test_restarting_a_server_swaps_its_own_gpus_and_zero_releases(smi):
    gpus.allocate("srv-a", 3, smi)
    assert gpus.allocate("srv-a", 1, smi) == UUIDS[:1]  # its old ones are not counted as taken
    assert gpus.allocate("srv-a", 0, smi) == [] and "srv-a" not in gpus.held()


def test_adopted_gpus_of_a_running_server_stay_taken(smi):
    gpus.adopt("survivor", [UUIDS[1]])
    assert gpus.allocate("new", 2, smi) == [UUIDS[0], UUIDS[2]]


def test_no_gpus_on_the_machine_refuses_a_request(tmp_path):
    with pytest.raises(gpus.GPUUnavailable) as e:
        gpus.allocate("srv", 1, str(tmp_path / "missing"))
    assert e.value.total == 0

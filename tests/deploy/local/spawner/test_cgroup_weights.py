"""The `campushub` parent's CPU weight is the sum of its servers' (deploy/local/spawner/cgroups.py) when
several processes make cgroups at once: the hubs of two sites on the machine, the jobs supervisor, graders.
Each read-sum-write holds a lock on the parent; without it the one that read first wrote last and the
parent kept a stale sum. On a fake cgroup v2 tree (a plain folder: the files are what the backend reads)."""

from __future__ import annotations

import threading

from campushub.deploy.local.spawner import cgroups

ROUNDS = 60  # 150 a round: below cpu.weight's cap (10000), where a stale sum would not show


def test_two_creators_at_once_leave_the_parent_weighing_all_servers(tmp_path):
    (tmp_path / "cgroup.subtree_control").write_text("")
    backend = cgroups.CgroupsV2(tmp_path)
    parent = tmp_path / "campushub"
    parent.mkdir()
    errors: list[BaseException] = []
    for i in range(ROUNDS):
        barrier = threading.Barrier(2)

        def make(name, cpu, barrier=barrier):
            (parent / name).mkdir()
            barrier.wait()
            try:
                backend.create(name, cgroups.Limits(cpu=cpu, memory=2**30, pids=100))
            except BaseException as e:  # noqa: BLE001 (reported below)
                errors.append(e)
        threads = [threading.Thread(target=make, args=(f"a{i}", 0.5)),
                   threading.Thread(target=make, args=(f"b{i}", 1))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, repr(errors[0])
        assert (parent / "cpu.weight").read_text() == str(150 * (i + 1)), f"round {i}"

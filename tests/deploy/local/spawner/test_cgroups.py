"""cgroup backends. v1 runs for real elsewhere in the suite (this machine mounts v1
controllers); v2 cannot be mounted beside them here, so its file protocol is
checked against a directory tree shaped like /sys/fs/cgroup, and detection
against mount tables of other machines."""

import pytest

from campushub.deploy.local.spawner import cgroups

from ....harness import wait_for


def _fake_v2(root):
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text("")
    return cgroups.CgroupsV2(root)


def test_v2_writes_limits_in_v2_units(tmp_path):
    backend = _fake_v2(tmp_path)
    # the kernel creates these files in a new cgroup; a plain directory does not
    (tmp_path / "campushub" / "u1").mkdir(parents=True)
    backend.create("u1", cgroups.Limits(cpu=1.5, memory=512 * 2**20, pids=100))
    d = tmp_path / "campushub" / "u1"
    assert (d / "memory.max").read_text() == str(512 * 2**20)
    assert (d / "cpu.max").read_text() == "150000 100000"
    assert (d / "pids.max").read_text() == "100"
    assert set((tmp_path / "cgroup.subtree_control").read_text().split()) == {"+cpu", "+memory", "+pids"}
    assert backend.procs_files("u1") == [str(d / "cgroup.procs")]
    assert (d / "cpu.weight").read_text() == "150"  # no guarantee: weighs as its limit
    # the parent weighs as much as its servers together, not as one process
    (tmp_path / "campushub" / "u2").mkdir()
    backend.create("u2", cgroups.Limits(cpu=3, memory=2**30, pids=100, cpu_guarantee=1, memory_guarantee=2**29))
    u2 = tmp_path / "campushub" / "u2"
    assert (u2 / "cpu.weight").read_text() == "100" and (u2 / "memory.low").read_text() == str(2**29)
    assert (tmp_path / "campushub" / "cpu.weight").read_text() == "250"


def test_v2_usage_reads_memory_cpu_and_oom_kills(tmp_path):
    backend = _fake_v2(tmp_path)
    d = tmp_path / "campushub" / "u1"
    d.mkdir(parents=True)
    (d / "memory.current").write_text("1048576\n")
    (d / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (d / "cgroup.procs").write_text("12\n34\n")
    assert backend.usage("u1") == {"memory": 1048576, "cpu_seconds": 2.5, "oom_kills": 1, "pids": [12, 34]}


def _mounts(monkeypatch, lines):
    monkeypatch.setattr(cgroups, "_mounts", lambda: [tuple(line.split()) for line in lines])


def test_detect_explains_when_no_controllers(monkeypatch):
    _mounts(monkeypatch, ["/sys/fs/cgroup/unified cgroup2 rw", "/sys/fs/cgroup/systemd cgroup rw,name=systemd"])
    with pytest.raises(cgroups.CgroupUnavailable, match="cpu, memory and pids"):
        cgroups.detect()


def test_detect_prefers_complete_v1(monkeypatch):
    _mounts(monkeypatch, [
        "/sys/fs/cgroup/memory cgroup rw,memory", "/sys/fs/cgroup/cpu cgroup rw,cpu",
        "/sys/fs/cgroup/cpuacct cgroup rw,cpuacct", "/sys/fs/cgroup/pids cgroup rw,pids",
    ])
    backend = cgroups.detect()
    assert backend.version == 1 and str(backend.accounting) == "/sys/fs/cgroup/cpuacct"


def test_real_machine_has_a_usable_hierarchy():
    assert cgroups.detect().version in (1, 2)


def test_v1_parent_weight_follows_running_servers(hub, alice, bob):
    from ....conftest import spawn

    spawn(hub, alice)
    spawn(hub, bob)
    backend = cgroups.detect()
    if backend.version != 1:
        pytest.skip("v1 machine only")
    parent = backend.mounts["cpu"] / "campushub"
    servers = sum(1 for p in parent.iterdir() if p.is_dir())
    assert servers >= 2

    def weighed():
        # the parent is every process's of the machine that makes cgroups (another hub, a job, a grader,
        # another pytest-xdist worker's): one may add or remove a child between our reads, then weigh again
        children = [int(shares) for shares in (_read(p / "cpu.shares") for p in parent.iterdir()) if shares]
        return int((parent / "cpu.shares").read_text()) == max(1024, sum(children))

    wait_for(weighed, 30, "the parent's cpu.shares to be its children's sum")


def _read(path) -> str:
    try:
        return path.read_text()
    except OSError:  # a child removed since it was listed
        return ""

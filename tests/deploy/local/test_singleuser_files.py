"""CampusHub's files laid into a shared environment (deploy/local/singleuser_files.py) by two `up`s at once,
as two sites on one machine sharing an environment do after an upgrade: each write has a temporary name of
its own. With one fixed `<file>.tmp` one writer's replace failed (FileNotFoundError: that `up` stopped) and
a reader could import the other's half-written module."""

from __future__ import annotations

import threading

from campushub.deploy.local.singleuser_files import ensure_singleuser_files, laid_files

ROUNDS = 30


def test_two_writers_at_once_both_succeed_and_leave_whole_files(tmp_path):
    env = tmp_path / "env"
    (env / "lib/python3.11/site-packages").mkdir(parents=True)
    files = laid_files(env)
    errors: list[BaseException] = []
    for _ in range(ROUNDS):
        for path in files:
            path.unlink(missing_ok=True)  # changed files: both writers rewrite every one
        barrier = threading.Barrier(2)

        def lay(barrier=barrier):
            barrier.wait()
            try:
                ensure_singleuser_files(env)
            except BaseException as e:  # noqa: BLE001 (reported below, with the round)
                errors.append(e)
        threads = [threading.Thread(target=lay) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, f"a writer failed: {errors[0]!r}"
        assert all(path.read_text() == text for path, text in files.items())
    leftovers = [p for p in env.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []

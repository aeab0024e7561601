"""Project folders measured (measure.py, sizes.py) and archived before deletion (local_storage.py) on real files."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from campushub.projects.web import measure as measure_module
from campushub.projects.web import sizes as sizes_module
from campushub.projects.web.display import size_text
from campushub.projects.web.local_storage import LocalStorage
from campushub.projects.web.measure import measure
from campushub.projects.web.sizes import Sizes
from campushub.projects.web.storage import DeleteRefused


def tree(root):
    (root / "a" / "b").mkdir(parents=True)
    (root / "one").write_bytes(b"1" * 100)
    (root / "a" / "b" / "two").write_bytes(b"2" * 50)
    (root / "out").symlink_to("/usr")
    os.mkfifo(root / "pipe")
    os.utime(root / "a" / "b" / "two", (2_000_000_000, 2_000_000_000))


def test_measure_counts_files_without_following_links(tmp_path):
    tree(tmp_path)
    found = measure(tmp_path, budget=30)
    assert (found.bytes, found.files, found.complete) == (150, 2, True)
    assert found.newest == 2_000_000_000
    assert measure(tmp_path / "absent", 30) is None
    assert measure(tmp_path / "one", 30) is None


def test_a_walk_past_its_budget_is_a_lower_bound(tmp_path, monkeypatch):
    tree(tmp_path)
    clock = iter(range(0, 10_000, 10))
    monkeypatch.setattr(measure_module.time, "monotonic", lambda: next(clock))
    found = measure(tmp_path, budget=15)
    assert found.complete is False and found.bytes < 150


def test_sizes_are_cached(tmp_path):
    tree(tmp_path)

    async def run():
        sizes = Sizes(lambda name: tmp_path, ttl=600)
        known, found = await sizes.get("p", wait=5)
        assert known and found.bytes == 150
        (tmp_path / "three").write_bytes(b"3" * 10)
        assert (await sizes.get("p"))[1].bytes == 150  # cached
        sizes.forget("p")
        assert (await sizes.get("p", wait=5))[1].bytes == 160
        sizes.close()

    asyncio.run(run())


def test_a_slow_walk_does_not_hold_the_page_and_runs_once(tmp_path, monkeypatch):
    release, calls = threading.Event(), []

    def slow(path, budget):
        calls.append(path)
        release.wait(30)
        return measure(path, budget)

    monkeypatch.setattr(sizes_module, "measure", slow)

    async def run():
        sizes = Sizes(lambda name: tmp_path)
        assert await sizes.get("p", wait=0.05) == (False, None)
        assert await sizes.get("p", wait=0.05) == (False, None)
        release.set()
        known, found = await sizes.get("p", wait=30)
        assert known and found is not None and len(calls) == 1
        sizes.close()

    asyncio.run(run())


def test_size_text():
    def _(message, **kw):
        return message.format(**kw)

    assert size_text(_, {"known": True, "bytes": 13345}) == "13.0 KiB"
    assert size_text(_, {"known": True, "bytes": 5 * 2**30, "complete": False}).startswith("at least 5.0 GiB")
    assert size_text(_, {"known": False}) == "unknown here"
    assert size_text(_, {"known": False, "pending": True}).startswith("being measured")


@pytest.fixture
def storage(tmp_path):
    root, archives = tmp_path / "projects", tmp_path / "archives"
    (root / "p-one").mkdir(parents=True)
    (root / "p-one" / "data.csv").write_text("a,b\n")
    removed = []
    return LocalStorage(root, archives, unix_groups=removed.append), removed


def test_archive_then_remove(storage):
    store, removed = storage

    async def run():
        archived = await store.archive("p-one")
        assert archived.manifest["files"] == 1 and os.path.isfile(archived.path)
        assert (store.root / "p-one").is_dir()  # nothing removed before the group is gone
        assert await store.remove("p-one", archived) is None
        assert not (store.root / "p-one").exists() and removed == ["p-one"]

    asyncio.run(run())


def test_a_folder_changed_after_the_archive_is_kept(storage):
    store, _ = storage

    async def run():
        archived = await store.archive("p-one")
        (store.root / "p-one" / "late.txt").write_text("written meanwhile")
        note = await store.remove("p-one", archived)
        assert note is not None and "changed after it was archived" in note.values["reason"]
        assert (store.root / "p-one" / "late.txt").is_file()

    asyncio.run(run())


def test_no_archive_no_deletion(storage, tmp_path):
    store, removed = storage
    store.archive_dir = tmp_path / "projects" / "p-one" / "inside"  # inside the folder being archived
    store.archive_dir.parent.chmod(0o777)

    async def run():
        with pytest.raises(DeleteRefused):
            await store.archive("p-one")

    asyncio.run(run())
    assert (store.root / "p-one" / "data.csv").is_file() and removed == []


def test_a_failed_walk_is_unknown_cached_and_not_walked_again(tmp_path, monkeypatch):
    calls = []

    def broken(path, budget):
        calls.append(path)
        raise RecursionError("maximum recursion depth exceeded")  # what the recursive walker raised

    monkeypatch.setattr(sizes_module, "measure", broken)

    async def run():
        sizes = Sizes(lambda name: tmp_path, ttl=600)
        for _ in range(3):
            with pytest.raises(sizes_module.Unmeasurable):
                await sizes.get("p", wait=5)
        assert len(calls) == 1
        sizes.close()

    asyncio.run(run())


def test_a_project_whose_folder_cannot_be_measured_is_listed_with_its_size_unknown(tmp_path):
    from campushub.projects.web.summary import summary

    class Hub:  # the hub's answers are not what this checks: no group shares
        async def shared_with(self, group):
            return []

    class Broken:
        kind = "local"

        async def usage(self, name, members):
            raise RecursionError("maximum recursion depth exceeded")

    group = {"name": "p", "users": ["ann"], "properties": {"campushub_project": {"owners": ["ann"]}}}
    found = asyncio.run(summary(Hub(), Broken(), {"name": "ann"}, group))
    assert found["size"] == {"known": False, "pending": False, "bytes": None, "complete": True}
    assert size_text(lambda text, **kw: text, found["size"]) == "unknown here"


def test_a_folder_nested_past_the_walks_depth_is_at_least_what_was_read(tmp_path):
    from campushub.retention.walk import remove_tree
    from tests.retention.test_deep_tree import DEPTH, nest

    folder = tmp_path / "p"
    folder.mkdir()
    try:
        (folder / "a.txt").write_bytes(b"x" * 10)  # read before the deep chain "d"
        nest(folder, DEPTH)
        found = measure(folder, budget=60)
    finally:
        remove_tree(folder)  # pytest's own cleanup is shutil.rmtree: RecursionError on it
    assert found.complete is False and found.bytes == 10
    assert size_text(lambda text, **kw: text.format(**kw), {"known": True, "bytes": 10, "complete": False}) \
        == "at least 10 B (not all of it could be measured)"

"""The kernel table: its migration builds exactly the model, each kernel ends
once, and a kernel EG dropped reads as culled only when it had idled the whole
cull timeout (culling.py), else as stopped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from campushub.remote_kernels.culling import Culling
from campushub.remote_kernels.models import Base
from campushub.remote_kernels.store import SCHEMA, Store


def open_store(tmp_path) -> tuple[Store, str]:
    url = f"sqlite:///{tmp_path / 'remote_kernels.sqlite'}"
    return Store(url), url


def test_the_migration_builds_the_model(tmp_path):
    store, url = open_store(tmp_path)
    store.close()
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "version_table": SCHEMA.version_table})
        assert compare_metadata(context, Base.metadata) == []
        assert connection.execute(text(f"SELECT version_num FROM {SCHEMA.version_table}")).scalars().all() == ["0001"]
    engine.dispose()


def test_owners_see_their_running_kernels_and_a_kernel_ends_once(tmp_path):
    store, _ = open_store(tmp_path)
    store.add("k1", "alice", "campushub-small")
    store.add("k2", "bob", "campushub-small")
    assert [k["id"] for k in store.owned("alice")] == ["k1"]
    assert store.end("k1", "deleted") is True
    assert store.end("k1", "culled") is False  # deleted stays deleted
    assert store.get("k1")["state"] == "deleted" and store.get("k1")["ended"] is not None
    assert store.owned("alice") == [] and [k["id"] for k in store.running()] == ["k2"]
    store.close()
    again = Store(_)  # a restarted front knows who owns what
    assert again.get("k2")["owner"] == "bob"
    again.close()


def test_gone_is_culled_only_after_the_whole_idle_timeout(tmp_path):
    store, _ = open_store(tmp_path)
    culling = Culling(store, gateway=None, idle_seconds=600)
    now = datetime.now(UTC)
    for kernel_id, idle in (("idle", 601), ("busy", 30)):
        store.add(kernel_id, "alice", "campushub-small")
        store.seen({kernel_id: now - timedelta(seconds=idle)})
    assert asyncio.run(culling.gone("idle", now)) == "culled"
    assert asyncio.run(culling.gone("busy", now)) == "stopped"
    assert asyncio.run(culling.gone("busy", now)) is None  # already ended: unchanged
    assert asyncio.run(culling.gone("unknown", now)) is None
    assert store.get("busy")["state"] == "stopped"
    store.close()


def test_the_metrics_count_running_and_ended_kernels_by_kernelspec(tmp_path):
    from prometheus_client.exposition import generate_latest

    from campushub.remote_kernels.metrics import registry

    store, _ = open_store(tmp_path)
    for kernel_id in ("a", "b", "c"):
        store.add(kernel_id, "alice", "campushub-small")
    store.end("c", "culled")
    text = generate_latest(registry(store)).decode()
    assert 'campushub_remote_kernels{kernelspec="campushub-small"} 2.0' in text
    assert 'campushub_remote_kernels_ended_total{kernelspec="campushub-small",state="culled"} 1.0' in text
    store.close()


def test_a_kernel_the_gateway_lists_again_is_running_again_but_a_deleted_one_is_not(tmp_path):
    store, _ = open_store(tmp_path)
    for kernel_id, state in (("back", "stopped"), ("idle", "culled"), ("gone", "deleted")):
        store.add(kernel_id, "alice", "campushub-small")
        store.end(kernel_id, state)
    assert sorted(store.revive(["back", "idle", "gone", "never"])) == ["back", "idle"]
    assert store.get("back")["state"] == "running" and store.get("back")["ended"] is None
    assert store.get("gone")["state"] == "deleted"
    store.close()

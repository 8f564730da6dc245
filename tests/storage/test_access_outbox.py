"""The access log and the outbox beyond the shared kit: the SQLite schema
upgrade, its query plans, erasure on disk, claims raced across processes, and
both built-in stores checked against a reference model."""

from __future__ import annotations

import multiprocessing
import sqlite3
import traceback
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicontext.errors import ConflictError
from omnicontext.model import AccessRecord, OutboxEntry, OutboxStatus
from omnicontext.storage import SCHEMA_VERSION, MemoryStore, SQLiteStore, Store
from omnicontext.storage._common import time_key
from omnicontext.storage.sqlite import _MIGRATIONS
from omnicontext.testing import factories as f

TIMEOUT = 60.0


def _access(record_id: str, at: datetime | None = None, **fields: Any) -> AccessRecord:
    values: dict[str, Any] = {"viewer_id": "agt_1", "viewer_role": "agent", **fields}
    return AccessRecord(id=record_id, occurred_at=at or f.T0, customer_id="cus_1", **values)


def _entry(key: str, at: datetime | None = None, **fields: Any) -> OutboxEntry:
    values: dict[str, Any] = {
        "channel": "sms",
        "to": "+442079460958",
        "body": "We will call you in 5 minutes.",
        "customer_id": "cus_1",
        **fields,
    }
    return OutboxEntry(key=key, created_at=at or f.T0, **values)


# == the schema upgrade ========================================================


def _version_2_file(path: Path) -> None:
    """A database as the previous release left it: schema 2, with records."""
    raw = sqlite3.connect(path)
    for statement in (*_MIGRATIONS[0], *_MIGRATIONS[1]):
        raw.execute(statement)
    customer = f.customer("cus_1").model_copy(update={"version": 1})
    raw.execute(
        "INSERT INTO customers (id, version, doc, merged_into) VALUES (?, ?, ?, ?)",
        ("cus_1", 1, customer.to_json(), None),
    )
    item = f.message("m1")
    raw.execute(
        "INSERT INTO interactions (id, ts, customer_id, case_id, identity_key, doc) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ("m1", time_key(item.occurred_at), "cus_1", None, None, item.to_json()),
    )
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()


def test_a_version_2_database_upgrades_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _version_2_file(path)
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert store.customers.get("cus_1").version == 1
        assert [i.id for i in store.interactions.customer_timeline("cus_1")] == ["m1"]
        assert (store.access_log.count(), store.outbox.count()) == (0, 0)
        assert store.access_log.record(_access("acc_1")) is True
        assert store.outbox.add(_entry("k1")) is True
    # Opening again does not migrate twice, and the new records are there.
    with SQLiteStore(path) as again:
        assert again.schema_version == SCHEMA_VERSION
        assert again.access_log.get("acc_1").viewer_id == "agt_1"
        assert again.outbox.get("k1").version == 1
        report = again.erase_customer("cus_1")
        assert (report.customers, report.interactions, report.notifications) == (1, 1, 1)
        assert again.access_log.count() == 1


def test_a_failed_upgrade_leaves_the_version_2_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _version_2_file(path)
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE outbox (squatter TEXT)")  # migration 3 will collide
    raw.commit()
    raw.close()
    with pytest.raises(Exception, match="outbox"):
        SQLiteStore(path)
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert "access_log" not in names
    finally:
        raw.close()


def _version_3_file(path: Path, entries: list[OutboxEntry]) -> None:
    """A database as release 3 left it: the outbox without its creation-time index."""
    raw = sqlite3.connect(path)
    for statement in (*_MIGRATIONS[0], *_MIGRATIONS[1], *_MIGRATIONS[2]):
        raw.execute(statement)
    for entry in entries:
        stored = entry.model_copy(update={"version": 1})
        raw.execute(
            "INSERT INTO outbox (key, version, status, created_ts, not_before_ts, due_ts, "
            "lease_ts, customer_id, case_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stored.key,
                1,
                stored.status.value,
                time_key(stored.created_at),
                None,
                time_key(stored.created_at),
                None,
                stored.customer_id,
                stored.case_id,
                stored.to_json(),
            ),
        )
    raw.execute("PRAGMA user_version = 3")
    raw.commit()
    raw.close()


def _indexes(path: Path) -> set[str]:
    raw = sqlite3.connect(path)
    try:
        return {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        raw.close()


def test_a_version_3_database_upgrades_and_scans_its_outbox(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    tokyo = timezone(timedelta(hours=9))
    old = [
        _entry("b", at=f.minutes(2)),
        _entry("a", at=f.minutes(2).astimezone(tokyo)),
        _entry("c", at=f.minutes(-1)),
    ]
    _version_3_file(path, old)
    assert "ix_outbox_created" not in _indexes(path)
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert [e.key for c in store.outbox.scan(chunk_size=2) for e in c] == ["c", "a", "b"]
        assert store.outbox.get("a").created_at == f.minutes(2)
        assert store.outbox.add(_entry("d", at=f.minutes(1))) is True
    assert "ix_outbox_created" in _indexes(path)
    with SQLiteStore(path) as again:  # no second migration
        assert again.schema_version == 4
        chunks = [[e.key for e in c] for c in again.outbox.scan(f.minutes(0), chunk_size=2)]
        assert chunks == [["d", "a"], ["b"]]


def test_a_failed_upgrade_leaves_the_version_3_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    _version_3_file(path, [_entry("k1")])
    raw = sqlite3.connect(path)
    raw.execute("CREATE INDEX ix_outbox_created ON outbox (key)")  # migration 4 will collide
    raw.commit()
    raw.close()
    with pytest.raises(Exception, match="ix_outbox_created"):
        SQLiteStore(path)
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
        assert raw.execute("SELECT key, version FROM outbox").fetchall() == [("k1", 1)]
    finally:
        raw.close()


# == query plans ===============================================================


def _plan(path: Path, sql: str, params: tuple[Any, ...]) -> str:
    raw = sqlite3.connect(path)
    try:
        rows = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    finally:
        raw.close()
    return " ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("sql", "params", "index"),
    [
        (
            "SELECT ts, id, doc FROM access_log WHERE customer_id = ? AND (ts, id) > (?, ?) "
            "ORDER BY ts, id LIMIT ?",
            ("cus_1", 0, "", 101),
            "ix_access_customer",
        ),
        (
            "SELECT ts, id, doc FROM access_log WHERE viewer_id = ? ORDER BY ts, id LIMIT ?",
            ("agt_1", 101),
            "ix_access_viewer",
        ),
        (
            "SELECT ts, id, doc FROM access_log WHERE 1 AND ts >= ? AND ts < ? "
            "ORDER BY ts, id LIMIT ?",
            (0, 10, 1000),
            "ix_access_time",
        ),
        (
            "SELECT due_ts, key, doc FROM outbox WHERE status = 'pending' "
            "AND (not_before_ts IS NULL OR not_before_ts <= ?) UNION ALL "
            "SELECT due_ts, key, doc FROM outbox WHERE status = 'sending' AND lease_ts <= ? "
            "ORDER BY 1, 2 LIMIT ?",
            (0, 0, 100),
            "ix_outbox_due",
        ),
        (
            "SELECT doc FROM outbox WHERE customer_id = ? ORDER BY created_ts, key",
            ("cus_1",),
            "ix_outbox_customer",
        ),
        (
            "SELECT created_ts, key, doc FROM outbox WHERE 1 AND created_ts >= ? "
            "AND created_ts < ? ORDER BY created_ts, key LIMIT ?",
            (0, 10, 1000),
            "ix_outbox_created",
        ),
        (
            "SELECT created_ts, key, doc FROM outbox WHERE 1 AND (created_ts, key) > (?, ?) "
            "ORDER BY created_ts, key LIMIT ?",
            (0, "k1", 1000),
            "ix_outbox_created",
        ),
    ],
    ids=[
        "access-customer",
        "access-viewer",
        "access-scan",
        "outbox-due",
        "outbox-customer",
        "outbox-scan-first-chunk",
        "outbox-scan-next-chunk",
    ],
)
def test_queries_use_an_index_and_need_no_sort(
    tmp_path: Path, sql: str, params: tuple[Any, ...], index: str
) -> None:
    path = tmp_path / "store.db"
    SQLiteStore(path).close()
    detail = _plan(path, sql, params)
    assert index in detail
    assert "TEMP B-TREE" not in detail  # the index gives the order


def test_erased_notifications_leave_no_copy_on_disk(tmp_path: Path) -> None:
    secret = "SECRET-ADDRESS-ada.okafor@example.com"
    with SQLiteStore(tmp_path / "store.db") as store:
        store.outbox.add(_entry("k1", channel="email", to=secret, body=f"Dear {secret}"))
        store.access_log.record(_access("acc_1"))
        assert store.erase_customer("cus_1").notifications == 1
        for file in tmp_path.iterdir():
            assert secret.encode() not in file.read_bytes(), file.name
        assert store.access_log.get("acc_1").customer_id == "cus_1"


# == claims raced across processes ===============================================

ENTRIES = 40
PROCESSES = 3


def _claim_worker(path: str, owner: str, barrier: Any, results: Any) -> None:
    """In a spawned process: claim due entries until none is left, report the wins."""
    try:
        won: list[str] = []
        with SQLiteStore(path) as store:
            barrier.wait(timeout=TIMEOUT)
            now = f.minutes(10)
            while True:
                due = store.outbox.due(now, limit=5)
                if not due:
                    break
                for entry in due:
                    claim = entry.model_copy(
                        update={
                            "status": OutboxStatus.SENDING,
                            "lease_owner": owner,
                            "lease_until": f.minutes(60),
                        }
                    )
                    try:
                        store.outbox.save(claim)
                    except ConflictError:
                        continue
                    won.append(entry.key)
        results.put((owner, won, None))
    except BaseException:
        results.put((owner, [], traceback.format_exc()))


def test_workers_in_several_processes_claim_each_entry_once(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    with SQLiteStore(path) as store:
        for n in range(ENTRIES):
            store.outbox.add(_entry(f"k{n:02d}", at=f.minutes(n % 5)))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_claim_worker, args=(str(path), f"w{n}", barrier, results))
        for n in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=TIMEOUT * 2) for _ in workers]
    for w in workers:
        w.join(timeout=TIMEOUT)
    assert [error for _, _, error in outcomes if error] == []
    claimed = [key for _, won, _ in outcomes for key in won]
    assert sorted(claimed) == [f"k{n:02d}" for n in range(ENTRIES)]  # each once
    with SQLiteStore(path) as store:
        assert store.outbox.count("sending") == ENTRIES
        owners = {owner: set(won) for owner, won, _ in outcomes}
        for owner, keys in owners.items():
            for key in keys:
                stored = store.outbox.get(key)
                assert (stored.lease_owner, stored.version) == (owner, 2)


# == both stores against a reference model ========================================


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    counter = iter(range(1_000_000))

    def make() -> Store:
        if request.param == "memory":
            return MemoryStore()
        return SQLiteStore(tmp_path / f"s{next(counter)}.db")

    return make


_offsets = st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(-timedelta(hours=5))])
_minute = st.integers(-30, 30)


@st.composite
def _entries(draw: st.DrawFn) -> list[OutboxEntry]:
    n = draw(st.integers(0, 12))
    out: list[OutboxEntry] = []
    for i in range(n):
        created = f.minutes(draw(_minute)).astimezone(draw(_offsets))
        delay = draw(st.none() | st.integers(0, 20))
        not_before = None if delay is None else created + timedelta(minutes=delay)
        status = draw(st.sampled_from(list(OutboxStatus)))
        extra: dict[str, Any] = {}
        if status is OutboxStatus.SENDING:
            extra = {"lease_owner": "w1", "lease_until": f.minutes(draw(_minute))}
        elif status is OutboxStatus.SENT:
            extra = {"provider": "sms-a", "sent_at": created + timedelta(minutes=1)}
        key = f"k{draw(st.integers(0, 3))}-{i:02d}"
        out.append(_entry(key, at=created, not_before=not_before, status=status, **extra))
    return out


def _expected_due(entries: list[OutboxEntry], now: datetime) -> list[str]:
    def due(e: OutboxEntry) -> bool:
        if e.status is OutboxStatus.PENDING:
            return e.not_before is None or e.not_before <= now
        return (
            e.status is OutboxStatus.SENDING and e.lease_until is not None and e.lease_until <= now
        )

    chosen = sorted(
        (e for e in entries if due(e)), key=lambda e: (e.not_before or e.created_at, e.key)
    )
    return [e.key for e in chosen]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=_entries(), now_minute=_minute, limit=st.integers(1, 15))
def test_due_matches_the_reference_on_both_stores(
    make_store: Any, entries: list[OutboxEntry], now_minute: int, limit: int
) -> None:
    now = f.minutes(now_minute)
    with make_store() as store:
        for entry in entries:
            assert store.outbox.add(entry) is True
        got = [e.key for e in store.outbox.due(now, limit=limit)]
        assert got == _expected_due(entries, now)[:limit]
        for status in OutboxStatus:
            assert store.outbox.count(status) == sum(e.status is status for e in entries)


@st.composite
def _records(draw: st.DrawFn) -> list[AccessRecord]:
    n = draw(st.integers(0, 25))
    return [
        AccessRecord(
            id=f"acc_{draw(st.integers(0, 9))}_{i:02d}",
            occurred_at=f.minutes(draw(st.integers(0, 6))).astimezone(draw(_offsets)),
            viewer_id=f"agt_{draw(st.integers(0, 2))}",
            viewer_role="agent",
            customer_id=draw(st.sampled_from(["cus_1", "cus_2", None])),
        )
        for i in range(n)
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=_records(), limit=st.integers(1, 7), chunk=st.integers(1, 7))
def test_access_pages_and_scans_cover_everything_once_on_both_stores(
    make_store: Any, records: list[AccessRecord], limit: int, chunk: int
) -> None:
    order = sorted(records, key=lambda r: (r.occurred_at, r.id))
    with make_store() as store:
        for record in records:
            assert store.access_log.record(record) is True
        for owner in ("cus_1", "cus_2", "agt_0", "agt_1", "agt_2"):
            page_of = (
                store.access_log.for_customer
                if owner.startswith("cus")
                else store.access_log.for_viewer
            )
            seen: list[str] = []
            cursor: str | None = None
            while True:
                page = page_of(owner, limit=limit, cursor=cursor)
                assert 0 < len(page.items) <= limit or (not seen and not page.items)
                seen += [r.id for r in page.items]
                cursor = page.next_cursor
                if cursor is None:
                    break
            field = "customer_id" if owner.startswith("cus") else "viewer_id"
            assert seen == [r.id for r in order if getattr(r, field) == owner]
        chunks = list(store.access_log.scan(chunk_size=chunk))
        assert [r.id for c in chunks for r in c] == [r.id for r in order]
        assert all(len(c) == chunk for c in chunks[:-1])
        assert store.access_log.count() == len(records)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=_entries(),
    saves=st.lists(st.integers(0, 11), max_size=6),
    bounds=st.tuples(st.none() | _minute, st.none() | _minute),
    chunk=st.integers(1, 5),
)
def test_outbox_scans_match_the_reference_on_both_stores(
    make_store: Any,
    entries: list[OutboxEntry],
    saves: list[int],
    bounds: tuple[int | None, int | None],
    chunk: int,
) -> None:
    low, high = sorted(bounds, key=lambda m: -100 if m is None else m)
    start = None if low is None else f.minutes(low).astimezone(timezone(timedelta(hours=9)))
    end = None if high is None else f.minutes(high)
    with make_store() as store:
        for entry in entries:
            assert store.outbox.add(entry) is True
        latest = {e.key: store.outbox.get(e.key) for e in entries}
        for i, n in enumerate(saves):  # later states: the scan shows the latest, once
            if entries:
                key = entries[n % len(entries)].key
                given_up = {
                    "status": OutboxStatus.FAILED,
                    "sent_at": None,
                    "lease_owner": None,
                    "lease_until": None,
                    "failure_reason": f"save {i}",
                    # created_at is not part of the message: a save may move it.
                    "created_at": latest[key].created_at - timedelta(minutes=n % 3),
                }
                latest[key] = store.outbox.save(latest[key].model_copy(update=given_up))
        want = sorted(
            (
                e
                for e in latest.values()
                if (start is None or e.created_at >= start) and (end is None or e.created_at < end)
            ),
            key=lambda e: (e.created_at, e.key),
        )
        chunks = list(store.outbox.scan(start, end, chunk_size=chunk))
        assert [e for c in chunks for e in c] == want
        assert all(len(c) == chunk for c in chunks[:-1])
        assert all(0 < len(c) <= chunk for c in chunks)

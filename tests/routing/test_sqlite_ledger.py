"""What is particular to ``SQLiteLedger``: the file, the journal, exact storage,
input checks, locking and failures. The shared contract is in
``test_ledger_contract.py``."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from omnicontext.errors import InvalidInput, NotFound, SchemaVersionError, StoreError
from omnicontext.routing import CapacityProfile, ChannelCapacity, Holding, Refused
from omnicontext.routing.sqlite_ledger import LEDGER_SCHEMA_VERSION, JournalEntry, SQLiteLedger

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PROFILE = CapacityProfile.default()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def ledger(path: Path) -> Iterator[SQLiteLedger]:
    with SQLiteLedger(path) as opened:
        yield opened


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# -- the file -------------------------------------------------------------------------


def test_a_new_file_gets_the_tables_a_version_and_wal(path: Path) -> None:
    SQLiteLedger(path).close()
    db = raw(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"ledger_schema", "ledger_holdings", "ledger_journal"} <= tables
    assert db.execute("SELECT version FROM ledger_schema").fetchall() == [(LEDGER_SCHEMA_VERSION,)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_missing_folders_are_created(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "a" / "b" / "ledger.db") as ledger:
        assert ledger.holder("it_1") is None
    assert (tmp_path / "a" / "b" / "ledger.db").exists()


def test_reopening_keeps_holdings_and_journal(path: Path) -> None:
    with SQLiteLedger(path) as ledger:
        ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
        ledger.finish("it_1", until=at(30))
    with SQLiteLedger(path) as again:
        assert again.holdings("ag_1", now=at(10)) == (
            Holding(
                item_id="it_1",
                agent_id="ag_1",
                channel="chat",
                units=Fraction(1, 3),
                until=at(30),
            ),
        )
        assert [e.op for e in again.journal()] == ["reserve", "finish"]


def test_a_newer_schema_is_refused(path: Path) -> None:
    SQLiteLedger(path).close()
    db = raw(path)
    db.execute("UPDATE ledger_schema SET version = ?", (LEDGER_SCHEMA_VERSION + 1,))
    db.close()
    with pytest.raises(SchemaVersionError, match="upgrade omnicontext"):
        SQLiteLedger(path)


def test_a_file_that_is_not_a_database_is_a_store_error(path: Path) -> None:
    path.write_bytes(b"this is not a SQLite database, just some text " * 100)
    with pytest.raises(StoreError, match=str(path.name)):
        SQLiteLedger(path)


def test_the_ledger_shares_a_file_with_other_tables(path: Path) -> None:
    db = raw(path)
    db.execute("CREATE TABLE customers (id TEXT PRIMARY KEY)")
    db.execute("PRAGMA user_version = 7")
    db.close()
    with SQLiteLedger(path) as ledger:
        ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
    db = raw(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 7
    db.close()


def test_in_memory_ledgers_are_private(path: Path) -> None:
    with SQLiteLedger(":memory:") as one, SQLiteLedger(":memory:") as two:
        one.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
        assert two.holder("it_1") is None
        assert [e.item_id for e in one.journal()] == ["it_1"]
        assert repr(one) == "SQLiteLedger(path=':memory:')"


# -- exact storage ----------------------------------------------------------------------


def test_units_survive_the_file_exactly(path: Path) -> None:
    tiny = Fraction(1, 10**40 + 7)  # far beyond what a 64-bit integer column holds
    profile = CapacityProfile(
        channels={"chat": ChannelCapacity(units=tiny), "email": ChannelCapacity(units="1/3")},
        capacity=Fraction(2, 3) + tiny,
    )
    with SQLiteLedger(path) as ledger:
        ledger.reserve("ag_1", "tiny", "chat", profile, now=T0)
        ledger.reserve("ag_1", "third_1", "email", profile, now=T0)
        ledger.reserve("ag_1", "third_2", "email", profile, now=T0)
        assert isinstance(ledger.reserve("ag_1", "more", "chat", profile, now=T0), Refused)
    with SQLiteLedger(path) as again:
        held = again.holdings("ag_1", now=T0)
        assert [h.units for h in held] == [tiny, Fraction(1, 3), Fraction(1, 3)]
        assert sum((h.units for h in held), Fraction(0)) == profile.capacity
        assert [e.units for e in again.journal()] == [tiny, Fraction(1, 3), Fraction(1, 3)]


def test_times_come_back_as_the_same_instants_in_utc(ledger: SQLiteLedger) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    until = datetime(2026, 1, 5, 15, 0, 0, 123457, tzinfo=india)
    ledger.reserve("ag_1", "it_1", "phone", PROFILE, now=T0)
    done = ledger.finish("it_1", until=until)
    assert done.until == until
    assert done.until is not None
    assert done.until.tzinfo is UTC
    assert done.until.microsecond == 123457
    (held,) = ledger.holdings("ag_1", now=T0)
    assert held.until == until
    assert held.until is not None
    assert held.until.utcoffset() == timedelta(0)


def test_times_far_from_the_epoch_are_kept(ledger: SQLiteLedger) -> None:
    ledger.reserve("ag_1", "old", "email", PROFILE, now=datetime(1, 1, 2, tzinfo=UTC))
    ledger.reserve("ag_1", "new", "email", PROFILE, now=datetime(9999, 12, 30, tzinfo=UTC))
    far = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert ledger.finish("new", until=far).until == far
    assert [e.at.year for e in ledger.journal() if e.op == "reserve"] == [1, 9999]


def test_unicode_agents_scan_in_the_same_order_as_python_sorts(ledger: SQLiteLedger) -> None:
    agents = ["zoë", "Zoe", "ag_\uffff", "ag_\U0001f600", "東京", "ag_é", "ag_e", "AG"]
    for n, agent in enumerate(agents):
        ledger.reserve(agent, f"it_{n}", "email", PROFILE, now=T0)
    assert [h.agent_id for h in ledger.scan(now=T0)] == sorted(agents)


# -- the journal ----------------------------------------------------------------------


def test_the_journal_records_each_change_once_in_order(ledger: SQLiteLedger) -> None:
    ledger.reserve("ag_1", "call", "phone", PROFILE, now=T0)
    ledger.reserve("ag_1", "call", "phone", PROFILE, now=at(1))  # idempotent: no change
    ledger.reserve("ag_1", "chat", "chat", PROFILE, now=at(2))  # refused: no change
    ledger.reserve("ag_2", "call", "phone", PROFILE, now=at(3))  # held: no change
    ledger.finish("call", until=at(60))
    ledger.reserve("ag_2", "mail", "email", PROFILE, now=at(4))
    ledger.release("mail")
    ledger.release("mail")  # nothing held: no change
    entries = list(ledger.journal())
    assert [(e.seq, e.op, e.agent_id, e.item_id) for e in entries] == [
        (1, "reserve", "ag_1", "call"),
        (2, "finish", "ag_1", "call"),
        (3, "reserve", "ag_2", "mail"),
        (4, "release", "ag_2", "mail"),
    ]
    reserve, finish, _, release = entries
    assert reserve == JournalEntry(
        seq=1,
        op="reserve",
        agent_id="ag_1",
        item_id="call",
        channel="phone",
        units=Fraction(1),
        exclusive=True,
        at=T0,
        until=None,
    )
    assert finish.until == at(60)
    assert (release.channel, release.units, release.exclusive) == ("email", Fraction(1, 10), False)
    assert release.until is None
    # The system clock stamps changes that take no time of their own.
    assert finish.at.tzinfo is UTC
    assert abs(datetime.now(UTC) - release.at) < timedelta(days=1)


def test_the_journal_reads_on_from_a_seq_and_across_pages(ledger: SQLiteLedger) -> None:
    for n in range(2500):
        ledger.reserve(f"ag_{n % 300}", f"it_{n}", "email", PROFILE, now=T0)
    assert [e.seq for e in ledger.journal()] == list(range(1, 2501))
    assert [e.seq for e in ledger.journal(after=2498)] == [2499, 2500]
    assert list(ledger.journal(after=2500)) == []
    # A reader that stops and comes back later picks up the new entries.
    ledger.release("it_0")
    assert [e.op for e in ledger.journal(after=2500)] == ["release"]


def test_the_journal_is_append_only(path: Path, ledger: SQLiteLedger) -> None:
    ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
    db = raw(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE ledger_journal SET agent_id = 'someone_else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM ledger_journal")
    db.close()
    assert [e.agent_id for e in ledger.journal()] == ["ag_1"]


@pytest.mark.parametrize("after", [-1, 1.5, "3", True, None])
def test_the_journal_refuses_a_bad_starting_point(ledger: SQLiteLedger, after: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        ledger.journal(after=after)
    assert (caught.value.field, caught.value.value) == ("after", after)


# -- purging --------------------------------------------------------------------------


def _rows(path: Path) -> list[str]:
    db = raw(path)
    rows = [r[0] for r in db.execute("SELECT item_id FROM ledger_holdings ORDER BY item_id")]
    db.close()
    return rows


def test_lapsed_wrap_ups_are_purged_when_the_agent_is_next_reserved(
    path: Path, ledger: SQLiteLedger
) -> None:
    ledger.reserve("ag_1", "a", "email", PROFILE, now=T0)
    ledger.reserve("ag_1", "b", "email", PROFILE, now=T0)
    ledger.reserve("ag_2", "c", "email", PROFILE, now=T0)
    ledger.finish("a", until=at(10))
    ledger.finish("c", until=at(10))
    assert ledger.holdings("ag_1", now=at(20)) == ledger.holdings("ag_1", now=at(5))[1:]
    assert _rows(path) == ["a", "b", "c"]  # reading purges nothing
    ledger.reserve("ag_1", "d", "email", PROFILE, now=at(20))
    assert _rows(path) == ["b", "c", "d"]
    assert ledger.purge(now=at(20)) == 1
    assert _rows(path) == ["b", "d"]
    assert ledger.purge(now=at(20)) == 0
    assert [e.op for e in ledger.journal()].count("reserve") == 4


def test_purge_refuses_a_naive_time(ledger: SQLiteLedger) -> None:
    with pytest.raises(InvalidInput) as caught:
        ledger.purge(now=datetime(2026, 1, 5))
    assert caught.value.field == "now"


# -- input checks ---------------------------------------------------------------------

NAIVE = datetime(2026, 1, 5, 9, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("agent_id", ""),
        ("agent_id", " ag_1"),
        ("agent_id", None),
        ("agent_id", 7),
        ("agent_id", "x" * 257),
        ("agent_id", "ag_\ud800"),
        ("item_id", ""),
        ("item_id", "it_1\n"),
        ("item_id", b"it_1"),
        ("channel", ""),
        ("channel", None),
        ("profile", {"chat": "1/3"}),
        ("now", NAIVE),
        ("now", date(2026, 1, 5)),
        ("now", "2026-01-05T09:00:00Z"),
        ("now", None),
    ],
)
def test_bad_reservations_name_the_field_and_change_nothing(
    ledger: SQLiteLedger, field: str, value: Any
) -> None:
    args: dict[str, Any] = {
        "agent_id": "ag_1",
        "item_id": "it_1",
        "channel": "chat",
        "profile": PROFILE,
        "now": T0,
    }
    args[field] = value
    with pytest.raises(InvalidInput) as caught:
        ledger.reserve(
            args["agent_id"], args["item_id"], args["channel"], args["profile"], now=args["now"]
        )
    assert (caught.value.field, caught.value.value) == (field, value)
    assert caught.value.subject == "reservation"
    assert list(ledger.journal()) == []


def test_a_time_outside_utc_range_is_refused(ledger: SQLiteLedger) -> None:
    edge = datetime.max.replace(tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(InvalidInput, match="range") as caught:
        ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=edge)
    assert caught.value.field == "now"


def test_bad_finish_and_queries_name_the_field(ledger: SQLiteLedger) -> None:
    ledger.reserve("ag_1", "it_1", "phone", PROFILE, now=T0)
    with pytest.raises(InvalidInput) as caught:
        ledger.finish("it_1", until=NAIVE)
    assert (caught.value.field, caught.value.value) == ("until", NAIVE)
    with pytest.raises(InvalidInput) as caught:
        ledger.finish("", until=T0)
    assert caught.value.field == "item_id"
    with pytest.raises(InvalidInput) as caught:
        ledger.release(None)  # type: ignore[arg-type]
    assert caught.value.field == "item_id"
    with pytest.raises(InvalidInput) as caught:
        ledger.holder(3)  # type: ignore[arg-type]
    assert caught.value.field == "item_id"
    with pytest.raises(InvalidInput) as caught:
        ledger.holdings("ag_1", now=NAIVE)
    assert caught.value.field == "now"
    with pytest.raises(InvalidInput) as caught:
        ledger.holdings("", now=T0)
    assert caught.value.field == "agent_id"
    with pytest.raises(InvalidInput) as caught:
        ledger.scan(now=NAIVE)
    assert caught.value.field == "now"
    assert [e.op for e in ledger.journal()] == ["reserve"]
    assert ledger.holdings("ag_1", now=at(3600))[0].until is None


@pytest.mark.parametrize("timeout", [0, -1, "5", True])
def test_a_bad_timeout_is_refused(path: Path, timeout: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        SQLiteLedger(path, timeout=timeout)
    assert caught.value.field == "timeout"


def test_finish_of_an_unheld_item_names_it(ledger: SQLiteLedger) -> None:
    with pytest.raises(NotFound) as caught:
        ledger.finish("it_9", until=T0)
    assert (caught.value.kind, caught.value.id) == ("holding", "it_9")


# -- closing and processes --------------------------------------------------------------


def test_a_closed_ledger_refuses_use(path: Path) -> None:
    ledger = SQLiteLedger(path)
    ledger.close()
    ledger.close()  # harmless
    for call in (
        lambda: ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0),
        lambda: ledger.release("it_1"),
        lambda: ledger.finish("it_1", until=T0),
        lambda: ledger.holdings("ag_1", now=T0),
        lambda: ledger.holder("it_1"),
        lambda: ledger.scan(now=T0),
        lambda: ledger.journal(),
        lambda: ledger.purge(now=T0),
    ):
        with pytest.raises(StoreError, match="closed"):
            call()


def test_the_context_manager_closes(path: Path) -> None:
    with SQLiteLedger(path) as ledger:
        pass
    with pytest.raises(StoreError):
        ledger.holder("it_1")


def test_a_ledger_carried_into_another_process_refuses_use(
    ledger: SQLiteLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: real + 1)
    with pytest.raises(StoreError, match="open a new SQLiteLedger in each process"):
        ledger.holder("it_1")


# -- locking and failures ---------------------------------------------------------------


def test_a_write_waits_for_another_processs_write(path: Path) -> None:
    ledger = SQLiteLedger(path, timeout=30)
    other = raw(path)
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO ledger_holdings (item_id, agent_id, channel, units, exclusive, seq) "
        "VALUES ('it_1', 'ag_other', 'chat', '1/3', 0, 0)"
    )
    results: list[Holding | Refused] = []
    worker = threading.Thread(
        target=lambda: results.append(ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0))
    )
    worker.start()
    # Give the call a moment to start waiting on the lock; if it has not started
    # yet, it waits later. Either way it must find the other writer's row.
    worker.join(timeout=0.2)
    other.execute("COMMIT")
    worker.join(timeout=60)
    assert results == [Refused("item 'it_1' is held by agent 'ag_other'", "ag_other")]
    other.close()
    ledger.close()


def test_a_write_that_cannot_get_the_lock_in_time_is_a_store_error(path: Path) -> None:
    ledger = SQLiteLedger(path, timeout=0.05)
    other = raw(path)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked"):
            ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
        # Reading needs no lock in WAL mode.
        assert ledger.holder("it_1") is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert isinstance(ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0), Holding)
    assert [e.seq for e in ledger.journal()] == [1]
    ledger.close()


class _Flaky:
    """Stands in for the ledger's connection: fails the first ``times``
    statements that start with ``prefix``, then behaves."""

    def __init__(
        self, db: sqlite3.Connection, prefix: str, error: sqlite3.Error, times: int = 1
    ) -> None:
        self.db = db
        self.prefix = prefix
        self.error = error
        self.times = times

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        if sql.lstrip().startswith(self.prefix) and self.times > 0:
            self.times -= 1
            raise self.error
        return self.db.execute(sql, params)

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction


def _locked() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY
    return error


def test_a_busy_database_is_retried_and_the_change_lands_once(ledger: SQLiteLedger) -> None:
    real = ledger._db
    ledger._db = _Flaky(real, "INSERT INTO ledger_holdings", _locked(), times=3)  # type: ignore[assignment]
    got = ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
    ledger._db = real
    assert isinstance(got, Holding)
    assert [(e.seq, e.op) for e in ledger.journal()] == [(1, "reserve")]
    assert ledger.holder("it_1") == "ag_1"


def test_a_failure_inside_a_reservation_leaves_no_trace(ledger: SQLiteLedger) -> None:
    ledger.reserve("ag_1", "it_0", "email", PROFILE, now=T0)
    real = ledger._db
    ledger._db = _Flaky(  # type: ignore[assignment]
        real, "INSERT INTO ledger_holdings", sqlite3.OperationalError("disk I/O error")
    )
    with pytest.raises(StoreError, match="disk I/O error"):
        ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
    ledger._db = real
    # The journal entry written before the failure was rolled back with it.
    assert [e.item_id for e in ledger.journal()] == ["it_0"]
    assert ledger.holder("it_1") is None
    assert isinstance(ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0), Holding)
    assert [e.seq for e in ledger.journal()] == [1, 2]


def test_a_failure_inside_a_finish_leaves_no_trace(ledger: SQLiteLedger) -> None:
    ledger.reserve("ag_1", "it_1", "phone", PROFILE, now=T0)
    real = ledger._db
    ledger._db = _Flaky(  # type: ignore[assignment]
        real, "INSERT INTO ledger_journal", sqlite3.OperationalError("disk I/O error")
    )
    with pytest.raises(StoreError):
        ledger.finish("it_1", until=at(60))
    ledger._db = real
    assert ledger.holdings("ag_1", now=at(3600))[0].until is None
    assert [e.op for e in ledger.journal()] == ["reserve"]


def test_a_profile_that_raises_mid_reservation_leaves_no_trace(
    path: Path, ledger: SQLiteLedger
) -> None:
    class Exploding(CapacityProfile):
        def refusal(self, holdings: Any, channel: str, *, now: datetime) -> str | None:
            raise RuntimeError("boom")

    ledger.reserve("ag_1", "a", "email", PROFILE, now=T0)
    ledger.finish("a", until=at(1))
    with pytest.raises(RuntimeError, match="boom"):
        ledger.reserve("ag_1", "b", "chat", Exploding(channels=PROFILE.channels), now=at(5))
    assert _rows(path) == ["a"]  # not even the purge of the lapsed wrap-up landed
    assert ledger.holder("b") is None

"""``SQLiteLedger``: the capacity ledger in one SQLite file, shared by processes.

Several processes on one machine (routers, an operator's console, a nightly
report) open the same file and route against one ledger. :meth:`~SQLiteLedger.reserve`
reads the agent's live holdings, asks their :class:`CapacityProfile` whether
one more item fits, and records the holding, all in one ``BEGIN IMMEDIATE``
transaction; so two processes can never both take an agent's last slot, nor
give one item to two agents.

Every change (reserve, release, finish) is also appended to a journal, in the
same transaction as the change itself, and :meth:`~SQLiteLedger.journal` reads
it back in order: it is how an operator audits what routing did.

>>> from datetime import datetime, timedelta, timezone
>>> from omnicontext.routing import CapacityProfile
>>> now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> profile = CapacityProfile.default()
>>> with SQLiteLedger(":memory:") as ledger:
...     call = ledger.reserve("ag_1", "it_1", "phone", profile, now=now)
...     ledger.reserve("ag_1", "it_2", "chat", profile, now=now)
...     done = ledger.finish("it_1", until=now + timedelta(seconds=60))
...     ledger.reserve("ag_1", "it_2", "chat", profile, now=now + timedelta(seconds=60)).units
...     [(entry.seq, entry.op, entry.item_id) for entry in ledger.journal()]
Refused(reason='busy with phone live work (it_1)', holder=None)
Fraction(1, 3)
[(1, 'reserve', 'it_1'), (2, 'finish', 'it_1'), (3, 'reserve', 'it_2')]
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal, Self, TypeVar

import attrs

from omnicontext.errors import FieldError, InvalidInput, NotFound, SchemaVersionError, StoreError
from omnicontext.routing.capacity import CapacityProfile, Holding
from omnicontext.routing.ledger import Refused, check_id, check_reservation, check_time

__all__ = ["LEDGER_SCHEMA_VERSION", "JournalEntry", "SQLiteLedger"]

_T = TypeVar("_T")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_JOURNAL_PAGE = 1000

# Each entry migrates the ledger's tables from version i to i + 1. Append, never
# edit. The version lives in the ledger's own table (not PRAGMA user_version),
# so the ledger's tables never collide with anything else kept in the file.
_MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        # One row per held item. ``units`` is an exact fraction as text ('1/3');
        # times are microseconds since the Unix epoch, UTC; ``until`` is NULL
        # while the work runs. ``seq`` is the journal entry of the reservation,
        # so holdings sort by age.
        """CREATE TABLE ledger_holdings (
            item_id TEXT PRIMARY KEY,
            agent_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            units TEXT NOT NULL,
            exclusive INTEGER NOT NULL,
            until INTEGER,
            seq INTEGER NOT NULL)""",
        "CREATE INDEX ledger_holdings_by_agent ON ledger_holdings (agent_id, seq)",
        """CREATE TABLE ledger_journal (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            op TEXT NOT NULL CHECK (op IN ('reserve', 'release', 'finish')),
            agent_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            units TEXT NOT NULL,
            exclusive INTEGER NOT NULL,
            at INTEGER NOT NULL,
            until INTEGER)""",
        """CREATE TRIGGER ledger_journal_no_update BEFORE UPDATE ON ledger_journal
            BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only'); END""",
        """CREATE TRIGGER ledger_journal_no_delete BEFORE DELETE ON ledger_journal
            BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only'); END""",
    ),
)

LEDGER_SCHEMA_VERSION: Final = len(_MIGRATIONS)
"""The version of the ledger's tables this release writes."""

_HOLDING_COLUMNS = "item_id, agent_id, channel, units, exclusive, until"


@attrs.frozen
class JournalEntry:
    """One change the ledger made, as the journal recorded it.

    ``seq`` numbers the changes in the order they were committed, from 1.
    ``op`` is ``"reserve"`` (a new holding), ``"release"`` (a holding dropped)
    or ``"finish"`` (the work ended; the holding lasts until ``until``).
    ``agent_id``, ``item_id``, ``channel``, ``units`` and ``exclusive`` describe
    the holding concerned. ``at`` is when the change happened: for a
    reservation, the ``now`` the capacity check was made at; for a release or
    a finish (which take no time), the system clock when it was recorded.
    ``until`` is the end of the wrap-up for a finish, and for a release the
    wrap-up end the dropped holding had, if any. Times are UTC.
    """

    seq: int
    op: Literal["reserve", "release", "finish"]
    agent_id: str
    item_id: str
    channel: str
    units: Fraction
    exclusive: bool
    at: datetime
    until: datetime | None


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _optional_moment(micros: int | None) -> datetime | None:
    return None if micros is None else _moment(micros)


def _check_time(value: object, field: str, subject: str) -> int:
    """``value`` as microseconds since the epoch, if it is an aware datetime."""
    moment = check_time(value, field, subject)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            subject, [FieldError(field, value, "is out of the range of UTC datetimes")]
        ) from None
    return _micros(moment)


def _holding(row: Sequence[Any]) -> Holding:
    item_id, agent_id, channel, units, exclusive, until = row
    return Holding(
        item_id=item_id,
        agent_id=agent_id,
        channel=channel,
        units=Fraction(units),
        exclusive=bool(exclusive),
        until=_optional_moment(until),
    )


def _busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class SQLiteLedger:
    """A :class:`~omnicontext.routing.CapacityLedger` in a SQLite file that
    several processes on one machine share.

    ``path`` is a file path (created, with its tables, if missing) or
    ``":memory:"`` for a private in-memory ledger (one process, any number of
    threads). ``timeout`` is how many seconds a call waits for other
    processes' writes before giving up with :class:`~omnicontext.errors.StoreError`.

    Every call is atomic against every other process using the file: writes
    run in ``BEGIN IMMEDIATE`` transactions (the capacity check inside), with
    WAL journaling so readers never wait for the writer. One object may be
    shared by the threads of a process; each process opens its own (an object
    carried into a forked child refuses to be used there). Lapsed wrap-ups
    never count and are purged lazily when the agent or the item is next
    reserved, or all at once by :meth:`purge`.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise InvalidInput(
                "ledger", [FieldError("timeout", timeout, "must be a number of seconds > 0")]
            )
        self.path = os.fspath(path)
        self._timeout = float(timeout)
        self._lock = threading.RLock()
        self._closed = False
        self._pid = os.getpid()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open SQLite ledger path={self.path!r}: {exc}") from exc
        try:
            self._run(self._configure, write=False)
            self._run(self._migrate, write=True)
        except BaseException:
            self._db.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteLedger(path={self.path!r})"

    # -- the CapacityLedger protocol -------------------------------------------

    def reserve(
        self,
        agent_id: str,
        item_id: str,
        channel: str,
        profile: CapacityProfile,
        *,
        now: datetime,
    ) -> Holding | Refused:
        """Hold ``item_id`` for ``agent_id`` if it fits ``profile`` at ``now``.

        Returns the new :class:`Holding` (with the profile's units, copied), or
        :class:`Refused`: with the profile's reason when the agent has no room,
        with ``holder`` set when another agent holds the item. An item the same
        agent already holds is returned as it is. The check and the write are
        one transaction, against every process using the file.
        """
        check_reservation(agent_id, item_id, channel, profile, now)
        try:
            channel.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(
                "reservation", [FieldError("channel", channel, "must be a channel name")]
            ) from None
        at = _check_time(now, "now", "reservation")

        def work(db: sqlite3.Connection) -> Holding | Refused:
            row = db.execute(
                f"SELECT {_HOLDING_COLUMNS} FROM ledger_holdings WHERE item_id = ?", (item_id,)
            ).fetchone()
            if row is not None:
                held = _holding(row)
                if row[5] is None or row[5] > at:
                    if held.agent_id == agent_id:
                        return held
                    return Refused(
                        f"item {item_id!r} is held by agent {held.agent_id!r}", held.agent_id
                    )
                db.execute("DELETE FROM ledger_holdings WHERE item_id = ?", (item_id,))
            db.execute(
                "DELETE FROM ledger_holdings WHERE agent_id = ? AND until <= ?", (agent_id, at)
            )
            mine = [
                _holding(r)
                for r in db.execute(
                    f"SELECT {_HOLDING_COLUMNS} FROM ledger_holdings "
                    "WHERE agent_id = ? ORDER BY seq",
                    (agent_id,),
                )
            ]
            reason = profile.refusal(mine, channel, now=now)
            if reason is not None:
                return Refused(reason)
            holding = profile.holding(agent_id=agent_id, item_id=item_id, channel=channel)
            units, exclusive = str(holding.units), int(holding.exclusive)
            seq = db.execute(
                "INSERT INTO ledger_journal "
                "(op, agent_id, item_id, channel, units, exclusive, at, until) "
                "VALUES ('reserve', ?, ?, ?, ?, ?, ?, NULL)",
                (agent_id, item_id, channel, units, exclusive, at),
            ).lastrowid
            db.execute(
                "INSERT INTO ledger_holdings "
                "(item_id, agent_id, channel, units, exclusive, until, seq) "
                "VALUES (?, ?, ?, ?, ?, NULL, ?)",
                (item_id, agent_id, channel, units, exclusive, seq),
            )
            return holding

        return self._run(work, write=True)

    def release(self, item_id: str) -> Holding | None:
        """Drop the holding of ``item_id`` (offer declined, agent gone, work
        done with no wrap-up). Returns what was dropped, ``None`` if nothing."""
        item_id = check_id(item_id, "item_id", "release")

        def work(db: sqlite3.Connection) -> Holding | None:
            row = db.execute(
                f"SELECT {_HOLDING_COLUMNS} FROM ledger_holdings WHERE item_id = ?", (item_id,)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM ledger_holdings WHERE item_id = ?", (item_id,))
            self._record(db, "release", row, until=row[5])
            return _holding(row)

        return self._run(work, write=True)

    def finish(self, item_id: str, *, until: datetime) -> Holding:
        """The work on ``item_id`` ended: keep it held through wrap-up until
        ``until``, after which it no longer counts. Returns the holding, its
        ``until`` in UTC. Raises :class:`~omnicontext.errors.NotFound` when
        nobody holds the item. Finishing again moves ``until``; like
        :meth:`holder`, this takes no time, so a lapsed holding not purged yet
        is found (and given the new ``until``)."""
        item_id = check_id(item_id, "item_id", "finish")
        end = _check_time(until, "until", "finish")

        def work(db: sqlite3.Connection) -> Holding:
            row = db.execute(
                f"SELECT {_HOLDING_COLUMNS} FROM ledger_holdings WHERE item_id = ?", (item_id,)
            ).fetchone()
            if row is None:
                raise NotFound("holding", item_id)
            db.execute("UPDATE ledger_holdings SET until = ? WHERE item_id = ?", (end, item_id))
            self._record(db, "finish", row, until=end)
            return _holding((*row[:5], end))

        return self._run(work, write=True)

    def holdings(self, agent_id: str, *, now: datetime) -> tuple[Holding, ...]:
        """What ``agent_id`` holds at ``now``, oldest first; lapsed wrap-ups excluded."""
        agent_id = check_id(agent_id, "agent_id", "query")
        at = _check_time(now, "now", "query")
        rows = self._rows(
            f"SELECT {_HOLDING_COLUMNS} FROM ledger_holdings "
            "WHERE agent_id = ? AND (until IS NULL OR until > ?) ORDER BY seq",
            (agent_id, at),
        )
        return tuple(_holding(r) for r in rows)

    def holder(self, item_id: str) -> str | None:
        """The agent holding ``item_id``, or ``None``.

        Like :meth:`release` and :meth:`finish`, this takes no time: a holding
        whose wrap-up has lapsed but which is not purged yet still names its
        agent here.
        """
        item_id = check_id(item_id, "item_id", "query")
        rows = self._rows("SELECT agent_id FROM ledger_holdings WHERE item_id = ?", (item_id,))
        return str(rows[0][0]) if rows else None

    def scan(self, *, now: datetime) -> Iterator[Holding]:
        """Every live holding at ``now``, by agent then age (read at once, so
        the iterator is one consistent picture)."""
        at = _check_time(now, "now", "query")
        rows = self._rows(
            f"SELECT {_HOLDING_COLUMNS} FROM ledger_holdings "
            "WHERE until IS NULL OR until > ? ORDER BY agent_id, seq",
            (at,),
        )
        return iter([_holding(r) for r in rows])

    # -- beyond the protocol ---------------------------------------------------

    def journal(self, *, after: int = 0) -> Iterator[JournalEntry]:
        """The journal of changes, oldest first, from the entry after ``seq``
        ``after`` (``0``: from the start).

        The journal is append-only (the database refuses edits to it) and
        entries are numbered in commit order, so an auditor can read it in
        pieces: remember the last ``seq`` seen and pass it as ``after`` next
        time. It is read lazily, a page at a time.
        """
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise InvalidInput("query", [FieldError("after", after, "must be an integer >= 0")])
        with self._lock:
            self._check_open()  # fail now, not at the first next()
        return self._journal(after)

    def _journal(self, after: int) -> Iterator[JournalEntry]:
        while True:
            rows = self._rows(
                "SELECT seq, op, agent_id, item_id, channel, units, exclusive, at, until "
                "FROM ledger_journal WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, _JOURNAL_PAGE),
            )
            for seq, op, agent_id, item_id, channel, units, exclusive, at, until in rows:
                yield JournalEntry(
                    seq=seq,
                    op=op,
                    agent_id=agent_id,
                    item_id=item_id,
                    channel=channel,
                    units=Fraction(units),
                    exclusive=bool(exclusive),
                    at=_moment(at),
                    until=_optional_moment(until),
                )
            if len(rows) < _JOURNAL_PAGE:
                return
            after = rows[-1][0]

    def purge(self, *, now: datetime) -> int:
        """Delete every holding whose wrap-up lapsed by ``now``; returns how many.

        Lapsed holdings never count, whether purged or not, so this only keeps
        the file small; it is not journaled, as it changes nothing that counts.
        """
        at = _check_time(now, "now", "purge")
        return self._run(
            lambda db: db.execute("DELETE FROM ledger_holdings WHERE until <= ?", (at,)).rowcount,
            write=True,
        )

    def close(self) -> None:
        """Close the file; later use raises ``StoreError``. Safe to call twice."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------

    def _configure(self, db: sqlite3.Connection) -> None:
        if self.path != ":memory:":
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise StoreError(f"cannot switch the ledger path={self.path!r} to WAL journaling")
        db.execute("PRAGMA synchronous = NORMAL")

    def _migrate(self, db: sqlite3.Connection) -> None:
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_schema'"
        ).fetchone()
        if found is None:
            db.execute("CREATE TABLE ledger_schema (version INTEGER NOT NULL)")
            db.execute("INSERT INTO ledger_schema (version) VALUES (0)")
        row = db.execute("SELECT version FROM ledger_schema").fetchone()
        current = 0 if row is None else int(row[0])
        if current > LEDGER_SCHEMA_VERSION:
            raise SchemaVersionError(
                f"ledger path={self.path!r} has schema version {current}, newer than "
                f"{LEDGER_SCHEMA_VERSION} which this omnicontext writes; upgrade omnicontext"
            )
        for version in range(current, LEDGER_SCHEMA_VERSION):
            for statement in _MIGRATIONS[version]:
                db.execute(statement)
        if current != LEDGER_SCHEMA_VERSION:
            db.execute("UPDATE ledger_schema SET version = ?", (LEDGER_SCHEMA_VERSION,))

    @staticmethod
    def _record(
        db: sqlite3.Connection,
        op: Literal["release", "finish"],
        row: Sequence[Any],
        *,
        until: int | None,
    ) -> None:
        item_id, agent_id, channel, units, exclusive, _ = row
        db.execute(
            "INSERT INTO ledger_journal "
            "(op, agent_id, item_id, channel, units, exclusive, at, until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (op, agent_id, item_id, channel, units, exclusive, _micros(datetime.now(UTC)), until),
        )

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the ledger path={self.path!r} is closed")
        if os.getpid() != self._pid:
            raise StoreError(
                f"the ledger path={self.path!r} was opened in process {self._pid}; "
                "open a new SQLiteLedger in each process"
            )

    def _rows(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """The rows of one query (a single statement reads one consistent state)."""
        return self._run(lambda db: db.execute(sql, params).fetchall(), write=False)

    def _run(self, work: Callable[[sqlite3.Connection], _T], *, write: bool) -> _T:
        """``work`` in one transaction (``BEGIN IMMEDIATE`` when it writes), retried
        while another process holds the file locked, up to the timeout.

        Anything ``work`` raises rolls the transaction back, so a call either
        lands whole or leaves no trace.
        """
        deadline = time.monotonic() + self._timeout
        pause = 0.0005
        with self._lock:
            self._check_open()
            while True:
                try:
                    return self._attempt(work, write)
                except sqlite3.Error as exc:
                    if not _busy(exc) or time.monotonic() >= deadline:
                        raise StoreError(
                            f"SQLite error on the ledger path={self.path!r}: {exc}"
                        ) from exc
                time.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 2, 0.05)

    def _attempt(self, work: Callable[[sqlite3.Connection], _T], write: bool) -> _T:
        db = self._db
        if write:
            db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db)
            if write:
                db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            raise
        return result

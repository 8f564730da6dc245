"""``SQLiteStore``: the storage contract in one SQLite file (standard library only).

WAL journaling, so readers never block the writer; indexes for a customer's and
a case's timeline, for time-range scans, for the access log by customer, viewer
and time, and for the outbox's due entries; a schema version kept in
``PRAGMA user_version`` with forward-only migrations; ``secure_delete`` so
erased records are overwritten, not just unlinked. Several processes may open
the same file: every write is one ``BEGIN IMMEDIATE`` transaction, and the
optimistic version check runs inside it, so two processes saving the same
customer cannot both win.

>>> from omnicontext.storage import open_store
>>> with open_store("sqlite:///:memory:") as store:
...     store.interactions.count()
0
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Self, TypeVar

from omnicontext.errors import NotFound, SchemaVersionError, StoreError
from omnicontext.model import (
    Case,
    Customer,
    Identity,
    Interaction,
    MergeRecord,
    MergeSuggestion,
    SuggestionStatus,
)
from omnicontext.model.access import AccessRecord
from omnicontext.model.channels import CONTEXT_KEY
from omnicontext.model.interaction import parse_interactions_json_array
from omnicontext.model.notification import OutboxEntry, OutboxStatus
from omnicontext.storage._common import (
    access_conflict,
    check_access_record,
    check_chunk_size,
    check_customer_ref,
    check_document,
    check_ids,
    check_interaction,
    check_limit,
    check_moment,
    check_new_entry,
    check_outbox_entry,
    check_outbox_status,
    check_range,
    check_status,
    decode_cursor,
    duplicate_content,
    encode_cursor,
    message_changed,
    message_conflict,
    same_content,
    stale_version,
    time_key,
)
from omnicontext.storage.protocols import AppendResult, ErasureReport, Page

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

_TRUSTED: Final = {CONTEXT_KEY: None}
_IN_CHUNK = 500  # ids per "IN (...)" query, well under SQLite's variable limit

# Each entry migrates the schema from version i to i + 1. Append, never edit.
_MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE customers (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        """CREATE TABLE customer_identities (
            key TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            PRIMARY KEY (key, customer_id)) WITHOUT ROWID""",
        "CREATE INDEX ix_identities_customer ON customer_identities (customer_id)",
        """CREATE TABLE cases (
            id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX ix_cases_customer ON cases (customer_id, id)",
        """CREATE TABLE interactions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            ts INTEGER NOT NULL,
            customer_id TEXT,
            case_id TEXT,
            identity_key TEXT,
            doc TEXT NOT NULL)""",
        """CREATE INDEX ix_interactions_customer ON interactions (customer_id, ts, id)
            WHERE customer_id IS NOT NULL""",
        """CREATE INDEX ix_interactions_case ON interactions (case_id, ts, id)
            WHERE case_id IS NOT NULL""",
        "CREATE INDEX ix_interactions_time ON interactions (ts, id)",
        """CREATE INDEX ix_interactions_unresolved ON interactions (identity_key)
            WHERE customer_id IS NULL AND identity_key IS NOT NULL""",
    ),
    (
        # 2: the identity graph (merges, suggestions, merged profiles), and
        # unresolved interactions paged by time.
        "ALTER TABLE customers ADD COLUMN merged_into TEXT",
        """CREATE INDEX ix_customers_merged_into ON customers (merged_into)
            WHERE merged_into IS NOT NULL""",
        """CREATE TABLE merges (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            survivor_id TEXT NOT NULL,
            absorbed_id TEXT NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX ix_merges_survivor ON merges (survivor_id)",
        "CREATE INDEX ix_merges_absorbed ON merges (absorbed_id)",
        """CREATE TABLE suggestions (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            status TEXT NOT NULL,
            customer_a TEXT NOT NULL,
            customer_b TEXT NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX ix_suggestions_a ON suggestions (customer_a)",
        "CREATE INDEX ix_suggestions_b ON suggestions (customer_b)",
        "CREATE INDEX ix_suggestions_status ON suggestions (status, ts, id)",
        "DROP INDEX ix_interactions_unresolved",
        """CREATE INDEX ix_interactions_unresolved ON interactions (identity_key, ts, id)
            WHERE customer_id IS NULL AND identity_key IS NOT NULL""",
    ),
    (
        # 3: the access audit trail and the notification outbox.
        """CREATE TABLE access_log (
            id TEXT PRIMARY KEY,
            ts INTEGER NOT NULL,
            viewer_id TEXT NOT NULL,
            customer_id TEXT,
            doc TEXT NOT NULL)""",
        """CREATE INDEX ix_access_customer ON access_log (customer_id, ts, id)
            WHERE customer_id IS NOT NULL""",
        "CREATE INDEX ix_access_viewer ON access_log (viewer_id, ts, id)",
        "CREATE INDEX ix_access_time ON access_log (ts, id)",
        """CREATE TABLE outbox (
            key TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            created_ts INTEGER NOT NULL,
            not_before_ts INTEGER,
            due_ts INTEGER NOT NULL,
            lease_ts INTEGER,
            customer_id TEXT,
            case_id TEXT,
            doc TEXT NOT NULL)""",
        # One index serves due() (pending and sending entries in due order, each
        # side already sorted for the merge) and count(status).
        "CREATE INDEX ix_outbox_due ON outbox (status, due_ts, key)",
        """CREATE INDEX ix_outbox_customer ON outbox (customer_id, created_ts, key)
            WHERE customer_id IS NOT NULL""",
        "CREATE INDEX ix_outbox_case ON outbox (case_id) WHERE case_id IS NOT NULL",
    ),
    (
        # 4: the outbox scanned by creation time (risk reports read every entry).
        "CREATE INDEX ix_outbox_created ON outbox (created_ts, key)",
    ),
)

SCHEMA_VERSION: Final = len(_MIGRATIONS)
"""The schema version this release writes (``PRAGMA user_version``)."""


def _chunks(items: Sequence[str], size: int = _IN_CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _path_from_url(url: str) -> str:
    if not url.lower().startswith("sqlite://"):
        raise StoreError(f"not a sqlite URL: url={url!r}")
    rest = url[len("sqlite://") :]
    if "?" in rest:
        raise StoreError(f"sqlite URLs take no options: url={url!r}")
    if rest in ("", "/", "/:memory:"):
        return ":memory:"
    if not rest.startswith("/"):
        raise StoreError(
            f"expected sqlite:///relative/path.db or sqlite:////absolute/path.db: url={url!r}"
        )
    return rest[1:]


_Doc = TypeVar("_Doc", Customer, Case, MergeRecord, MergeSuggestion)


def _scan_rows(
    store: SQLiteStore, table: str, lo: int | None, hi: int | None, chunk_size: int
) -> Iterator[list[Any]]:
    """``(ts, id, doc)`` rows of ``table`` with ``lo <= ts < hi`` by (ts, id),
    ``chunk_size`` at a time; each chunk is one query, resumed after the last
    row, so memory stays bounded by a chunk."""
    after: tuple[int, str] | None = None
    while True:
        sql = f"SELECT ts, id, doc FROM {table} WHERE 1"
        params: list[Any] = []
        if after is not None:
            sql += " AND (ts, id) > (?, ?)"
            params += [after[0], after[1]]
        elif lo is not None:
            sql += " AND ts >= ?"
            params.append(lo)
        if hi is not None:
            sql += " AND ts < ?"
            params.append(hi)
        sql += " ORDER BY ts, id LIMIT ?"
        params.append(chunk_size)
        rows = store._all(sql, params)
        if not rows:
            return
        yield rows
        if len(rows) < chunk_size:
            return
        after = (rows[-1][0], rows[-1][1])


def _load(store: SQLiteStore, table: str, kind: str, model: type[_Doc], doc_id: str) -> _Doc:
    """The document ``doc_id`` of ``table``, or ``NotFound``."""
    row = store._one(f"SELECT doc FROM {table} WHERE id = ?", (doc_id,))
    if row is None:
        raise NotFound(kind, doc_id)
    return model.model_validate_json(row[0], context=_TRUSTED)


def _save(
    db: sqlite3.Connection,
    table: str,
    kind: str,
    doc: _Doc,
    columns: Callable[[_Doc], dict[str, object]],
) -> _Doc:
    """Check ``doc.version`` against the stored one and write ``doc`` with the
    next version, with ``columns(new)`` as the table's indexed columns."""
    row = db.execute(f"SELECT version FROM {table} WHERE id = ?", (doc.id,)).fetchone()
    stored = None if row is None else int(row[0])
    if doc.version != (stored or 0):
        raise stale_version(kind, doc.id, doc.version, stored)
    new = doc.model_copy(update={"version": doc.version + 1})
    values = {"id": new.id, "version": new.version, **columns(new), "doc": new.to_json()}
    names = ", ".join(values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in values if c != "id")
    db.execute(
        f"INSERT INTO {table} ({names}) VALUES ({_marks(len(values))}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        list(values.values()),
    )
    return new


def _customer_columns(c: Customer) -> dict[str, object]:
    return {"merged_into": c.merged_into}


def _merge_columns(m: MergeRecord) -> dict[str, object]:
    return {
        "ts": time_key(m.merged_at),
        "survivor_id": m.survivor_id,
        "absorbed_id": m.absorbed_id,
    }


def _suggestion_columns(s: MergeSuggestion) -> dict[str, object]:
    return {
        "ts": time_key(s.created_at),
        "status": str(s.status),
        "customer_a": s.customer_ids[0],
        "customer_b": s.customer_ids[1],
    }


class _Customers:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def get(self, customer_id: str) -> Customer:
        return _load(self._s, "customers", "customer", Customer, customer_id)

    def save(self, customer: Customer) -> Customer:
        check_document(customer, Customer)
        with self._s._write() as db:
            new = _save(db, "customers", "customer", customer, _customer_columns)
            db.execute("DELETE FROM customer_identities WHERE customer_id = ?", (new.id,))
            db.executemany(
                "INSERT INTO customer_identities (key, customer_id) VALUES (?, ?)",
                [(ident.key, new.id) for ident in new.identities],
            )
            return new

    def find_by_identity(self, identity: Identity | str) -> list[Customer]:
        key = identity.key if isinstance(identity, Identity) else identity
        rows = self._s._all(
            "SELECT c.doc FROM customer_identities i JOIN customers c ON c.id = i.customer_id "
            "WHERE i.key = ? ORDER BY c.id",
            (key,),
        )
        return [Customer.model_validate_json(r[0], context=_TRUSTED) for r in rows]

    def count(self) -> int:
        row = self._s._one("SELECT COUNT(*) FROM customers", ())
        return int(row[0]) if row else 0

    def scan(self, *, chunk_size: int = 1000) -> Iterator[Sequence[Customer]]:
        check_chunk_size(chunk_size)
        return self._scan(chunk_size)

    def _scan(self, chunk_size: int) -> Iterator[Sequence[Customer]]:
        after = ""
        while True:
            rows = self._s._all(
                "SELECT id, doc FROM customers WHERE id > ? ORDER BY id LIMIT ?",
                (after, chunk_size),
            )
            if not rows:
                return
            yield [Customer.model_validate_json(r[1], context=_TRUSTED) for r in rows]
            if len(rows) < chunk_size:
                return
            after = rows[-1][0]


class _Cases:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def get(self, case_id: str) -> Case:
        return _load(self._s, "cases", "case", Case, case_id)

    def save(self, case: Case) -> Case:
        check_document(case, Case)
        with self._s._write() as db:
            return _save(db, "cases", "case", case, lambda c: {"customer_id": c.customer_id})

    def for_customer(self, customer_id: str) -> list[Case]:
        rows = self._s._all(
            "SELECT doc FROM cases WHERE customer_id = ? ORDER BY id", (customer_id,)
        )
        return [Case.model_validate_json(r[0], context=_TRUSTED) for r in rows]


def _parse_docs(docs: Sequence[str]) -> list[Interaction]:
    if not docs:
        return []
    return parse_interactions_json_array("[" + ",".join(docs) + "]")


class _Interactions:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def append(self, interaction: Interaction) -> bool:
        return self.append_many([interaction]).added == 1

    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        rows: list[tuple[str, int, str | None, str | None, str | None, str]] = []
        texts: dict[str, tuple[Interaction, str]] = {}
        duplicates = 0
        for raw in interactions:
            item = check_interaction(raw)
            text = item.to_json()
            previous = texts.get(item.id)
            if previous is None:
                texts[item.id] = (item, text)
                ident = None if item.identity is None else item.identity.key
                rows.append(
                    (
                        item.id,
                        time_key(item.occurred_at),
                        item.customer_id,
                        item.case_id,
                        ident,
                        text,
                    )
                )
            elif same_content(previous[0], previous[1], item, text):
                duplicates += 1
            else:
                raise duplicate_content(item.id)
        if not rows:
            return AppendResult(added=0, duplicates=duplicates)
        with self._s._write() as db:
            cursor = db.executemany(
                "INSERT OR IGNORE INTO interactions "
                "(id, ts, customer_id, case_id, identity_key, doc) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = cursor.rowcount
            if added < len(rows):
                # Some ids were there already: each must hold exactly this content.
                ids = list(texts)
                for part in _chunks(ids):
                    for id_, doc in db.execute(
                        f"SELECT id, doc FROM interactions WHERE id IN ({_marks(len(part))})",
                        part,
                    ):
                        item, text = texts[id_]
                        if doc != text and not same_content(
                            _parse_docs([doc])[0], doc, item, text
                        ):
                            raise duplicate_content(id_)
            return AppendResult(added=added, duplicates=duplicates + len(rows) - added)

    def get(self, interaction_id: str) -> Interaction:
        row = self._s._one("SELECT doc FROM interactions WHERE id = ?", (interaction_id,))
        if row is None:
            raise NotFound("interaction", interaction_id)
        return _parse_docs([row[0]])[0]

    def _timeline(
        self,
        column: str,
        owner: str,
        limit: int,
        cursor: str | None,
        newest_first: bool,
    ) -> Page[Interaction]:
        check_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        op, order = ("<", "DESC") if newest_first else (">", "ASC")
        sql = f"SELECT ts, id, doc FROM interactions WHERE {column} = ?"
        params: list[Any] = [owner]
        if after is not None:
            sql += f" AND (ts, id) {op} (?, ?)"
            params += [after[0], after[1]]
        sql += f" ORDER BY ts {order}, id {order} LIMIT ?"
        params.append(limit + 1)
        rows = self._s._all(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        items = tuple(_parse_docs([r[2] for r in rows]))
        next_cursor = encode_cursor((rows[-1][0], rows[-1][1])) if more else None
        return Page(items=items, next_cursor=next_cursor)

    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        return self._timeline("customer_id", customer_id, limit, cursor, newest_first)

    def case_timeline(
        self,
        case_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        return self._timeline("case_id", case_id, limit, cursor, newest_first)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[Interaction]]:
        lo, hi = check_range(start, end)
        check_chunk_size(chunk_size)
        return self._scan(lo, hi, chunk_size)

    def _scan(
        self, lo: int | None, hi: int | None, chunk_size: int
    ) -> Iterator[Sequence[Interaction]]:
        for rows in _scan_rows(self._s, "interactions", lo, hi, chunk_size):
            yield _parse_docs([r[2] for r in rows])

    def count(self) -> int:
        row = self._s._one("SELECT COUNT(*) FROM interactions", ())
        return int(row[0]) if row else 0

    def reassign(self, interaction_ids: Iterable[str], customer_id: str | None) -> int:
        ids = check_ids(interaction_ids)
        check_customer_ref(customer_id)
        with self._s._write() as db:
            found: dict[str, tuple[str | None, str]] = {}
            for part in _chunks(ids):
                for id_, owner, doc in db.execute(
                    "SELECT id, customer_id, doc FROM interactions "
                    f"WHERE id IN ({_marks(len(part))})",
                    part,
                ):
                    found[id_] = (owner, doc)
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFound("interaction", missing[0])
            todo = [i for i in ids if found[i][0] != customer_id]
            items = _parse_docs([found[i][1] for i in todo])
            db.executemany(
                "UPDATE interactions SET customer_id = ?, doc = ? WHERE id = ?",
                [
                    (
                        customer_id,
                        item.model_copy(update={"customer_id": customer_id}).to_json(),
                        item.id,
                    )
                    for item in items
                ],
            )
            return len(todo)

    def unresolved(
        self, identity_key: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Interaction]:
        check_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        sql = "SELECT ts, id, doc FROM interactions WHERE customer_id IS NULL AND identity_key = ?"
        params: list[Any] = [identity_key]
        if after is not None:
            sql += " AND (ts, id) > (?, ?)"
            params += [after[0], after[1]]
        sql += " ORDER BY ts, id LIMIT ?"
        params.append(limit + 1)
        rows = self._s._all(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        items = tuple(_parse_docs([r[2] for r in rows]))
        next_cursor = encode_cursor((rows[-1][0], rows[-1][1])) if more else None
        return Page(items=items, next_cursor=next_cursor)


class _Merges:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def get(self, merge_id: str) -> MergeRecord:
        return _load(self._s, "merges", "merge", MergeRecord, merge_id)

    def save(self, record: MergeRecord) -> MergeRecord:
        check_document(record, MergeRecord)
        with self._s._write() as db:
            return _save(db, "merges", "merge", record, _merge_columns)

    def for_customer(self, customer_id: str) -> list[MergeRecord]:
        rows = self._s._all(
            "SELECT doc FROM merges WHERE survivor_id = ? OR absorbed_id = ? ORDER BY ts, id",
            (customer_id, customer_id),
        )
        return [MergeRecord.model_validate_json(r[0], context=_TRUSTED) for r in rows]

    def count(self) -> int:
        row = self._s._one("SELECT COUNT(*) FROM merges", ())
        return int(row[0]) if row else 0


class _Suggestions:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def get(self, suggestion_id: str) -> MergeSuggestion:
        return _load(self._s, "suggestions", "suggestion", MergeSuggestion, suggestion_id)

    def save(self, suggestion: MergeSuggestion) -> MergeSuggestion:
        check_document(suggestion, MergeSuggestion)
        with self._s._write() as db:
            return _save(db, "suggestions", "suggestion", suggestion, _suggestion_columns)

    def for_customer(self, customer_id: str) -> list[MergeSuggestion]:
        rows = self._s._all(
            "SELECT doc FROM suggestions WHERE customer_a = ? OR customer_b = ? ORDER BY ts, id",
            (customer_id, customer_id),
        )
        return [MergeSuggestion.model_validate_json(r[0], context=_TRUSTED) for r in rows]

    def pending(self, *, limit: int = 100, cursor: str | None = None) -> Page[MergeSuggestion]:
        check_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        sql = "SELECT ts, id, doc FROM suggestions WHERE status = 'pending'"
        params: list[Any] = []
        if after is not None:
            sql += " AND (ts, id) > (?, ?)"
            params += [after[0], after[1]]
        sql += " ORDER BY ts, id LIMIT ?"
        params.append(limit + 1)
        rows = self._s._all(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        items = tuple(MergeSuggestion.model_validate_json(r[2], context=_TRUSTED) for r in rows)
        next_cursor = encode_cursor((rows[-1][0], rows[-1][1])) if more else None
        return Page(items=items, next_cursor=next_cursor)

    def count(self, status: SuggestionStatus | str | None = None) -> int:
        if status is None:
            row = self._s._one("SELECT COUNT(*) FROM suggestions", ())
        else:
            wanted = check_status(status)
            row = self._s._one(
                "SELECT COUNT(*) FROM suggestions WHERE status = ?", (wanted.value,)
            )
        return int(row[0]) if row else 0


def _access_rows(rows: Sequence[Any]) -> list[AccessRecord]:
    return [AccessRecord.model_validate_json(r[-1], context=_TRUSTED) for r in rows]


class _AccessLog:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def record(self, entry: AccessRecord) -> bool:
        record = check_access_record(entry)
        text = record.to_json()
        with self._s._write() as db:
            added = db.execute(
                "INSERT OR IGNORE INTO access_log (id, ts, viewer_id, customer_id, doc) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record.id,
                    time_key(record.occurred_at),
                    record.viewer_id,
                    record.customer_id,
                    text,
                ),
            ).rowcount
            if added:
                return True
            doc = db.execute("SELECT doc FROM access_log WHERE id = ?", (record.id,)).fetchone()[0]
            if doc == text or same_content(_access_rows([(doc,)])[0], doc, record, text):
                return False
            raise access_conflict(record.id)

    def get(self, record_id: str) -> AccessRecord:
        row = self._s._one("SELECT doc FROM access_log WHERE id = ?", (record_id,))
        if row is None:
            raise NotFound("access record", record_id)
        return _access_rows([row])[0]

    def _page(self, column: str, owner: str, limit: int, cursor: str | None) -> Page[AccessRecord]:
        check_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        sql = f"SELECT ts, id, doc FROM access_log WHERE {column} = ?"
        params: list[Any] = [owner]
        if after is not None:
            sql += " AND (ts, id) > (?, ?)"
            params += [after[0], after[1]]
        sql += " ORDER BY ts, id LIMIT ?"
        params.append(limit + 1)
        rows = self._s._all(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor((rows[-1][0], rows[-1][1])) if more else None
        return Page(items=tuple(_access_rows(rows)), next_cursor=next_cursor)

    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        return self._page("customer_id", customer_id, limit, cursor)

    def for_viewer(
        self, viewer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        return self._page("viewer_id", viewer_id, limit, cursor)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[AccessRecord]]:
        lo, hi = check_range(start, end)
        check_chunk_size(chunk_size)
        return self._scan(lo, hi, chunk_size)

    def _scan(
        self, lo: int | None, hi: int | None, chunk_size: int
    ) -> Iterator[Sequence[AccessRecord]]:
        for rows in _scan_rows(self._s, "access_log", lo, hi, chunk_size):
            yield _access_rows(rows)

    def count(self) -> int:
        row = self._s._one("SELECT COUNT(*) FROM access_log", ())
        return int(row[0]) if row else 0


def _entry(doc: str) -> OutboxEntry:
    return OutboxEntry.model_validate_json(doc, context=_TRUSTED)


def _outbox_columns(e: OutboxEntry) -> dict[str, object]:
    return {
        "key": e.key,
        "version": e.version,
        "status": e.status.value,
        "created_ts": time_key(e.created_at),
        "not_before_ts": None if e.not_before is None else time_key(e.not_before),
        "due_ts": time_key(e.not_before or e.created_at),
        "lease_ts": None if e.lease_until is None else time_key(e.lease_until),
        "customer_id": e.customer_id,
        "case_id": e.case_id,
        "doc": e.to_json(),
    }


class _Outbox:
    def __init__(self, store: SQLiteStore) -> None:
        self._s = store

    def add(self, entry: OutboxEntry) -> bool:
        new = check_new_entry(entry)
        with self._s._write() as db:
            row = db.execute("SELECT doc FROM outbox WHERE key = ?", (new.key,)).fetchone()
            if row is not None:
                changed = message_changed(_entry(row[0]), new)
                if changed:
                    raise message_conflict(new.key, changed, on_add=True)
                return False
            values = _outbox_columns(new.model_copy(update={"version": 1}))
            db.execute(
                f"INSERT INTO outbox ({', '.join(values)}) VALUES ({_marks(len(values))})",
                list(values.values()),
            )
            return True

    def get(self, key: str) -> OutboxEntry:
        row = self._s._one("SELECT doc FROM outbox WHERE key = ?", (key,))
        if row is None:
            raise NotFound("outbox entry", key)
        return _entry(row[0])

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        given = check_outbox_entry(entry)
        with self._s._write() as db:
            row = db.execute(
                "SELECT version, doc FROM outbox WHERE key = ?", (given.key,)
            ).fetchone()
            if row is None:
                raise NotFound("outbox entry", given.key)
            stored = int(row[0])
            if given.version != stored:
                raise stale_version("outbox entry", given.key, given.version, stored)
            changed = message_changed(_entry(row[1]), given)
            if changed:
                raise message_conflict(given.key, changed, on_add=False)
            new = given.model_copy(update={"version": given.version + 1})
            values = _outbox_columns(new)
            sets = ", ".join(f"{c} = ?" for c in values if c != "key")
            db.execute(
                f"UPDATE outbox SET {sets} WHERE key = ?",
                [v for c, v in values.items() if c != "key"] + [new.key],
            )
            return new

    def due(self, now: datetime, *, limit: int = 100) -> list[OutboxEntry]:
        at = check_moment("now", now, "outbox due")
        check_limit(limit)
        rows = self._s._all(
            "SELECT due_ts, key, doc FROM outbox WHERE status = 'pending' "
            "AND (not_before_ts IS NULL OR not_before_ts <= ?) "
            "UNION ALL "
            "SELECT due_ts, key, doc FROM outbox WHERE status = 'sending' AND lease_ts <= ? "
            "ORDER BY 1, 2 LIMIT ?",
            (at, at, limit),
        )
        return [_entry(r[2]) for r in rows]

    def for_customer(self, customer_id: str) -> list[OutboxEntry]:
        rows = self._s._all(
            "SELECT doc FROM outbox WHERE customer_id = ? ORDER BY created_ts, key",
            (customer_id,),
        )
        return [_entry(r[0]) for r in rows]

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        lo, hi = check_range(start, end)
        check_chunk_size(chunk_size)
        return self._scan(lo, hi, chunk_size)

    def _scan(
        self, lo: int | None, hi: int | None, chunk_size: int
    ) -> Iterator[Sequence[OutboxEntry]]:
        """One query per chunk on ``ix_outbox_created``, resumed after the last
        ``(created_ts, key)`` returned (keyset pagination, never OFFSET)."""
        after: tuple[int, str] | None = None
        while True:
            sql = "SELECT created_ts, key, doc FROM outbox WHERE 1"
            params: list[Any] = []
            if after is not None:
                sql += " AND (created_ts, key) > (?, ?)"
                params += [after[0], after[1]]
            elif lo is not None:
                sql += " AND created_ts >= ?"
                params.append(lo)
            if hi is not None:
                sql += " AND created_ts < ?"
                params.append(hi)
            sql += " ORDER BY created_ts, key LIMIT ?"
            params.append(chunk_size)
            rows = self._s._all(sql, params)
            if not rows:
                return
            yield [_entry(r[2]) for r in rows]
            if len(rows) < chunk_size:
                return
            after = (rows[-1][0], rows[-1][1])

    def count(self, status: OutboxStatus | str | None = None) -> int:
        if status is None:
            row = self._s._one("SELECT COUNT(*) FROM outbox", ())
        else:
            wanted = check_outbox_status(status)
            row = self._s._one("SELECT COUNT(*) FROM outbox WHERE status = ?", (wanted.value,))
        return int(row[0]) if row else 0


class SQLiteStore:
    """The storage contract in a SQLite database file.

    ``path`` is a file path (created with its schema if missing) or
    ``":memory:"``. ``timeout`` is how many seconds a write waits for another
    process's write to finish before giving up with ``StoreError``.
    Open one directly or with ``open_store("sqlite:///path/to.db")``.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._checkpoint_due = False
        self._closed = False
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open SQLite database path={self.path!r}: {exc}") from exc
        try:
            self._configure()
            self._migrate()
        except BaseException:
            self._db.close()
            raise
        self._customers = _Customers(self)
        self._cases = _Cases(self)
        self._interactions = _Interactions(self)
        self._merges = _Merges(self)
        self._suggestions = _Suggestions(self)
        self._access_log = _AccessLog(self)
        self._outbox = _Outbox(self)

    @classmethod
    def from_url(cls, url: str) -> SQLiteStore:
        """Open ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or
        ``sqlite:///:memory:`` (the entry point ``open_store`` uses)."""
        return cls(_path_from_url(url))

    def _configure(self) -> None:
        try:
            if self.path != ":memory:":
                mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()
                if mode is None or str(mode[0]).lower() != "wal":
                    raise StoreError(f"cannot switch {self.path!r} to WAL journaling")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.execute("PRAGMA cache_size = -65536")
            self._db.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use SQLite database path={self.path!r}: {exc}") from exc

    def _migrate(self) -> None:
        with self._write() as db:
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            if current > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"database path={self.path!r} has schema version {current}, newer than "
                    f"{SCHEMA_VERSION} which this omnicontext writes; upgrade omnicontext"
                )
            for version in range(current, SCHEMA_VERSION):
                for statement in _MIGRATIONS[version]:
                    db.execute(statement)
            if current != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        row = self._one("PRAGMA user_version", ())
        return int(row[0]) if row else 0

    # -- the Store protocol -------------------------------------------------

    @property
    def customers(self) -> _Customers:
        """Customer documents."""
        return self._customers

    @property
    def cases(self) -> _Cases:
        """Case documents."""
        return self._cases

    @property
    def interactions(self) -> _Interactions:
        """The interaction log."""
        return self._interactions

    @property
    def merges(self) -> _Merges:
        """Merge records."""
        return self._merges

    @property
    def suggestions(self) -> _Suggestions:
        """Merge suggestions."""
        return self._suggestions

    @property
    def access_log(self) -> _AccessLog:
        """The access audit trail."""
        return self._access_log

    @property
    def outbox(self) -> _Outbox:
        """The notification outbox."""
        return self._outbox

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside land together or not at all; nested blocks join the outer one."""
        with self._write():
            yield

    def erase_customer(self, customer_id: str) -> ErasureReport:
        """Remove every record of a customer in one transaction (see the protocol).

        With ``secure_delete`` the freed pages are overwritten, and outside an
        enclosing transaction the WAL is checkpointed so no copy lingers there.
        """
        with self._lock:
            return self._erase(customer_id)

    def _erase(self, customer_id: str) -> ErasureReport:
        outermost = self._depth == 0
        asked = customer_id
        with self._write() as db:
            seen = {customer_id}
            while True:  # the profile standing for the id: follow merged_into
                row = db.execute(
                    "SELECT merged_into FROM customers WHERE id = ?", (customer_id,)
                ).fetchone()
                if row is None or row[0] is None or row[0] in seen:
                    break
                customer_id = row[0]
                seen.add(customer_id)
            doomed_ids = [customer_id]
            for current in doomed_ids:  # grows as merged profiles are found
                doomed_ids.extend(
                    r[0]
                    for r in db.execute(
                        "SELECT id FROM customers WHERE merged_into = ? ORDER BY id", (current,)
                    ).fetchall()
                    if r[0] not in doomed_ids
                )
            reports = [self._erase_one(db, cid) for cid in doomed_ids]
            merges = suggestions = 0
            for part in _chunks(doomed_ids):
                marks = _marks(len(part))
                merges += db.execute(
                    f"DELETE FROM merges WHERE survivor_id IN ({marks}) "
                    f"OR absorbed_id IN ({marks})",
                    [*part, *part],
                ).rowcount
                suggestions += db.execute(
                    f"DELETE FROM suggestions WHERE customer_a IN ({marks}) "
                    f"OR customer_b IN ({marks})",
                    [*part, *part],
                ).rowcount
        if outermost and self.path != ":memory:":
            self._one("PRAGMA wal_checkpoint(TRUNCATE)", ())
        elif not outermost:
            self._checkpoint_due = True  # when the enclosing transaction commits
        return ErasureReport(
            customer_id=asked,
            customers=sum(r.customers for r in reports),
            identities=sum(r.identities for r in reports),
            cases=sum(r.cases for r in reports),
            interactions=sum(r.interactions for r in reports),
            merges=merges,
            suggestions=suggestions,
            notifications=sum(r.notifications for r in reports),
        )

    def _erase_one(self, db: sqlite3.Connection, customer_id: str) -> ErasureReport:
        found = db.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
        case_ids = [
            r[0] for r in db.execute("SELECT id FROM cases WHERE customer_id = ?", (customer_id,))
        ]
        sole_keys = [
            r[0]
            for r in db.execute(
                "SELECT key FROM customer_identities WHERE customer_id = ? AND key NOT IN "
                "(SELECT key FROM customer_identities WHERE customer_id != ?)",
                (customer_id, customer_id),
            )
        ]
        identities = db.execute(
            "SELECT COUNT(*) FROM customer_identities WHERE customer_id = ?", (customer_id,)
        ).fetchone()[0]
        removed = db.execute(
            "DELETE FROM interactions WHERE customer_id = ?", (customer_id,)
        ).rowcount
        for part in _chunks(case_ids):
            removed += db.execute(
                f"DELETE FROM interactions WHERE case_id IN ({_marks(len(part))})", part
            ).rowcount
        for part in _chunks(sole_keys):
            removed += db.execute(
                "DELETE FROM interactions WHERE customer_id IS NULL AND identity_key IN "
                f"({_marks(len(part))})",
                part,
            ).rowcount
        notices = db.execute("DELETE FROM outbox WHERE customer_id = ?", (customer_id,)).rowcount
        for part in _chunks(case_ids):
            notices += db.execute(
                f"DELETE FROM outbox WHERE case_id IN ({_marks(len(part))})", part
            ).rowcount
        db.execute("DELETE FROM cases WHERE customer_id = ?", (customer_id,))
        db.execute("DELETE FROM customer_identities WHERE customer_id = ?", (customer_id,))
        db.execute("DELETE FROM customers WHERE id = ?", (customer_id,))
        return ErasureReport(
            customer_id=customer_id,
            customers=int(found is not None),
            identities=int(identities),
            cases=len(case_ids),
            interactions=removed,
            merges=0,
            suggestions=0,
            notifications=notices,
        )

    def close(self) -> None:
        """Close the connection; later use raises ``StoreError``. Safe to call twice."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store path={self.path!r} is closed")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), or a savepoint in the open one.

        Inside an open transaction each write is still all-or-nothing: a call
        that raises is rolled back to its savepoint, so a caller who catches the
        error keeps the rest of the outer transaction intact.
        """
        with self._lock:
            self._check_open()
            if self._depth:
                savepoint = f"w{self._depth}"
                self._depth += 1
                try:
                    self._db.execute(f"SAVEPOINT {savepoint}")
                    try:
                        yield self._db
                    except BaseException:
                        if self._db.in_transaction:
                            self._db.execute(f"ROLLBACK TO {savepoint}")
                            self._db.execute(f"RELEASE {savepoint}")
                        raise
                    self._db.execute(f"RELEASE {savepoint}")
                finally:
                    self._depth -= 1
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot start a write on path={self.path!r}: {exc}") from exc
            self._depth = 1
            try:
                yield self._db
            except sqlite3.Error as exc:
                self._abort()
                raise StoreError(f"SQLite error on path={self.path!r}: {exc}") from exc
            except BaseException:
                self._abort()
                raise
            self._depth = 0
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._abort()
                raise StoreError(f"commit failed on path={self.path!r}: {exc}") from exc
            if self._checkpoint_due:
                # An erasure committed inside this transaction: leave no copy
                # of the erased rows in the write-ahead log.
                self._checkpoint_due = False
                if self.path != ":memory:":
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _abort(self) -> None:
        self._depth = 0
        self._checkpoint_due = False
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _one(self, sql: str, params: Sequence[Any]) -> Any:
        with self._lock:
            self._check_open()
            try:
                return self._db.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite error on path={self.path!r}: {exc}") from exc

    def _all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        with self._lock:
            self._check_open()
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite error on path={self.path!r}: {exc}") from exc

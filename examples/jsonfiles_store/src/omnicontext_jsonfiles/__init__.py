"""An omnicontext store that keeps everything in plain JSON files.

A worked example of a third-party storage adapter: it implements the whole
:class:`omnicontext.storage.Store` protocol with nothing but the standard
library and omnicontext's public API, and passes the conformance kit
(:class:`omnicontext.testing.StoreContract`). Read it top to bottom; copy what
you need.

A store is one directory::

    support/
      .lock                          flock()ed while anyone reads or writes
      customers/<name>.json          one document per customer, replaced atomically
      cases/<name>.json              one document per case
      interactions/<name>.jsonl      one append-only JSON Lines log per customer
      interactions/_no_customer.jsonl   interactions not resolved to a customer yet
      merges/<name>.json             one document per merge record
      suggestions/<name>.json        one document per merge suggestion
      access/<name>.json             one access record per file, written once, never erased
      outbox/<name>.json             one outbox entry per idempotency key

>>> import tempfile
>>> from omnicontext.model import Customer
>>> with tempfile.TemporaryDirectory() as tmp, JsonFilesStore(tmp) as store:
...     saved = store.customers.save(Customer(id="cus_1", display_name="Ada"))
...     saved.version, store.customers.get("cus_1").display_name
(1, 'Ada')

Trade-offs, chosen to keep the code short and obviously right:

* Every call reads the files it needs; there is no cache and no index. Fine for
  thousands of records, not for millions.
* One lock for the whole directory: readers and writers take turns.
* A transaction keeps its undo information in memory. An exception leaving the
  block restores every file it touched, but a crash half-way through a write
  that spans several files can leave part of it on disk; a production adapter
  writes its undo journal to disk first. The writes spanning several files
  order their steps so that a crash loses nothing: ``reassign`` appends the
  new copy before dropping the old line (a crash in between leaves the record
  in both logs, never in neither), and an erasure cut short is finished by
  running it again.
* POSIX only (``fcntl``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import heapq
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Self, TypeVar
from urllib.parse import unquote, urlsplit

from omnicontext.errors import ConflictError, FieldError, InvalidInput, NotFound, StoreError
from omnicontext.model import (
    AccessRecord,
    Case,
    Customer,
    Identity,
    Interaction,
    InteractionBase,
    MergeRecord,
    MergeSuggestion,
    OutboxEntry,
    OutboxStatus,
    SuggestionStatus,
    parse_interaction_json,
)
from omnicontext.storage import AppendResult, ErasureReport, Page

if TYPE_CHECKING:
    from omnicontext.storage import Store

__all__ = ["JsonFilesStore"]

MAX_LIMIT = 10_000
"""The largest page or scan chunk accepted (the same bound the built-in stores use)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Key = tuple[int, str]  # (microseconds since the epoch, id): the order of every timeline
_ID = re.compile(
    r"\S(?:.*\S)?"
)  # the model's id rule (fullmatch): no white space at the ends, one line
D = TypeVar("D", Customer, Case, MergeRecord, MergeSuggestion)
# Read access records and outbox entries back without the channel-registry
# check: they were validated when written, perhaps by a program that had
# registered a channel this one has not.
_TRUSTED = {"channels": None}
T = TypeVar("T")


# -- small helpers: ordering, cursors, argument checks, file names -------------


def _micros(moment: datetime) -> int:
    """One number per instant, whatever its UTC offset, so 10:00+01:00 == 09:00Z."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _key(item: Interaction) -> _Key:
    return _micros(item.occurred_at), item.id


def _suggestion_key(suggestion: MergeSuggestion) -> _Key:
    return _micros(suggestion.created_at), suggestion.id


def _access_key(record: AccessRecord) -> _Key:
    return _micros(record.occurred_at), record.id


def _created_key(entry: OutboxEntry) -> _Key:
    """The order of ``outbox.for_customer`` and ``outbox.scan``: creation, then key."""
    return _micros(entry.created_at), entry.key


def _due_key(entry: OutboxEntry) -> _Key:
    """The order ``outbox.due`` hands entries out in: when each may go, then key."""
    return _micros(entry.not_before or entry.created_at), entry.key


def _invalid(subject: str, field: str, value: object, reason: str) -> InvalidInput:
    return InvalidInput(subject, [FieldError(field, value, reason)])


def _check_size(subject: str, field: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise _invalid(subject, field, value, f"must be an integer 1..{MAX_LIMIT}")


def _check_bound(field: str, moment: datetime | None, subject: str = "scan") -> int | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise _invalid(subject, field, moment, "a timezone-aware datetime is required")
    return _micros(moment)


def _check_range(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    lo, hi = _check_bound("start", start), _check_bound("end", end)
    if lo is not None and hi is not None and hi < lo:
        raise _invalid("scan", "end", end, "is before start")
    return lo, hi


def _encode_cursor(key: _Key) -> str:
    """Cursors are opaque to callers: the (time, id) of the last item, base64'd."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode_cursor(cursor: str) -> _Key:
    with contextlib.suppress(ValueError, binascii.Error, AttributeError):
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(value, list) and len(value) == 2:
            micros, item_id = value
            if isinstance(micros, int) and isinstance(item_id, str):
                return micros, item_id
    raise _invalid("page request", "cursor", cursor, "not a cursor this store produced")


def _page(
    items: Iterable[T],
    key: Callable[[T], _Key],
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> Page[T]:
    """One page of ``items`` in (time, id) order, starting just past ``cursor``.

    heapq keeps only ``limit + 1`` records in memory; the extra one tells us
    whether another page follows.
    """
    _check_size("page request", "limit", limit)
    after = None if cursor is None else _decode_cursor(cursor)
    if newest_first:
        wanted = (i for i in items if after is None or key(i) < after)
        chosen = heapq.nlargest(limit + 1, wanted, key=key)
    else:
        wanted = (i for i in items if after is None or key(i) > after)
        chosen = heapq.nsmallest(limit + 1, wanted, key=key)
    more = len(chosen) > limit
    chosen = chosen[:limit]
    return Page(items=tuple(chosen), next_cursor=_encode_cursor(key(chosen[-1])) if more else None)


def _check_ids(ids: Iterable[str]) -> list[str]:
    """The ids given to ``reassign``, repeats dropped. A lone string is refused:
    ``reassign("m1", ...)`` is a slip for ``reassign(["m1"], ...)``."""
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise _invalid("reassign", "interaction_ids", ids, "expected an iterable of ids")
    unique: dict[str, None] = {}  # a dict keeps the caller's order
    for item in ids:
        if not isinstance(item, str):
            raise _invalid("reassign", "interaction_ids", item, "expected a string id")
        unique[item] = None
    return list(unique)


def _check_customer_ref(customer_id: str | None) -> None:
    if customer_id is not None and not (
        isinstance(customer_id, str) and len(customer_id) <= 256 and _ID.fullmatch(customer_id)
    ):
        raise _invalid("reassign", "customer_id", customer_id, "expected None or a customer id")


def _check_status(status: SuggestionStatus | str) -> SuggestionStatus:
    try:
        return SuggestionStatus(status)
    except ValueError:
        known = ", ".join(s.value for s in SuggestionStatus)
        raise _invalid("suggestion count", "status", status, f"expected one of {known}") from None


def _same_content(stored: Interaction, incoming: Interaction) -> bool:
    """Whether appending ``incoming`` under an id already held repeats ``stored``.

    Equal models are the same content (``==`` also equates one instant written
    in two UTC offsets). ``customer_id`` does not count: ``reassign`` (a merge,
    a claimed identifier) may have changed it since, and re-importing the file
    a record came from must not conflict.
    """
    if stored.to_json() == incoming.to_json() or stored == incoming:
        return True
    if stored.customer_id != incoming.customer_id:
        return stored.model_copy(update={"customer_id": None}) == incoming.model_copy(
            update={"customer_id": None}
        )
    return False


def _file_name(record_id: str, suffix: str) -> str:
    """A safe file name for any id.

    Ids may contain ``/``, be 256 CJK characters long, or differ only in case
    (which a case-insensitive file system would merge), so the name is a
    readable prefix plus a hash of the exact id. The id itself lives in the file.
    """
    readable = re.sub(r"[^A-Za-z0-9_]", "_", record_id)[:48]
    return f"{readable}-{hashlib.sha256(record_id.encode()).hexdigest()[:16]}{suffix}"


# -- customers, cases, merges, suggestions: one JSON document per file ---------


class _Documents(Generic[D]):
    """What every document shares: get, save with optimistic versions, list."""

    def __init__(self, store: JsonFilesStore, model: type[D], folder: str, kind: str) -> None:
        self._s: JsonFilesStore = store
        self._model: type[D] = model
        self._kind: str = kind  # "customer", "case", "merge", "suggestion": used in errors
        self._folder: Path = store.path / folder

    def _path(self, doc_id: str) -> Path:
        return self._folder / _file_name(doc_id, ".json")

    def _find(self, doc_id: str) -> D | None:
        path = self._path(doc_id)
        return self._model.parse_json(path.read_bytes()) if path.exists() else None

    def _all(self) -> Iterator[D]:
        for path in sorted(self._folder.glob("*.json")):
            yield self._model.parse_json(path.read_bytes())

    def _get(self, doc_id: str) -> D:
        with self._s._locked():
            found = self._find(doc_id)
        if found is None:
            raise NotFound(self._kind, doc_id)
        return found

    def _save(self, doc: D) -> D:
        if not isinstance(doc, self._model):
            expected = f"expected a {self._model.__name__}"
            raise _invalid(self._kind, self._kind, type(doc).__name__, expected)
        with self._s._locked():  # read the version and write under one lock
            stored = self._find(doc.id)
            stored_version = 0 if stored is None else stored.version  # 0: not stored yet
            if doc.version != stored_version:
                raise ConflictError(
                    f"{self._kind} {doc.id!r} has version {doc.version} but the stored one has "
                    f"{stored_version}: someone else saved it; reload it and apply the change "
                    "again",
                    kind=self._kind,
                    id=doc.id,
                )
            new: D = doc.model_copy(update={"version": doc.version + 1})
            self._s._replace(self._path(doc.id), new.to_json().encode())
            return new

    def _remove(self, doc_id: str) -> None:
        self._s._replace(self._path(doc_id), None)

    def _count(self) -> int:
        with self._s._locked():
            return sum(1 for _ in self._folder.glob("*.json"))


class _Customers(_Documents[Customer]):
    def get(self, customer_id: str) -> Customer:
        return self._get(customer_id)

    def save(self, customer: Customer) -> Customer:
        return self._save(customer)

    def find_by_identity(self, identity: Identity | str) -> list[Customer]:
        key = identity.key if isinstance(identity, Identity) else identity
        with self._s._locked():
            found = [c for c in self._all() if any(i.key == key for i in c.identities)]
        return sorted(found, key=lambda c: c.id)

    def count(self) -> int:
        return self._count()

    def scan(self, *, chunk_size: int = 1000) -> Iterator[Sequence[Customer]]:
        _check_size("scan", "chunk_size", chunk_size)  # now, not at the first next()
        return self._scan(chunk_size)

    def _scan(self, chunk_size: int) -> Iterator[list[Customer]]:
        """Like the interaction scan: each chunk is the next ``chunk_size``
        customers by id, read under the lock, which is released between chunks."""
        after: str | None = None
        while True:
            with self._s._locked():
                wanted = (c for c in self._all() if after is None or c.id > after)
                chunk = heapq.nsmallest(chunk_size, wanted, key=lambda c: c.id)
            if not chunk:
                return
            yield chunk
            if len(chunk) < chunk_size:
                return
            after = chunk[-1].id


class _Cases(_Documents[Case]):
    def get(self, case_id: str) -> Case:
        return self._get(case_id)

    def save(self, case: Case) -> Case:
        return self._save(case)

    def for_customer(self, customer_id: str) -> list[Case]:
        with self._s._locked():
            found = [c for c in self._all() if c.customer_id == customer_id]
        return sorted(found, key=lambda c: c.id)


class _Merges(_Documents[MergeRecord]):
    def get(self, merge_id: str) -> MergeRecord:
        return self._get(merge_id)

    def save(self, record: MergeRecord) -> MergeRecord:
        return self._save(record)

    def for_customer(self, customer_id: str) -> list[MergeRecord]:
        with self._s._locked():
            found = [m for m in self._all() if customer_id in m.customer_ids]
        return sorted(found, key=lambda m: (_micros(m.merged_at), m.id))

    def count(self) -> int:
        return self._count()


class _Suggestions(_Documents[MergeSuggestion]):
    def get(self, suggestion_id: str) -> MergeSuggestion:
        return self._get(suggestion_id)

    def save(self, suggestion: MergeSuggestion) -> MergeSuggestion:
        return self._save(suggestion)

    def for_customer(self, customer_id: str) -> list[MergeSuggestion]:
        with self._s._locked():
            found = [s for s in self._all() if customer_id in s.customer_ids]
        return sorted(found, key=_suggestion_key)

    def pending(self, *, limit: int = 100, cursor: str | None = None) -> Page[MergeSuggestion]:
        with self._s._locked():
            waiting = (s for s in self._all() if s.status is SuggestionStatus.PENDING)
            return _page(waiting, _suggestion_key, limit, cursor)

    def count(self, status: SuggestionStatus | str | None = None) -> int:
        if status is None:
            return self._count()
        wanted = _check_status(status)
        with self._s._locked():
            return sum(1 for s in self._all() if s.status is wanted)


# -- interactions: one append-only JSON Lines log per customer -----------------


class _Interactions:
    def __init__(self, store: JsonFilesStore) -> None:
        self._s = store

    def append(self, interaction: Interaction) -> bool:
        return self.append_many([interaction]).added == 1

    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        batch = list(interactions)
        for item in batch:
            if not isinstance(item, InteractionBase):
                reason = "expected an Interaction model; parse dicts with parse_interaction()"
                raise _invalid("interaction", "interaction", type(item).__name__, reason)
        ids = {item.id for item in batch}
        # A transaction because the batch may touch several customers' logs.
        with self._s.transaction():
            seen = {i.id: i for i in self._s._all_interactions() if i.id in ids}
            fresh: list[Interaction] = []
            duplicates = 0
            # Check the whole batch before writing anything: one conflict, no write.
            for item in batch:
                previous = seen.get(item.id)
                if previous is None:
                    seen[item.id] = item
                    fresh.append(item)
                elif _same_content(previous, item):
                    duplicates += 1
                else:
                    raise ConflictError(
                        f"interaction {item.id!r} already exists with different content; "
                        "interactions are immutable, so a correction needs a new id",
                        kind="interaction",
                        id=item.id,
                    )
            lines: dict[Path, list[str]] = {}
            for item in fresh:
                lines.setdefault(self._s._log_path(item.customer_id), []).append(item.to_json())
            for path, new_lines in lines.items():
                self._s._append(path, new_lines)
        return AppendResult(added=len(fresh), duplicates=duplicates)

    def get(self, interaction_id: str) -> Interaction:
        with self._s._locked():
            found = next((i for i in self._s._all_interactions() if i.id == interaction_id), None)
        if found is None:
            raise NotFound("interaction", interaction_id)
        return found

    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        with self._s._locked():  # a customer's interactions all live in their own log
            log = (item for _, item in self._s._read_log(self._s._log_path(customer_id)))
            return _page(log, _key, limit, cursor, newest_first)

    def case_timeline(
        self,
        case_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        with self._s._locked():  # a case can span several logs: read them all
            items = (i for i in self._s._all_interactions() if i.case_id == case_id)
            return _page(items, _key, limit, cursor, newest_first)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[Interaction]]:
        # Check the arguments now, not when the caller first iterates.
        lo, hi = _check_bound("start", start), _check_bound("end", end)
        if lo is not None and hi is not None and hi < lo:
            raise _invalid("scan", "end", end, "is before start")
        _check_size("scan", "chunk_size", chunk_size)
        return self._scan(lo, hi, chunk_size)

    def _scan(
        self, lo: int | None, hi: int | None, chunk_size: int
    ) -> Iterator[list[Interaction]]:
        """Each chunk is the next ``chunk_size`` records after the last one yielded.

        Memory stays bounded by one chunk, and the lock is released between
        chunks, so a long report does not stop the helpdesk writing.
        """
        after: _Key | None = None
        while True:
            with self._s._locked():
                wanted = (
                    i
                    for i in self._s._all_interactions()
                    if (lo is None or _micros(i.occurred_at) >= lo)
                    and (hi is None or _micros(i.occurred_at) < hi)
                    and (after is None or _key(i) > after)
                )
                chunk = heapq.nsmallest(chunk_size, wanted, key=_key)
            if not chunk:
                return
            yield chunk
            if len(chunk) < chunk_size:
                return
            after = _key(chunk[-1])

    def count(self) -> int:
        with self._s._locked():
            return sum(1 for _ in self._s._all_interactions())

    def reassign(self, interaction_ids: Iterable[str], customer_id: str | None) -> int:
        """Move interactions to ``customer_id``'s log (``None``: the unresolved one).

        The one change ever made to a stored interaction. All or nothing: an
        unknown id raises ``NotFound`` before anything is written.
        """
        ids = _check_ids(interaction_ids)
        _check_customer_ref(customer_id)
        wanted = set(ids)
        # A transaction because a move rewrites one log and appends to another.
        with self._s.transaction():
            found: dict[str, tuple[Path, Interaction]] = {}
            for path in self._s._log_paths():
                for _, item in self._s._read_log(path):
                    if item.id in wanted:
                        found[item.id] = (path, item)
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFound("interaction", missing[0])
            moving = [
                (path, item) for path, item in found.values() if item.customer_id != customer_id
            ]
            if not moving:
                return 0
            # The new copies first, then the old lines: a crash in between
            # leaves a record in two logs, never in none.
            moved = [item.model_copy(update={"customer_id": customer_id}) for _, item in moving]
            self._s._append(self._s._log_path(customer_id), [item.to_json() for item in moved])
            gone = {item.id for item in moved}
            for path in sorted({path for path, _ in moving}):
                kept = [line for line, item in self._s._read_log(path) if item.id not in gone]
                self._s._replace(path, b"".join(kept) or None)
            return len(moved)

    def unresolved(
        self, identity_key: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Interaction]:
        with self._s._locked():  # unresolved interactions all live in one log
            log = (
                item
                for _, item in self._s._read_log(self._s._log_path(None))
                if item.identity is not None and item.identity.key == identity_key
            )
            return _page(log, _key, limit, cursor)


# -- the access log: one file per record, written once -------------------------


class _AccessLog:
    """Who looked at a customer's context. A record is written once and never
    changed; erasure leaves it (it holds ids and field names, no content)."""

    def __init__(self, store: JsonFilesStore) -> None:
        self._s = store
        self._folder = store.path / "access"

    def _path(self, record_id: str) -> Path:
        return self._folder / _file_name(record_id, ".json")

    def _all(self) -> Iterator[AccessRecord]:
        for path in sorted(self._folder.glob("*.json")):
            yield AccessRecord.parse_json(path.read_bytes(), context=_TRUSTED)

    def record(self, entry: AccessRecord) -> bool:
        if not isinstance(entry, AccessRecord):
            reason = "expected an AccessRecord; parse dicts with AccessRecord.parse()"
            raise _invalid("access record", "access record", type(entry).__name__, reason)
        with self._s._locked():
            path = self._path(entry.id)
            if path.exists():
                stored = AccessRecord.parse_json(path.read_bytes(), context=_TRUSTED)
                if stored.to_json() == entry.to_json() or stored == entry:
                    return False  # the same look, recorded again
                raise ConflictError(
                    f"access record {entry.id!r} already exists with different content; "
                    "the access log is append-only",
                    kind="access record",
                    id=entry.id,
                )
            self._s._replace(path, entry.to_json().encode())
            return True

    def get(self, record_id: str) -> AccessRecord:
        with self._s._locked():
            path = self._path(record_id)
            if not path.exists():
                raise NotFound("access record", record_id)
            return AccessRecord.parse_json(path.read_bytes(), context=_TRUSTED)

    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        with self._s._locked():
            theirs = (r for r in self._all() if r.customer_id == customer_id)
            return _page(theirs, _access_key, limit, cursor)

    def for_viewer(
        self, viewer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        with self._s._locked():
            theirs = (r for r in self._all() if r.viewer_id == viewer_id)
            return _page(theirs, _access_key, limit, cursor)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[AccessRecord]]:
        lo, hi = _check_range(start, end)
        _check_size("scan", "chunk_size", chunk_size)
        return self._scan(lo, hi, chunk_size)

    def _scan(
        self, lo: int | None, hi: int | None, chunk_size: int
    ) -> Iterator[list[AccessRecord]]:
        after: _Key | None = None
        while True:  # as the interaction scan: one chunk per lock
            with self._s._locked():
                wanted = (
                    r
                    for r in self._all()
                    if (lo is None or _micros(r.occurred_at) >= lo)
                    and (hi is None or _micros(r.occurred_at) < hi)
                    and (after is None or _access_key(r) > after)
                )
                chunk = heapq.nsmallest(chunk_size, wanted, key=_access_key)
            if not chunk:
                return
            yield chunk
            if len(chunk) < chunk_size:
                return
            after = _access_key(chunk[-1])

    def count(self) -> int:
        with self._s._locked():
            return sum(1 for _ in self._folder.glob("*.json"))


# -- the outbox: one file per idempotency key ----------------------------------


class _Outbox:
    """Notifications to deliver. The message of an entry never changes; its
    status, attempts and lease move on under optimistic versions."""

    def __init__(self, store: JsonFilesStore) -> None:
        self._s = store
        self._folder = store.path / "outbox"

    def _path(self, key: str) -> Path:
        return self._folder / _file_name(key, ".json")

    def _find(self, key: str) -> OutboxEntry | None:
        path = self._path(key)
        return (
            OutboxEntry.parse_json(path.read_bytes(), context=_TRUSTED) if path.exists() else None
        )

    def _all(self) -> Iterator[OutboxEntry]:
        for path in sorted(self._folder.glob("*.json")):
            yield OutboxEntry.parse_json(path.read_bytes(), context=_TRUSTED)

    def _check(self, entry: OutboxEntry) -> None:
        if not isinstance(entry, OutboxEntry):
            reason = "expected an OutboxEntry; parse dicts with OutboxEntry.parse()"
            raise _invalid("outbox entry", "outbox entry", type(entry).__name__, reason)

    def _message_changed(self, stored: OutboxEntry, entry: OutboxEntry, why: str) -> None:
        if not stored.same_message(entry):
            raise ConflictError(
                f"outbox entry {entry.key!r}: {why}", kind="outbox entry", id=entry.key
            )

    def add(self, entry: OutboxEntry) -> bool:
        self._check(entry)
        if entry.version != 0:
            raise _invalid("outbox entry", "version", entry.version, "a new entry has version 0")
        with self._s._locked():
            stored = self._find(entry.key)
            if stored is not None:
                # The same message again (whatever became of it) is a repeat.
                self._message_changed(stored, entry, "another message holds this key")
                return False
            new = entry.model_copy(update={"version": 1})
            self._s._replace(self._path(entry.key), new.to_json().encode())
            return True

    def get(self, key: str) -> OutboxEntry:
        with self._s._locked():
            found = self._find(key)
        if found is None:
            raise NotFound("outbox entry", key)
        return found

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        self._check(entry)
        with self._s._locked():  # read the version and write under one lock
            stored = self._find(entry.key)
            if stored is None:
                raise NotFound("outbox entry", entry.key)
            if entry.version != stored.version:
                raise ConflictError(
                    f"outbox entry {entry.key!r} has version {entry.version} but the stored "
                    f"one has {stored.version}: someone else saved it (another worker's "
                    "claim, say); reload it",
                    kind="outbox entry",
                    id=entry.key,
                )
            self._message_changed(stored, entry, "the message fields never change")
            new = entry.model_copy(update={"version": entry.version + 1})
            self._s._replace(self._path(entry.key), new.to_json().encode())
            return new

    def due(self, now: datetime, *, limit: int = 100) -> list[OutboxEntry]:
        at = _check_bound("now", now, "outbox due")
        if at is None:  # None is not a time either
            raise _invalid("outbox due", "now", now, "a timezone-aware datetime is required")
        _check_size("outbox due", "limit", limit)

        def is_due(e: OutboxEntry) -> bool:
            if e.status is OutboxStatus.PENDING:
                return e.not_before is None or _micros(e.not_before) <= at
            # A claim whose lease ran out: its worker is presumed dead.
            return (
                e.status is OutboxStatus.SENDING
                and e.lease_until is not None
                and _micros(e.lease_until) <= at
            )

        with self._s._locked():
            return heapq.nsmallest(limit, filter(is_due, self._all()), key=_due_key)

    def for_customer(self, customer_id: str) -> list[OutboxEntry]:
        with self._s._locked():
            found = [e for e in self._all() if e.customer_id == customer_id]
        return sorted(found, key=_created_key)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        lo, hi = _check_range(start, end)
        _check_size("scan", "chunk_size", chunk_size)
        return self._scan(lo, hi, chunk_size)

    def _scan(
        self, lo: int | None, hi: int | None, chunk_size: int
    ) -> Iterator[list[OutboxEntry]]:
        """Entries of any status by (creation, key), as the access-log scan: one
        chunk per lock, each resumed after the last entry yielded. An entry's
        file holds its latest state, so a saved entry appears once, as saved."""
        after: _Key | None = None
        while True:
            with self._s._locked():
                wanted = (
                    e
                    for e in self._all()
                    if (lo is None or _micros(e.created_at) >= lo)
                    and (hi is None or _micros(e.created_at) < hi)
                    and (after is None or _created_key(e) > after)
                )
                chunk = heapq.nsmallest(chunk_size, wanted, key=_created_key)
            if not chunk:
                return
            yield chunk
            if len(chunk) < chunk_size:
                return
            after = _created_key(chunk[-1])

    def count(self, status: OutboxStatus | str | None = None) -> int:
        wanted = None
        if status is not None:
            try:
                wanted = OutboxStatus(status)
            except ValueError:
                known = ", ".join(s.value for s in OutboxStatus)
                raise _invalid(
                    "outbox count", "status", status, f"expected one of {known}"
                ) from None
        with self._s._locked():
            if wanted is None:
                return sum(1 for _ in self._folder.glob("*.json"))
            return sum(1 for e in self._all() if e.status is wanted)

    def _remove(self, key: str) -> None:
        self._s._replace(self._path(key), None)


# -- the store ------------------------------------------------------------------


class JsonFilesStore:
    """The storage contract kept in a directory of JSON files.

    Open one per directory and process, or several: every handle takes the
    directory lock, so handles in different threads or processes take turns.
    A transaction holds the lock until it ends, so keep transactions short, and
    do not open a second handle on the same directory inside one.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.path = Path(directory)
        for folder in (
            "customers",
            "cases",
            "interactions",
            "merges",
            "suggestions",
            "access",
            "outbox",
        ):
            (self.path / folder).mkdir(parents=True, exist_ok=True)
        # flock() excludes other handles and processes; the RLock excludes the
        # other threads of this handle (they share one descriptor, so one flock).
        self._lock_fd: int | None = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._thread_lock = threading.RLock()
        self._lock_depth = 0
        # Inside a transaction: each touched file's content before its first
        # change (None: the file did not exist). Outside one: None.
        self._undo: dict[Path, bytes | None] | None = None
        self._customers = _Customers(self, Customer, "customers", "customer")
        self._cases = _Cases(self, Case, "cases", "case")
        self._interactions = _Interactions(self)
        self._merges = _Merges(self, MergeRecord, "merges", "merge")
        self._suggestions = _Suggestions(self, MergeSuggestion, "suggestions", "suggestion")
        self._access_log = _AccessLog(self)
        self._outbox = _Outbox(self)

    @classmethod
    def from_url(cls, url: str) -> JsonFilesStore:
        """Open ``jsonfiles:///absolute/path/to/dir`` (what ``open_store`` calls)."""
        parts = urlsplit(url)
        if (
            parts.scheme != "jsonfiles"
            or parts.netloc not in ("", "localhost")
            or not parts.path.startswith("/")
            or parts.query
            or parts.fragment
        ):
            raise StoreError(f"expected jsonfiles:///absolute/path/to/dir, not url={url!r}")
        return cls(unquote(parts.path))

    # -- the Store protocol ---------------------------------------------------

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
        """Who looked at which customer's context."""
        return self._access_log

    @property
    def outbox(self) -> _Outbox:
        """Notifications waiting to be delivered."""
        return self._outbox

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside land together or not at all; nested blocks join the outer one."""
        with self._locked():
            if self._undo is not None:  # nested: the outermost block decides
                yield
                return
            undo: dict[Path, bytes | None] = {}
            self._undo = undo
            try:
                yield
            except BaseException:
                self._undo = None  # so restoring records nothing
                for path, content in undo.items():
                    self._replace(path, content)
                raise
            finally:
                self._undo = None

    def erase_customer(self, customer_id: str) -> ErasureReport:
        """Remove every record of a customer in one transaction (see the protocol).

        Their outbox entries go too; the access log keeps who looked at them.
        Profiles merged into the customer, directly or through another merged
        profile, are the same person and go too. The steps run so that a crash
        part-way can be finished by erasing again: whatever leads to a record
        (a customer document, its ``merged_into``, its identities) is deleted
        after the records it leads to, the customer's own document last.
        """
        with self.transaction():
            profiles = self._merged_family(self._person(customer_id))
            doomed = set(profiles)
            customers = [c for c in map(self._customers._find, profiles) if c is not None]
            case_ids = {c.id for c in self._cases._all() if c.customer_id in doomed}
            # An unresolved interaction is theirs only if no one else holds its identity.
            others = {
                i.key for c in self._customers._all() if c.id not in doomed for i in c.identities
            }
            sole = {i.key for c in customers for i in c.identities} - others

            def is_theirs(item: Interaction) -> bool:
                return (
                    item.customer_id in doomed
                    or item.case_id in case_ids
                    or (
                        item.customer_id is None
                        and item.identity is not None
                        and item.identity.key in sole
                    )
                )

            erased = 0
            for path in self._log_paths():
                lines = list(self._read_log(path))
                kept = [line for line, item in lines if not is_theirs(item)]
                if len(kept) < len(lines):
                    erased += len(lines) - len(kept)
                    # The one place a log is rewritten other than by reassign().
                    self._replace(path, b"".join(kept) or None)
            # Merge records and suggestions hold copies of the profiles' data.
            merges = [m.id for m in self._merges._all() if doomed & set(m.customer_ids)]
            for merge_id in merges:
                self._merges._remove(merge_id)
            suggestions = [s.id for s in self._suggestions._all() if doomed & set(s.customer_ids)]
            for suggestion_id in suggestions:
                self._suggestions._remove(suggestion_id)
            # Outbox entries hold addresses and message text. Access records
            # stay: ids and field names only, the trail of who looked.
            notices = [
                e.key
                for e in self._outbox._all()
                if e.customer_id in doomed or (e.case_id is not None and e.case_id in case_ids)
            ]
            for key in notices:
                self._outbox._remove(key)
            for case_id in case_ids:
                self._cases._remove(case_id)
            for customer in reversed(customers):  # merged profiles before the one they point at
                self._customers._remove(customer.id)
            return ErasureReport(
                customer_id=customer_id,
                customers=len(customers),
                identities=sum(len(c.identities) for c in customers),
                cases=len(case_ids),
                interactions=erased,
                merges=len(merges),
                suggestions=len(suggestions),
                notifications=len(notices),
            )

    def _person(self, customer_id: str) -> str:
        """The profile standing for ``customer_id``: follow ``merged_into``."""
        seen = {customer_id}
        current = self._customers._find(customer_id)
        while current is not None and current.merged_into is not None:
            if current.merged_into in seen:
                break  # a loop: stop rather than spin
            seen.add(current.merged_into)
            customer_id = current.merged_into
            current = self._customers._find(customer_id)
        return customer_id

    def _merged_family(self, customer_id: str) -> list[str]:
        """``customer_id``, then every profile merged into it, directly or through
        other merged profiles; each after the profile it was merged into."""
        merged_into: dict[str, list[str]] = {}
        for customer in self._customers._all():
            if customer.merged_into is not None:
                merged_into.setdefault(customer.merged_into, []).append(customer.id)
        family = [customer_id]
        for current in family:  # grows as merged profiles are found
            family.extend(sorted(set(merged_into.get(current, ())) - set(family)))
        return family

    def close(self) -> None:
        """Release the lock file; later use raises ``StoreError``. Closing twice is fine."""
        with self._thread_lock:
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # closing the descriptor also drops the flock
                self._lock_fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- locking and files ------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the directory lock; re-entrant, so a transaction can call anything."""
        with self._thread_lock:
            if self._lock_fd is None:
                raise StoreError(f"the store at {self.path} is closed")
            if self._lock_depth == 0:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _remember(self, path: Path) -> None:
        """Inside a transaction, keep a file's content from before its first change."""
        if self._undo is not None and path not in self._undo:
            self._undo[path] = path.read_bytes() if path.exists() else None

    def _replace(self, path: Path, content: bytes | None) -> None:
        """Write a whole file atomically, or delete it when ``content`` is None."""
        self._remember(path)
        if content is None:
            path.unlink(missing_ok=True)
            return
        tmp = path.with_name(path.name + ".tmp")  # one writer at a time: a fixed name is safe
        with tmp.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one

    def _append(self, path: Path, lines: Sequence[str]) -> None:
        """Append JSON lines to a log (JSON escapes newlines, so one record is one line)."""
        self._remember(path)
        with path.open("ab") as out:
            out.write("".join(line + "\n" for line in lines).encode())
            out.flush()
            os.fsync(out.fileno())

    def _log_path(self, customer_id: str | None) -> Path:
        name = "_no_customer.jsonl" if customer_id is None else _file_name(customer_id, ".jsonl")
        return self.path / "interactions" / name

    def _log_paths(self) -> list[Path]:
        return sorted((self.path / "interactions").glob("*.jsonl"))

    def _read_log(self, path: Path) -> Iterator[tuple[bytes, Interaction]]:
        """Each line of one log with the interaction it holds, in file order."""
        if path.exists():
            with path.open("rb") as log:  # binary: split on b"\n" only, never on U+2028
                for line in log:
                    if line.strip():
                        yield line, parse_interaction_json(line, trusted=True)

    def _all_interactions(self) -> Iterator[Interaction]:
        for path in self._log_paths():
            for _, item in self._read_log(path):
                yield item


if TYPE_CHECKING:

    def _satisfies_the_protocol(store: JsonFilesStore) -> Store:
        return store  # mypy checks here that JsonFilesStore is a Store

"""``MemoryStore``: the whole storage contract in process memory.

For tests, examples and short-lived tools. Thread-safe (one lock); every
write made inside ``transaction()`` is undone if the block fails.

>>> from omnicontext.storage import MemoryStore
>>> from omnicontext.model import Customer
>>> with MemoryStore() as store:
...     saved = store.customers.save(Customer(id="cus_1", display_name="Ada"))
...     saved.version, store.customers.get("cus_1").display_name
(1, 'Ada')
"""

from __future__ import annotations

import bisect
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Self, TypeVar

from omnicontext.errors import NotFound, StoreError
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
    due_key,
    duplicate_content,
    encode_cursor,
    is_due,
    message_changed,
    message_conflict,
    same_content,
    stale_version,
    time_key,
)
from omnicontext.storage.protocols import AppendResult, ErasureReport, Page

__all__ = ["MemoryStore"]

_Key = tuple[int, str]
_D = TypeVar("_D", MergeRecord, MergeSuggestion)
_R = TypeVar("_R", Interaction, AccessRecord)
_T = TypeVar("_T", Interaction, AccessRecord, OutboxEntry)


class _SortedKeys:
    """A list of (time_key, id) sorted on demand: appends stay O(1)."""

    __slots__ = ("_dirty", "_keys")

    def __init__(self) -> None:
        self._keys: list[_Key] = []
        self._dirty = False

    def add(self, key: _Key) -> None:
        if self._keys and key < self._keys[-1]:
            self._dirty = True
        self._keys.append(key)

    def remove(self, key: _Key) -> None:
        self._keys.remove(key)

    def sorted(self) -> list[_Key]:
        if self._dirty:
            self._keys.sort()
            self._dirty = False
        return self._keys

    def __len__(self) -> int:
        return len(self._keys)


def _page(
    keys: _SortedKeys | None,
    records: dict[str, tuple[_Key, _R, str]],
    *,
    limit: int,
    cursor: str | None,
    newest_first: bool,
) -> Page[_R]:
    check_limit(limit)
    after = decode_cursor(cursor) if cursor is not None else None
    if keys is None:
        return Page(items=())
    ordered = keys.sorted()
    if newest_first:
        stop = bisect.bisect_left(ordered, after) if after is not None else len(ordered)
        chosen = ordered[max(0, stop - limit) : stop][::-1]
        more = stop - limit > 0
    else:
        begin = bisect.bisect_right(ordered, after) if after is not None else 0
        chosen = ordered[begin : begin + limit]
        more = begin + limit < len(ordered)
    items = tuple(records[k[1]][1] for k in chosen)
    next_cursor = encode_cursor(chosen[-1]) if more and chosen else None
    return Page(items=items, next_cursor=next_cursor)


def _scan_keys(
    store: MemoryStore,
    keys: _SortedKeys,
    fetch: Callable[[str], _T],
    lo: int | None,
    hi: int | None,
    chunk_size: int,
) -> Iterator[Sequence[_T]]:
    """Records with ``lo <= time key < hi`` in key order, ``chunk_size`` at a
    time, each read with ``fetch(id)``; the store's lock is held for one
    chunk, never between chunks."""
    after: _Key | None = None
    while True:
        with store._lock:
            store._check_open()
            ordered = keys.sorted()
            if after is not None:
                begin = bisect.bisect_right(ordered, after)
            elif lo is not None:
                begin = bisect.bisect_left(ordered, (lo, ""))
            else:
                begin = 0
            chosen = ordered[begin : begin + chunk_size]
            if hi is not None:
                chosen = [k for k in chosen if k[0] < hi]
            chunk = [fetch(k[1]) for k in chosen]
        if not chunk:
            return
        yield chunk
        if len(chosen) < chunk_size:
            return
        after = chosen[-1]


_V = TypeVar("_V", Customer, Case, MergeRecord, MergeSuggestion)


def _next_version(kind: str, doc: _V, stored: _V | None) -> _V:
    """``doc`` with the next version, if its version matches the stored one."""
    held = None if stored is None else stored.version
    if doc.version != (held or 0):
        raise stale_version(kind, doc.id, doc.version, held)
    return doc.model_copy(update={"version": doc.version + 1})


class _Customers:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def get(self, customer_id: str) -> Customer:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._customers[customer_id]
            except KeyError:
                raise NotFound("customer", customer_id) from None

    def save(self, customer: Customer) -> Customer:
        check_document(customer, Customer)
        with self._s._lock:
            self._s._check_open()
            new = _next_version("customer", customer, self._s._customers.get(customer.id))
            self._s._put_customer(new.id, new)
            return new

    def find_by_identity(self, identity: Identity | str) -> list[Customer]:
        key = identity.key if isinstance(identity, Identity) else identity
        with self._s._lock:
            self._s._check_open()
            ids = sorted(self._s._identity_index.get(key, ()))
            return [self._s._customers[i] for i in ids]

    def count(self) -> int:
        with self._s._lock:
            self._s._check_open()
            return len(self._s._customers)

    def scan(self, *, chunk_size: int = 1000) -> Iterator[Sequence[Customer]]:
        check_chunk_size(chunk_size)
        return self._scan(chunk_size)

    def _scan(self, chunk_size: int) -> Iterator[Sequence[Customer]]:
        after = ""
        while True:
            with self._s._lock:
                self._s._check_open()
                chunk = sorted(
                    (c for i, c in self._s._customers.items() if i > after), key=lambda c: c.id
                )[:chunk_size]
            if not chunk:
                return
            yield chunk
            if len(chunk) < chunk_size:
                return
            after = chunk[-1].id


class _Cases:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def get(self, case_id: str) -> Case:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._cases[case_id]
            except KeyError:
                raise NotFound("case", case_id) from None

    def save(self, case: Case) -> Case:
        check_document(case, Case)
        with self._s._lock:
            self._s._check_open()
            new = _next_version("case", case, self._s._cases.get(case.id))
            self._s._put_case(new.id, new)
            return new

    def for_customer(self, customer_id: str) -> list[Case]:
        with self._s._lock:
            self._s._check_open()
            return sorted(
                (c for c in self._s._cases.values() if c.customer_id == customer_id),
                key=lambda c: c.id,
            )


class _Interactions:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def append(self, interaction: Interaction) -> bool:
        return self.append_many([interaction]).added == 1

    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        batch = [check_interaction(i) for i in interactions]
        with self._s._lock:
            self._s._check_open()
            fresh: dict[str, tuple[Interaction, str]] = {}
            duplicates = 0
            for item in batch:
                text = item.to_json()
                known = self._s._interactions.get(item.id)
                previous = (known[1], known[2]) if known is not None else fresh.get(item.id)
                if previous is None:
                    fresh[item.id] = (item, text)
                elif same_content(previous[0], previous[1], item, text):
                    duplicates += 1
                else:
                    raise duplicate_content(item.id)
            for item, text in fresh.values():
                self._s._put_interaction(item, text)
            return AppendResult(added=len(fresh), duplicates=duplicates)

    def get(self, interaction_id: str) -> Interaction:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._interactions[interaction_id][1]
            except KeyError:
                raise NotFound("interaction", interaction_id) from None

    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        with self._s._lock:
            self._s._check_open()
            return _page(
                self._s._by_customer.get(customer_id),
                self._s._interactions,
                limit=limit,
                cursor=cursor,
                newest_first=newest_first,
            )

    def case_timeline(
        self,
        case_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        with self._s._lock:
            self._s._check_open()
            return _page(
                self._s._by_case.get(case_id),
                self._s._interactions,
                limit=limit,
                cursor=cursor,
                newest_first=newest_first,
            )

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
        records = self._s._interactions
        return _scan_keys(self._s, self._s._all, lambda i: records[i][1], lo, hi, chunk_size)

    def count(self) -> int:
        with self._s._lock:
            self._s._check_open()
            return len(self._s._interactions)

    def reassign(self, interaction_ids: Iterable[str], customer_id: str | None) -> int:
        ids = check_ids(interaction_ids)
        check_customer_ref(customer_id)
        with self._s.transaction():
            missing = [i for i in ids if i not in self._s._interactions]
            if missing:
                raise NotFound("interaction", missing[0])
            changed = 0
            for interaction_id in ids:
                item = self._s._interactions[interaction_id][1]
                if item.customer_id == customer_id:
                    continue
                moved = item.model_copy(update={"customer_id": customer_id})
                self._s._drop_interaction(interaction_id)
                self._s._put_interaction(moved, moved.to_json())
                changed += 1
            return changed

    def unresolved(
        self, identity_key: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Interaction]:
        with self._s._lock:
            self._s._check_open()
            return _page(
                self._s._unresolved.get(identity_key),
                self._s._interactions,
                limit=limit,
                cursor=cursor,
                newest_first=False,
            )


class _Merges:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def get(self, merge_id: str) -> MergeRecord:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._merges[merge_id]
            except KeyError:
                raise NotFound("merge", merge_id) from None

    def save(self, record: MergeRecord) -> MergeRecord:
        check_document(record, MergeRecord)
        with self._s._lock:
            self._s._check_open()
            new = _next_version("merge", record, self._s._merges.get(record.id))
            self._s._put_doc(self._s._merges, new.id, new)
            return new

    def for_customer(self, customer_id: str) -> list[MergeRecord]:
        with self._s._lock:
            self._s._check_open()
            found = [m for m in self._s._merges.values() if customer_id in m.customer_ids]
        return sorted(found, key=lambda m: (time_key(m.merged_at), m.id))

    def count(self) -> int:
        with self._s._lock:
            self._s._check_open()
            return len(self._s._merges)


class _Suggestions:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def get(self, suggestion_id: str) -> MergeSuggestion:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._suggestions[suggestion_id]
            except KeyError:
                raise NotFound("suggestion", suggestion_id) from None

    def save(self, suggestion: MergeSuggestion) -> MergeSuggestion:
        check_document(suggestion, MergeSuggestion)
        with self._s._lock:
            self._s._check_open()
            new = _next_version("suggestion", suggestion, self._s._suggestions.get(suggestion.id))
            self._s._put_doc(self._s._suggestions, new.id, new)
            return new

    def for_customer(self, customer_id: str) -> list[MergeSuggestion]:
        with self._s._lock:
            self._s._check_open()
            found = [s for s in self._s._suggestions.values() if customer_id in s.customer_ids]
        return sorted(found, key=lambda s: (time_key(s.created_at), s.id))

    def pending(self, *, limit: int = 100, cursor: str | None = None) -> Page[MergeSuggestion]:
        check_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        with self._s._lock:
            self._s._check_open()
            keyed = sorted(
                ((time_key(s.created_at), s.id), s)
                for s in self._s._suggestions.values()
                if s.status == SuggestionStatus.PENDING
            )
        if after is not None:
            keyed = [pair for pair in keyed if pair[0] > after]
        chosen = keyed[:limit]
        more = len(keyed) > limit
        return Page(
            items=tuple(s for _, s in chosen),
            next_cursor=encode_cursor(chosen[-1][0]) if more else None,
        )

    def count(self, status: SuggestionStatus | str | None = None) -> int:
        wanted = None if status is None else check_status(status)
        with self._s._lock:
            self._s._check_open()
            return sum(
                1 for s in self._s._suggestions.values() if wanted is None or s.status == wanted
            )


class _AccessLog:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def record(self, entry: AccessRecord) -> bool:
        record = check_access_record(entry)
        text = record.to_json()
        with self._s._lock:
            self._s._check_open()
            known = self._s._access.get(record.id)
            if known is not None:
                if same_content(known[1], known[2], record, text):
                    return False
                raise access_conflict(record.id)
            self._s._put_access(record, text)
            return True

    def get(self, record_id: str) -> AccessRecord:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._access[record_id][1]
            except KeyError:
                raise NotFound("access record", record_id) from None

    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        with self._s._lock:
            self._s._check_open()
            return _page(
                self._s._access_by_customer.get(customer_id),
                self._s._access,
                limit=limit,
                cursor=cursor,
                newest_first=False,
            )

    def for_viewer(
        self, viewer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        with self._s._lock:
            self._s._check_open()
            return _page(
                self._s._access_by_viewer.get(viewer_id),
                self._s._access,
                limit=limit,
                cursor=cursor,
                newest_first=False,
            )

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
        records = self._s._access
        return _scan_keys(
            self._s, self._s._access_all, lambda i: records[i][1], lo, hi, chunk_size
        )

    def count(self) -> int:
        with self._s._lock:
            self._s._check_open()
            return len(self._s._access)


class _Outbox:
    def __init__(self, store: MemoryStore) -> None:
        self._s = store

    def add(self, entry: OutboxEntry) -> bool:
        new = check_new_entry(entry)
        with self._s._lock:
            self._s._check_open()
            stored = self._s._outbox.get(new.key)
            if stored is not None:
                changed = message_changed(stored, new)
                if changed:
                    raise message_conflict(new.key, changed, on_add=True)
                return False
            self._s._put_entry(new.key, new.model_copy(update={"version": 1}))
            return True

    def get(self, key: str) -> OutboxEntry:
        with self._s._lock:
            self._s._check_open()
            try:
                return self._s._outbox[key]
            except KeyError:
                raise NotFound("outbox entry", key) from None

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        given = check_outbox_entry(entry)
        with self._s._lock:
            self._s._check_open()
            stored = self._s._outbox.get(given.key)
            if stored is None:
                raise NotFound("outbox entry", given.key)
            if given.version != stored.version:
                raise stale_version("outbox entry", given.key, given.version, stored.version)
            changed = message_changed(stored, given)
            if changed:
                raise message_conflict(given.key, changed, on_add=False)
            new = given.model_copy(update={"version": given.version + 1})
            self._s._put_entry(new.key, new)
            return new

    def due(self, now: datetime, *, limit: int = 100) -> list[OutboxEntry]:
        at = check_moment("now", now, "outbox due")
        check_limit(limit)
        with self._s._lock:
            self._s._check_open()
            found = [e for e in self._s._outbox.values() if is_due(e, at)]
        found.sort(key=due_key)
        return found[:limit]

    def for_customer(self, customer_id: str) -> list[OutboxEntry]:
        with self._s._lock:
            self._s._check_open()
            found = [e for e in self._s._outbox.values() if e.customer_id == customer_id]
        return sorted(found, key=lambda e: (time_key(e.created_at), e.key))

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
        entries = self._s._outbox
        return _scan_keys(self._s, self._s._outbox_order, entries.__getitem__, lo, hi, chunk_size)

    def count(self, status: OutboxStatus | str | None = None) -> int:
        wanted = None if status is None else check_outbox_status(status)
        with self._s._lock:
            self._s._check_open()
            return sum(1 for e in self._s._outbox.values() if wanted is None or e.status == wanted)


class MemoryStore:
    """The storage contract held in memory; nothing survives the process.

    Open one directly or with ``open_store("memory://")``.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._closed = False
        self._customers: dict[str, Customer] = {}
        self._identity_index: dict[str, set[str]] = {}
        self._cases: dict[str, Case] = {}
        self._interactions: dict[str, tuple[_Key, Interaction, str]] = {}
        self._by_customer: dict[str, _SortedKeys] = {}
        self._by_case: dict[str, _SortedKeys] = {}
        self._all = _SortedKeys()
        self._unresolved: dict[str, _SortedKeys] = {}
        self._merges: dict[str, MergeRecord] = {}
        self._suggestions: dict[str, MergeSuggestion] = {}
        self._access: dict[str, tuple[_Key, AccessRecord, str]] = {}
        self._access_by_customer: dict[str, _SortedKeys] = {}
        self._access_by_viewer: dict[str, _SortedKeys] = {}
        self._access_all = _SortedKeys()
        self._outbox: dict[str, OutboxEntry] = {}
        self._outbox_order = _SortedKeys()  # (created_at time key, key) of every entry
        self._undo: list[Callable[[], None]] | None = None
        self._depth = 0
        self._customers_repo = _Customers(self)
        self._cases_repo = _Cases(self)
        self._interactions_repo = _Interactions(self)
        self._merges_repo = _Merges(self)
        self._suggestions_repo = _Suggestions(self)
        self._access_repo = _AccessLog(self)
        self._outbox_repo = _Outbox(self)

    @classmethod
    def from_url(cls, url: str) -> MemoryStore:
        """Open a store for ``memory://`` (the entry point ``open_store`` uses)."""
        if url.rstrip("/") not in ("memory:", "memory:/"):
            raise StoreError(f"a memory store takes no path or options: url={url!r}")
        return cls()

    # -- the Store protocol -------------------------------------------------

    @property
    def customers(self) -> _Customers:
        """Customer documents."""
        return self._customers_repo

    @property
    def cases(self) -> _Cases:
        """Case documents."""
        return self._cases_repo

    @property
    def interactions(self) -> _Interactions:
        """The interaction log."""
        return self._interactions_repo

    @property
    def merges(self) -> _Merges:
        """Merge records."""
        return self._merges_repo

    @property
    def suggestions(self) -> _Suggestions:
        """Merge suggestions."""
        return self._suggestions_repo

    @property
    def access_log(self) -> _AccessLog:
        """The access audit trail."""
        return self._access_repo

    @property
    def outbox(self) -> _Outbox:
        """The notification outbox."""
        return self._outbox_repo

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside land together or not at all; nested blocks join the outer one."""
        with self._lock:
            self._check_open()
            outermost = self._depth == 0
            if outermost:
                self._undo = []
            self._depth += 1
            try:
                yield
            except BaseException:
                if outermost:
                    self._rollback()
                raise
            finally:
                self._depth -= 1
                if outermost:
                    self._undo = None

    def erase_customer(self, customer_id: str) -> ErasureReport:
        """Remove every record of a customer in one transaction (see the protocol)."""
        with self.transaction():
            doomed_ids = [self._person(customer_id)]
            for current in doomed_ids:  # grows as merged profiles are found
                doomed_ids.extend(
                    sorted(
                        c.id
                        for c in self._customers.values()
                        if c.merged_into == current and c.id not in doomed_ids
                    )
                )
            reports = [self._erase_one(cid) for cid in doomed_ids]
            merges = [m.id for m in self._merges.values() if set(m.customer_ids) & set(doomed_ids)]
            suggestions = [
                s.id for s in self._suggestions.values() if set(s.customer_ids) & set(doomed_ids)
            ]
            for merge_id in merges:
                self._drop_doc(self._merges, merge_id)
            for suggestion_id in suggestions:
                self._drop_doc(self._suggestions, suggestion_id)
            return ErasureReport(
                customer_id=customer_id,
                customers=sum(r.customers for r in reports),
                identities=sum(r.identities for r in reports),
                cases=sum(r.cases for r in reports),
                interactions=sum(r.interactions for r in reports),
                merges=len(merges),
                suggestions=len(suggestions),
                notifications=sum(r.notifications for r in reports),
            )

    def _person(self, customer_id: str) -> str:
        """The profile standing for ``customer_id``: follow ``merged_into``."""
        seen = {customer_id}
        current = self._customers.get(customer_id)
        while current is not None and current.merged_into is not None:
            if current.merged_into in seen:
                break  # a loop: stop rather than spin
            seen.add(current.merged_into)
            customer_id = current.merged_into
            current = self._customers.get(customer_id)
        return customer_id

    def _erase_one(self, customer_id: str) -> ErasureReport:
        customer = self._customers.get(customer_id)
        case_ids = {c.id for c in self._cases.values() if c.customer_id == customer_id}
        sole_keys = set()
        if customer is not None:
            for ident in customer.identities:
                if self._identity_index.get(ident.key) == {customer_id}:
                    sole_keys.add(ident.key)
        doomed = [
            item
            for _, item, _ in self._interactions.values()
            if item.customer_id == customer_id
            or (item.case_id is not None and item.case_id in case_ids)
            or (
                item.customer_id is None
                and item.identity is not None
                and item.identity.key in sole_keys
            )
        ]
        for item in doomed:
            self._drop_interaction(item.id)
        notices = [
            e.key
            for e in self._outbox.values()
            if e.customer_id == customer_id or (e.case_id is not None and e.case_id in case_ids)
        ]
        for key in notices:
            self._put_entry(key, None)
        for case_id in case_ids:
            self._drop_case(case_id)
        identities = 0
        if customer is not None:
            identities = len(customer.identities)
            self._drop_customer(customer_id)
        return ErasureReport(
            customer_id=customer_id,
            customers=int(customer is not None),
            identities=identities,
            cases=len(case_ids),
            interactions=len(doomed),
            merges=0,
            suggestions=0,
            notifications=len(notices),
        )

    def close(self) -> None:
        """Drop everything; later use raises ``StoreError``."""
        with self._lock:
            self._closed = True
            self._interactions.clear()
            self._customers.clear()
            self._cases.clear()
            self._merges.clear()
            self._suggestions.clear()
            self._access.clear()
            self._outbox.clear()
            self._outbox_order = _SortedKeys()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals: every mutation records its undo ---------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def _remember(self, undo: Callable[[], None]) -> None:
        if self._undo is not None:
            self._undo.append(undo)

    def _rollback(self) -> None:
        undo, self._undo = self._undo or [], None
        for step in reversed(undo):
            step()

    def _put_customer(self, customer_id: str, customer: Customer) -> None:
        old = self._customers.get(customer_id)
        self._set_customer(customer_id, customer)
        self._remember(lambda: self._set_customer(customer_id, old))

    def _drop_customer(self, customer_id: str) -> None:
        old = self._customers[customer_id]
        self._set_customer(customer_id, None)
        self._remember(lambda: self._set_customer(customer_id, old))

    def _set_customer(self, customer_id: str, customer: Customer | None) -> None:
        old = self._customers.pop(customer_id, None)
        if old is not None:
            for ident in old.identities:
                holders = self._identity_index[ident.key]
                holders.discard(customer_id)
                if not holders:
                    del self._identity_index[ident.key]
        if customer is not None:
            self._customers[customer_id] = customer
            for ident in customer.identities:
                self._identity_index.setdefault(ident.key, set()).add(customer_id)

    def _put_case(self, case_id: str, case: Case) -> None:
        old = self._cases.get(case_id)
        self._cases[case_id] = case
        self._remember(lambda: self._restore_case(case_id, old))

    def _drop_case(self, case_id: str) -> None:
        old = self._cases.pop(case_id)
        self._remember(lambda: self._restore_case(case_id, old))

    def _restore_case(self, case_id: str, case: Case | None) -> None:
        if case is None:
            self._cases.pop(case_id, None)
        else:
            self._cases[case_id] = case

    def _put_doc(self, table: dict[str, _D], doc_id: str, doc: _D) -> None:
        old = table.get(doc_id)
        table[doc_id] = doc
        self._remember(lambda: self._restore_doc(table, doc_id, old))

    def _drop_doc(self, table: dict[str, _D], doc_id: str) -> None:
        old = table.pop(doc_id)
        self._remember(lambda: self._restore_doc(table, doc_id, old))

    @staticmethod
    def _restore_doc(table: dict[str, _D], doc_id: str, doc: _D | None) -> None:
        if doc is None:
            table.pop(doc_id, None)
        else:
            table[doc_id] = doc

    def _put_entry(self, key: str, entry: OutboxEntry | None) -> None:
        """Store ``entry`` under ``key`` (``None``: remove it), undoably."""
        old = self._outbox.get(key)
        self._set_entry(key, entry)
        self._remember(lambda: self._set_entry(key, old))

    def _set_entry(self, key: str, entry: OutboxEntry | None) -> None:
        old = self._outbox.pop(key, None)
        old_key = None if old is None else (time_key(old.created_at), key)
        new_key = None if entry is None else (time_key(entry.created_at), key)
        if old_key != new_key:  # a save keeps created_at, so usually nothing moves
            if old_key is not None:
                self._outbox_order.remove(old_key)
            if new_key is not None:
                self._outbox_order.add(new_key)
        if entry is not None:
            self._outbox[key] = entry

    def _put_interaction(self, item: Interaction, text: str) -> None:
        key = (time_key(item.occurred_at), item.id)
        self._interactions[item.id] = (key, item, text)
        self._all.add(key)
        if item.customer_id is not None:
            self._by_customer.setdefault(item.customer_id, _SortedKeys()).add(key)
        elif item.identity is not None:
            self._unresolved.setdefault(item.identity.key, _SortedKeys()).add(key)
        if item.case_id is not None:
            self._by_case.setdefault(item.case_id, _SortedKeys()).add(key)
        self._remember(lambda: self._drop_interaction(item.id, remember=False))

    def _drop_interaction(self, interaction_id: str, *, remember: bool = True) -> None:
        key, item, text = self._interactions.pop(interaction_id)
        self._all.remove(key)
        unresolved_key = (
            item.identity.key if item.customer_id is None and item.identity is not None else None
        )
        for index, owner in (
            (self._by_customer, item.customer_id),
            (self._by_case, item.case_id),
            (self._unresolved, unresolved_key),
        ):
            if owner is not None:
                keys = index[owner]
                keys.remove(key)
                if not keys:
                    del index[owner]
        if remember:
            self._remember(lambda: self._put_interaction_silently(item, text))

    def _put_interaction_silently(self, item: Interaction, text: str) -> None:
        saved, self._undo = self._undo, None
        try:
            self._put_interaction(item, text)
        finally:
            self._undo = saved

    def _put_access(self, record: AccessRecord, text: str) -> None:
        key = (time_key(record.occurred_at), record.id)
        self._access[record.id] = (key, record, text)
        self._access_all.add(key)
        self._access_by_viewer.setdefault(record.viewer_id, _SortedKeys()).add(key)
        if record.customer_id is not None:
            self._access_by_customer.setdefault(record.customer_id, _SortedKeys()).add(key)
        self._remember(lambda: self._drop_access(record.id))

    def _drop_access(self, record_id: str) -> None:
        """Undo a record (only a rolled-back transaction ever removes one)."""
        key, record, _ = self._access.pop(record_id)
        self._access_all.remove(key)
        for index, owner in (
            (self._access_by_viewer, record.viewer_id),
            (self._access_by_customer, record.customer_id),
        ):
            if owner is not None:
                keys = index[owner]
                keys.remove(key)
                if not keys:
                    del index[owner]

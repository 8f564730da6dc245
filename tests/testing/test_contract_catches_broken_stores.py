"""The conformance kit fails stores that break the contract.

A kit that passes everything proves nothing. Each store below forwards to a
:class:`MemoryStore` but breaks one clause of the contract; the kit's tests for
that clause must fail on it, and the same tests must pass on the faithful
forwarder, so the failure comes from the broken clause and nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Self

import pytest

from omnicontext.errors import ConflictError, NotFound
from omnicontext.model import (
    AccessRecord,
    Customer,
    Identity,
    Interaction,
    MergeRecord,
    MergeSuggestion,
    OutboxEntry,
    OutboxStatus,
    SuggestionStatus,
)
from omnicontext.storage import (
    AccessLog,
    AppendResult,
    CaseRepository,
    CustomerRepository,
    ErasureReport,
    InteractionLog,
    MemoryStore,
    MergeLog,
    Outbox,
    Page,
    Store,
    SuggestionRepository,
)
from omnicontext.storage._common import (
    check_chunk_size,
    check_customer_ref,
    check_ids,
    check_limit,
    check_moment,
    decode_cursor,
    due_key,
    duplicate_content,
    encode_cursor,
    time_key,
)
from omnicontext.testing import StoreContract

# -- a store that forwards everything to a MemoryStore ---------------------------


class ForwardingCustomers:
    def __init__(self, inner: CustomerRepository) -> None:
        self.inner = inner

    def get(self, customer_id: str) -> Customer:
        return self.inner.get(customer_id)

    def save(self, customer: Customer) -> Customer:
        return self.inner.save(customer)

    def find_by_identity(self, identity: Identity | str) -> list[Customer]:
        return self.inner.find_by_identity(identity)

    def count(self) -> int:
        return self.inner.count()

    def scan(self, *, chunk_size: int = 1000) -> Iterator[Sequence[Customer]]:
        return self.inner.scan(chunk_size=chunk_size)


class ForwardingLog:
    def __init__(self, inner: InteractionLog) -> None:
        self.inner = inner

    def append(self, interaction: Interaction) -> bool:
        return self.inner.append(interaction)

    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        return self.inner.append_many(interactions)

    def get(self, interaction_id: str) -> Interaction:
        return self.inner.get(interaction_id)

    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        return self.inner.customer_timeline(
            customer_id, limit=limit, cursor=cursor, newest_first=newest_first
        )

    def case_timeline(
        self,
        case_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        return self.inner.case_timeline(
            case_id, limit=limit, cursor=cursor, newest_first=newest_first
        )

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[Interaction]]:
        return self.inner.scan(start, end, chunk_size=chunk_size)

    def count(self) -> int:
        return self.inner.count()

    def reassign(self, interaction_ids: Iterable[str], customer_id: str | None) -> int:
        return self.inner.reassign(interaction_ids, customer_id)

    def unresolved(
        self, identity_key: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Interaction]:
        return self.inner.unresolved(identity_key, limit=limit, cursor=cursor)


class ForwardingMerges:
    def __init__(self, inner: MergeLog) -> None:
        self.inner = inner

    def get(self, merge_id: str) -> MergeRecord:
        return self.inner.get(merge_id)

    def save(self, record: MergeRecord) -> MergeRecord:
        return self.inner.save(record)

    def for_customer(self, customer_id: str) -> list[MergeRecord]:
        return self.inner.for_customer(customer_id)

    def count(self) -> int:
        return self.inner.count()


class ForwardingSuggestions:
    def __init__(self, inner: SuggestionRepository) -> None:
        self.inner = inner

    def get(self, suggestion_id: str) -> MergeSuggestion:
        return self.inner.get(suggestion_id)

    def save(self, suggestion: MergeSuggestion) -> MergeSuggestion:
        return self.inner.save(suggestion)

    def for_customer(self, customer_id: str) -> list[MergeSuggestion]:
        return self.inner.for_customer(customer_id)

    def pending(self, *, limit: int = 100, cursor: str | None = None) -> Page[MergeSuggestion]:
        return self.inner.pending(limit=limit, cursor=cursor)

    def count(self, status: SuggestionStatus | str | None = None) -> int:
        return self.inner.count(status)


class ForwardingAccessLog:
    def __init__(self, inner: AccessLog) -> None:
        self.inner = inner

    def record(self, entry: AccessRecord) -> bool:
        return self.inner.record(entry)

    def get(self, record_id: str) -> AccessRecord:
        return self.inner.get(record_id)

    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        return self.inner.for_customer(customer_id, limit=limit, cursor=cursor)

    def for_viewer(
        self, viewer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        return self.inner.for_viewer(viewer_id, limit=limit, cursor=cursor)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[AccessRecord]]:
        return self.inner.scan(start, end, chunk_size=chunk_size)

    def count(self) -> int:
        return self.inner.count()


class ForwardingOutbox:
    def __init__(self, inner: Outbox) -> None:
        self.inner = inner

    def add(self, entry: OutboxEntry) -> bool:
        return self.inner.add(entry)

    def get(self, key: str) -> OutboxEntry:
        return self.inner.get(key)

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        return self.inner.save(entry)

    def due(self, now: datetime, *, limit: int = 100) -> list[OutboxEntry]:
        return self.inner.due(now, limit=limit)

    def for_customer(self, customer_id: str) -> list[OutboxEntry]:
        return self.inner.for_customer(customer_id)

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        return self.inner.scan(start, end, chunk_size=chunk_size)

    def count(self, status: OutboxStatus | str | None = None) -> int:
        return self.inner.count(status)


class ForwardingStore:
    """A MemoryStore behind forwarding repositories; subclasses break one clause."""

    customers_type: type[ForwardingCustomers] = ForwardingCustomers
    log_type: type[ForwardingLog] = ForwardingLog
    merges_type: type[ForwardingMerges] = ForwardingMerges
    suggestions_type: type[ForwardingSuggestions] = ForwardingSuggestions
    access_type: type[ForwardingAccessLog] = ForwardingAccessLog
    outbox_type: type[ForwardingOutbox] = ForwardingOutbox

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self._customers = self.customers_type(self.inner.customers)
        self._log = self.log_type(self.inner.interactions)
        self._merges = self.merges_type(self.inner.merges)
        self._suggestions = self.suggestions_type(self.inner.suggestions)
        self._access = self.access_type(self.inner.access_log)
        self._outbox = self.outbox_type(self.inner.outbox)

    @property
    def customers(self) -> ForwardingCustomers:
        return self._customers

    @property
    def cases(self) -> CaseRepository:
        return self.inner.cases

    @property
    def interactions(self) -> ForwardingLog:
        return self._log

    @property
    def merges(self) -> ForwardingMerges:
        return self._merges

    @property
    def suggestions(self) -> ForwardingSuggestions:
        return self._suggestions

    @property
    def access_log(self) -> ForwardingAccessLog:
        return self._access

    @property
    def outbox(self) -> ForwardingOutbox:
        return self._outbox

    def transaction(self) -> AbstractContextManager[None]:
        return self.inner.transaction()

    def erase_customer(self, customer_id: str) -> ErasureReport:
        return self.inner.erase_customer(customer_id)

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- stores that each break one clause ---------------------------------------------


class _LastWriterWinsCustomers(ForwardingCustomers):
    def save(self, customer: Customer) -> Customer:
        try:
            stored = self.inner.get(customer.id).version
        except NotFound:
            stored = 0
        return self.inner.save(customer.model_copy(update={"version": stored}))


class SaveIgnoresStaleVersions(ForwardingStore):
    """Overwrites whatever is stored, whatever version the caller read."""

    customers_type = _LastWriterWinsCustomers


class _ArrivalOrderLog(ForwardingLog):
    def __init__(self, inner: InteractionLog) -> None:
        super().__init__(inner)
        self.arrival: dict[str, int] = {}

    def append(self, interaction: Interaction) -> bool:
        return self.append_many([interaction]).added == 1

    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        batch = list(interactions)
        for item in batch:
            self.arrival.setdefault(item.id, len(self.arrival))
        return self.inner.append_many(batch)

    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        page = self.inner.customer_timeline(
            customer_id, limit=limit, cursor=cursor, newest_first=newest_first
        )
        items = sorted(
            page.items, key=lambda i: (i.occurred_at, self.arrival[i.id]), reverse=newest_first
        )
        return Page(items=tuple(items), next_cursor=page.next_cursor)


class TimelineTiesInArrivalOrder(ForwardingStore):
    """Orders timelines by time only: records at one instant come as they arrived."""

    log_type = _ArrivalOrderLog


class _OneByOneLog(ForwardingLog):
    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        added = duplicates = 0
        for item in interactions:
            if self.inner.append(item):
                added += 1
            else:
                duplicates += 1
        return AppendResult(added=added, duplicates=duplicates)


class BatchAppendNotAtomic(ForwardingStore):
    """Appends a batch one record at a time: a conflict leaves the records before it."""

    log_type = _OneByOneLog


class _ForgivingLog(ForwardingLog):
    def append(self, interaction: Interaction) -> bool:
        try:
            return self.inner.append(interaction)
        except ConflictError:
            return False


class ChangedDuplicateAccepted(ForwardingStore):
    """Treats a record reusing an id with other content as a harmless repeat."""

    log_type = _ForgivingLog


class _ReversedScanLog(ForwardingLog):
    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[Interaction]]:
        for chunk in self.inner.scan(start, end, chunk_size=chunk_size):
            yield list(reversed(chunk))


class ScanUnordered(ForwardingStore):
    """Streams the right records in the right chunks, but not in time order."""

    log_type = _ReversedScanLog


class _OneChunkScanLog(ForwardingLog):
    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[Interaction]]:
        everything = [i for chunk in self.inner.scan(start, end, chunk_size=10_000) for i in chunk]
        if everything:
            yield everything


class ScanIgnoresChunkSize(ForwardingStore):
    """Returns the whole range as one chunk, however large."""

    log_type = _OneChunkScanLog


class _CursorAlwaysLog(ForwardingLog):
    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        page = self.inner.customer_timeline(
            customer_id, limit=limit, cursor=cursor, newest_first=newest_first
        )
        if page.next_cursor is None and len(page.items) == limit:
            # The classic slip: "a full page means there may be more".
            last = page.items[-1]
            after = encode_cursor((time_key(last.occurred_at), last.id))
            return Page(items=page.items, next_cursor=after)
        return page


class FullLastPageHasACursor(ForwardingStore):
    """Hands out a cursor after a last page that happens to be full."""

    log_type = _CursorAlwaysLog


class ErasureLeavesInteractions(ForwardingStore):
    """Erases the customer and their cases but puts their interactions back."""

    def erase_customer(self, customer_id: str) -> ErasureReport:
        theirs = self.inner.interactions.customer_timeline(customer_id, limit=10_000).items
        report = self.inner.erase_customer(customer_id)
        self.inner.interactions.append_many(theirs)
        return report


class TransactionsNeverRollBack(ForwardingStore):
    """Accepts ``with store.transaction():`` but keeps every write of a failed block."""

    def transaction(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()


class CloseDoesNothing(ForwardingStore):
    """Keeps working after ``close()``."""

    def close(self) -> None:
        pass


class _OneAtATimeReassignLog(ForwardingLog):
    def reassign(self, interaction_ids: Iterable[str], customer_id: str | None) -> int:
        ids = check_ids(interaction_ids)  # the arguments are still checked first
        check_customer_ref(customer_id)
        return sum(self.inner.reassign([i], customer_id) for i in ids)


class ReassignNotAtomic(ForwardingStore):
    """Re-attributes one id at a time: an unknown id leaves the ids before it moved."""

    log_type = _OneAtATimeReassignLog


class _ExactDuplicatesLog(ForwardingLog):
    def append(self, interaction: Interaction) -> bool:
        added = self.inner.append(interaction)
        # The rule before re-attribution: only an equal record is a duplicate.
        if not added and self.inner.get(interaction.id) != interaction:
            raise duplicate_content(interaction.id)
        return added


class ReassignedOriginalConflicts(ForwardingStore):
    """Rejects the unattributed original of a record since reassigned to a customer."""

    log_type = _ExactDuplicatesLog


class _AnyStatusSuggestions(ForwardingSuggestions):
    def __init__(self, inner: SuggestionRepository) -> None:
        super().__init__(inner)
        self.saved: set[str] = set()

    def save(self, suggestion: MergeSuggestion) -> MergeSuggestion:
        stored = self.inner.save(suggestion)
        self.saved.add(stored.id)
        return stored

    def pending(self, *, limit: int = 100, cursor: str | None = None) -> Page[MergeSuggestion]:
        check_limit(limit)
        after = None if cursor is None else decode_cursor(cursor)
        every: list[MergeSuggestion] = []
        for suggestion_id in self.saved:
            with contextlib.suppress(NotFound):  # erased since
                every.append(self.inner.get(suggestion_id))
        # The slip: ordered and paged right, but the status is never looked at.
        keyed = sorted((((time_key(s.created_at), s.id), s) for s in every), key=lambda p: p[0])
        keyed = [(key, s) for key, s in keyed if after is None or key > after]
        return Page(
            items=tuple(s for _, s in keyed[:limit]),
            next_cursor=encode_cursor(keyed[limit - 1][0]) if len(keyed) > limit else None,
        )


class PendingIncludesDecided(ForwardingStore):
    """Lists accepted and rejected suggestions among the pending ones."""

    suggestions_type = _AnyStatusSuggestions


class ErasureLeavesMergeRecords(ForwardingStore):
    """Erases the profiles but puts back the merge records naming the customer."""

    def erase_customer(self, customer_id: str) -> ErasureReport:
        theirs = self.inner.merges.for_customer(customer_id)
        report = self.inner.erase_customer(customer_id)
        for record in theirs:
            self.inner.merges.save(record.model_copy(update={"version": 0}))
        return report


class ErasureLeavesSuggestions(ForwardingStore):
    """Erases the profiles but puts back the suggestions naming the customer."""

    def erase_customer(self, customer_id: str) -> ErasureReport:
        theirs = self.inner.suggestions.for_customer(customer_id)
        report = self.inner.erase_customer(customer_id)
        for suggestion in theirs:
            self.inner.suggestions.save(suggestion.model_copy(update={"version": 0}))
        return report


class _LinksAsideCustomers(ForwardingCustomers):
    """Stores profiles without ``merged_into`` and keeps the links to itself, so
    the inner store's erasure has no merged profiles to follow."""

    def __init__(self, inner: CustomerRepository) -> None:
        super().__init__(inner)
        self.links: dict[str, str] = {}

    def _linked(self, customer: Customer) -> Customer:
        link = self.links.get(customer.id)
        return customer if link is None else customer.model_copy(update={"merged_into": link})

    def get(self, customer_id: str) -> Customer:
        return self._linked(self.inner.get(customer_id))

    def save(self, customer: Customer) -> Customer:
        if not isinstance(customer, Customer):
            return self.inner.save(customer)  # let the inner store reject it
        stored = self.inner.save(customer.model_copy(update={"merged_into": None}))
        if customer.merged_into is None:
            self.links.pop(customer.id, None)
        else:
            self.links[customer.id] = customer.merged_into
        return self._linked(stored)

    def find_by_identity(self, identity: Identity | str) -> list[Customer]:
        return [self._linked(c) for c in self.inner.find_by_identity(identity)]

    def scan(self, *, chunk_size: int = 1000) -> Iterator[Sequence[Customer]]:
        return (
            [self._linked(c) for c in chunk] for chunk in self.inner.scan(chunk_size=chunk_size)
        )


class ErasureIgnoresMergedProfiles(ForwardingStore):
    """Erases the profile asked for, but not the profiles merged into it."""

    customers_type = _LinksAsideCustomers


class _OverwritingAccessLog(ForwardingAccessLog):
    """Keeps the latest content under an id on the side, as a table upsert would."""

    def __init__(self, inner: AccessLog) -> None:
        super().__init__(inner)
        self.latest: dict[str, AccessRecord] = {}

    def record(self, entry: AccessRecord) -> bool:
        try:
            return self.inner.record(entry)
        except ConflictError:
            self.latest[entry.id] = entry
            return True

    def get(self, record_id: str) -> AccessRecord:
        return self.latest.get(record_id) or self.inner.get(record_id)


class AccessLogOverwritesOnConflict(ForwardingStore):
    """Replaces an access record when its id comes again with other content."""

    access_type = _OverwritingAccessLog


class _LocalClockAccessLog(ForwardingAccessLog):
    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        page = self.inner.for_customer(customer_id, limit=limit, cursor=cursor)
        # The slip: sorting on the wall-clock reading, offset ignored.
        items = sorted(page.items, key=lambda r: (r.occurred_at.replace(tzinfo=None), r.id))
        return Page(items=tuple(items), next_cursor=page.next_cursor)


class AccessLogOrdersByLocalClock(ForwardingStore):
    """Orders a customer's access records by local clock time, not by instant."""

    access_type = _LocalClockAccessLog


class _LeaseBlindOutbox(ForwardingOutbox):
    def __init__(self, inner: Outbox) -> None:
        super().__init__(inner)
        self.keys: list[str] = []

    def add(self, entry: OutboxEntry) -> bool:
        added = self.inner.add(entry)
        if added:
            self.keys.append(entry.key)
        return added

    def due(self, now: datetime, *, limit: int = 100) -> list[OutboxEntry]:
        check_moment("now", now, "outbox due")
        check_limit(limit)
        pending = [
            e for e in self.inner.due(now, limit=10_000) if e.status is OutboxStatus.PENDING
        ]
        # The slip: every claimed entry is handed out again, lease or no lease.
        stored = [self.inner.get(key) for key in self.keys]
        claimed = [e for e in stored if e.status is OutboxStatus.SENDING]
        return sorted(pending + claimed, key=due_key)[:limit]


class DueIgnoresLeases(ForwardingStore):
    """Hands out entries claimed by a live worker as if they were due."""

    outbox_type = _LeaseBlindOutbox


class _LastWriterWinsOutbox(ForwardingOutbox):
    def save(self, entry: OutboxEntry) -> OutboxEntry:
        stored = self.inner.get(entry.key).version
        return self.inner.save(entry.model_copy(update={"version": stored}))


class OutboxSaveIgnoresStaleVersions(ForwardingStore):
    """Lets a second worker's claim overwrite the first one's."""

    outbox_type = _LastWriterWinsOutbox


class _ForgivingOutbox(ForwardingOutbox):
    def add(self, entry: OutboxEntry) -> bool:
        try:
            return self.inner.add(entry)
        except ConflictError:
            return False


class OutboxAddForgivesAnotherMessage(ForwardingStore):
    """Treats another message under a stored key as a harmless repeat."""

    outbox_type = _ForgivingOutbox


class _SentHidingOutbox(ForwardingOutbox):
    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        # The slip: a scan written for the worker, which has no use for sent entries.
        for chunk in self.inner.scan(start, end, chunk_size=chunk_size):
            unsent = [e for e in chunk if e.status is not OutboxStatus.SENT]
            if unsent:
                yield unsent


class OutboxScanSkipsSent(ForwardingStore):
    """Leaves delivered entries out of the outbox scan."""

    outbox_type = _SentHidingOutbox


def _rechunked(
    outbox: Outbox,
    start: datetime | None,
    end: datetime | None,
    chunk_size: int,
    key: Callable[[OutboxEntry], tuple[int, str] | str],
) -> Iterator[Sequence[OutboxEntry]]:
    """The right entries in the right chunk sizes, sorted on ``key``."""
    check_chunk_size(chunk_size)
    everything = sorted(
        (e for c in outbox.scan(start, end, chunk_size=10_000) for e in c), key=key
    )
    for i in range(0, len(everything), chunk_size):
        yield everything[i : i + chunk_size]


class _KeyOrderOutbox(ForwardingOutbox):
    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        # The slip: the table's primary key order, as a plain SELECT would give.
        return _rechunked(self.inner, start, end, chunk_size, lambda e: e.key)


class OutboxScanOrdersByKey(ForwardingStore):
    """Streams the entries of the range by idempotency key, not by creation."""

    outbox_type = _KeyOrderOutbox


class _DueOrderOutbox(ForwardingOutbox):
    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        # The slip: reusing the due() index, ordered by not_before.
        return _rechunked(self.inner, start, end, chunk_size, due_key)


class OutboxScanOrdersByDueTime(ForwardingStore):
    """Streams the entries of the range by when they fall due, not by creation."""

    outbox_type = _DueOrderOutbox


class _FirstStateOutbox(ForwardingOutbox):
    def __init__(self, inner: Outbox) -> None:
        super().__init__(inner)
        self.first: dict[str, OutboxEntry] = {}

    def add(self, entry: OutboxEntry) -> bool:
        added = self.inner.add(entry)
        if added:
            self.first[entry.key] = self.inner.get(entry.key)
        return added

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        # The slip: an append-only export that never sees later saves.
        for chunk in self.inner.scan(start, end, chunk_size=chunk_size):
            yield [self.first.get(e.key, e) for e in chunk]


class OutboxScanShowsTheFirstState(ForwardingStore):
    """Streams each entry as it was enqueued, not as it was last saved."""

    outbox_type = _FirstStateOutbox


class _NaiveGuessingOutbox(ForwardingOutbox):
    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        # The slip: a naive bound is taken to be UTC instead of being refused.
        start, end = (
            b.replace(tzinfo=UTC) if b is not None and b.tzinfo is None else b
            for b in (start, end)
        )
        return self.inner.scan(start, end, chunk_size=chunk_size)


class OutboxScanGuessesNaiveBounds(ForwardingStore):
    """Reads a naive scan bound as UTC."""

    outbox_type = _NaiveGuessingOutbox


class ErasureLeavesOutboxEntries(ForwardingStore):
    """Erases the customer but puts their outbox entries (addresses, text) back."""

    def erase_customer(self, customer_id: str) -> ErasureReport:
        theirs = self.inner.outbox.for_customer(customer_id)
        report = self.inner.erase_customer(customer_id)
        for entry in theirs:
            self.inner.outbox.add(entry.model_copy(update={"version": 0}))
        return report


class _HidingAccessLog(ForwardingAccessLog):
    def __init__(self, inner: AccessLog) -> None:
        super().__init__(inner)
        self.hidden: set[str] = set()

    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        if customer_id in self.hidden:
            return Page(items=())
        return self.inner.for_customer(customer_id, limit=limit, cursor=cursor)

    def count(self) -> int:
        hidden = sum(len(self.inner.for_customer(c, limit=10_000).items) for c in self.hidden)
        return self.inner.count() - hidden


class ErasureTakesAccessRecords(ForwardingStore):
    """Erases the access records of the customer too (the accountability trail)."""

    access_type = _HidingAccessLog

    def erase_customer(self, customer_id: str) -> ErasureReport:
        assert isinstance(self._access, _HidingAccessLog)
        self._access.hidden.add(customer_id)
        return self.inner.erase_customer(customer_id)


# -- running kit tests by hand ---------------------------------------------------


def run_kit_test(make: Callable[[], Store], name: str) -> None:
    """Run one ``StoreContract`` test on stores from ``make``, as pytest would."""

    class Kit(StoreContract):
        def make_store(self) -> Store:
            return make()

    kit = Kit()
    method = getattr(kit, name)
    kit.setup_method(method)
    try:
        method()
    finally:
        kit.teardown_method(method)


BROKEN: list[tuple[type[ForwardingStore], type[BaseException], list[str]]] = [
    (
        SaveIgnoresStaleVersions,
        AssertionError,
        [
            "test_stale_customer_save_raises_conflict_and_keeps_the_winner",
            "test_creating_a_customer_twice_conflicts",
            "test_saving_an_unknown_customer_with_a_version_conflicts",
        ],
    ),
    (TimelineTiesInArrivalOrder, AssertionError, ["test_ties_on_time_are_broken_by_id"]),
    (
        BatchAppendNotAtomic,
        AssertionError,
        [
            "test_batch_with_one_conflict_writes_nothing",
            "test_conflict_inside_one_batch_writes_nothing",
        ],
    ),
    (
        ChangedDuplicateAccepted,
        AssertionError,
        [
            "test_reusing_an_id_with_other_content_raises_conflict_and_keeps_original",
            # Forgiving a reassigned record's original must not forgive other changes.
            "test_the_unattributed_original_is_a_duplicate_after_reassign",
        ],
    ),
    (
        ScanUnordered,
        AssertionError,
        [
            "test_scan_streams_a_half_open_range_in_order_and_in_chunks",
            "test_scan_without_bounds_returns_the_whole_log_in_order",
        ],
    ),
    (
        ScanIgnoresChunkSize,
        AssertionError,
        [
            "test_scan_streams_a_half_open_range_in_order_and_in_chunks",
            "test_scan_is_lazy_and_chunks_respect_chunk_size",
            "test_scan_of_an_exact_multiple_ends_cleanly",
        ],
    ),
    (FullLastPageHasACursor, AssertionError, ["test_exact_fit_last_page_has_no_cursor"]),
    (
        ErasureLeavesInteractions,
        AssertionError,
        [
            "test_erase_customer_removes_every_record_of_theirs_only",
            "test_interactions_known_only_by_customer_id_are_erased_too",
        ],
    ),
    (
        TransactionsNeverRollBack,
        AssertionError,
        [
            "test_failed_transaction_rolls_back_every_write",
            "test_nested_transactions_join_the_outer_one",
            "test_conflict_inside_transaction_rolls_back_when_it_propagates",
            "test_reassign_inside_a_failed_transaction_is_undone",
        ],
    ),
    # The erasure is kept, so the kit's first read-back finds nothing.
    (TransactionsNeverRollBack, NotFound, ["test_erasure_inside_a_failed_transaction_is_undone"]),
    (
        CloseDoesNothing,
        AssertionError,
        ["test_closed_store_refuses_use", "test_store_is_a_context_manager_that_closes"],
    ),
    (ReassignNotAtomic, AssertionError, ["test_reassign_with_an_unknown_id_changes_nothing"]),
    # The kit's re-import of the original raises instead of returning False.
    (
        ReassignedOriginalConflicts,
        ConflictError,
        ["test_the_unattributed_original_is_a_duplicate_after_reassign"],
    ),
    (
        PendingIncludesDecided,
        AssertionError,
        ["test_suggestions_version_page_and_count_by_status"],
    ),
    (
        ErasureLeavesMergeRecords,
        AssertionError,
        ["test_erasure_takes_merged_profiles_merge_records_and_suggestions"],
    ),
    (
        ErasureLeavesSuggestions,
        AssertionError,
        ["test_erasure_takes_merged_profiles_merge_records_and_suggestions"],
    ),
    (
        ErasureIgnoresMergedProfiles,
        AssertionError,
        ["test_erasure_takes_merged_profiles_merge_records_and_suggestions"],
    ),
    (
        AccessLogOverwritesOnConflict,
        AssertionError,
        ["test_access_record_with_other_content_conflicts_and_keeps_the_original"],
    ),
    (
        AccessLogOrdersByLocalClock,
        AssertionError,
        ["test_access_log_orders_by_instant_across_utc_offsets"],
    ),
    (DueIgnoresLeases, AssertionError, ["test_due_takes_over_expired_leases_only"]),
    (
        OutboxSaveIgnoresStaleVersions,
        AssertionError,
        [
            "test_outbox_save_is_optimistic_and_needs_a_stored_key",
            "test_racing_claims_on_one_entry_have_one_winner",
        ],
    ),
    (
        OutboxAddForgivesAnotherMessage,
        AssertionError,
        ["test_another_message_under_a_stored_key_conflicts"],
    ),
    (
        ErasureLeavesOutboxEntries,
        AssertionError,
        ["test_erasure_removes_outbox_entries_and_keeps_access_records"],
    ),
    (
        OutboxScanSkipsSent,
        AssertionError,
        [
            "test_outbox_scan_streams_every_status_by_creation_then_key_in_chunks",
            "test_outbox_scan_follows_erasure_and_rolled_back_transactions",
        ],
    ),
    (
        OutboxScanOrdersByKey,
        AssertionError,
        [
            "test_outbox_scan_streams_every_status_by_creation_then_key_in_chunks",
            "test_outbox_scan_follows_erasure_and_rolled_back_transactions",
        ],
    ),
    (
        OutboxScanOrdersByDueTime,
        AssertionError,
        ["test_outbox_scan_streams_every_status_by_creation_then_key_in_chunks"],
    ),
    (
        OutboxScanShowsTheFirstState,
        AssertionError,
        ["test_outbox_scan_streams_every_status_by_creation_then_key_in_chunks"],
    ),
    (OutboxScanGuessesNaiveBounds, AssertionError, ["test_outbox_scan_rejects_bad_arguments"]),
    (
        ErasureTakesAccessRecords,
        AssertionError,
        ["test_erasure_removes_outbox_entries_and_keeps_access_records"],
    ),
]

CASES = [(store, error, name) for store, error, names in BROKEN for name in names]


@pytest.mark.parametrize(
    ("broken", "error", "name"), CASES, ids=[f"{s.__name__}-{n[5:]}" for s, _, n in CASES]
)
def test_the_kit_fails_a_store_that_breaks_the_clause(
    broken: type[ForwardingStore], error: type[BaseException], name: str
) -> None:
    with pytest.raises(error):
        run_kit_test(broken, name)


CLAUSE_TESTS = sorted({name for _, _, name in CASES})
BROKEN_STORES = sorted({store for store, _, _ in BROKEN}, key=lambda s: s.__name__)


@pytest.mark.parametrize("name", CLAUSE_TESTS, ids=[n[5:] for n in CLAUSE_TESTS])
def test_the_same_kit_tests_pass_on_the_faithful_forwarder(name: str) -> None:
    run_kit_test(ForwardingStore, name)


@pytest.mark.parametrize("broken", BROKEN_STORES, ids=[s.__name__ for s in BROKEN_STORES])
def test_broken_stores_still_look_like_stores(broken: type[ForwardingStore]) -> None:
    # Only behaviour gives them away: each still satisfies the protocols.
    run_kit_test(broken, "test_store_satisfies_the_protocols")


def test_every_named_kit_test_exists() -> None:
    kit_tests = {n for n in dir(StoreContract) if n.startswith("test_")}
    assert {n for _, _, n in CASES} <= kit_tests


class TestForwardingStore(StoreContract):
    """The faithful forwarder passes the whole kit, so each broken store differs
    from a conforming one only by its one override."""

    def make_store(self) -> Store:
        return ForwardingStore()

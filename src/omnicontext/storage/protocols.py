"""The storage contract: what a store adapter implements.

A :class:`Store` bundles narrow repositories, :class:`CustomerRepository`,
:class:`CaseRepository`, the append-only :class:`InteractionLog`, the
identity graph's :class:`MergeLog` and :class:`SuggestionRepository`, the
append-only :class:`AccessLog` (who looked at a customer's context) and the
notification :class:`Outbox`, with transactions and data-protection erasure.
Code that needs only one of them should ask for that one (a KPI calculator
takes an ``InteractionLog``).

The contract, checked for every adapter by :mod:`omnicontext.testing`:

* appending an interaction whose id exists is a no-op when the content is
  identical (``customer_id`` aside, see ``reassign``) and a
  :class:`~omnicontext.errors.ConflictError` when it differs;
  a batch append is all or nothing;
* saving a customer or case with a stale ``version`` raises ``ConflictError``
  (optimistic concurrency); nothing is silently overwritten;
* timelines come back ordered by time, ties broken by id, in pages;
* a time-range scan streams interactions in chunks, never the whole log;
* the only change ever made to a stored interaction is who it belongs to
  (``reassign``), as identity resolution learns it;
* ``erase_customer`` removes every record of a customer in one transaction,
  merge records, suggestions and outbox entries that hold its data included;
  access records are kept (ids and field names only: the accountability
  record of who looked at the customer);
* an access record is never changed: recording its id again is a no-op when
  the content is identical and a ``ConflictError`` when it differs;
* an outbox entry's message never changes once stored; adding it again under
  its key is a no-op, a different message under that key a ``ConflictError``;
  an outbox scan streams entries of any status by creation time, in chunks;
* writes inside ``with store.transaction():`` land together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

import attrs

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

__all__ = [
    "AccessLog",
    "AppendResult",
    "CaseRepository",
    "CustomerRepository",
    "ErasureReport",
    "InteractionLog",
    "MergeLog",
    "Outbox",
    "Page",
    "Store",
    "SuggestionRepository",
]

T = TypeVar("T")


@attrs.frozen
class Page(Generic[T]):
    """One page of an ordered result.

    Pass ``next_cursor`` back to get the following page; it is ``None`` on the
    last page. Cursors are opaque strings, valid for the store that made them.
    """

    items: tuple[T, ...]
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@attrs.frozen
class AppendResult:
    """What a batch append did: how many records were new and how many were
    exact repeats of records already stored (and so skipped)."""

    added: int
    duplicates: int


@attrs.frozen
class ErasureReport:
    """What ``erase_customer`` removed, by sort of record."""

    customer_id: str
    customers: int
    identities: int
    cases: int
    interactions: int
    merges: int
    """Merge records naming the customer (they hold copies of its profile)."""
    suggestions: int
    """Merge suggestions naming the customer."""
    notifications: int = 0
    """Outbox entries for the customer (they hold addresses and message text).
    Access records are kept: see :meth:`Store.erase_customer`."""

    @property
    def total(self) -> int:
        """All records removed."""
        return (
            self.customers
            + self.identities
            + self.cases
            + self.interactions
            + self.merges
            + self.suggestions
            + self.notifications
        )


@runtime_checkable
class CustomerRepository(Protocol):
    """Customer documents, looked up by id or by any of their identities."""

    def get(self, customer_id: str) -> Customer:
        """The customer, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def save(self, customer: Customer) -> Customer:
        """Store ``customer`` and return it with ``version`` increased by one.

        ``customer.version`` must equal the stored version (``0`` for a new
        customer); otherwise :class:`~omnicontext.errors.ConflictError`.
        """
        ...

    def find_by_identity(self, identity: Identity | str) -> list[Customer]:
        """Customers holding ``identity`` (or its :attr:`~Identity.key`), sorted by id.

        Usually one; several when an identifier is shared (a family phone).
        """
        ...

    def count(self) -> int:
        """How many customers are stored."""
        ...

    def scan(self, *, chunk_size: int = 1000) -> Iterator[Sequence[Customer]]:
        """Every customer (merged profiles included), by id, in chunks of at
        most ``chunk_size``; memory stays bounded by one chunk."""
        ...


@runtime_checkable
class CaseRepository(Protocol):
    """Case documents."""

    def get(self, case_id: str) -> Case:
        """The case, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def save(self, case: Case) -> Case:
        """Store ``case`` and return it with ``version`` increased by one.

        Same optimistic-concurrency rule as :meth:`CustomerRepository.save`.
        """
        ...

    def for_customer(self, customer_id: str) -> list[Case]:
        """The customer's cases, sorted by id."""
        ...


@runtime_checkable
class InteractionLog(Protocol):
    """The append-only log of interactions."""

    def append(self, interaction: Interaction) -> bool:
        """Append one interaction; ``True`` if added, ``False`` if an identical
        record with that id was already there. Different content under an
        existing id raises :class:`~omnicontext.errors.ConflictError`."""
        ...

    def append_many(self, interactions: Iterable[Interaction]) -> AppendResult:
        """Append a batch, all or nothing: one conflict and nothing is written."""
        ...

    def get(self, interaction_id: str) -> Interaction:
        """The interaction, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def customer_timeline(
        self,
        customer_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        """A customer's interactions on every channel, by time then id, paged."""
        ...

    def case_timeline(
        self,
        case_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> Page[Interaction]:
        """A case's interactions on every channel, by time then id, paged."""
        ...

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[Interaction]]:
        """Interactions with ``start <= occurred_at < end``, by time then id,
        in chunks of at most ``chunk_size``; memory stays bounded by one chunk."""
        ...

    def count(self) -> int:
        """How many interactions are stored."""
        ...

    def reassign(self, interaction_ids: Iterable[str], customer_id: str | None) -> int:
        """Attribute interactions to ``customer_id`` (``None``: back to unresolved).

        Who an interaction belongs to is the one thing a store changes in a
        stored interaction: identity resolution learns it after the fact (a
        merge, a claimed identifier). The stored record afterwards equals the
        original with ``customer_id`` replaced. All or nothing: an unknown id
        raises :class:`~omnicontext.errors.NotFound` and nothing changes.
        Repeated ids count once. Whether ``customer_id`` names a stored
        customer is the caller's business (resolution may attribute records to
        a profile another system keeps). Returns how many records changed
        (those already attributed to ``customer_id`` do not count).
        """
        ...

    def unresolved(
        self, identity_key: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Interaction]:
        """Interactions without a ``customer_id`` that arrived with the identity
        whose :attr:`~omnicontext.model.Identity.key` is ``identity_key``, by
        time then id, paged."""
        ...


@runtime_checkable
class MergeLog(Protocol):
    """Every merge made, kept so that it can be explained and undone."""

    def get(self, merge_id: str) -> MergeRecord:
        """The merge record, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def save(self, record: MergeRecord) -> MergeRecord:
        """Store ``record`` and return it with ``version`` increased by one.

        Same optimistic-concurrency rule as :meth:`CustomerRepository.save`.
        """
        ...

    def for_customer(self, customer_id: str) -> list[MergeRecord]:
        """Merges in which the customer survived or was absorbed, by
        ``merged_at`` then id."""
        ...

    def count(self) -> int:
        """How many merge records are stored."""
        ...


@runtime_checkable
class SuggestionRepository(Protocol):
    """Merge suggestions waiting for (or given) a human decision."""

    def get(self, suggestion_id: str) -> MergeSuggestion:
        """The suggestion, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def save(self, suggestion: MergeSuggestion) -> MergeSuggestion:
        """Store ``suggestion`` and return it with ``version`` increased by one.

        Same optimistic-concurrency rule as :meth:`CustomerRepository.save`.
        """
        ...

    def for_customer(self, customer_id: str) -> list[MergeSuggestion]:
        """Suggestions naming the customer, any status, by ``created_at`` then id."""
        ...

    def pending(self, *, limit: int = 100, cursor: str | None = None) -> Page[MergeSuggestion]:
        """Pending suggestions, by ``created_at`` then id, paged."""
        ...

    def count(self, status: SuggestionStatus | str | None = None) -> int:
        """How many suggestions are stored (with ``status``, if given)."""
        ...


@runtime_checkable
class AccessLog(Protocol):
    """The append-only audit trail of who looked at a customer's context.

    Records hold ids and field names, never the content shown. They are never
    changed and never erased with the customer: they are the accountability
    record of who looked at whom (see :meth:`Store.erase_customer`).
    """

    def record(self, entry: AccessRecord) -> bool:
        """Append one access record; ``True`` if added, ``False`` if an
        identical record with that id was already there (a no-op). Different
        content under an existing id raises
        :class:`~omnicontext.errors.ConflictError` and changes nothing."""
        ...

    def get(self, record_id: str) -> AccessRecord:
        """The access record, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def for_customer(
        self, customer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        """Looks at the customer's context, by ``occurred_at`` (the instant,
        whatever the UTC offset) then id, paged."""
        ...

    def for_viewer(
        self, viewer_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[AccessRecord]:
        """What one viewer looked at, by ``occurred_at`` then id, paged."""
        ...

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[AccessRecord]]:
        """Records with ``start <= occurred_at < end``, by time then id, in
        chunks of at most ``chunk_size``; memory stays bounded by one chunk."""
        ...

    def count(self) -> int:
        """How many access records are stored."""
        ...


@runtime_checkable
class Outbox(Protocol):
    """Notifications waiting to be delivered, each under an idempotency key.

    The message fields of an entry (key, channel, ``to``, subject, body,
    customer and case: :meth:`~omnicontext.model.notification.OutboxEntry.same_message`)
    never change once stored; its status, attempts, lease and delivery
    details move on through :meth:`save`, under optimistic concurrency.
    """

    def add(self, entry: OutboxEntry) -> bool:
        """Enqueue ``entry`` (its ``version`` must be ``0``, else
        :class:`~omnicontext.errors.InvalidInput`); ``True`` if new, stored
        with version 1.

        When an entry with that key is already stored, the same message is a
        no-op returning ``False`` whatever the stored entry's status (so a
        retried enqueue never sends twice); a different message under the key
        raises :class:`~omnicontext.errors.ConflictError`.
        """
        ...

    def get(self, key: str) -> OutboxEntry:
        """The entry, or :class:`~omnicontext.errors.NotFound`."""
        ...

    def save(self, entry: OutboxEntry) -> OutboxEntry:
        """Store a new state of an existing entry and return it with
        ``version`` increased by one.

        ``entry.version`` must equal the stored version, as for
        :meth:`CustomerRepository.save` (otherwise
        :class:`~omnicontext.errors.ConflictError`): two workers claiming one
        entry cannot both win. The key must be stored
        (:class:`~omnicontext.errors.NotFound`; new entries go through
        :meth:`add`), and the message fields may not change (``ConflictError``).
        """
        ...

    def due(self, now: datetime, *, limit: int = 100) -> list[OutboxEntry]:
        """Entries a worker should take up at ``now``: ``pending`` ones whose
        ``not_before`` is unset or ``<= now``, and ``sending`` ones whose
        ``lease_until <= now`` (a dead worker's claim); ordered by
        ``not_before`` (or ``created_at`` when unset), then key; at most
        ``limit``."""
        ...

    def for_customer(self, customer_id: str) -> list[OutboxEntry]:
        """The customer's entries, any status, by ``created_at`` then key."""
        ...

    def scan(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        chunk_size: int = 1000,
    ) -> Iterator[Sequence[OutboxEntry]]:
        """Entries with ``start <= created_at < end`` (instants, whatever the
        UTC offset), by ``created_at`` then key, in chunks of at most
        ``chunk_size``; memory stays bounded by one chunk. Any status; each
        entry appears once, in its latest saved state.

        As for :meth:`InteractionLog.scan`, a naive bound, an ``end`` before
        ``start`` or a ``chunk_size`` outside 1..10,000 raises
        :class:`~omnicontext.errors.InvalidInput` naming it.
        """
        ...

    def count(self, status: OutboxStatus | str | None = None) -> int:
        """How many entries are stored (with ``status``, if given)."""
        ...


@runtime_checkable
class Store(Protocol):
    """A whole store: the repositories, transactions and erasure.

    Stores are context managers; leaving the ``with`` block closes them. One
    store object may be shared by several threads: every method is safe to
    call concurrently, and a transaction block holds the store for its thread
    until it ends.
    """

    @property
    def customers(self) -> CustomerRepository:
        """Customer documents."""
        ...

    @property
    def cases(self) -> CaseRepository:
        """Case documents."""
        ...

    @property
    def interactions(self) -> InteractionLog:
        """The interaction log."""
        ...

    @property
    def merges(self) -> MergeLog:
        """Merge records."""
        ...

    @property
    def suggestions(self) -> SuggestionRepository:
        """Merge suggestions."""
        ...

    @property
    def access_log(self) -> AccessLog:
        """The access audit trail."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The notification outbox."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """A block whose writes land together or not at all.

        Nested blocks join the outermost one. An exception leaving the
        outermost block rolls every write in it back, then propagates.
        Each write call stays atomic inside a block: one that raises leaves
        nothing of itself, so code that catches its error can go on with the
        rest of the block.
        """
        ...

    def erase_customer(self, customer_id: str) -> ErasureReport:
        """Remove every record of a customer, in one transaction.

        Removes the customer document and its identities, its cases, every
        interaction carrying its ``customer_id`` or one of its case ids, and
        unresolved interactions that arrived with one of its identities when no
        other customer holds that identity; merge records and suggestions that
        name it; and, the same way, every profile merged into it
        (``merged_into``), since those were the same person. Its outbox
        entries go too (they hold addresses and message text), counted in
        :attr:`ErasureReport.notifications`. Access records are kept: they
        hold ids and field names only, no content, and are the
        accountability record of who looked at the customer. An id that was
        itself merged into another profile stands for that profile: the whole
        person is erased. Records that carry
        the id are removed even when no customer document exists (an import
        that never created one); an id nothing refers to removes nothing and
        reports zeros.
        """
        ...

    def close(self) -> None:
        """Release the store's resources. Using it afterwards raises ``StoreError``."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc_info: object) -> None: ...

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
from typing import Self

from omnicontext.errors import NotFound, StoreError
from omnicontext.model import Case, Customer, Identity, Interaction
from omnicontext.storage._common import (
    check_chunk_size,
    check_document,
    check_interaction,
    check_limit,
    check_range,
    decode_cursor,
    duplicate_content,
    encode_cursor,
    same_content,
    stale_version,
    time_key,
)
from omnicontext.storage.protocols import AppendResult, ErasureReport, Page

__all__ = ["MemoryStore"]

_Key = tuple[int, str]


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
    records: dict[str, tuple[_Key, Interaction, str]],
    *,
    limit: int,
    cursor: str | None,
    newest_first: bool,
) -> Page[Interaction]:
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
            old = self._s._customers.get(customer.id)
            stored = None if old is None else old.version
            if customer.version != (stored or 0):
                raise stale_version("customer", customer.id, customer.version, stored)
            new = customer.model_copy(update={"version": customer.version + 1})
            self._s._put_customer(customer.id, new)
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
            old = self._s._cases.get(case.id)
            stored = None if old is None else old.version
            if case.version != (stored or 0):
                raise stale_version("case", case.id, case.version, stored)
            new = case.model_copy(update={"version": case.version + 1})
            self._s._put_case(case.id, new)
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
        after: _Key | None = None
        while True:
            with self._s._lock:
                self._s._check_open()
                ordered = self._s._all.sorted()
                if after is not None:
                    begin = bisect.bisect_right(ordered, after)
                elif lo is not None:
                    begin = bisect.bisect_left(ordered, (lo, ""))
                else:
                    begin = 0
                keys = ordered[begin : begin + chunk_size]
                if hi is not None:
                    keys = [k for k in keys if k[0] < hi]
                chunk = [self._s._interactions[k[1]][1] for k in keys]
            if not chunk:
                return
            yield chunk
            if len(keys) < chunk_size:
                return
            after = keys[-1]

    def count(self) -> int:
        with self._s._lock:
            self._s._check_open()
            return len(self._s._interactions)


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
        self._undo: list[Callable[[], None]] | None = None
        self._depth = 0
        self._customers_repo = _Customers(self)
        self._cases_repo = _Cases(self)
        self._interactions_repo = _Interactions(self)

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
            )

    def close(self) -> None:
        """Drop everything; later use raises ``StoreError``."""
        with self._lock:
            self._closed = True
            self._interactions.clear()
            self._customers.clear()
            self._cases.clear()

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

    def _put_interaction(self, item: Interaction, text: str) -> None:
        key = (time_key(item.occurred_at), item.id)
        self._interactions[item.id] = (key, item, text)
        self._all.add(key)
        if item.customer_id is not None:
            self._by_customer.setdefault(item.customer_id, _SortedKeys()).add(key)
        if item.case_id is not None:
            self._by_case.setdefault(item.case_id, _SortedKeys()).add(key)
        self._remember(lambda: self._drop_interaction(item.id, remember=False))

    def _drop_interaction(self, interaction_id: str, *, remember: bool = True) -> None:
        key, item, text = self._interactions.pop(interaction_id)
        self._all.remove(key)
        for index, owner in ((self._by_customer, item.customer_id), (self._by_case, item.case_id)):
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

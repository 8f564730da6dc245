"""``silo_report``: how far a store is from one customer, one history.

Data silos show up as four symptoms, each measured here from the store:
profiles that probably belong together (pending merge suggestions),
interactions nobody is attached to, customers seen on one channel only (their
other channels live somewhere else, or they were never recognised there), and
identifiers several profiles hold (a shared phone: the resolver cannot use it,
and neither can an agent).

>>> from omnicontext.storage import MemoryStore
>>> report = silo_report(MemoryStore())
>>> report.customers, report.unlinked_interactions
(0, 0)
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput, NotFound
from omnicontext.model import MergeSuggestion
from omnicontext.storage import Store

__all__ = ["SharedIdentifier", "SiloReport", "silo_report"]


@attrs.frozen
class SharedIdentifier:
    """An identifier several profiles hold."""

    key: str
    customer_ids: tuple[str, ...]

    @property
    def holders(self) -> int:
        """How many profiles hold it."""
        return len(self.customer_ids)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@attrs.frozen
class SiloReport:
    """The silo indicators of one store. Shares are fractions in [0, 1], or
    ``None`` when there is nothing to divide by."""

    customers: int
    """Profiles, not counting those merged into another."""
    merged_profiles: int
    interactions: int
    pending_suggestions: int
    top_suggestions: tuple[MergeSuggestion, ...]
    """The pending suggestions with the highest scores, best first."""
    unlinked_interactions: int
    """Interactions with no customer at all: none of their own, and no case
    that names one."""
    unlinked_with_identity: int
    """Of those, how many carry an identifier (resolution could place them)."""
    unlinked_by_channel: dict[str, int]
    unknown_customer_interactions: int
    """Interactions naming a customer id no stored profile has (history kept
    in another system, or a profile erased there)."""
    customers_with_interactions: int
    single_channel_customers: int
    channels_per_customer: dict[int, int]
    """How many customers were seen on 1, 2, 3... channels."""
    shared_identifier_count: int
    """Identifiers held by two or more profiles."""
    shared_identifiers: tuple[SharedIdentifier, ...]
    """The most-held of those, most-held first."""

    @property
    def unlinked_share(self) -> float | None:
        """Unlinked interactions as a share of all interactions."""
        return _share(self.unlinked_interactions, self.interactions)

    @property
    def single_channel_share(self) -> float | None:
        """Single-channel customers as a share of customers with interactions."""
        return _share(self.single_channel_customers, self.customers_with_interactions)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return {
            "customers": self.customers,
            "merged_profiles": self.merged_profiles,
            "interactions": self.interactions,
            "pending_suggestions": self.pending_suggestions,
            "top_suggestions": [s.model_dump(mode="json") for s in self.top_suggestions],
            "unlinked_interactions": self.unlinked_interactions,
            "unlinked_with_identity": self.unlinked_with_identity,
            "unlinked_share": self.unlinked_share,
            "unlinked_by_channel": dict(self.unlinked_by_channel),
            "unknown_customer_interactions": self.unknown_customer_interactions,
            "customers_with_interactions": self.customers_with_interactions,
            "single_channel_customers": self.single_channel_customers,
            "single_channel_share": self.single_channel_share,
            "channels_per_customer": {str(k): v for k, v in self.channels_per_customer.items()},
            "shared_identifier_count": self.shared_identifier_count,
            "shared_identifiers": [
                {"key": s.key, "customer_ids": list(s.customer_ids)}
                for s in self.shared_identifiers
            ],
        }

    def __str__(self) -> str:
        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1%}"

        lines = [
            f"customers                      {self.customers:>10,}"
            f"   (+{self.merged_profiles:,} merged into others)",
            f"pending merge suggestions      {self.pending_suggestions:>10,}",
            f"interactions without customer  {self.unlinked_interactions:>10,}"
            f"   {pct(self.unlinked_share)} of {self.interactions:,};"
            f" {self.unlinked_with_identity:,} carry an identifier",
            f"customers on one channel only  {self.single_channel_customers:>10,}"
            f"   {pct(self.single_channel_share)} of {self.customers_with_interactions:,}"
            " with interactions",
            f"identifiers shared by profiles {self.shared_identifier_count:>10,}",
        ]
        for shared in self.shared_identifiers[:5]:
            lines.append(f"  {shared.key} held by {shared.holders}")
        for suggestion in self.top_suggestions[:5]:
            pair = " + ".join(suggestion.customer_ids)
            lines.append(f"  suggestion {suggestion.id}: {pair} (score {suggestion.score:.2f})")
        return "\n".join(lines)


def silo_report(store: Store, *, top: int = 20, chunk_size: int = 1000) -> SiloReport:
    """Measure the silo indicators of ``store``, streaming: memory grows with
    the number of customers and cases, not of interactions or suggestions.

    An interaction belongs to its ``customer_id``, or else to the customer of
    its case; a profile merged into another counts as the one it became.
    ``top`` is how many pending suggestions (highest score first) and shared
    identifiers to list in full; all are counted.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise InvalidInput("silo report", [FieldError("top", top, "a non-negative integer")])
    customers = merged = 0
    holders: dict[str, list[str]] = {}
    became: dict[str, str | None] = {}
    for chunk in store.customers.scan(chunk_size=chunk_size):
        for customer in chunk:
            became[customer.id] = customer.merged_into
            if customer.merged_into is not None:
                merged += 1
                continue
            customers += 1
            for ident in customer.identities:
                holders.setdefault(ident.key, []).append(customer.id)
    shared = sorted(
        (SharedIdentifier(key, tuple(ids)) for key, ids in holders.items() if len(ids) > 1),
        key=lambda s: (-s.holders, s.key),
    )

    def person(customer_id: str) -> str:
        seen = {customer_id}
        while (nxt := became.get(customer_id)) is not None and nxt not in seen:
            seen.add(nxt)
            customer_id = nxt
        return customer_id

    case_owner: dict[str, str | None] = {}

    def owner_of_case(case_id: str) -> str | None:
        if case_id not in case_owner:
            try:
                case_owner[case_id] = store.cases.get(case_id).customer_id
            except NotFound:
                case_owner[case_id] = None
        return case_owner[case_id]

    interactions = unlinked = unlinked_identity = unknown = 0
    unlinked_channels: Counter[str] = Counter()
    channels: dict[str, set[str]] = {}
    for batch in store.interactions.scan(chunk_size=chunk_size):
        for item in batch:
            interactions += 1
            owner = item.customer_id
            if owner is None and item.case_id is not None:
                owner = owner_of_case(item.case_id)
            if owner is None:
                unlinked += 1
                unlinked_channels[item.channel] += 1
                if item.identity is not None:
                    unlinked_identity += 1
                continue
            if owner not in became:
                unknown += 1
                continue
            channels.setdefault(person(owner), set()).add(item.channel)
    spread = Counter(len(names) for names in channels.values())

    pending = 0
    ranked: list[MergeSuggestion] = []  # the best ``top`` so far
    cursor: str | None = None
    while True:
        page = store.suggestions.pending(limit=1000, cursor=cursor)
        pending += len(page)
        ranked = sorted([*ranked, *page], key=lambda s: (-s.score, s.id))[:top]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return SiloReport(
        customers=customers,
        merged_profiles=merged,
        interactions=interactions,
        pending_suggestions=pending,
        top_suggestions=tuple(ranked),
        unlinked_interactions=unlinked,
        unlinked_with_identity=unlinked_identity,
        unlinked_by_channel=dict(sorted(unlinked_channels.items())),
        unknown_customer_interactions=unknown,
        customers_with_interactions=len(channels),
        single_channel_customers=spread.get(1, 0),
        channels_per_customer=dict(sorted(spread.items())),
        shared_identifier_count=len(shared),
        shared_identifiers=tuple(shared[:top]),
    )

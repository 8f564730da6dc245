"""``resolve_many``: link a large export from several siloed systems in one pass.

Each input record is one profile in one system (a CRM contact, a shop
account, a social follower) with the identifiers it holds. Records that share
a strong identifier verified on both are joined (union-find over identifier
edges), under the same rules as :class:`~omnicontext.identity.IdentityResolver`:
identifiers held by too many profiles of one system are not evidence,
protection rules are never broken, and anything weaker becomes a suggestion.
The result does not depend on the order of the input: edges are applied in a
canonical order and customer ids are derived from the records they hold.

>>> from omnicontext.identity import SourceRecord, normalize, resolve_many
>>> result = resolve_many([
...     SourceRecord("crm", "17", [normalize("email", "ada@example.com", verified=True)]),
...     SourceRecord("shop", "A-9", [normalize("email", "ADA@example.com", verified=True),
...                                  normalize("phone", "+44 20 7946 0958")]),
...     SourceRecord("twitter", "99", [normalize("social", "twitter:@ada")]),
... ])
>>> len(result.customers), result.customer_of("crm", "17") == result.customer_of("shop", "A-9")
(2, True)
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import attrs

from omnicontext._gc import collector_paused
from omnicontext.errors import FieldError, InvalidInput
from omnicontext.identity.normalize import NormalizeOptions, normalize
from omnicontext.identity.policy import MergePolicy, strongest_per_key
from omnicontext.identity.resolver import suggestion_id
from omnicontext.model import Customer, Identity, IdentityKind, MergeSuggestion

__all__ = [
    "BulkProblem",
    "BulkResolution",
    "ResolvedCustomer",
    "SourceRecord",
    "components",
    "resolve_many",
]


def _identities(value: Iterable[Identity]) -> tuple[Identity, ...]:
    return tuple(value)


@attrs.frozen
class SourceRecord:
    """One profile in one system: ``source`` names the system, ``record_id``
    the profile there; ``identities`` are the identifiers it holds."""

    source: str
    record_id: str
    identities: tuple[Identity, ...] = attrs.field(converter=_identities, default=())
    display_name: str | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("source", "record_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidInput("source record", [FieldError(name, value, "a non-empty id")])
        for ident in self.identities:
            if not isinstance(ident, Identity):
                raise InvalidInput(
                    "source record",
                    [FieldError("identities", ident, "expected Identity objects")],
                )

    @property
    def ref(self) -> tuple[str, str]:
        """``(source, record_id)``."""
        return (self.source, self.record_id)


@attrs.frozen
class ResolvedCustomer:
    """One person found in the export: the records that are them and the
    identifiers they hold (verified if any record verified it)."""

    id: str
    records: tuple[tuple[str, str], ...]
    identities: tuple[Identity, ...]
    display_name: str | None = None

    def to_customer(self, *, created_at: datetime | None = None) -> Customer:
        """The customer document, ready for ``store.customers.save``."""
        return Customer(
            id=self.id,
            display_name=self.display_name,
            identities=self.identities,
            created_at=created_at,
        )


@attrs.frozen
class BulkProblem:
    """An identifier that could not be normalised, and why; its record is
    still linked through its other identifiers."""

    source: str
    record_id: str
    error: InvalidInput

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id}: {self.error}"


@attrs.frozen
class BulkResolution:
    """What :func:`resolve_many` found."""

    customers: tuple[ResolvedCustomer, ...]
    suggestions: tuple[MergeSuggestion, ...]
    problems: tuple[BulkProblem, ...]
    shared: dict[str, int]
    """Identifiers held by more profiles of one system than the policy allows,
    with that count: never used as evidence."""
    blocked: int
    """Joins a protection rule refused (each also left a suggestion)."""
    _index: dict[tuple[str, str], str] = attrs.field(repr=False, alias="index")

    def customer_of(self, source: str, record_id: str) -> str:
        """The customer id a record was resolved to.

        :raises KeyError: no such record was given.
        """
        return self._index[(source, record_id)]


class _Sets:
    """Union-find over record numbers, with path halving and union by size."""

    __slots__ = ("parent", "size")

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        return a


def components(count: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """The linking step on its own: connected components of ``count`` nodes
    joined by ``edges``, as a label per node (the smallest node of its
    component).

    It is the union-find :func:`resolve_many` joins records with (path
    halving, union by size), for comparing with graph libraries on the same
    edges.

    >>> components(5, [(0, 3), (3, 4)])
    [0, 1, 2, 0, 0]
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInput("components", [FieldError("count", count, "a non-negative integer")])
    sets = _Sets(count)
    find = sets.find
    for a, b in edges:
        if not (0 <= a < count and 0 <= b < count):
            raise InvalidInput(
                "components", [FieldError("edges", (a, b), f"nodes are 0..{count - 1}")]
            )
        ra, rb = find(a), find(b)
        if ra != rb:
            sets.union(ra, rb)
    smallest: dict[int, int] = {}
    labels = []
    for node in range(count):
        root = find(node)
        labels.append(smallest.setdefault(root, node))
    return labels


def _stable_id(ref: tuple[str, str]) -> str:
    # The length prefix keeps the two parts apart whatever characters they hold.
    text = f"{len(ref[0])}:{ref[0]}{ref[1]}"
    digest = hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    return f"cus_{digest}"


class _Keys:
    """Every distinct identifier seen, by number: its key and kind, and the
    canonical identity each raw spelling normalises to (once per spelling)."""

    __slots__ = ("canonical", "ids", "keys", "kinds", "options", "region", "verified")

    def __init__(self, region: str | None, options: NormalizeOptions | None) -> None:
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []
        self.kinds: list[IdentityKind] = []
        self.canonical: dict[tuple[object, ...], Identity] = {}
        self.verified: dict[tuple[object, ...], Identity] = {}
        self.region = region
        self.options = options

    def number(self, ident: Identity) -> int:
        """The number of an identity in canonical form."""
        key = ident.key
        number = self.ids.get(key)
        if number is None:
            number = self.ids[key] = len(self.keys)
            self.keys.append(key)
            self.kinds.append(ident.kind)
        return number

    def normalize(self, ident: Identity) -> Identity:
        """``ident`` in canonical form, its verification kept."""
        spelling = (ident.kind, ident.value, ident.platform, ident.system)
        bare = self.canonical.get(spelling)
        if bare is None:
            bare = self.canonical[spelling] = normalize(
                ident.kind,
                ident.value,
                platform=ident.platform,
                system=ident.system,
                region=self.region,
                options=self.options,
            )
        if not ident.verified:
            return bare
        how = (bare.key, ident.verified_at, ident.verification_method)
        copy = self.verified.get(how)
        if copy is None:
            # Both halves are validated already: the canonical identity and
            # the verification of the identity given.
            copy = self.verified[how] = bare.model_copy(
                update={
                    "verified": True,
                    "verified_at": ident.verified_at,
                    "verification_method": ident.verification_method,
                }
            )
        return copy


def resolve_many(
    records: Iterable[SourceRecord],
    *,
    policy: MergePolicy | None = None,
    region: str | None = None,
    options: NormalizeOptions | None = None,
    normalized: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> BulkResolution:
    """Link records from several systems into customers, in one pass.

    ``normalized=True`` skips normalisation when the identities are already
    canonical (from :func:`~omnicontext.identity.normalize`). An identifier
    that cannot be normalised is reported in ``problems`` and left out; the
    record is still linked through its other identifiers. A record given
    twice (same source and id) is rejected with ``InvalidInput``.

    Each distinct spelling is normalised once, and records are kept as flat
    arrays of identifier numbers. Python's cyclic garbage collector is paused
    for the call (and restored after): this work makes no reference cycles,
    and with a million records the collector's repeated scans of the growing
    heap took a third of the time.
    """
    with collector_paused():
        return _resolve_many(records, policy, region, options, normalized, clock)


def _resolve_many(
    records: Iterable[SourceRecord],
    policy: MergePolicy | None,
    region: str | None,
    options: NormalizeOptions | None,
    normalized: bool,
    clock: Callable[[], datetime] | None,
) -> BulkResolution:
    rules = policy or MergePolicy()
    now = (clock or (lambda: datetime.now(UTC)))()
    keys = _Keys(region, options)
    refs: list[tuple[str, str]] = []
    names: list[str | None] = []
    sources: dict[str, int] = {}
    source_of = array("l")
    start = array("l", [0])  # record n holds occurrences start[n]:start[n + 1]
    held_key = array("l")
    held: list[Identity] = []
    problems: list[BulkProblem] = []
    seen: set[tuple[str, str]] = set()
    for record in records:
        if not isinstance(record, SourceRecord):
            raise InvalidInput(
                "resolve_many", [FieldError("records", record, "expected SourceRecord objects")]
            )
        ref = (record.source, record.record_id)
        if ref in seen:
            raise InvalidInput(
                "resolve_many",
                [FieldError("record_id", f"{record.source}:{record.record_id}", "given twice")],
            )
        seen.add(ref)
        first = len(held_key)
        for ident in record.identities:
            if normalized:
                mine = ident
            else:
                try:
                    mine = keys.normalize(ident)
                except InvalidInput as exc:
                    # Keep the error, not its traceback: the frames it holds
                    # would keep this whole call's working data alive.
                    exc.__context__ = None
                    problems.append(
                        BulkProblem(record.source, record.record_id, exc.with_traceback(None))
                    )
                    continue
            number = keys.number(mine)
            for at in range(first, len(held_key)):
                if held_key[at] == number:
                    if mine.verified and not held[at].verified:
                        held[at] = mine
                    break
            else:
                held_key.append(number)
                held.append(mine)
        start.append(len(held_key))
        refs.append(ref)
        names.append(record.display_name)
        source_of.append(sources.setdefault(record.source, len(sources)))
    del seen
    count = len(refs)
    order = sorted(range(count), key=refs.__getitem__)

    # Which records hold each identifier held more than once, in canonical order.
    times = array("l", bytes(8 * len(keys.keys)))
    for number in held_key:
        times[number] += 1
    holders: dict[int, list[tuple[int, bool]]] = {}
    for n in order:
        for at in range(start[n], start[n + 1]):
            number = held_key[at]
            if times[number] > 1:
                holders.setdefault(number, []).append((n, held[at].verified))
    del times
    shared: dict[str, int] = {}
    usable: list[tuple[str, int]] = []
    most: dict[int, int] = {}
    for number, holding in holders.items():
        per_source: dict[int, int] = {}
        for n, _ in holding:
            per_source[source_of[n]] = per_source.get(source_of[n], 0) + 1
        most[number] = top = max(per_source.values())
        key = keys.keys[number]
        if top > rules.max_holders:
            shared[key] = top
        else:
            usable.append((key, number))
    usable.sort()

    def identities_of(members: Iterable[int]) -> list[Identity]:
        return [held[at] for n in members for at in range(start[n], start[n + 1])]

    # Join on strong identifiers verified on both sides, in canonical order.
    sets = _Sets(count)
    members: dict[int, list[int]] = {}
    blocked_pairs: set[tuple[int, int]] = set()
    protected = bool(rules.protections)
    if rules.auto_merge:
        for _, number in usable:
            if keys.kinds[number] not in rules.automatic_kinds:
                continue
            verified = [n for n, yes in holders[number] if yes]
            for n in verified[1:]:
                a, b = sets.find(verified[0]), sets.find(n)
                if a == b:
                    continue
                if protected:
                    both = identities_of(members.get(a, [a])) + identities_of(members.get(b, [b]))
                    if rules.blocked_by(both) is not None:
                        blocked_pairs.add((min(a, b), max(a, b)))
                        continue
                root = sets.union(a, b)
                if protected:
                    other = b if root == a else a
                    members.setdefault(root, [root]).extend(members.pop(other, [other]))
    del members

    # Customers: their records in canonical order, identities, names, ids.
    groups: dict[int, list[int]] = {}
    for n in order:
        groups.setdefault(sets.find(n), []).append(n)
    ids = {root: _stable_id(refs[numbers[0]]) for root, numbers in groups.items()}

    def customer_identities(numbers: list[int]) -> dict[str, Identity]:
        return strongest_per_key(identities_of(numbers))

    # Weaker evidence between different customers becomes suggestions.
    pairs: set[tuple[int, int]] = set()
    for _, number in usable:
        roots = sorted({sets.find(n) for n, _ in holders[number]}, key=ids.__getitem__)
        for i, a in enumerate(roots):
            for b in roots[i + 1 :]:
                pairs.add((a, b))
    for a, b in blocked_pairs:
        ra, rb = sets.find(a), sets.find(b)
        if ra != rb:
            pairs.add((ra, rb) if ids[ra] < ids[rb] else (rb, ra))
    suggestions: list[MergeSuggestion] = []
    for a, b in sorted(pairs, key=lambda p: (ids[p[0]], ids[p[1]])):
        mine_a, mine_b = customer_identities(groups[a]), customer_identities(groups[b])
        counts = {k: max(2, most[keys.ids[k]]) for k in mine_a.keys() & mine_b.keys()}
        verdict = rules.assess(
            list(mine_a.values()),
            list(mine_b.values()),
            holders=counts,
            names=(_name(groups[a], names), _name(groups[b], names)),
        )
        if not verdict.evidence or verdict.score < rules.suggest_threshold:
            continue
        suggestions.append(
            MergeSuggestion(
                id=suggestion_id(ids[a], ids[b]),
                customer_ids=(ids[a], ids[b]),
                score=verdict.score,
                evidence=verdict.evidence,
                created_at=now,
                note=f"not merged automatically: {verdict.why_not_automatic()}",
            )
        )

    customers: list[ResolvedCustomer] = []
    index: dict[tuple[str, str], str] = {}
    for root, numbers in groups.items():
        cid = ids[root]
        if len(numbers) == 1:
            n = numbers[0]
            owned = sorted(held[start[n] : start[n + 1]], key=_key_of)
        else:
            merged = customer_identities(numbers)
            owned = [merged[k] for k in sorted(merged)]
        customers.append(
            ResolvedCustomer(
                id=cid,
                records=tuple(refs[n] for n in numbers),
                identities=tuple(owned),
                display_name=_name(numbers, names),
            )
        )
        for n in numbers:
            index[refs[n]] = cid
    customers.sort(key=_id_of)
    return BulkResolution(
        customers=tuple(customers),
        suggestions=tuple(suggestions),
        problems=tuple(problems),
        shared=shared,
        blocked=len(blocked_pairs),
        index=index,
    )


def _key_of(ident: Identity) -> str:
    return ident.key


def _id_of(customer: ResolvedCustomer) -> str:
    return customer.id


def _name(numbers: Sequence[int], names: Sequence[str | None]) -> str | None:
    for n in numbers:
        if names[n]:
            return names[n]
    return None

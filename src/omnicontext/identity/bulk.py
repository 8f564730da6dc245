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
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.identity.normalize import NormalizeOptions, normalize_identity
from omnicontext.identity.policy import STRONG_KINDS, MergePolicy
from omnicontext.identity.resolver import suggestion_id
from omnicontext.model import Customer, Identity, MergeSuggestion

__all__ = [
    "BulkProblem",
    "BulkResolution",
    "ResolvedCustomer",
    "SourceRecord",
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


def _stable_id(ref: tuple[str, str]) -> str:
    # JSON keeps the two parts apart whatever characters they hold.
    text = json.dumps(list(ref), ensure_ascii=False)
    digest = hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    return f"cus_{digest}"


def _normalizer(
    region: str | None, options: NormalizeOptions | None
) -> Callable[[Identity], Identity]:
    cache: dict[tuple[object, ...], Identity] = {}

    def canonical(ident: Identity) -> Identity:
        key = (ident.kind, ident.value, ident.platform, ident.system)
        done = cache.get(key)
        if done is None:
            bare = Identity(
                kind=ident.kind, value=ident.value, platform=ident.platform, system=ident.system
            )
            done = normalize_identity(bare, region=region, options=options)
            cache[key] = done
        if ident.verified:
            return Identity(
                kind=done.kind,
                value=done.value,
                platform=done.platform,
                system=done.system,
                verified=True,
                verified_at=ident.verified_at,
                verification_method=ident.verification_method,
            )
        return done

    return canonical


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
    """
    rules = policy or MergePolicy()
    now = (clock or (lambda: datetime.now(UTC)))()
    canonical = _normalizer(region, options)
    refs: list[tuple[str, str]] = []
    names: list[str | None] = []
    held: list[dict[str, Identity]] = []
    problems: list[BulkProblem] = []
    seen: set[tuple[str, str]] = set()
    for record in records:
        if not isinstance(record, SourceRecord):
            raise InvalidInput(
                "resolve_many", [FieldError("records", record, "expected SourceRecord objects")]
            )
        if record.ref in seen:
            raise InvalidInput(
                "resolve_many",
                [FieldError("record_id", f"{record.source}:{record.record_id}", "given twice")],
            )
        seen.add(record.ref)
        mine: dict[str, Identity] = {}
        for ident in record.identities:
            if not normalized:
                try:
                    ident = canonical(ident)
                except InvalidInput as exc:
                    problems.append(BulkProblem(record.source, record.record_id, exc))
                    continue
            kept = mine.get(ident.key)
            if kept is None or (ident.verified and not kept.verified):
                mine[ident.key] = ident
        refs.append(record.ref)
        names.append(record.display_name)
        held.append(mine)

    # Which records hold each key, and how many profiles of one system hold it.
    order = sorted(range(len(refs)), key=refs.__getitem__)
    holders: dict[str, list[int]] = {}
    for n in order:
        for key in held[n]:
            holders.setdefault(key, []).append(n)
    shared: dict[str, int] = {}
    usable: list[str] = []
    for key in sorted(holders):
        numbers = holders[key]
        if len(numbers) < 2:
            continue
        per_source: dict[str, int] = {}
        for n in numbers:
            per_source[refs[n][0]] = per_source.get(refs[n][0], 0) + 1
        count = max(per_source.values())
        if count > rules.max_holders:
            shared[key] = count
        else:
            usable.append(key)

    # Join on strong identifiers verified on both sides, in canonical order.
    sets = _Sets(len(refs))
    members: dict[int, list[int]] = {}
    blocked_pairs: set[tuple[int, int]] = set()
    protected = bool(rules.protections)
    for key in usable:
        sample = held[holders[key][0]][key]
        if sample.kind not in STRONG_KINDS or not rules.auto_merge:
            continue
        verified = [n for n in holders[key] if held[n][key].verified]
        for n in verified[1:]:
            a, b = sets.find(verified[0]), sets.find(n)
            if a == b:
                continue
            if protected:
                union = _component_identities(members, held, a) + _component_identities(
                    members, held, b
                )
                if rules.blocked_by(union) is not None:
                    blocked_pairs.add((min(a, b), max(a, b)))
                    continue
            root = sets.union(a, b)
            if protected:
                other = b if root == a else a
                members.setdefault(root, [root]).extend(members.pop(other, [other]))

    # Components, their identities and names.
    groups: dict[int, list[int]] = {}
    for n in order:
        groups.setdefault(sets.find(n), []).append(n)
    ids: dict[int, str] = {}
    idents: dict[int, dict[str, Identity]] = {}
    for root, numbers in groups.items():
        ids[root] = _stable_id(refs[numbers[0]])
        merged: dict[str, Identity] = {}
        for n in numbers:
            for key, ident in held[n].items():
                kept = merged.get(key)
                if kept is None or (ident.verified and not kept.verified):
                    merged[key] = ident
        idents[root] = merged

    # Weaker evidence between different customers becomes suggestions.
    pairs: set[tuple[int, int]] = set()
    for key in usable:
        roots = sorted({sets.find(n) for n in holders[key]}, key=ids.__getitem__)
        for i, a in enumerate(roots):
            for b in roots[i + 1 :]:
                pairs.add((a, b))
    for a, b in blocked_pairs:
        ra, rb = sets.find(a), sets.find(b)
        if ra != rb:
            pairs.add((ra, rb) if ids[ra] < ids[rb] else (rb, ra))
    suggestions: list[MergeSuggestion] = []
    for a, b in sorted(pairs, key=lambda p: (ids[p[0]], ids[p[1]])):
        shared_keys = idents[a].keys() & idents[b].keys()
        counts = {k: _count(holders[k], refs) for k in shared_keys if k in holders}
        verdict = rules.assess(
            list(idents[a].values()),
            list(idents[b].values()),
            holders=counts,
            names=(_name(groups[a], names), _name(groups[b], names)),
        )
        if not verdict.evidence:
            continue
        if verdict.score < rules.suggest_threshold:
            continue
        note = f"not merged automatically: {verdict.why_not_automatic()}"
        suggestions.append(
            MergeSuggestion(
                id=suggestion_id(ids[a], ids[b]),
                customer_ids=(ids[a], ids[b]),
                score=verdict.score,
                evidence=verdict.evidence,
                created_at=now,
                note=note,
            )
        )

    customers = tuple(
        sorted(
            (
                ResolvedCustomer(
                    id=ids[root],
                    records=tuple(refs[n] for n in numbers),
                    identities=tuple(idents[root][k] for k in sorted(idents[root])),
                    display_name=_name(numbers, names),
                )
                for root, numbers in groups.items()
            ),
            key=lambda c: c.id,
        )
    )
    index = {refs[n]: ids[root] for root, numbers in groups.items() for n in numbers}
    return BulkResolution(
        customers=customers,
        suggestions=tuple(suggestions),
        problems=tuple(problems),
        shared=shared,
        blocked=len(blocked_pairs),
        index=index,
    )


def _component_identities(
    members: dict[int, list[int]], held: Sequence[dict[str, Identity]], root: int
) -> list[Identity]:
    return [i for n in members.get(root, [root]) for i in held[n].values()]


def _count(numbers: Sequence[int], refs: Sequence[tuple[str, str]]) -> int:
    per_source: dict[str, int] = {}
    for n in numbers:
        per_source[refs[n][0]] = per_source.get(refs[n][0], 0) + 1
    # The pair itself counts as two holders at least, so assess() weighs it.
    return max(2, max(per_source.values()))


def _name(numbers: Sequence[int], names: Sequence[str | None]) -> str | None:
    return next((names[n] for n in numbers if names[n]), None)

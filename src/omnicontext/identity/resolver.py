"""``IdentityResolver``: one customer behind every identifier, over any store.

>>> from omnicontext.storage import MemoryStore
>>> from omnicontext.identity import IdentityResolver, normalize
>>> store = MemoryStore()
>>> resolver = IdentityResolver(store)
>>> ada = resolver.resolve(normalize("social", "twitter:@Ada_Okafor"), display_name="Ada")
>>> resolver.resolve(normalize("social", "twitter:ada_okafor")).id == ada.id
True
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import attrs

from omnicontext.errors import (
    ConflictError,
    FieldError,
    InvalidInput,
    NotFound,
    OmnicontextError,
)
from omnicontext.identity.normalize import NormalizeOptions, normalize_identity
from omnicontext.identity.policy import Assessment, MergePolicy, strongest_per_key
from omnicontext.model import (
    Customer,
    Evidence,
    EvidenceKind,
    Identity,
    Interaction,
    MergeRecord,
    MergeSuggestion,
    SuggestionStatus,
)
from omnicontext.storage import Store

__all__ = [
    "AmbiguousIdentity",
    "IdentityResolver",
    "LinkResult",
    "MergeBlocked",
    "suggestion_id",
]


class AmbiguousIdentity(OmnicontextError):
    """An identifier several customers hold (a family phone), so it cannot say
    who someone is. ``key`` is the identifier, ``customer_ids`` its holders."""

    def __init__(self, key: str, customer_ids: Sequence[str]) -> None:
        self.key = key
        self.customer_ids = tuple(customer_ids)
        super().__init__(
            f"identifier {key!r} is held by {len(self.customer_ids)} customers "
            f"({', '.join(self.customer_ids)}); it cannot tell which one this is"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.key, self.customer_ids))


class MergeBlocked(OmnicontextError):
    """A merge the rules forbid: a protection rule, a merged profile, or a
    customer merged into itself. ``reason`` says which."""

    def __init__(self, survivor_id: str, absorbed_id: str, reason: str) -> None:
        self.survivor_id = survivor_id
        self.absorbed_id = absorbed_id
        self.reason = reason
        super().__init__(f"cannot merge {absorbed_id!r} into {survivor_id!r}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.survivor_id, self.absorbed_id, self.reason))


@attrs.frozen
class LinkResult:
    """What :meth:`IdentityResolver.link` did: the customer as it now stands
    (the survivor, if an automatic merge folded it into another), the merges
    it triggered, the suggestions it made or updated, and how many unresolved
    interactions it claimed."""

    customer: Customer
    merges: tuple[MergeRecord, ...] = ()
    suggestions: tuple[MergeSuggestion, ...] = ()
    claimed: int = 0


def suggestion_id(a: str, b: str) -> str:
    """The id of the suggestion pairing two customers: one per pair, whatever
    the order they are named in.

    >>> suggestion_id("cus_b", "cus_a") == suggestion_id("cus_a", "cus_b")
    True
    """
    pair = json.dumps(sorted((a, b)), ensure_ascii=False)
    digest = hashlib.blake2b(pair.encode(), digest_size=10).hexdigest()
    return f"sug_{digest}"


def _new_customer_id() -> str:
    return f"cus_{uuid.uuid4().hex[:20]}"


def _new_merge_id() -> str:
    return f"mrg_{uuid.uuid4().hex[:20]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


_FILLED = ("display_name", "language", "time_zone")
_NORMALIZED_KEPT = 100_000


class IdentityResolver:
    """Resolves identifiers to customers in a store, links new ones, and merges
    and unmerges profiles under a :class:`~omnicontext.identity.MergePolicy`.

    ``region`` reads national phone numbers (``020 7946 0958``); ``clock``,
    ``new_id`` and ``new_merge_id`` make time and new customer and merge ids
    deterministic (tests, demos, replays).
    Every write (a new customer, a link, a merge) is one store transaction.
    """

    def __init__(
        self,
        store: Store,
        *,
        policy: MergePolicy | None = None,
        region: str | None = None,
        options: NormalizeOptions | None = None,
        clock: Callable[[], datetime] | None = None,
        new_id: Callable[[], str] | None = None,
        new_merge_id: Callable[[], str] | None = None,
    ) -> None:
        if policy is not None and not isinstance(policy, MergePolicy):
            raise InvalidInput(
                "identity resolver", [FieldError("policy", policy, "expected a MergePolicy")]
            )
        self.store = store
        self.policy = policy or MergePolicy()
        self.region = region
        self.options = options
        self._clock = clock or _utcnow
        self._new_id = new_id or _new_customer_id
        self._new_merge_id = new_merge_id or _new_merge_id
        # Spellings repeat (a customer writes many times): normalise each once.
        self._canonical: dict[tuple[object, ...], Identity] = {}

    # -- looking people up ---------------------------------------------------

    def normalize(self, identity: Identity) -> Identity:
        """``identity`` in canonical form, read with this resolver's region and options.

        Results are remembered (up to 100,000 spellings), so an import where a
        customer's identifier recurs on every line normalises it once.
        """
        spelling = (
            identity.kind,
            identity.value,
            identity.platform,
            identity.system,
            identity.verified,
            identity.verified_at,
            identity.verification_method,
        )
        done = self._canonical.get(spelling)
        if done is None:
            done = normalize_identity(identity, region=self.region, options=self.options)
            if len(self._canonical) >= _NORMALIZED_KEPT:
                self._canonical.clear()
            self._canonical[spelling] = done
        return done

    def find(self, identity: Identity) -> Customer | None:
        """The one customer holding ``identity`` (normalised), or ``None``.

        :raises AmbiguousIdentity: several customers hold it.
        """
        key = self.normalize(identity).key
        holders = self.store.customers.find_by_identity(key)
        if len(holders) > 1:
            raise AmbiguousIdentity(key, [c.id for c in holders])
        return holders[0] if holders else None

    def resolve(
        self, identity: Identity, *, display_name: str | None = None, create: bool = True
    ) -> Customer:
        """The customer who owns ``identity``, created if nobody does yet.

        The identity is normalised first, so ``+44 (0)20 7946 0958`` finds the
        customer known by ``+442079460958``. A new customer gets the identity
        (with its verification) and ``display_name``.

        :raises AmbiguousIdentity: several customers hold it.
        :raises NotFound: nobody holds it and ``create`` is false.
        """
        canonical = self.normalize(identity)
        found = self.find(canonical)  # the common case: no write, no lock held
        if found is not None:
            return found
        with self.store.transaction():
            found = self.find(canonical)  # again, inside: someone may have just made it
            if found is not None:
                return found
            if not create:
                raise NotFound("customer", canonical.key)
            customer = Customer(
                id=self._new_id(),
                display_name=display_name,
                identities=(canonical,),
                created_at=self._clock(),
            )
            saved = self.store.customers.save(customer)
            self._claim(saved.id, canonical.key)
            return saved

    def current(self, customer_id: str) -> Customer:
        """The customer now standing for ``customer_id``: itself, or the profile
        it was merged into (following ``merged_into`` to the end)."""
        seen: list[str] = []
        customer = self.store.customers.get(customer_id)
        while customer.merged_into is not None:
            if customer.id in seen:
                raise ConflictError(
                    f"merged_into forms a loop: {' -> '.join([*seen, customer.id])}",
                    kind="customer",
                    id=customer.id,
                )
            seen.append(customer.id)
            customer = self.store.customers.get(customer.merged_into)
        return customer

    def resolve_interaction(self, item: Interaction) -> Interaction:
        """``item`` with its customer filled in from its raw identity.

        For an import: an interaction that arrives with an ``identity`` and no
        ``customer_id`` gets the customer holding that identity (created if
        nobody does), and its identity in canonical form, so importing the
        same file twice gives the same records. A ``customer_id`` given is
        followed to the profile it was merged into. An identifier several
        customers hold leaves the record unresolved rather than guess.

        :raises InvalidInput: the identity cannot be normalised (names it).
        """
        if item.customer_id is not None:
            try:
                current = self.current(item.customer_id)
            except NotFound:
                return item
            if current.id == item.customer_id:
                return item
            return item.model_copy(update={"customer_id": current.id})
        if item.identity is None:
            return item
        canonical = self.normalize(item.identity)
        try:
            customer = self.resolve(canonical)
        except AmbiguousIdentity:
            return item.model_copy(update={"identity": canonical})
        return item.model_copy(update={"identity": canonical, "customer_id": customer.id})

    # -- linking ---------------------------------------------------------------

    def link(
        self,
        customer_id: str,
        identity: Identity,
        *,
        verified: bool | None = None,
        method: str | None = None,
        at: datetime | None = None,
    ) -> LinkResult:
        """Attach ``identity`` to a customer, then apply the merge rules.

        ``verified=True`` (with ``method``, such as ``"otp_sms"``, and ``at``)
        records that the customer proved control of it; an identity the
        customer already holds is upgraded, never downgraded. Unresolved
        interactions that arrived with it are claimed when no other customer
        holds it. Another customer holding it too is weighed under the policy:
        merged automatically when the rules allow, otherwise suggested.
        """
        canonical = self.normalize(identity)
        if verified:
            canonical = Identity(
                **{
                    **canonical.model_dump(),
                    "verified": True,
                    "verified_at": at or canonical.verified_at or self._clock(),
                    "verification_method": method or canonical.verification_method,
                }
            )
        with self.store.transaction():
            customer = self.current(customer_id)
            held = customer.identity(canonical.key)
            if held is None or (canonical.verified and not held.verified):
                others = [i for i in customer.identities if i.key != canonical.key]
                customer = self.store.customers.save(
                    customer.model_copy(update={"identities": (*others, canonical)})
                )
            holders = self.store.customers.find_by_identity(canonical.key)
            claimed = 0
            if len(holders) == 1:
                claimed = self._claim(customer.id, canonical.key)
            merges, suggestions = self._settle(customer.id)
            survivor = self.current(customer.id)
            return LinkResult(
                customer=survivor,
                merges=tuple(merges),
                suggestions=tuple(suggestions),
                claimed=claimed,
            )

    def _claim(self, customer_id: str, key: str) -> int:
        claimed = 0
        while True:
            page = self.store.interactions.unresolved(key, limit=1000)
            if not page.items:
                return claimed
            claimed += self.store.interactions.reassign([i.id for i in page], customer_id)

    def _holders(self, key: str) -> tuple[list[Customer], int]:
        """The customers holding ``key``, and how many profiles have held it:
        those plus the ones merged away on its evidence, so a switchboard
        number cannot hide behind merges made one at a time."""
        holders = self.store.customers.find_by_identity(key)
        absorbed = 0
        for customer in holders:
            for record in self.store.merges.for_customer(customer.id):
                if record.undone or record.survivor_id != customer.id:
                    continue
                if any(e.identity_key == key for e in record.evidence):
                    absorbed += 1
        return holders, len(holders) + absorbed

    def assess(self, a: Customer, b: Customer) -> Assessment:
        """The policy's view of two customers, with holder counts from the store."""
        shared = {i.key for i in a.identities} & {i.key for i in b.identities}
        counts = {key: self._holders(key)[1] for key in shared}
        return self.policy.assess(
            a.identities, b.identities, holders=counts, names=(a.display_name, b.display_name)
        )

    def _settle(self, customer_id: str) -> tuple[list[MergeRecord], list[MergeSuggestion]]:
        """Apply the rules to everyone sharing an identifier with the customer,
        again after each merge (the survivor may now share more)."""
        merges: list[MergeRecord] = []
        suggestions: dict[str, MergeSuggestion] = {}
        current = self.current(customer_id)
        changed = True
        while changed:
            changed = False
            candidates: dict[str, Customer] = {}
            for ident in current.identities:
                holders, count = self._holders(ident.key)
                if count > self.policy.max_holders:
                    continue
                for other in holders:
                    if other.id != current.id:
                        candidates[other.id] = other
            for other_id in sorted(candidates):
                other = self.store.customers.get(other_id)
                verdict = self.assess(current, other)
                if not verdict.evidence:
                    continue
                rejected = self._rejected(current.id, other.id)
                if verdict.automatic and not rejected:
                    survivor, absorbed = self._order(current, other)
                    record = self._merge(
                        survivor.id,
                        absorbed.id,
                        reason="shares a strong identifier verified on both profiles",
                        rule=verdict.rule,
                        actor=None,
                        evidence=verdict.evidence,
                    )
                    merges.append(record)
                    current = self.current(survivor.id)
                    changed = True
                    break
                if verdict.score >= self.policy.suggest_threshold:
                    why = (
                        "a person rejected this pair before"
                        if rejected and not verdict.blocked_by
                        else verdict.why_not_automatic()
                    )
                    note = f"not merged automatically: {why}"
                    made = self._suggest(current.id, other.id, verdict, note)
                    if made is not None:
                        suggestions[made.id] = made
        return merges, list(suggestions.values())

    @staticmethod
    def _order(a: Customer, b: Customer) -> tuple[Customer, Customer]:
        """Survivor first: the older profile (by ``created_at``, then id)."""
        far = datetime.max.replace(tzinfo=UTC)

        def age(c: Customer) -> tuple[datetime, str]:
            return (c.created_at or far, c.id)

        return (a, b) if age(a) <= age(b) else (b, a)

    def _rejected(self, a: str, b: str) -> bool:
        try:
            found = self.store.suggestions.get(suggestion_id(a, b))
        except NotFound:
            return False
        return found.status == SuggestionStatus.REJECTED

    def _suggest(self, a: str, b: str, verdict: Assessment, note: str) -> MergeSuggestion | None:
        sid = suggestion_id(a, b)
        try:
            existing: MergeSuggestion | None = self.store.suggestions.get(sid)
        except NotFound:
            existing = None
        if existing is not None:
            if existing.status != SuggestionStatus.PENDING:
                return None  # decided by a person: not asked again
            if existing.evidence == verdict.evidence and existing.note == note:
                return existing
            return self.store.suggestions.save(
                existing.model_copy(
                    update={"evidence": verdict.evidence, "score": verdict.score, "note": note}
                )
            )
        return self.store.suggestions.save(
            MergeSuggestion(
                id=sid,
                customer_ids=(a, b),
                score=verdict.score,
                evidence=verdict.evidence,
                created_at=self._clock(),
                note=note,
            )
        )

    # -- merging ---------------------------------------------------------------

    def merge(
        self,
        survivor_id: str,
        absorbed_id: str,
        *,
        actor: str,
        reason: str,
        override_protection: bool = False,
    ) -> MergeRecord:
        """Merge ``absorbed_id`` into ``survivor_id`` because a person said so.

        One transaction: the absorbed profile's identities join the survivor's,
        its cases and interactions move over, it stays behind as a profile
        pointing at the survivor (``merged_into``), and a
        :class:`~omnicontext.model.MergeRecord` keeps everything needed to
        undo it. Protection rules apply unless ``override_protection``.

        :raises MergeBlocked: a rule forbids it, or either profile was merged.
        """
        if not isinstance(actor, str) or not actor.strip():
            raise InvalidInput("merge", [FieldError("actor", actor, "say who merges")])
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("merge", [FieldError("reason", reason, "say why")])
        with self.store.transaction():
            a = self.store.customers.get(survivor_id)
            b = self.store.customers.get(absorbed_id)
            verdict = self.assess(a, b)
            evidence = (*verdict.evidence, Evidence(kind=EvidenceKind.MANUAL, detail=reason))
            record = self._merge(
                survivor_id,
                absorbed_id,
                reason=reason,
                rule=None,
                actor=actor,
                evidence=evidence,
                check_protection=not override_protection,
            )
            self._settle(survivor_id)
            return record

    def accept(
        self, suggestion: str, *, actor: str, survivor_id: str | None = None
    ) -> MergeRecord:
        """Accept a pending suggestion: merge its pair (into ``survivor_id``, or
        the older profile) and mark it accepted with the merge's id."""
        with self.store.transaction():
            found = self._pending(suggestion)
            a, b = (self.store.customers.get(c) for c in found.customer_ids)
            if survivor_id is None:
                survivor, absorbed = self._order(a, b)
            elif survivor_id in found.customer_ids:
                survivor, absorbed = (a, b) if a.id == survivor_id else (b, a)
            else:
                raise InvalidInput(
                    "accept",
                    [FieldError("survivor_id", survivor_id, "is not one of the pair")],
                )
            record = self._merge(
                survivor.id,
                absorbed.id,
                reason=f"suggestion {found.id} accepted",
                rule=None,
                actor=actor,
                evidence=found.evidence,
                suggestion=found.id,
            )
            self.store.suggestions.save(
                self.store.suggestions.get(found.id).model_copy(
                    update={
                        "status": SuggestionStatus.ACCEPTED,
                        "decided_at": self._clock(),
                        "decided_by": actor,
                        "merge_id": record.id,
                    }
                )
            )
            self._settle(survivor.id)
            return record

    def reject(self, suggestion: str, *, actor: str, note: str = "") -> MergeSuggestion:
        """Reject a pending suggestion: the pair is never merged automatically
        and not suggested again."""
        found = self._pending(suggestion)
        return self.store.suggestions.save(
            found.model_copy(
                update={
                    "status": SuggestionStatus.REJECTED,
                    "decided_at": self._clock(),
                    "decided_by": actor,
                    "note": note or found.note,
                }
            )
        )

    def _pending(self, suggestion: str) -> MergeSuggestion:
        found = self.store.suggestions.get(suggestion)
        if found.status != SuggestionStatus.PENDING:
            raise ConflictError(
                f"suggestion {suggestion!r} is already {found.status}",
                kind="suggestion",
                id=suggestion,
            )
        return found

    def _moved_interactions(self, customer_id: str) -> Iterator[str]:
        cursor: str | None = None
        while True:
            page = self.store.interactions.customer_timeline(
                customer_id, limit=1000, cursor=cursor
            )
            yield from (i.id for i in page)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _merge(
        self,
        survivor_id: str,
        absorbed_id: str,
        *,
        reason: str,
        rule: str | None,
        actor: str | None,
        evidence: Sequence[Evidence],
        suggestion: str | None = None,
        check_protection: bool = True,
    ) -> MergeRecord:
        if survivor_id == absorbed_id:
            raise MergeBlocked(survivor_id, absorbed_id, "a customer cannot absorb itself")
        a = self.store.customers.get(survivor_id)
        b = self.store.customers.get(absorbed_id)
        for profile in (a, b):
            if profile.merged_into is not None:
                raise MergeBlocked(
                    survivor_id,
                    absorbed_id,
                    f"{profile.id!r} was merged into {profile.merged_into!r} already",
                )
        identities = tuple(strongest_per_key((*a.identities, *b.identities)).values())
        if check_protection:
            blocked = self.policy.blocked_by(identities)
            if blocked is not None:
                raise MergeBlocked(survivor_id, absorbed_id, blocked)
        filled = {f: getattr(b, f) for f in _FILLED if getattr(a, f) is None}
        after = a.model_copy(
            update={
                "identities": identities,
                "tags": tuple(sorted({*a.tags, *b.tags})),
                "consent": {**b.consent, **a.consent},
                **filled,
            }
        )
        moved_cases = [c.id for c in self.store.cases.for_customer(b.id)]
        for case_id in moved_cases:
            case = self.store.cases.get(case_id)
            self.store.cases.save(case.model_copy(update={"customer_id": a.id}))
        moved = list(self._moved_interactions(b.id))
        if moved:
            self.store.interactions.reassign(moved, a.id)
        self.store.customers.save(b.model_copy(update={"identities": (), "merged_into": a.id}))
        saved_after = self.store.customers.save(after)
        record = self.store.merges.save(
            MergeRecord(
                id=self._new_merge_id(),
                survivor_id=a.id,
                absorbed_id=b.id,
                merged_at=self._clock(),
                reason=reason,
                rule=rule,
                actor=actor,
                evidence=tuple(evidence),
                suggestion_id=suggestion,
                survivor_before=a,
                absorbed_before=b,
                survivor_after=saved_after,
                moved_cases=tuple(moved_cases),
                moved_interactions=tuple(moved),
            )
        )
        self._supersede(b.id, record, suggestion)
        return record

    def _supersede(self, absorbed_id: str, record: MergeRecord, keep: str | None) -> None:
        """Pending suggestions naming the absorbed profile are overtaken."""
        for found in self.store.suggestions.for_customer(absorbed_id):
            if found.id == keep or found.status != SuggestionStatus.PENDING:
                continue
            self.store.suggestions.save(
                found.model_copy(
                    update={
                        "status": SuggestionStatus.SUPERSEDED,
                        "note": f"{absorbed_id} was merged into {record.survivor_id} "
                        f"({record.id})",
                    }
                )
            )

    # -- unmerging ---------------------------------------------------------------

    def _remember_rejection(self, record: MergeRecord, actor: str, reason: str) -> None:
        """An unmerge is a person saying these are two people: keep that as a
        rejected suggestion, so the rules never merge the pair again."""
        sid = suggestion_id(record.survivor_id, record.absorbed_id)
        note = f"unmerged ({record.id}) by {actor}" + (f": {reason}" if reason else "")
        decided = {
            "status": SuggestionStatus.REJECTED,
            "decided_at": self._clock(),
            "decided_by": actor,
            "note": note,
        }
        try:
            existing = self.store.suggestions.get(sid)
        except NotFound:
            evidence = record.evidence or (Evidence(kind=EvidenceKind.MANUAL, detail=note),)
            self.store.suggestions.save(
                MergeSuggestion(
                    id=sid,
                    customer_ids=(record.survivor_id, record.absorbed_id),
                    score=0.0,
                    evidence=evidence,
                    created_at=self._clock(),
                    **decided,
                )
            )
            return
        self.store.suggestions.save(
            existing.model_copy(update={**decided, "merge_id": existing.merge_id})
        )

    def unmerge(self, merge_id: str, *, actor: str, reason: str = "") -> MergeRecord:
        """Undo a merge: both profiles as they were, every moved record back.

        The absorbed profile gets back its own fields and identities; the
        survivor loses the identities only the absorbed one brought and gets
        back the fields the merge filled in, unless someone changed them since.
        The cases and interactions the merge moved go back to the absorbed
        profile (those that still exist); records added to the survivor after
        the merge stay with it. Versions move forward (they guard concurrent
        saves); the content is what it was. The merge record is kept, marked
        undone.

        :raises ConflictError: the merge was undone already, or a later merge
            involving these profiles must be undone first.
        """
        if not isinstance(actor, str) or not actor.strip():
            raise InvalidInput("unmerge", [FieldError("actor", actor, "say who unmerges")])
        with self.store.transaction():
            record = self.store.merges.get(merge_id)
            if record.undone:
                raise ConflictError(
                    f"merge {merge_id!r} was undone already", kind="merge", id=merge_id
                )
            a = self.store.customers.get(record.survivor_id)
            b = self.store.customers.get(record.absorbed_id)
            if a.merged_into is not None:
                raise ConflictError(
                    f"merge {merge_id!r} cannot be undone while {a.id!r} is merged into "
                    f"{a.merged_into!r}; undo that merge first",
                    kind="merge",
                    id=merge_id,
                )
            if b.merged_into != a.id:
                raise ConflictError(
                    f"merge {merge_id!r} cannot be undone: {b.id!r} no longer points at {a.id!r}",
                    kind="merge",
                    id=merge_id,
                )
            own = {i.key for i in record.survivor_before.identities}
            for later in self.store.merges.for_customer(a.id):
                # Identities a later merge brought too stay with the survivor.
                if later.undone or later.id == record.id or later.survivor_id != a.id:
                    continue
                if (later.merged_at, later.id) > (record.merged_at, record.id):
                    own |= {i.key for i in later.absorbed_before.identities}
            brought = {i.key for i in record.absorbed_before.identities} - own
            was = {i.key: i for i in record.survivor_before.identities}
            merged = {i.key: i for i in record.survivor_after.identities}
            restore: dict[str, object] = {
                # An identifier both held goes back to the survivor's own copy
                # (its verification), unless it changed after the merge.
                "identities": tuple(
                    was[i.key] if i.key in was and merged.get(i.key) == i else i
                    for i in a.identities
                    if i.key not in brought
                )
            }
            for field in (*_FILLED, "tags", "consent"):
                if getattr(a, field) == getattr(record.survivor_after, field):
                    restore[field] = getattr(record.survivor_before, field)
            self.store.customers.save(a.model_copy(update=restore))
            self.store.customers.save(
                record.absorbed_before.model_copy(update={"version": b.version})
            )
            for case_id in record.moved_cases:
                try:
                    case = self.store.cases.get(case_id)
                except NotFound:
                    continue
                if case.customer_id == a.id:
                    self.store.cases.save(case.model_copy(update={"customer_id": b.id}))
            wanted = set(record.moved_interactions)
            back = [i for i in self._moved_interactions(a.id) if i in wanted]
            if back:
                self.store.interactions.reassign(back, b.id)
            self._remember_rejection(record, actor, reason)
            return self.store.merges.save(
                record.model_copy(
                    update={"undone_at": self._clock(), "undone_by": actor, "undo_reason": reason}
                )
            )

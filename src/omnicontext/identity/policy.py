"""Merge rules: when two profiles are one person, when they may be, and when
they must never be merged.

The rules, in order:

1. An identifier held by more profiles than ``MergePolicy.max_holders`` (an
   office switchboard, a family phone, a shared support inbox) is never
   evidence at all.
2. Two profiles are merged automatically only when they share an identifier
   of a strong kind (email, phone, external id) that is verified on both.
3. Even then, a :class:`ProtectionRule` can forbid the merge (two different
   verified ids from one billing system are two accounts), and a pair a
   person has already rejected is never merged automatically.
4. Anything weaker (one side verified, nobody verified, a social handle, the
   same name on top of an identifier) becomes a scored suggestion for a
   person to accept, when its score reaches ``suggest_threshold``.

>>> from omnicontext.model import Identity
>>> policy = MergePolicy()
>>> a = [Identity(kind="email", value="ada@example.com", verified=True)]
>>> b = [Identity(kind="email", value="ada@example.com", verified=True)]
>>> policy.assess(a, b, holders={"email:ada@example.com": 2}).automatic
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import Evidence, EvidenceKind, Identity, IdentityKind

__all__ = [
    "STRONG_KINDS",
    "Assessment",
    "MergePolicy",
    "ProtectionRule",
    "same_name",
]

STRONG_KINDS: frozenset[IdentityKind] = frozenset(
    {IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.EXTERNAL}
)
"""Kinds whose verified match is enough to merge: control of an address, a
number or an account in another system proves the person."""

_SPACES = re.compile(r"\s+")


def _name_key(name: str | None) -> str | None:
    if name is None:
        return None
    key = _SPACES.sub(" ", name).strip().casefold()
    return key or None


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two display names are equal, ignoring case and spacing.

    >>> same_name("Ada  Okafor", "ada okafor"), same_name(None, None)
    (True, False)
    """
    key = _name_key(a)
    return key is not None and key == _name_key(b)


def _check_bool(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(
            type(instance).__name__, [FieldError(attribute.name, value, "must be True or False")]
        )


def _rules(value: object) -> tuple[ProtectionRule, ...]:
    if isinstance(value, ProtectionRule) or not isinstance(value, list | tuple):
        raise InvalidInput(
            "merge policy",
            [FieldError("protections", value, "expected a tuple of ProtectionRule objects")],
        )
    for rule in value:
        if not isinstance(rule, ProtectionRule):
            raise InvalidInput(
                "merge policy",
                [FieldError("protections", rule, "expected ProtectionRule objects")],
            )
    return tuple(value)


def _kind(value: IdentityKind | str) -> IdentityKind:
    try:
        return IdentityKind(value)
    except ValueError:
        known = ", ".join(k.value for k in IdentityKind)
        raise InvalidInput(
            "protection rule", [FieldError("kind", value, f"expected one of {known}")]
        ) from None


@attrs.frozen
class ProtectionRule:
    """A merge that would leave one profile with more than ``max_verified``
    verified identifiers of ``kind`` is refused.

    With ``per_scope`` (the default) external ids count per ``system`` and
    social handles per ``platform``: two verified customer numbers from one
    billing system mean two accounts, while one from billing and one from the
    shop do not conflict.

    >>> rule = ProtectionRule("email", max_verified=1)
    >>> rule.describe()
    'at most 1 verified email per customer'
    """

    kind: IdentityKind = attrs.field(converter=_kind)
    max_verified: int = 1
    per_scope: bool = attrs.field(default=True, validator=_check_bool)

    def __attrs_post_init__(self) -> None:
        if (
            isinstance(self.max_verified, bool)
            or not isinstance(self.max_verified, int)
            or self.max_verified < 1
        ):
            raise InvalidInput(
                "protection rule",
                [FieldError("max_verified", self.max_verified, "must be a positive integer")],
            )

    def describe(self) -> str:
        """The rule in words, for merge suggestions and errors."""
        scope = {
            IdentityKind.EXTERNAL: " per system",
            IdentityKind.SOCIAL: " per platform",
        }.get(self.kind, "")
        per = scope if self.per_scope else ""
        return f"at most {self.max_verified} verified {self.kind.value}{per} per customer"

    def violated_by(self, identities: Iterable[Identity]) -> str | None:
        """Why ``identities`` (one profile's, after a merge) break the rule, or ``None``."""
        counts: dict[str | None, set[str]] = {}
        for ident in identities:
            if ident.kind is not self.kind or not ident.verified:
                continue
            scope = (ident.system or ident.platform) if self.per_scope else None
            counts.setdefault(scope, set()).add(ident.key)
        for scope, keys in sorted(counts.items(), key=lambda kv: kv[0] or ""):
            if len(keys) > self.max_verified:
                where = f" in {scope}" if scope else ""
                listed = ", ".join(sorted(keys))
                return f"{self.describe()}: the merge would hold {len(keys)}{where} ({listed})"
        return None


def strongest_per_key(identities: Iterable[Identity]) -> dict[str, Identity]:
    """One identity per key, in first-seen order; a verified copy wins over an
    unverified one. The rule for uniting two profiles' identities, and what
    keeps ``assess`` symmetric when a side lists an identifier twice."""
    best: dict[str, Identity] = {}
    for ident in identities:
        held = best.get(ident.key)
        if held is None or (ident.verified and not held.verified):
            best[ident.key] = ident
    return best


def _automatic_kinds(value: object) -> frozenset[IdentityKind]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput(
            "merge policy",
            [FieldError("automatic_kinds", value, "expected a set of identity kinds")],
        )
    kinds = set()
    for item in value:
        try:
            kind = IdentityKind(item)
        except ValueError:
            kind = None
        if kind not in STRONG_KINDS:
            strong = ", ".join(sorted(k.value for k in STRONG_KINDS))
            raise InvalidInput(
                "merge policy",
                [FieldError("automatic_kinds", item, f"only strong kinds merge: {strong}")],
            )
        kinds.add(kind)
    return frozenset(kinds)


@attrs.frozen
class Assessment:
    """What the rules make of two profiles: the evidence, its score, whether it
    allows an automatic merge, and what (if anything) forbids one."""

    evidence: tuple[Evidence, ...]
    score: float
    automatic: bool
    """True when a strong identifier is verified on both and nothing forbids it."""
    blocked_by: str | None = None
    """The protection rule that forbids merging these two, in words."""

    @property
    def rule(self) -> str:
        """The name of the rule that decided, for the merge record."""
        return "verified_strong_identifier" if self.automatic else "suggestion"

    def why_not_automatic(self) -> str:
        """Why these two were not merged automatically, in words (for notes).

        >>> from omnicontext.model import Evidence
        >>> Assessment(evidence=(Evidence(kind="shared_identifier", identity_key="phone:+1",
        ...     verified_on=1, holders=2, weight=0.6),), score=0.6,
        ...     automatic=False).why_not_automatic()[:50]
        'the shared phone is verified on one profile only, '
        """
        if self.blocked_by:
            return self.blocked_by
        strong = [
            e
            for e in self.evidence
            if e.identity_key is not None and e.identity_key.split(":", 1)[0] in STRONG_KINDS
        ]
        if not strong:
            return "they share no strong identifier (email, phone, external id)"
        both = sorted(
            {(e.identity_key or "").split(":", 1)[0] for e in strong if e.verified_on == 2}
        )
        if both:
            return f"the policy does not merge automatically on a shared {' or '.join(both)}"
        on = {0: "on neither profile", 1: "on one profile only"}
        shown = "; ".join(
            f"the shared {(e.identity_key or '').split(':', 1)[0]} is verified {on[e.verified_on]}"
            for e in strong
        )
        return f"{shown}, and an automatic merge needs a strong identifier verified on both"


def _positive(name: str, value: object, *, maximum: float | None = None) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    if ok and maximum is not None:
        ok = float(value) <= maximum  # type: ignore[arg-type]
    if not ok:
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise InvalidInput(
            "merge policy", [FieldError(name, value, f"must be a positive number{upper}")]
        )


@attrs.frozen
class MergePolicy:
    """The merge rules, with their knobs. See the module documentation.

    ``max_holders``: an identifier held by more profiles than this is never
    evidence. ``suggest_threshold``: the least score worth a suggestion.
    ``protections``: rules no merge may break (by default one verified id per
    external system). ``auto_merge``: set ``False`` to turn every automatic
    merge into a suggestion; ``automatic_kinds`` narrows the strong kinds
    that may merge automatically (for example without ``phone`` where
    families share a verified landline). The weights are the evidence each
    kind of match gives; scores combine them as independent signals
    (``1 - prod(1 - w)``).
    """

    max_holders: int = 3
    suggest_threshold: float = 0.3
    auto_merge: bool = attrs.field(default=True, validator=_check_bool)
    protections: tuple[ProtectionRule, ...] = attrs.field(
        default=(ProtectionRule(IdentityKind.EXTERNAL),), converter=_rules
    )
    automatic_kinds: frozenset[IdentityKind] = attrs.field(
        default=STRONG_KINDS, converter=_automatic_kinds
    )
    weight_strong_verified_both: float = 1.0
    weight_strong_verified_one: float = 0.6
    weight_strong_unverified: float = 0.4
    weight_social: float = 0.35
    weight_same_name: float = 0.15

    def __attrs_post_init__(self) -> None:
        if (
            isinstance(self.max_holders, bool)
            or not isinstance(self.max_holders, int)
            or self.max_holders < 2
        ):
            raise InvalidInput(
                "merge policy",
                [FieldError("max_holders", self.max_holders, "must be an integer of at least 2")],
            )
        _positive("suggest_threshold", self.suggest_threshold, maximum=1.0)
        for name in (
            "weight_strong_verified_both",
            "weight_strong_verified_one",
            "weight_strong_unverified",
            "weight_social",
            "weight_same_name",
        ):
            _positive(name, getattr(self, name), maximum=1.0)

    def blocked_by(self, identities: Iterable[Identity]) -> str | None:
        """The first protection rule the identities of one profile would break."""
        held = list(identities)
        for rule in self.protections:
            why = rule.violated_by(held)
            if why is not None:
                return why
        return None

    def assess(
        self,
        a: Sequence[Identity],
        b: Sequence[Identity],
        *,
        holders: Mapping[str, int],
        names: tuple[str | None, str | None] = (None, None),
    ) -> Assessment:
        """Weigh the evidence that two profiles (their identities and display
        names) are one person.

        ``holders`` says how many profiles hold each shared key; keys above
        ``max_holders`` (or missing) are ignored.
        """
        by_key = strongest_per_key(b)
        evidence: list[Evidence] = []
        strong_both = False
        for mine in sorted(strongest_per_key(a).values(), key=lambda i: i.key):
            theirs = by_key.get(mine.key)
            if theirs is None:
                continue
            count = holders.get(mine.key, 0)
            if count > self.max_holders or count < 2:
                continue
            verified_on = int(mine.verified) + int(theirs.verified)
            if mine.kind in STRONG_KINDS:
                weight = (
                    self.weight_strong_unverified,
                    self.weight_strong_verified_one,
                    self.weight_strong_verified_both,
                )[verified_on]
                strong_both = strong_both or (
                    verified_on == 2 and mine.kind in self.automatic_kinds
                )
                detail = f"same {mine.kind.value}, verified on {verified_on} of 2"
            else:
                weight = self.weight_social
                detail = f"same {mine.platform or mine.kind.value} handle"
            evidence.append(
                Evidence(
                    kind=EvidenceKind.SHARED_IDENTIFIER,
                    identity_key=mine.key,
                    verified_on=verified_on,
                    holders=count,
                    weight=weight,
                    detail=detail,
                )
            )
        if evidence and same_name(*names):
            evidence.append(
                Evidence(
                    kind=EvidenceKind.SAME_NAME,
                    weight=self.weight_same_name,
                    detail=f"same name: {names[0]}",
                )
            )
        doubt = 1.0
        for item in evidence:
            doubt *= 1.0 - item.weight
        score = round(1.0 - doubt, 6)
        blocked = self.blocked_by([*a, *b]) if evidence else None
        automatic = strong_both and self.auto_merge and blocked is None
        return Assessment(
            evidence=tuple(evidence), score=score, automatic=automatic, blocked_by=blocked
        )

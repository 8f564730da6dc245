"""Merge rules: evidence, scores, automatic merges and protection rules."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.identity.policy import (
    STRONG_KINDS,
    Assessment,
    MergePolicy,
    ProtectionRule,
    same_name,
)
from omnicontext.model import EvidenceKind, Identity, IdentityKind
from omnicontext.testing import factories as f

EMAIL = "ada@example.com"
PHONE = "+442079460958"
WEIGHTS = (
    "weight_strong_verified_both",
    "weight_strong_verified_one",
    "weight_strong_unverified",
    "weight_social",
    "weight_same_name",
)


def ident(kind: str, value: str, verified: bool = False, **fields: Any) -> Identity:
    return f.identity(kind, value, verified=verified, **fields)


def ext(system: str, value: str, verified: bool = True) -> Identity:
    return ident("external", value, verified, system=system)


def two(*keys: str) -> dict[str, int]:
    """Holders for keys each held by exactly the two profiles compared."""
    return dict.fromkeys(keys, 2)


STRONG = [
    pytest.param(ident("email", EMAIL), id="email"),
    pytest.param(ident("phone", PHONE), id="phone"),
    pytest.param(ext("crm", "C-17", verified=False), id="external"),
]


def _with(identity: Identity, verified: bool) -> Identity:
    return identity.model_copy(update={"verified": verified})


# -- automatic merges --------------------------------------------------------------------------


@pytest.mark.parametrize("identity", STRONG)
def test_strong_identifier_verified_on_both_is_automatic(identity: Identity) -> None:
    a, b = [_with(identity, True)], [_with(identity, True)]
    verdict = MergePolicy().assess(a, b, holders=two(identity.key))
    assert verdict.automatic is True
    assert verdict.rule == "verified_strong_identifier"
    assert verdict.score == 1.0
    assert verdict.blocked_by is None
    (evidence,) = verdict.evidence
    assert evidence.kind is EvidenceKind.SHARED_IDENTIFIER
    assert evidence.identity_key == identity.key
    assert evidence.verified_on == 2
    assert evidence.holders == 2
    assert evidence.weight == 1.0
    assert evidence.detail == f"same {identity.kind.value}, verified on 2 of 2"


@pytest.mark.parametrize("identity", STRONG)
@pytest.mark.parametrize("verified_side", ["a", "b"])
def test_strong_identifier_verified_on_one_side_is_a_suggestion(
    identity: Identity, verified_side: str
) -> None:
    a = [_with(identity, verified_side == "a")]
    b = [_with(identity, verified_side == "b")]
    verdict = MergePolicy().assess(a, b, holders=two(identity.key))
    assert verdict.automatic is False
    assert verdict.rule == "suggestion"
    assert verdict.score == pytest.approx(0.6)
    assert verdict.score < 1
    (evidence,) = verdict.evidence
    assert evidence.verified_on == 1
    assert evidence.detail == f"same {identity.kind.value}, verified on 1 of 2"


@pytest.mark.parametrize("identity", STRONG)
def test_strong_identifier_verified_on_neither_is_a_weak_suggestion(identity: Identity) -> None:
    verdict = MergePolicy().assess([identity], [identity], holders=two(identity.key))
    assert verdict.automatic is False
    assert verdict.score == pytest.approx(0.4)
    assert verdict.evidence[0].verified_on == 0


@pytest.mark.parametrize("verified", [False, True])
def test_social_handle_is_never_automatic(verified: bool) -> None:
    handle = ident("social", "@ada", verified, platform="twitter")
    verdict = MergePolicy().assess([handle], [handle], holders=two(handle.key))
    assert verdict.automatic is False
    assert verdict.score == pytest.approx(0.35)
    (evidence,) = verdict.evidence
    assert evidence.detail == "same twitter handle"
    assert evidence.verified_on == (2 if verified else 0)


def test_many_social_handles_never_add_up_to_automatic() -> None:
    handles = [
        ident("social", "@ada", True, platform=p) for p in ("twitter", "facebook", "instagram")
    ]
    verdict = MergePolicy().assess(handles, handles, holders=two(*(h.key for h in handles)))
    assert verdict.automatic is False
    assert verdict.score == pytest.approx(1 - 0.65**3)


def test_weak_evidence_on_top_of_a_verified_match_stays_automatic() -> None:
    a = [ident("email", EMAIL, True), ident("phone", PHONE)]
    b = [ident("email", EMAIL, True), ident("phone", PHONE)]
    verdict = MergePolicy().assess(a, b, holders=two(f"email:{EMAIL}", f"phone:{PHONE}"))
    assert verdict.automatic is True
    assert verdict.score == 1.0
    assert [e.identity_key for e in verdict.evidence] == [f"email:{EMAIL}", f"phone:{PHONE}"]


def test_nothing_shared_is_no_evidence() -> None:
    a = [ident("email", EMAIL, True)]
    b = [ident("email", "bob@example.com", True)]
    verdict = MergePolicy().assess(a, b, holders={f"email:{EMAIL}": 2})
    assert verdict == Assessment(evidence=(), score=0.0, automatic=False, blocked_by=None)


def test_same_key_means_same_scope() -> None:
    a = [ident("social", "@ada", True, platform="twitter")]
    b = [ident("social", "@ada", True, platform="facebook")]
    verdict = MergePolicy().assess(a, b, holders=two(a[0].key, b[0].key))
    assert verdict.evidence == ()


# -- names -------------------------------------------------------------------------------------


def test_same_name_alone_is_never_evidence() -> None:
    a = [ident("email", EMAIL, True)]
    b = [ident("email", "other@example.com", True)]
    verdict = MergePolicy().assess(
        a, b, holders=two(f"email:{EMAIL}"), names=("Ada Okafor", "Ada Okafor")
    )
    assert verdict.evidence == ()
    assert verdict.score == 0.0
    assert verdict.automatic is False
    empty = MergePolicy().assess([], [], holders={}, names=("Ada", "Ada"))
    assert empty.evidence == ()
    assert empty.score == 0.0


def test_same_name_adds_to_identifier_evidence() -> None:
    a = [ident("email", EMAIL, True)]
    b = [ident("email", EMAIL)]
    holders = two(f"email:{EMAIL}")
    without = MergePolicy().assess(a, b, holders=holders, names=("Ada Okafor", "Bob"))
    with_name = MergePolicy().assess(a, b, holders=holders, names=("Ada  Okafor", "ada okafor"))
    assert without.score == pytest.approx(0.6)
    assert with_name.score == pytest.approx(1 - 0.4 * 0.85)
    assert with_name.score > without.score
    assert with_name.automatic is False
    name = with_name.evidence[-1]
    assert name.kind is EvidenceKind.SAME_NAME
    assert name.weight == pytest.approx(0.15)
    assert name.identity_key is None
    assert name.detail == "same name: Ada  Okafor"


def test_same_name_does_not_make_an_identifier_ignored_for_holders_count() -> None:
    a = [ident("phone", PHONE, True)]
    verdict = MergePolicy().assess(a, a, holders={f"phone:{PHONE}": 9}, names=("Ada", "Ada"))
    assert verdict.evidence == ()
    assert verdict.score == 0.0


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Ada Okafor", "Ada Okafor", True),
        ("Ada  Okafor", "ada okafor", True),
        (" Ada\tOkafor\n", "ADA OKAFOR", True),
        ("Straße", "STRASSE", True),
        ("Ada Okafor", "AdaOkafor", False),
        ("Ada", "Adam", False),
        ("Ada", None, False),
        (None, "Ada", False),
        (None, None, False),
        ("", "", False),
        ("  ", " \t", False),
    ],
)
def test_same_name(a: str | None, b: str | None, same: bool) -> None:
    assert same_name(a, b) is same
    assert same_name(b, a) is same


@given(st.none() | st.text(max_size=12), st.none() | st.text(max_size=12))
def test_same_name_is_symmetric(a: str | None, b: str | None) -> None:
    assert same_name(a, b) == same_name(b, a)


@given(st.text(max_size=20))
def test_same_name_is_reflexive_for_any_real_name(name: str) -> None:
    assert same_name(name, name) == bool(name.strip())


@given(
    st.text(alphabet="abcxyzABCXYZ", min_size=1, max_size=6),
    st.lists(st.sampled_from([" ", "\t", "  ", "\n"]), min_size=3, max_size=3),
)
def test_same_name_ignores_case_and_spacing(word: str, spaces: list[str]) -> None:
    name = f"{word} {word}"
    messy = f"{spaces[0]}{word.swapcase()}{spaces[1]}{word}{spaces[2]}"
    assert same_name(name, messy)


# -- holders -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [None, 0, 1, 4, 50])
def test_keys_held_by_too_many_or_too_few_are_ignored(count: int | None) -> None:
    phone = ident("phone", PHONE, True)
    holders = {} if count is None else {phone.key: count}
    verdict = MergePolicy().assess([phone], [phone], holders=holders, names=("Ada", "Ada"))
    assert verdict.evidence == ()
    assert verdict.score == 0.0
    assert verdict.automatic is False


@pytest.mark.parametrize("count", [2, 3])
def test_keys_held_within_the_limit_count(count: int) -> None:
    phone = ident("phone", PHONE, True)
    verdict = MergePolicy().assess([phone], [phone], holders={phone.key: count})
    assert verdict.automatic is True
    assert verdict.evidence[0].holders == count


def test_max_holders_moves_the_limit() -> None:
    phone = ident("phone", PHONE, True)
    holders = {phone.key: 5}
    assert MergePolicy(max_holders=5).assess([phone], [phone], holders=holders).automatic
    assert not MergePolicy(max_holders=4).assess([phone], [phone], holders=holders).evidence


def test_only_the_overshared_key_is_ignored() -> None:
    a = [ident("phone", PHONE, True), ident("email", EMAIL)]
    b = [ident("phone", PHONE, True), ident("email", EMAIL, True)]
    verdict = MergePolicy().assess(a, b, holders={f"phone:{PHONE}": 4, f"email:{EMAIL}": 2})
    assert [e.identity_key for e in verdict.evidence] == [f"email:{EMAIL}"]
    assert verdict.score == pytest.approx(0.6)
    assert verdict.automatic is False


# -- scores ------------------------------------------------------------------------------------


def test_score_combines_weights_as_independent_signals() -> None:
    policy = MergePolicy(
        weight_strong_verified_one=0.5,
        weight_strong_unverified=0.2,
        weight_social=0.3,
        weight_same_name=0.1,
    )
    handle = ident("social", "@ada", platform="twitter")
    a = [ident("email", EMAIL, True), ident("phone", PHONE), handle]
    b = [ident("email", EMAIL), ident("phone", PHONE), handle]
    keys = [i.key for i in a]
    verdict = policy.assess(a, b, holders=two(*keys), names=("Ada", "ada"))
    assert [e.weight for e in verdict.evidence] == [0.5, 0.2, 0.3, 0.1]
    assert verdict.score == pytest.approx(1 - 0.5 * 0.8 * 0.7 * 0.9)
    assert verdict.automatic is False


def test_custom_weight_for_verified_on_both() -> None:
    policy = MergePolicy(weight_strong_verified_both=0.9)
    email = ident("email", EMAIL, True)
    verdict = policy.assess([email], [email], holders=two(email.key))
    assert verdict.score == pytest.approx(0.9)
    assert verdict.automatic is True  # the rule, not the score, decides


# A small pool, so that generated profiles share identifiers often.
POOL = [
    ident("email", EMAIL),
    ident("email", "bob@example.com"),
    ident("phone", PHONE),
    ident("phone", "+14155550100"),
    ext("crm", "1", verified=False),
    ext("crm", "2", verified=False),
    ext("shop", "1", verified=False),
    ident("social", "@ada", platform="twitter"),
    ident("social", "@ada", platform="facebook"),
]
POOL_KEYS = [i.key for i in POOL]


@st.composite
def profiles(draw: st.DrawFn) -> list[Identity]:
    picked = draw(st.lists(st.sampled_from(POOL), unique_by=lambda i: i.key, max_size=6))
    return [_with(i, draw(st.booleans())) for i in picked]


weights = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)
rules = st.sampled_from(
    [
        ProtectionRule("external"),
        ProtectionRule("external", per_scope=False),
        ProtectionRule("email"),
        ProtectionRule("phone", max_verified=2),
        ProtectionRule("social"),
    ]
)


@st.composite
def policies(draw: st.DrawFn) -> MergePolicy:
    return MergePolicy(
        max_holders=draw(st.integers(2, 5)),
        suggest_threshold=draw(weights),
        auto_merge=draw(st.booleans()),
        protections=tuple(draw(st.lists(rules, max_size=2))),
        **{name: draw(weights) for name in WEIGHTS},
    )


holder_counts = st.dictionaries(st.sampled_from(POOL_KEYS), st.integers(0, 6))
names = st.sampled_from([None, "Ada Okafor", "ada  okafor", "Bob"])


def _shared_qualifying(
    a: list[Identity], b: list[Identity], holders: dict[str, int], policy: MergePolicy
) -> dict[str, tuple[Identity, Identity]]:
    theirs = {i.key: i for i in b}
    return {
        i.key: (i, theirs[i.key])
        for i in a
        if i.key in theirs and 2 <= holders.get(i.key, 0) <= policy.max_holders
    }


@settings(max_examples=400)
@given(
    a=profiles(),
    b=profiles(),
    holders=holder_counts,
    policy=policies(),
    pair=st.tuples(names, names),
)
def test_assessment_invariants(
    a: list[Identity],
    b: list[Identity],
    holders: dict[str, int],
    policy: MergePolicy,
    pair: tuple[str | None, str | None],
) -> None:
    verdict = policy.assess(a, b, holders=holders, names=pair)
    qualifying = _shared_qualifying(a, b, holders, policy)

    assert 0.0 <= verdict.score <= 1.0
    expected = 1.0 - math.prod(1.0 - e.weight for e in verdict.evidence)
    assert verdict.score == pytest.approx(expected, abs=1e-6)

    shared = [e for e in verdict.evidence if e.kind is EvidenceKind.SHARED_IDENTIFIER]
    assert [e.identity_key for e in shared] == sorted(qualifying)
    for e in shared:
        mine, other = qualifying[e.identity_key]  # type: ignore[index]
        assert e.verified_on == mine.verified + other.verified
        assert e.holders == holders[e.identity_key]  # type: ignore[index]
        assert 2 <= e.holders <= policy.max_holders

    named = [e for e in verdict.evidence if e.kind is EvidenceKind.SAME_NAME]
    assert len(named) == (1 if shared and same_name(*pair) else 0)
    if not shared:
        assert verdict.evidence == ()
        assert verdict.score == 0.0
        assert verdict.blocked_by is None

    strong_both = any(
        mine.kind in STRONG_KINDS and mine.verified and other.verified
        for mine, other in qualifying.values()
    )
    if shared:
        assert verdict.blocked_by == policy.blocked_by([*a, *b])
    assert verdict.automatic == (strong_both and policy.auto_merge and verdict.blocked_by is None)
    if not policy.auto_merge:
        assert verdict.automatic is False
    if verdict.automatic:
        assert verdict.rule == "verified_strong_identifier"
        for rule in policy.protections:
            assert rule.violated_by([*a, *b]) is None
    else:
        assert verdict.rule == "suggestion"


@settings(max_examples=400)
@given(
    a=profiles(),
    b=profiles(),
    holders=holder_counts,
    policy=policies(),
    pair=st.tuples(names, names),
)
def test_assessment_is_symmetric(
    a: list[Identity],
    b: list[Identity],
    holders: dict[str, int],
    policy: MergePolicy,
    pair: tuple[str | None, str | None],
) -> None:
    forward = policy.assess(a, b, holders=holders, names=pair)
    backward = policy.assess(b, a, holders=holders, names=(pair[1], pair[0]))
    assert forward.score == backward.score
    assert forward.automatic == backward.automatic
    assert forward.blocked_by == backward.blocked_by

    def shared(v: Assessment) -> list[Any]:
        return [e for e in v.evidence if e.kind is EvidenceKind.SHARED_IDENTIFIER]

    assert shared(forward) == shared(backward)
    assert len(forward.evidence) == len(backward.evidence)


@given(a=profiles(), b=profiles(), holders=holder_counts)
def test_auto_merge_off_is_never_automatic(
    a: list[Identity], b: list[Identity], holders: dict[str, int]
) -> None:
    on = MergePolicy().assess(a, b, holders=holders)
    off = MergePolicy(auto_merge=False).assess(a, b, holders=holders)
    assert off.automatic is False
    assert off.score == on.score
    assert off.evidence == on.evidence
    assert off.blocked_by == on.blocked_by


def test_auto_merge_off_turns_the_clearest_match_into_a_suggestion() -> None:
    email = ident("email", EMAIL, True)
    verdict = MergePolicy(auto_merge=False).assess([email], [email], holders=two(email.key))
    assert verdict.automatic is False
    assert verdict.rule == "suggestion"
    assert verdict.score == 1.0


# -- protection rules --------------------------------------------------------------------------


def test_default_protection_blocks_two_verified_ids_of_one_system() -> None:
    email = ident("email", EMAIL, True)
    a = [email, ext("billing", "100")]
    b = [email, ext("billing", "200")]
    verdict = MergePolicy().assess(a, b, holders=two(email.key))
    assert verdict.automatic is False
    assert verdict.rule == "suggestion"
    assert verdict.score == 1.0  # the evidence is still there, for a person to weigh
    assert verdict.blocked_by == (
        "at most 1 verified external per system per customer: the merge would hold 2 in billing"
        " (external:billing:100, external:billing:200)"
    )


def test_default_protection_allows_verified_ids_of_two_systems() -> None:
    email = ident("email", EMAIL, True)
    a = [email, ext("billing", "100")]
    b = [email, ext("shop", "200")]
    verdict = MergePolicy().assess(a, b, holders=two(email.key))
    assert verdict.blocked_by is None
    assert verdict.automatic is True


def test_the_same_verified_id_on_both_sides_is_no_conflict() -> None:
    shared = ext("billing", "100")
    verdict = MergePolicy().assess([shared], [shared], holders=two(shared.key))
    assert verdict.blocked_by is None
    assert verdict.automatic is True


@pytest.mark.parametrize("which", ["a", "b", "both"])
def test_unverified_identifiers_never_count_against_a_rule(which: str) -> None:
    email = ident("email", EMAIL, True)
    a = [email, ext("billing", "100", verified=which == "b")]
    b = [email, ext("billing", "200", verified=which == "a")]
    verdict = MergePolicy().assess(a, b, holders=two(email.key))
    assert verdict.blocked_by is None
    assert verdict.automatic is True


def test_email_rule_blocks_two_verified_emails() -> None:
    policy = MergePolicy(protections=(ProtectionRule("email", max_verified=1),))
    phone = ident("phone", PHONE, True)
    a = [phone, ident("email", EMAIL, True)]
    b = [phone, ident("email", "bob@example.com", True)]
    verdict = policy.assess(a, b, holders=two(phone.key))
    assert verdict.automatic is False
    assert verdict.blocked_by == (
        "at most 1 verified email per customer: the merge would hold 2"
        " (email:ada@example.com, email:bob@example.com)"
    )
    b_unverified = [phone, ident("email", "bob@example.com")]
    assert policy.assess(a, b_unverified, holders=two(phone.key)).automatic is True


def test_max_verified_allows_up_to_the_limit() -> None:
    rule = ProtectionRule("email", max_verified=2)
    emails = [ident("email", f"{n}@example.com", True) for n in "abc"]
    assert rule.violated_by(emails[:2]) is None
    why = rule.violated_by(emails)
    assert why is not None
    assert why.startswith("at most 2 verified email per customer: the merge would hold 3 (")


def test_rule_counts_distinct_identifiers_not_copies() -> None:
    rule = ProtectionRule("email")
    email = ident("email", EMAIL, True)
    assert rule.violated_by([email, email]) is None


def test_per_scope_false_counts_every_system_together() -> None:
    rule = ProtectionRule("external", per_scope=False)
    held = [ext("billing", "100"), ext("shop", "200")]
    assert ProtectionRule("external").violated_by(held) is None
    assert rule.violated_by(held) == (
        "at most 1 verified external per customer: the merge would hold 2"
        " (external:billing:100, external:shop:200)"
    )
    email = ident("email", EMAIL, True)
    policy = MergePolicy(protections=(rule,))
    verdict = policy.assess([email, held[0]], [email, held[1]], holders=two(email.key))
    assert verdict.automatic is False
    assert verdict.blocked_by == rule.violated_by(held)


def test_social_rule_counts_per_platform() -> None:
    rule = ProtectionRule("social")
    twitter = ident("social", "@ada", True, platform="twitter")
    facebook = ident("social", "@bob", True, platform="facebook")
    other_twitter = ident("social", "@bob", True, platform="twitter")
    assert rule.violated_by([twitter, facebook]) is None
    why = rule.violated_by([twitter, other_twitter])
    assert why is not None
    assert " in twitter " in why


def test_rule_ignores_other_kinds() -> None:
    rule = ProtectionRule("phone")
    assert rule.violated_by([ident("email", EMAIL, True), ident("email", "b@x.io", True)]) is None


def test_no_protections_never_blocks() -> None:
    email = ident("email", EMAIL, True)
    a = [email, ext("billing", "100")]
    b = [email, ext("billing", "200")]
    verdict = MergePolicy(protections=()).assess(a, b, holders=two(email.key))
    assert verdict.blocked_by is None
    assert verdict.automatic is True


def test_first_broken_rule_is_reported() -> None:
    email_rule = ProtectionRule("email")
    external_rule = ProtectionRule("external")
    held = [
        ident("email", EMAIL, True),
        ident("email", "bob@example.com", True),
        ext("billing", "1"),
        ext("billing", "2"),
    ]
    first = MergePolicy(protections=(external_rule, email_rule)).blocked_by(held)
    assert first is not None
    assert first.startswith(external_rule.describe())
    second = MergePolicy(protections=(email_rule, external_rule)).blocked_by(held)
    assert second is not None
    assert second.startswith(email_rule.describe())


def test_protection_is_not_checked_without_evidence() -> None:
    a = [ext("billing", "100")]
    b = [ext("billing", "200")]
    verdict = MergePolicy().assess(a, b, holders={})
    assert verdict.blocked_by is None
    assert verdict.evidence == ()


def test_rule_kind_accepts_enum_and_string() -> None:
    assert ProtectionRule(IdentityKind.EMAIL) == ProtectionRule("email")
    assert ProtectionRule("email").kind is IdentityKind.EMAIL


@pytest.mark.parametrize(
    ("rule", "wording"),
    [
        (ProtectionRule("email"), "at most 1 verified email per customer"),
        (ProtectionRule("phone", max_verified=2), "at most 2 verified phone per customer"),
        (ProtectionRule("external"), "at most 1 verified external per system per customer"),
        (ProtectionRule("external", per_scope=False), "at most 1 verified external per customer"),
        (
            ProtectionRule("social", max_verified=3),
            "at most 3 verified social per platform per customer",
        ),
        (ProtectionRule("social", per_scope=False), "at most 1 verified social per customer"),
        (ProtectionRule("email", per_scope=False), "at most 1 verified email per customer"),
    ],
)
def test_describe(rule: ProtectionRule, wording: str) -> None:
    assert rule.describe() == wording


# -- validation --------------------------------------------------------------------------------


def _field_of(info: pytest.ExceptionInfo[InvalidInput]) -> str:
    (error,) = info.value.errors
    return error.field


@pytest.mark.parametrize("value", [1, 0, -3, True, False, "3", 2.5, 3.0, None])
def test_bad_max_holders(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        MergePolicy(max_holders=value)  # type: ignore[arg-type]
    assert info.value.subject == "merge policy"
    assert _field_of(info) == "max_holders"
    assert info.value.errors[0].value is value
    assert "max_holders" in str(info.value)


@pytest.mark.parametrize("value", [2, 3, 1000])
def test_good_max_holders(value: int) -> None:
    assert MergePolicy(max_holders=value).max_holders == value


@pytest.mark.parametrize("name", ["suggest_threshold", *WEIGHTS])
@pytest.mark.parametrize(
    "value", [0, 0.0, -0.1, 1.0001, 2, math.nan, math.inf, -math.inf, True, "0.5", None]
)
def test_bad_threshold_or_weight(name: str, value: Any) -> None:
    fields: dict[str, Any] = {name: value}
    with pytest.raises(InvalidInput) as info:
        MergePolicy(**fields)
    assert _field_of(info) == name
    assert name in str(info.value)


@pytest.mark.parametrize("name", ["suggest_threshold", *WEIGHTS])
@pytest.mark.parametrize("value", [1, 1.0, 0.5, 1e-9])
def test_good_threshold_or_weight(name: str, value: float) -> None:
    fields: dict[str, Any] = {name: value}
    assert getattr(MergePolicy(**fields), name) == value


@pytest.mark.parametrize("kind", ["bogus", "Email", "", None, 3])
def test_unknown_rule_kind(kind: object) -> None:
    with pytest.raises(InvalidInput) as info:
        ProtectionRule(kind)  # type: ignore[arg-type]
    assert info.value.subject == "protection rule"
    assert _field_of(info) == "kind"
    assert "email, phone, social, external" in str(info.value)


@pytest.mark.parametrize("value", [0, -1, True, False, 1.5, 1.0, "1", None])
def test_bad_max_verified(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        ProtectionRule("email", max_verified=value)  # type: ignore[arg-type]
    assert info.value.subject == "protection rule"
    assert _field_of(info) == "max_verified"


@pytest.mark.parametrize(
    "protections",
    [("email",), (None,), (ProtectionRule("email"), "external"), ({"kind": "email"},)],
)
def test_non_rule_in_protections(protections: tuple[object, ...]) -> None:
    with pytest.raises(InvalidInput) as info:
        MergePolicy(protections=protections)  # type: ignore[arg-type]
    assert _field_of(info) == "protections"


def test_invalid_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_holders"):
        MergePolicy(max_holders=1)


def test_defaults() -> None:
    policy = MergePolicy()
    assert policy.max_holders == 3
    assert policy.auto_merge is True
    assert policy.protections == (ProtectionRule("external"),)
    assert {IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.EXTERNAL} == STRONG_KINDS


@pytest.mark.parametrize("protections", [ProtectionRule("email"), None])
def test_protections_that_are_not_a_sequence(protections: object) -> None:
    with pytest.raises(InvalidInput) as info:
        MergePolicy(protections=protections)  # type: ignore[arg-type]
    assert _field_of(info) == "protections"


# -- automatic_kinds ---------------------------------------------------------------------


def test_a_kind_left_out_of_automatic_kinds_only_suggests() -> None:
    policy = MergePolicy(automatic_kinds={"email", "external"})
    phone = Identity(kind="phone", value="+442079460958", verified=True)
    verdict = policy.assess([phone], [phone], holders={phone.key: 2})
    assert not verdict.automatic
    assert verdict.score == 1.0
    assert verdict.why_not_automatic() == (
        "the policy does not merge automatically on a shared phone"
    )
    email = Identity(kind="email", value="ada@example.com", verified=True)
    assert policy.assess([email], [email], holders={email.key: 2}).automatic


@pytest.mark.parametrize("kinds", ["email", ["social"], ["fax"], 3])
def test_automatic_kinds_must_be_strong_kinds(kinds: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        MergePolicy(automatic_kinds=kinds)  # type: ignore[arg-type]
    assert caught.value.field == "automatic_kinds"


def test_automatic_kinds_default_to_every_strong_kind() -> None:
    assert MergePolicy().automatic_kinds == STRONG_KINDS
    assert MergePolicy(automatic_kinds=[]).automatic_kinds == frozenset()

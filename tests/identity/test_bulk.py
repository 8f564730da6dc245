"""``resolve_many``: linking a whole export from several systems in one pass."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.identity import (
    BulkProblem,
    BulkResolution,
    InvalidIdentity,
    MergePolicy,
    ProtectionRule,
    ResolvedCustomer,
    SourceRecord,
    normalize,
    normalize_identity,
    resolve_many,
    suggestion_id,
)
from omnicontext.model import Customer, EvidenceKind, Identity, SuggestionStatus
from omnicontext.storage import MemoryStore
from omnicontext.testing import factories as f

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EMAIL = "ada@example.com"
PHONE = "+442079460958"


def clock() -> datetime:
    return NOW


def resolve(records: Sequence[SourceRecord], **kwargs: Any) -> BulkResolution:
    kwargs.setdefault("clock", clock)
    return resolve_many(records, **kwargs)


def email(value: str = EMAIL, verified: bool = False) -> Identity:
    return f.identity("email", value, verified=verified)


def phone(value: str = PHONE, verified: bool = False) -> Identity:
    return f.identity("phone", value, verified=verified)


def ext(system: str, value: str, verified: bool = True) -> Identity:
    return f.identity("external", value, verified=verified, system=system)


def handle(value: str = "@ada", platform: str = "twitter", verified: bool = False) -> Identity:
    return f.identity("social", value, verified=verified, platform=platform)


def rec(
    source: str, record_id: str, *identities: Identity, name: str | None = None
) -> SourceRecord:
    return SourceRecord(source, record_id, identities, display_name=name)


def together(result: BulkResolution, *refs: tuple[str, str]) -> bool:
    return len({result.customer_of(*ref) for ref in refs}) == 1


def by_ref(result: BulkResolution, ref: tuple[str, str]) -> ResolvedCustomer:
    wanted = result.customer_of(*ref)
    return next(c for c in result.customers if c.id == wanted)


# -- joins -------------------------------------------------------------------------------------


def test_verified_email_in_two_systems_joins() -> None:
    result = resolve(
        [
            rec("crm", "17", email("Ada@Example.COM", verified=True), name="Ada Okafor"),
            rec("shop", "A-9", email(" ada@example.com", verified=True)),
        ]
    )
    (customer,) = result.customers
    assert customer.records == (("crm", "17"), ("shop", "A-9"))
    assert customer.identities == (email(EMAIL, verified=True),)
    assert customer.display_name == "Ada Okafor"
    assert result.customer_of("crm", "17") == result.customer_of("shop", "A-9") == customer.id
    assert result.suggestions == ()
    assert result.problems == ()
    assert result.shared == {}
    assert result.blocked == 0


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda v: phone("+44 20 7946 0958", v), id="phone"),
        pytest.param(lambda v: ext("billing", "C-17", v), id="external"),
    ],
)
def test_other_strong_kinds_join_too(make: Callable[[bool], Identity]) -> None:
    result = resolve([rec("crm", "1", make(True)), rec("shop", "1", make(True))])
    assert len(result.customers) == 1


@pytest.mark.parametrize("verified_side", ["crm", "shop"])
def test_verified_on_one_side_is_a_suggestion_not_a_join(verified_side: str) -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=verified_side == "crm")),
            rec("shop", "1", email(verified=verified_side == "shop")),
        ]
    )
    assert len(result.customers) == 2
    assert not together(result, ("crm", "1"), ("shop", "1"))
    (suggestion,) = result.suggestions
    ids = tuple(sorted(c.id for c in result.customers))
    assert suggestion.customer_ids == ids
    assert suggestion.id == suggestion_id(*ids)
    assert suggestion.score == pytest.approx(0.6)
    assert suggestion.status is SuggestionStatus.PENDING
    assert suggestion.created_at == NOW
    assert suggestion.note == (
        "not merged automatically: the shared email is verified on one profile only, and an"
        " automatic merge needs a strong identifier verified on both"
    )
    (evidence,) = suggestion.evidence
    assert evidence.kind is EvidenceKind.SHARED_IDENTIFIER
    assert evidence.identity_key == f"email:{EMAIL}"
    assert evidence.verified_on == 1
    assert result.blocked == 0


def test_unverified_on_both_sides_is_a_weaker_suggestion() -> None:
    result = resolve([rec("crm", "1", phone()), rec("shop", "1", phone())])
    assert len(result.customers) == 2
    (suggestion,) = result.suggestions
    assert suggestion.score == pytest.approx(0.4)


def test_social_handle_verified_on_both_is_only_a_suggestion() -> None:
    result = resolve(
        [rec("crm", "1", handle(verified=True)), rec("twitter", "99", handle(verified=True))]
    )
    assert len(result.customers) == 2
    (suggestion,) = result.suggestions
    assert suggestion.score == pytest.approx(0.35)


def test_same_name_raises_the_score_of_a_suggestion() -> None:
    result = resolve(
        [
            rec("crm", "1", phone(), name="Ada Okafor"),
            rec("shop", "1", phone(), name="ada  okafor"),
        ]
    )
    (suggestion,) = result.suggestions
    assert suggestion.score == pytest.approx(1 - 0.6 * 0.85)
    assert [e.kind for e in suggestion.evidence] == [
        EvidenceKind.SHARED_IDENTIFIER,
        EvidenceKind.SAME_NAME,
    ]


def test_same_name_alone_links_nothing() -> None:
    result = resolve(
        [rec("crm", "1", phone(), name="Ada Okafor"), rec("shop", "1", name="Ada Okafor")]
    )
    assert len(result.customers) == 2
    assert result.suggestions == ()


def test_suggestions_below_the_threshold_are_dropped() -> None:
    records = [rec("crm", "1", phone()), rec("shop", "1", phone())]
    assert len(resolve(records, policy=MergePolicy(suggest_threshold=0.4)).suggestions) == 1
    assert resolve(records, policy=MergePolicy(suggest_threshold=0.41)).suggestions == ()


def test_auto_merge_off_turns_joins_into_suggestions() -> None:
    records = [rec("crm", "1", email(verified=True)), rec("shop", "1", email(verified=True))]
    result = resolve(records, policy=MergePolicy(auto_merge=False))
    assert len(result.customers) == 2
    (suggestion,) = result.suggestions
    assert suggestion.score == 1.0


def test_transitive_joins_give_one_customer() -> None:
    result = resolve(
        [
            rec("crm", "A", email(verified=True)),
            rec("shop", "B", email(verified=True), phone(verified=True)),
            rec("web", "C", phone("+44 (0)20 7946 0958", verified=True)),
        ]
    )
    (customer,) = result.customers
    assert customer.records == (("crm", "A"), ("shop", "B"), ("web", "C"))
    assert [i.key for i in customer.identities] == [f"email:{EMAIL}", f"phone:{PHONE}"]
    assert all(i.verified for i in customer.identities)
    assert result.suggestions == ()


def test_customer_keeps_the_verified_copy_of_an_identifier() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True), phone()),
            rec("shop", "1", email(verified=True), phone(verified=True)),
        ]
    )
    (customer,) = result.customers
    assert customer.identities == (email(verified=True), phone(verified=True))


def test_unverified_holder_of_a_joining_key_gets_a_suggestion() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True)),
            rec("shop", "1", email(verified=True)),
            rec("web", "1", email()),
        ]
    )
    assert together(result, ("crm", "1"), ("shop", "1"))
    assert not together(result, ("crm", "1"), ("web", "1"))
    (suggestion,) = result.suggestions
    assert set(suggestion.customer_ids) == {
        result.customer_of("crm", "1"),
        result.customer_of("web", "1"),
    }
    assert suggestion.score == pytest.approx(0.6)


# -- shared identifiers ------------------------------------------------------------------------


def test_switchboard_held_by_too_many_records_of_one_system_is_never_evidence() -> None:
    records = [rec("crm", str(n), phone(verified=True)) for n in range(4)]
    result = resolve(records)
    assert len(result.customers) == 4
    assert result.suggestions == ()
    assert result.shared == {f"phone:{PHONE}": 4}


def test_switchboard_does_not_stop_other_evidence() -> None:
    records = [rec("crm", str(n), phone(verified=True)) for n in range(4)]
    records[0] = rec("crm", "0", phone(verified=True), email(verified=True))
    records.append(rec("shop", "9", email(verified=True), phone(verified=True)))
    result = resolve(records)
    assert together(result, ("crm", "0"), ("shop", "9"))
    assert len(result.customers) == 4
    assert result.shared == {f"phone:{PHONE}": 4}
    assert result.suggestions == ()


def test_switchboard_is_not_weak_evidence_either() -> None:
    records = [rec("crm", str(n), phone(), name="Ada") for n in range(5)]
    result = resolve(records)
    assert result.suggestions == ()
    assert result.shared == {f"phone:{PHONE}": 5}


def test_same_number_once_in_each_of_three_systems_is_evidence() -> None:
    records = [rec(system, "1", phone(verified=True)) for system in ("crm", "shop", "web")]
    result = resolve(records)
    assert result.shared == {}
    (customer,) = result.customers
    assert len(customer.records) == 3


def test_holders_up_to_max_holders_in_one_system_are_evidence() -> None:
    records = [rec("crm", str(n), phone(verified=True)) for n in range(3)]
    result = resolve(records)
    assert result.shared == {}
    assert len(result.customers) == 1
    wider = resolve(
        [*records, rec("crm", "3", phone(verified=True))], policy=MergePolicy(max_holders=4)
    )
    assert wider.shared == {}
    assert len(wider.customers) == 1


def test_max_holders_counts_per_system() -> None:
    records = [
        rec("crm", "1", phone(verified=True)),
        rec("crm", "2", phone(verified=True)),
        rec("shop", "1", phone(verified=True)),
        rec("shop", "2", phone(verified=True)),
    ]
    result = resolve(records, policy=MergePolicy(max_holders=2))
    assert result.shared == {}
    assert len(result.customers) == 1
    result = resolve([*records, rec("shop", "3", phone())], policy=MergePolicy(max_holders=2))
    assert result.shared == {f"phone:{PHONE}": 3}
    assert len(result.customers) == 5


# -- protection rules --------------------------------------------------------------------------


def test_protection_rule_refuses_a_join_and_leaves_a_suggestion() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True), ext("billing", "100")),
            rec("shop", "1", email(verified=True), ext("billing", "200")),
        ]
    )
    assert len(result.customers) == 2
    assert result.blocked == 1
    (suggestion,) = result.suggestions
    assert suggestion.score == 1.0
    assert suggestion.note == (
        "not merged automatically: at most 1 verified external per system per customer:"
        " the merge would hold 2 in billing (external:billing:100, external:billing:200)"
    )
    assert ProtectionRule("external").describe() in suggestion.note


def test_protection_rule_ignores_unverified_ids() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True), ext("billing", "100")),
            rec("shop", "1", email(verified=True), ext("billing", "200", verified=False)),
        ]
    )
    assert len(result.customers) == 1
    assert result.blocked == 0


def test_protection_rule_allows_ids_of_two_systems() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True), ext("billing", "100")),
            rec("shop", "1", email(verified=True), ext("shop", "200")),
        ]
    )
    assert len(result.customers) == 1
    assert result.blocked == 0


def test_protection_rule_sees_the_whole_component() -> None:
    # A-B join by email; B-C (by phone) would put two billing ids in one customer.
    result = resolve(
        [
            rec("crm", "A", email(verified=True), ext("billing", "1")),
            rec("shop", "B", email(verified=True), phone(verified=True)),
            rec("web", "C", phone(verified=True), ext("billing", "2")),
        ]
    )
    assert together(result, ("crm", "A"), ("shop", "B"))
    assert not together(result, ("shop", "B"), ("web", "C"))
    assert result.blocked == 1
    (suggestion,) = result.suggestions
    assert suggestion.note.startswith("not merged automatically: at most 1 verified external")
    assert [e.identity_key for e in suggestion.evidence] == [f"phone:{PHONE}"]


def test_custom_protection_rule() -> None:
    policy = MergePolicy(protections=(ProtectionRule("email"),))
    result = resolve(
        [
            rec("crm", "1", phone(verified=True), email(verified=True)),
            rec("shop", "1", phone(verified=True), email("bob@example.com", verified=True)),
        ],
        policy=policy,
    )
    assert len(result.customers) == 2
    assert result.blocked == 1
    (suggestion,) = result.suggestions
    assert "at most 1 verified email per customer" in suggestion.note


def test_no_protections_joins_anything_verified() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True), ext("billing", "100")),
            rec("shop", "1", email(verified=True), ext("billing", "200")),
        ],
        policy=MergePolicy(protections=()),
    )
    assert len(result.customers) == 1
    assert result.blocked == 0


# -- problems and bad input --------------------------------------------------------------------


def test_bad_identifier_is_reported_and_the_record_still_links() -> None:
    result = resolve(
        [
            rec("crm", "1", email("not-an-address", verified=True), phone(verified=True)),
            rec("shop", "1", phone("+44 20 7946 0958", verified=True)),
        ]
    )
    (problem,) = result.problems
    assert isinstance(problem, BulkProblem)
    assert (problem.source, problem.record_id) == ("crm", "1")
    assert isinstance(problem.error, InvalidIdentity)
    assert isinstance(problem.error, InvalidInput)
    assert str(problem).startswith("crm:1: invalid identity")
    assert "not-an-address" in str(problem)
    (customer,) = result.customers
    assert [i.key for i in customer.identities] == [f"phone:{PHONE}"]


def test_record_with_only_bad_identifiers_is_still_a_customer() -> None:
    result = resolve([rec("crm", "1", email("nope"), phone("12"))])
    assert len(result.problems) == 2
    (customer,) = result.customers
    assert customer.records == (("crm", "1"),)
    assert customer.identities == ()


def test_region_reads_national_numbers() -> None:
    records = [
        rec("crm", "1", phone("020 7946 0958", verified=True)),
        rec("shop", "1", phone(verified=True)),
    ]
    without = resolve(records)
    assert len(without.problems) == 1
    assert len(without.customers) == 2
    with_region = resolve(records, region="GB")
    assert with_region.problems == ()
    assert len(with_region.customers) == 1


def test_record_given_twice_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        resolve([rec("crm", "1", email()), rec("shop", "1"), rec("crm", "1", phone())])
    (error,) = info.value.errors
    assert error.field == "record_id"
    assert error.value == "crm:1"


def test_same_record_id_in_two_systems_is_fine() -> None:
    result = resolve([rec("crm", "1"), rec("shop", "1")])
    assert len(result.customers) == 2


@pytest.mark.parametrize(
    "bad", [("crm", "1", ()), {"source": "crm", "record_id": "1"}, None, "crm:1"]
)
def test_non_records_are_rejected(bad: object) -> None:
    with pytest.raises(InvalidInput) as info:
        resolve([rec("crm", "1"), bad])  # type: ignore[list-item]
    assert info.value.errors[0].field == "records"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"source": "", "record_id": "1"}, "source"),
        ({"source": "crm", "record_id": "  "}, "record_id"),
        ({"source": "crm", "record_id": 17}, "record_id"),
        ({"source": "crm", "record_id": "1", "identities": ["ada@example.com"]}, "identities"),
    ],
)
def test_source_record_validation(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        SourceRecord(**fields)
    assert info.value.errors[0].field == field


def test_empty_input() -> None:
    result = resolve([])
    assert result.customers == ()
    assert result.suggestions == ()
    assert result.problems == ()
    assert result.shared == {}
    assert result.blocked == 0


def test_any_iterable_of_records() -> None:
    records = [rec("crm", "1", email(verified=True)), rec("shop", "1", email(verified=True))]
    assert resolve(iter(records)).customers == resolve(records).customers  # type: ignore[arg-type]


# -- ids and lookup ----------------------------------------------------------------------------


def test_customer_of_unknown_record_raises_key_error() -> None:
    result = resolve([rec("crm", "1")])
    with pytest.raises(KeyError):
        result.customer_of("crm", "2")
    with pytest.raises(KeyError):
        result.customer_of("shop", "1")


def test_every_record_has_a_customer() -> None:
    records = [
        rec("crm", "1", email(verified=True)),
        rec("shop", "1", email(verified=True)),
        rec("web", "1", phone()),
    ]
    result = resolve(records)
    ids = {c.id for c in result.customers}
    held = [ref for c in result.customers for ref in c.records]
    assert sorted(held) == sorted(r.ref for r in records)
    for record in records:
        assert result.customer_of(*record.ref) in ids
        assert record.ref in by_ref(result, record.ref).records


def test_customer_ids_are_stable_and_derived_from_records() -> None:
    records = [
        rec("crm", "1", email(verified=True)),
        rec("shop", "1", email(verified=True)),
        rec("web", "7", phone()),
    ]
    first, second = resolve(records), resolve(records)
    assert [c.id for c in first.customers] == [c.id for c in second.customers]
    for customer in first.customers:
        assert re.fullmatch(r"cus_[0-9a-f]{20}", customer.id)
    # A customer is named after its first record, as that record alone would be.
    alone = resolve([rec("crm", "1")]).customer_of("crm", "1")
    assert first.customer_of("shop", "1") == alone
    # Unrelated records change no id.
    more = resolve([*records, rec("app", "1", phone("+14155550100")), rec("zzz", "9")])
    for record in records:
        assert more.customer_of(*record.ref) == first.customer_of(*record.ref)
    # Different records, different ids.
    assert resolve([rec("crm", "2")]).customer_of("crm", "2") != alone
    assert resolve([rec("shop", "1")]).customer_of("shop", "1") != alone


def test_customers_and_suggestions_are_sorted() -> None:
    records = [rec(s, str(n), phone(), handle()) for s in ("crm", "shop") for n in range(2)]
    result = resolve(records)
    ids = [c.id for c in result.customers]
    assert ids == sorted(ids)
    pairs = [s.customer_ids for s in result.suggestions]
    assert pairs == sorted(pairs)
    assert len(pairs) == 6
    for customer in result.customers:
        assert list(customer.records) == sorted(customer.records)
        keys = [i.key for i in customer.identities]
        assert keys == sorted(keys)


# -- to_customer -------------------------------------------------------------------------------


def test_to_customer_gives_a_valid_customer() -> None:
    result = resolve(
        [
            rec("crm", "1", email(verified=True), handle(), name="Ada Okafor"),
            rec("shop", "1", email(verified=True), phone()),
        ]
    )
    (resolved,) = result.customers
    customer = resolved.to_customer(created_at=NOW)
    assert isinstance(customer, Customer)
    assert customer.id == resolved.id
    assert customer.display_name == "Ada Okafor"
    assert customer.identities == resolved.identities
    assert customer.created_at == NOW
    assert customer.merged_into is None
    assert customer.version == 0
    assert Customer.model_validate(customer.model_dump()) == customer
    assert resolved.to_customer().created_at is None
    store = MemoryStore()
    saved = store.customers.save(customer)
    assert store.customers.find_by_identity(f"email:{EMAIL}") == [saved]


def test_every_resolved_customer_becomes_a_customer() -> None:
    records = [rec(s, str(n), phone(), email(verified=n == 0)) for s in "abc" for n in range(3)]
    for resolved in resolve(records).customers:
        assert resolved.to_customer().id == resolved.id


# -- order independence ------------------------------------------------------------------------

SYSTEMS = ("crm", "crm", "shop", "web")
# Several spellings of the same identifiers, so that normalisation matters,
# and two ids of one billing system, so that protection rules bite.
RAW_POOL: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("email", "Ada@Example.com", {}),
    ("email", "ada@example.com", {}),
    ("email", "bob@example.com", {}),
    ("phone", "+44 20 7946 0958", {}),
    ("phone", PHONE, {}),
    ("phone", "+1 415 555 0100", {}),
    ("external", "1", {"system": "billing"}),
    ("external", "2", {"system": "billing"}),
    ("external", "7", {"system": "shop"}),
    ("social", "@Ada", {"platform": "twitter"}),
)


@st.composite
def worlds(draw: st.DrawFn) -> list[SourceRecord]:
    refs = draw(
        st.lists(
            st.tuples(st.sampled_from(SYSTEMS), st.sampled_from("12345")),
            min_size=1,
            max_size=10,
            unique=True,
        )
    )
    records = []
    for source, record_id in refs:
        picks = draw(st.lists(st.sampled_from(RAW_POOL), max_size=4))
        if draw(st.booleans()):
            # A common address and an account in the billing system: protection
            # conflicts between records that share a verified address.
            picks += [RAW_POOL[1], RAW_POOL[draw(st.sampled_from([6, 7]))]]
        identities = []
        for kind, value, scope in picks:
            if draw(st.booleans()):
                # Which record's verification details a customer keeps must not
                # depend on the input order either.
                when = draw(st.sampled_from([None, NOW, f.T0]))
                scope = {**scope, "verified": True, "verified_at": when}
            identities.append(Identity(kind=kind, value=value, **scope))
        name = draw(st.sampled_from([None, "Ada Okafor", "ada okafor", "Bob"]))
        records.append(SourceRecord(source, record_id, identities, display_name=name))
    return records


policies = st.sampled_from(
    [
        MergePolicy(),
        MergePolicy(max_holders=2),
        MergePolicy(max_holders=2, protections=(ProtectionRule("email"),)),
        MergePolicy(suggest_threshold=0.5, protections=()),
    ]
)


def snapshot(result: BulkResolution, records: Sequence[SourceRecord]) -> dict[str, Any]:
    return {
        "customers": result.customers,
        "suggestions": result.suggestions,
        "shared": result.shared,
        "blocked": result.blocked,
        "index": {r.ref: result.customer_of(*r.ref) for r in records},
        "problems": sorted(str(p) for p in result.problems),
    }


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), policy=policies, data=st.data())
def test_result_does_not_depend_on_input_order(
    world: list[SourceRecord], policy: MergePolicy, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(world))
    expected = snapshot(resolve(world, policy=policy), world)
    assert snapshot(resolve(shuffled, policy=policy), world) == expected


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), policy=policies)
def test_prenormalised_input_gives_the_same_result(
    world: list[SourceRecord], policy: MergePolicy
) -> None:
    canonical = [
        SourceRecord(
            r.source,
            r.record_id,
            [normalize_identity(i) for i in r.identities],
            display_name=r.display_name,
        )
        for r in world
    ]
    raw = resolve(world, policy=policy)
    done = resolve(canonical, policy=policy, normalized=True)
    assert snapshot(done, world) == snapshot(raw, world)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), policy=policies)
def test_resolution_invariants(world: list[SourceRecord], policy: MergePolicy) -> None:
    result = resolve(world, policy=policy)
    # Every record in exactly one customer.
    held = [ref for c in result.customers for ref in c.records]
    assert sorted(held) == sorted(r.ref for r in world)
    ids = [c.id for c in result.customers]
    assert len(set(ids)) == len(ids)
    # No join breaks a protection rule (a lone record may already break one).
    for customer in result.customers:
        if len(customer.records) > 1:
            assert policy.blocked_by(customer.identities) is None
        customer.to_customer()  # valid
    # Suggestions pair two different customers that exist, once per pair.
    known = set(ids)
    pairs = [s.customer_ids for s in result.suggestions]
    assert len(set(pairs)) == len(pairs)
    for suggestion in result.suggestions:
        assert set(suggestion.customer_ids) <= known
        assert suggestion.id == suggestion_id(*suggestion.customer_ids)
        assert 0.0 <= suggestion.score <= 1.0
        assert suggestion.note or suggestion.score >= policy.suggest_threshold
        for evidence in suggestion.evidence:
            assert evidence.identity_key not in result.shared
    # A note says exactly which rule the pair would break.
    customers = {c.id: c for c in result.customers}
    for suggestion in result.suggestions:
        a, b = (customers[i] for i in suggestion.customer_ids)
        why = policy.blocked_by([*a.identities, *b.identities])
        assert suggestion.note.startswith("not merged automatically: ")
        if why:
            assert suggestion.note == f"not merged automatically: {why}"
    # Every refused join left a suggestion saying so.
    if result.blocked:
        assert any(s.note for s in result.suggestions)


def test_generated_worlds_are_not_trivial() -> None:
    # The properties above mean something only if the generated worlds do
    # join, suggest, refuse joins and hold shared identifiers, and often.
    seen: Counter[str] = Counter()

    @settings(max_examples=300, database=None, phases=[Phase.generate], derandomize=True)
    @given(world=worlds(), policy=policies)
    def collect(world: list[SourceRecord], policy: MergePolicy) -> None:
        result = resolve(world, policy=policy)
        sizes = [len(c.records) for c in result.customers]
        seen["worlds"] += 1
        seen["join"] += max(sizes) > 1
        seen["join of three or more"] += max(sizes) > 2
        seen["suggestion"] += bool(result.suggestions)
        seen["join and suggestion"] += max(sizes) > 1 and bool(result.suggestions)
        seen["refused join"] += result.blocked > 0
        seen["shared"] += bool(result.shared)

    collect()
    assert seen["worlds"] == 300
    for what in ("join", "suggestion", "join and suggestion"):
        assert seen[what] >= 45, seen
    for what in ("join of three or more", "refused join", "shared"):
        assert seen[what] >= 10, seen


def test_normalised_flag_skips_normalisation() -> None:
    records = [
        rec("crm", "1", email("Ada@Example.com", verified=True)),
        rec("shop", "1", email("ada@example.com", verified=True)),
    ]
    assert len(resolve(records).customers) == 1
    assert len(resolve(records, normalized=True).customers) == 2


def test_verification_details_survive_normalisation() -> None:
    verified = normalize("email", "Ada@Example.com", verified=True, verified_at=NOW, method="link")
    raw = Identity(
        kind="email",
        value="Ada@Example.com",
        verified=True,
        verified_at=NOW,
        verification_method="link",
    )
    (customer,) = resolve([rec("crm", "1", raw)]).customers
    assert customer.identities == (verified,)


def test_different_records_never_share_a_customer_id() -> None:
    result = resolve([rec("a\x00b", "c"), rec("a", "b\x00c")])
    assert len(result.customers) == 2
    assert len({c.id for c in result.customers}) == 2
    assert result.customer_of("a\x00b", "c") != result.customer_of("a", "b\x00c")


def test_the_garbage_collector_is_restored_after_the_call() -> None:
    import gc

    assert gc.isenabled()
    resolve([rec("crm", "1")])
    assert gc.isenabled()
    gc.disable()
    try:
        resolve([rec("crm", "1")])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(InvalidInput):
        resolve_many([object()])  # type: ignore[list-item]
    assert gc.isenabled()


def test_components_labels_each_node_with_the_smallest_of_its_component() -> None:
    from omnicontext.identity import components

    assert components(0, []) == []
    assert components(6, [(5, 1), (1, 3), (2, 2)]) == [0, 1, 2, 1, 4, 1]
    with pytest.raises(InvalidInput) as caught:
        components(2, [(0, 2)])
    assert caught.value.field == "edges"
    with pytest.raises(InvalidInput):
        components(-1, [])


def test_problems_do_not_hold_the_call_s_frames() -> None:
    result = resolve_many(
        [SourceRecord("crm", "1", [Identity(kind="phone", value="12")])], region="GB"
    )
    (problem,) = result.problems
    assert problem.error.__traceback__ is None
    assert problem.error.__context__ is None
    assert problem.error.value == "12"


def test_verified_copies_keep_their_verification() -> None:
    when = datetime(2026, 1, 5, 9, tzinfo=UTC)
    raw = Identity(
        kind="email",
        value=" Ada@Example.com",
        verified=True,
        verified_at=when,
        verification_method="email_link",
    )
    (customer,) = resolve_many([SourceRecord("crm", "1", [raw])]).customers
    (held,) = customer.identities
    assert (held.value, held.verified, held.verified_at, held.verification_method) == (
        "ada@example.com",
        True,
        when,
        "email_link",
    )
    assert held == Identity(
        kind="email",
        value="ada@example.com",
        verified=True,
        verified_at=when,
        verification_method="email_link",
    )


def test_a_phone_left_out_of_automatic_kinds_joins_nobody_but_is_suggested() -> None:
    landline = Identity(kind="phone", value="+442079460958", verified=True)
    records = [rec("crm", "1", landline), rec("crm", "2", landline)]
    assert len(resolve(records).customers) == 1
    policy = MergePolicy(automatic_kinds={"email", "external"})
    result = resolve(records, policy=policy)
    assert len(result.customers) == 2
    (suggestion,) = result.suggestions
    assert "does not merge automatically on a shared phone" in suggestion.note

"""IdentityResolver: resolution, linking, the merge rules, merge and unmerge,
on both built-in stores."""

from __future__ import annotations

import io
import itertools
import pickle
from collections.abc import Iterator

import pytest

from omnicontext.errors import ConflictError, InvalidInput, NotFound
from omnicontext.identity import (
    AmbiguousIdentity,
    IdentityResolver,
    MergeBlocked,
    MergePolicy,
    ProtectionRule,
    normalize,
    suggestion_id,
)
from omnicontext.model import Customer, Identity, SuggestionStatus
from omnicontext.storage import MemoryStore, SQLiteStore, Store, import_jsonl
from omnicontext.testing import factories as f

from .content import content

EMAIL = "ada@example.com"
PHONE = "+447911123456"


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")
    with made:
        yield made


def _resolver(store: Store, **kw: object) -> IdentityResolver:
    numbers = itertools.count(1)
    ticks = itertools.count()
    return IdentityResolver(
        store,
        region="GB",
        clock=lambda: f.minutes(next(ticks)),
        new_id=lambda: f"cus_{next(numbers)}",
        **kw,  # type: ignore[arg-type]
    )


def _email(verified: bool = False, value: str = EMAIL) -> Identity:
    return normalize("email", value, verified=verified)


def _phone(verified: bool = False, value: str = PHONE) -> Identity:
    return normalize("phone", value, verified=verified)


def _keys(customer: Customer) -> set[str]:
    return {i.key for i in customer.identities}


def _profile(r: IdentityResolver, *identities: Identity, name: str = "Ada") -> Customer:
    first, *rest = identities
    customer = r.resolve(first, display_name=name)
    for ident in rest:
        customer = r.link(customer.id, ident, verified=ident.verified).customer
    return customer


# -- resolve -----------------------------------------------------------------------


def test_resolve_creates_once_and_finds_every_spelling(store: Store) -> None:
    r = _resolver(store)
    ada = r.resolve(_phone(), display_name="Ada")
    assert ada.id == "cus_1"
    assert ada.version == 1
    for raw in ("+44 7911 123456", "07911 123456", "0044 7911 123456", "tel:+44-7911-123456"):
        assert r.resolve(Identity(kind="phone", value=raw)).id == "cus_1"
    assert store.customers.count() == 1
    assert ada.created_at == f.minutes(0)


def test_resolve_without_create_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound) as caught:
        _resolver(store).resolve(_email(), create=False)
    assert caught.value.id == f"email:{EMAIL}"
    assert store.customers.count() == 0


def test_an_identifier_two_customers_hold_is_ambiguous(store: Store) -> None:
    store.customers.save(f.customer("cus_a", identities=[_phone()]))
    store.customers.save(f.customer("cus_b", identities=[_phone()]))
    with pytest.raises(AmbiguousIdentity) as caught:
        _resolver(store).resolve(_phone())
    assert caught.value.customer_ids == ("cus_a", "cus_b")
    assert caught.value.key == f"phone:{PHONE}"
    again = pickle.loads(pickle.dumps(caught.value))
    assert str(again) == str(caught.value)


def test_an_invalid_identifier_is_rejected_before_any_write(store: Store) -> None:
    with pytest.raises(InvalidInput) as caught:
        _resolver(store).resolve(Identity(kind="phone", value="12"))
    assert caught.value.value == "12"
    assert store.customers.count() == 0


def test_resolve_claims_unresolved_interactions_of_a_new_identifier(store: Store) -> None:
    store.interactions.append_many(
        [
            f.message("m1", customer_id=None, identity=_phone()),
            f.message("m2", customer_id=None, identity=_email()),
        ]
    )
    ada = _resolver(store).resolve(_phone())
    assert [i.id for i in store.interactions.customer_timeline(ada.id)] == ["m1"]
    assert [i.id for i in store.interactions.unresolved(f"email:{EMAIL}")] == ["m2"]


# -- link ----------------------------------------------------------------------------


def test_link_adds_and_upgrades_verification_never_downgrades(store: Store) -> None:
    r = _resolver(store)
    ada = r.resolve(_phone())
    linked = r.link(ada.id, Identity(kind="email", value=" Ada@Example.com")).customer
    assert _keys(linked) == {f"phone:{PHONE}", f"email:{EMAIL}"}
    assert not linked.identity(f"email:{EMAIL}").verified  # type: ignore[union-attr]
    up = r.link(ada.id, _email(), verified=True, method="email_link", at=f.minutes(30))
    held = up.customer.identity(f"email:{EMAIL}")
    assert held is not None
    assert held.verified
    assert (held.verified_at, held.verification_method) == (f.minutes(30), "email_link")
    down = r.link(ada.id, _email(verified=False)).customer
    assert down.identity(f"email:{EMAIL}") == held
    assert down.version == up.customer.version  # nothing to save


def test_link_claims_the_identifiers_unresolved_history(store: Store) -> None:
    r = _resolver(store)
    ada = r.resolve(_phone())
    store.interactions.append_many(
        [
            f.message("e1", at=f.minutes(1), customer_id=None, identity=_email()),
            f.message("e2", at=f.minutes(2), customer_id=None, identity=_email()),
        ]
    )
    result = r.link(ada.id, _email())
    assert result.claimed == 2
    assert [i.id for i in store.interactions.customer_timeline(ada.id)] == ["e1", "e2"]


def test_verified_on_both_sides_merges_automatically(store: Store) -> None:
    r = _resolver(store)
    crm = _profile(r, _email(verified=True), _phone(verified=True), name="Ada Okafor")
    chat = r.resolve(normalize("social", "twitter:@ada_okafor"))
    store.interactions.append(f.message("c1", customer_id=chat.id))
    store.cases.save(f.case("k1", customer_id=chat.id))
    result = r.link(chat.id, _email(), verified=True, method="email_link")
    assert len(result.merges) == 1
    record = result.merges[0]
    assert (record.survivor_id, record.absorbed_id) == (crm.id, chat.id)  # the older survives
    assert record.rule == "verified_strong_identifier"
    assert record.actor is None
    assert [e.identity_key for e in record.evidence] == [f"email:{EMAIL}"]
    assert result.customer.id == crm.id
    assert _keys(result.customer) == {
        f"email:{EMAIL}",
        f"phone:{PHONE}",
        "social:twitter:@ada_okafor",
    }
    assert store.interactions.get("c1").customer_id == crm.id
    assert store.cases.get("k1").customer_id == crm.id
    tombstone = store.customers.get(chat.id)
    assert tombstone.merged_into == crm.id
    assert tombstone.identities == ()
    assert r.current(chat.id).id == crm.id
    assert store.merges.for_customer(chat.id) == [record]


def test_one_side_verified_is_only_a_suggestion(store: Store) -> None:
    r = _resolver(store)
    crm = _profile(r, _phone(verified=True), name="Ada Okafor")
    web = r.resolve(_email(value="other@example.com"), display_name="Ada Okafor")
    result = r.link(web.id, _phone())  # typed on a form, never verified
    assert result.merges == ()
    (suggestion,) = result.suggestions
    assert suggestion.id == suggestion_id(crm.id, web.id)
    assert suggestion.customer_ids == tuple(sorted((crm.id, web.id)))
    assert [e.kind for e in suggestion.evidence] == ["shared_identifier", "same_name"]
    assert suggestion.evidence[0].verified_on == 1
    assert 0 < suggestion.score < 1
    assert store.suggestions.count("pending") == 1
    assert store.customers.get(web.id).merged_into is None


def test_an_identifier_shared_beyond_the_limit_is_never_evidence(store: Store) -> None:
    r = _resolver(store, policy=MergePolicy(max_holders=2))
    switchboard = _phone(verified=True, value="+442079460958")
    people = [r.resolve(_email(True, f"p{n}@example.com")) for n in range(3)]
    for person in people[:2]:
        store.customers.save(
            store.customers.get(person.id).model_copy(
                update={"identities": (*person.identities, switchboard)}
            )
        )
    result = r.link(people[2].id, switchboard, verified=True)
    assert result.merges == ()
    assert result.suggestions == ()
    assert store.merges.count() == 0
    assert store.suggestions.count() == 0


def test_merges_made_one_at_a_time_still_count_towards_the_limit(store: Store) -> None:
    r = _resolver(store, policy=MergePolicy(max_holders=2))
    switchboard = _phone(verified=True, value="+442079460958")
    first = r.resolve(switchboard)
    second = r.resolve(_email(True, "b@example.com"))
    assert len(r.link(second.id, switchboard, verified=True).merges) == 1
    third = r.resolve(_email(True, "c@example.com"))
    # One holder now, but two profiles were behind it: a third is too many.
    assert r.link(third.id, switchboard, verified=True).merges == ()
    assert r.current(third.id).id == third.id
    assert first.id != third.id


def test_a_protection_rule_turns_an_automatic_merge_into_a_suggestion(store: Store) -> None:
    r = _resolver(store)
    shop_a = normalize("external", "A-1", system="shop", verified=True)
    shop_b = normalize("external", "B-2", system="shop", verified=True)
    one = _profile(r, shop_a, _email(verified=True))
    two = r.resolve(shop_b)
    result = r.link(two.id, _email(), verified=True)
    assert result.merges == ()
    (suggestion,) = result.suggestions
    assert "at most 1 verified external per system" in suggestion.note
    assert store.customers.get(one.id).merged_into is None


def test_a_rejected_pair_is_never_merged_automatically(store: Store) -> None:
    r = _resolver(store)
    crm = _profile(r, _phone(verified=True))
    web = r.resolve(_email())
    (suggestion,) = r.link(web.id, _phone()).suggestions
    rejected = r.reject(suggestion.id, actor="ag_1", note="two sisters")
    assert rejected.status is SuggestionStatus.REJECTED
    assert rejected.decided_by == "ag_1"
    again = r.link(web.id, _phone(), verified=True, method="otp_sms")
    assert again.merges == ()
    assert again.suggestions == ()
    assert store.customers.get(crm.id).merged_into is None
    with pytest.raises(ConflictError):
        r.reject(suggestion.id, actor="ag_1")


# -- accept, manual merge ---------------------------------------------------------------


def test_accepting_a_suggestion_merges_and_records_it(store: Store) -> None:
    r = _resolver(store)
    crm = _profile(r, _phone(verified=True), name="Ada")
    web = r.resolve(_email(), display_name=None)
    (suggestion,) = r.link(web.id, _phone()).suggestions
    record = r.accept(suggestion.id, actor="ag_7", survivor_id=web.id)
    assert (record.survivor_id, record.absorbed_id) == (web.id, crm.id)
    assert record.actor == "ag_7"
    assert record.rule is None
    assert record.suggestion_id == suggestion.id
    decided = store.suggestions.get(suggestion.id)
    assert decided.status is SuggestionStatus.ACCEPTED
    assert decided.merge_id == record.id
    survivor = store.customers.get(web.id)
    assert survivor.display_name == "Ada"  # filled from the absorbed profile
    with pytest.raises(ConflictError, match="already accepted"):
        r.accept(suggestion.id, actor="ag_7")


def test_accept_names_a_survivor_from_the_pair_only(store: Store) -> None:
    r = _resolver(store)
    _profile(r, _phone(verified=True))
    web = r.resolve(_email())
    (suggestion,) = r.link(web.id, _phone()).suggestions
    with pytest.raises(InvalidInput) as caught:
        r.accept(suggestion.id, actor="ag_7", survivor_id="cus_99")
    assert caught.value.field == "survivor_id"
    assert store.merges.count() == 0


def test_manual_merge_respects_protection_unless_overridden(store: Store) -> None:
    r = _resolver(store)
    one = r.resolve(normalize("external", "A-1", system="shop", verified=True))
    two = r.resolve(normalize("external", "B-2", system="shop", verified=True))
    with pytest.raises(MergeBlocked) as caught:
        r.merge(one.id, two.id, actor="ag_1", reason="same person, two accounts")
    assert "per system" in caught.value.reason
    assert store.merges.count() == 0
    record = r.merge(one.id, two.id, actor="ag_1", reason="same person", override_protection=True)
    assert record.evidence[-1].kind == "manual"
    assert _keys(store.customers.get(one.id)) == {"external:shop:A-1", "external:shop:B-2"}


@pytest.mark.parametrize(
    ("actor", "reason", "field"), [("", "why", "actor"), ("ag_1", " ", "reason")]
)
def test_manual_merge_needs_an_actor_and_a_reason(
    store: Store, actor: str, reason: str, field: str
) -> None:
    r = _resolver(store)
    one, two = r.resolve(_email()), r.resolve(_phone())
    with pytest.raises(InvalidInput) as caught:
        r.merge(one.id, two.id, actor=actor, reason=reason)
    assert caught.value.field == field


def test_merging_a_merged_profile_or_itself_is_blocked(store: Store) -> None:
    r = _resolver(store)
    one, two = r.resolve(_email()), r.resolve(_phone())
    r.merge(one.id, two.id, actor="ag_1", reason="same")
    with pytest.raises(MergeBlocked, match="merged into"):
        r.merge(one.id, two.id, actor="ag_1", reason="again")
    with pytest.raises(MergeBlocked, match="itself"):
        r.merge(one.id, one.id, actor="ag_1", reason="self")


# -- unmerge ---------------------------------------------------------------------------


def test_unmerge_restores_both_profiles_and_every_moved_record(store: Store) -> None:
    r = _resolver(store)
    crm = _profile(r, _email(verified=True), _phone(verified=True), name="Ada")
    chat = r.resolve(normalize("social", "twitter:@ada"), display_name=None)
    store.interactions.append_many([f.message("s1", customer_id=chat.id), f.call("k0")])
    store.cases.save(f.case("k1", customer_id=chat.id, tags=("card",)))
    before = content(store)
    (record,) = r.link(chat.id, _email(), verified=True).merges
    # After the merge, new things happen to the survivor; they must stay.
    store.interactions.append(f.message("after", customer_id=crm.id))
    undone = r.unmerge(record.id, actor="ag_2", reason="two people")
    assert undone.undone
    assert undone.undone_by == "ag_2"
    assert undone.version == 2
    after = content(store)
    assert after["interactions"].pop("after").customer_id == crm.id  # type: ignore[attr-defined]
    # The chat profile got the verified email from the link, before the merge.
    restored = after["customers"]
    assert restored[chat.id] == record.absorbed_before.model_copy(update={"version": 0})  # type: ignore[index]
    assert restored[crm.id] == before["customers"][crm.id]  # type: ignore[index]
    assert after["cases"] == before["cases"]
    assert after["interactions"] == before["interactions"]
    # A person said these are two: the rules do not merge them again.
    assert r.link(chat.id, _email(), verified=True).merges == ()
    assert store.suggestions.get(suggestion_id(crm.id, chat.id)).status == "rejected"


def test_unmerge_twice_or_out_of_order_is_a_conflict(store: Store) -> None:
    r = _resolver(store)
    a, b, c = r.resolve(_email()), r.resolve(_phone()), r.resolve(normalize("social", "x:@a"))
    first = r.merge(b.id, c.id, actor="ag_1", reason="same")
    r.merge(a.id, b.id, actor="ag_1", reason="same")
    with pytest.raises(ConflictError, match="undo that merge first"):
        r.unmerge(first.id, actor="ag_1")
    last = store.merges.for_customer(a.id)[-1]
    r.unmerge(last.id, actor="ag_1")
    r.unmerge(first.id, actor="ag_1")
    with pytest.raises(ConflictError, match="undone already"):
        r.unmerge(first.id, actor="ag_1")
    assert {c.merged_into for chunk in store.customers.scan() for c in chunk} == {None}


def test_erasing_a_survivor_takes_the_profiles_merged_into_it(store: Store) -> None:
    r = _resolver(store)
    crm = _profile(r, _email(verified=True))
    chat = r.resolve(_phone())
    store.interactions.append(f.message("c1", customer_id=chat.id))
    r.link(chat.id, _email(), verified=True)
    report = store.erase_customer(crm.id)
    assert (report.customers, report.interactions, report.merges) == (2, 1, 1)
    assert store.customers.count() == 0


# -- import ----------------------------------------------------------------------------


def test_import_resolves_raw_identities_and_stays_idempotent(store: Store) -> None:
    r = _resolver(store)
    lines = b"".join(
        item.to_json().encode() + b"\n"
        for item in (
            f.message(
                "m1", customer_id=None, identity=Identity(kind="phone", value="07911 123456")
            ),
            f.message(
                "m2", customer_id=None, identity=Identity(kind="phone", value="+44 7911 123456")
            ),
            f.message("m3", customer_id=None, identity=Identity(kind="phone", value="12")),
        )
    )
    report = import_jsonl(store.interactions, io.BytesIO(lines), prepare=r.resolve_interaction)
    assert (report.added, report.rejected_count) == (2, 1)
    assert report.rejected[0].line == 3
    ada = r.resolve(_phone())
    assert [i.id for i in store.interactions.customer_timeline(ada.id)] == ["m1", "m2"]
    assert store.interactions.get("m1").identity == _phone()  # canonical form stored
    again = import_jsonl(store.interactions, io.BytesIO(lines), prepare=r.resolve_interaction)
    assert (again.added, again.duplicates) == (0, 2)


def test_resolve_interaction_follows_merged_ids_and_leaves_ambiguity_unresolved(
    store: Store,
) -> None:
    r = _resolver(store)
    one, two = r.resolve(_email()), r.resolve(_phone())
    r.merge(one.id, two.id, actor="ag_1", reason="same")
    moved = r.resolve_interaction(f.message("x", customer_id=two.id))
    assert moved.customer_id == one.id
    unknown = f.message("y", customer_id="cus_unknown")
    assert r.resolve_interaction(unknown) is unknown
    store.customers.save(f.customer("cus_s1", identities=[_phone(value="+442079460958")]))
    store.customers.save(f.customer("cus_s2", identities=[_phone(value="+442079460958")]))
    raw = f.message("z", customer_id=None, identity=Identity(kind="phone", value="020 7946 0958"))
    kept = r.resolve_interaction(raw)
    assert kept.customer_id is None
    assert kept.identity == _phone(value="+442079460958")


def test_resolver_rejects_a_policy_of_the_wrong_type(store: Store) -> None:
    with pytest.raises(InvalidInput) as caught:
        IdentityResolver(store, policy={"max_holders": 2})  # type: ignore[arg-type]
    assert caught.value.field == "policy"


def test_protection_rules_can_be_tightened(store: Store) -> None:
    policy = MergePolicy(protections=(ProtectionRule("email", max_verified=1),))
    r = _resolver(store, policy=policy)
    one = _profile(r, _email(verified=True), _phone(verified=True))
    two = _profile(r, _email(True, "other@example.com"))
    result = r.link(two.id, _phone(), verified=True)
    assert result.merges == ()
    assert "at most 1 verified email" in result.suggestions[0].note
    assert store.customers.get(one.id).merged_into is None


def test_a_policy_without_phone_merges_suggests_on_a_shared_verified_phone(store: Store) -> None:
    r = _resolver(store, policy=MergePolicy(automatic_kinds={"email", "external"}))
    one = r.resolve(_phone(verified=True))
    two = r.resolve(_email())
    result = r.link(two.id, _phone(), verified=True, method="otp_sms")
    assert result.merges == ()
    (suggestion,) = result.suggestions
    assert "does not merge automatically on a shared phone" in suggestion.note
    assert store.customers.get(one.id).merged_into is None


def test_normalisation_is_remembered_per_spelling(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnicontext.identity import resolver as module

    calls: list[str] = []
    real = module.normalize_identity

    def counting(identity: Identity, **kw: object) -> Identity:
        calls.append(identity.value)
        return real(identity, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "normalize_identity", counting)
    r = _resolver(store)
    raw = Identity(kind="phone", value="07911 123456")
    first = r.resolve(raw)
    for _ in range(5):
        assert r.resolve(raw).id == first.id
    assert calls.count("07911 123456") == 1

"""Channel advice: go private on sensitive content, go live when a case escalates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput, NotFound, UnknownChannel
from omnicontext.handoff import advice as advice_module
from omnicontext.handoff.advice import (
    Advice,
    AdviceKind,
    AdviceRules,
    advise,
    advise_case,
)
from omnicontext.handoff.sensitivity import SensitivityDetector
from omnicontext.model import BUILTIN_CHANNELS, ChannelProfile, Customer, Interaction
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing import factories as f

at = f.minutes
PRIVATE = ("social_private", "email", "chat", "phone")
LIVE = ("chat", "phone", "video")
CARD = "My card number is 4111 1111 1111 1111 and the CVV is 123"


def said(id: str, minute: float, body: str = "Any news?", **fields: Any) -> Interaction:
    """A customer message (``agent=True`` for an agent reply)."""
    if fields.pop("agent", False):
        fields["direction"] = "outbound"
    fields.setdefault("channel", "email")
    fields.setdefault("case_id", "case_1")
    return f.message(id, at(minute), body=body, **fields)


def exchange(count: int, channel: str = "email", start: int = 0) -> list[Interaction]:
    """``count`` messages alternating customer and agent, the customer first."""
    return [
        said(f"m{start + i}", start + i, channel=channel, agent=i % 2 == 1) for i in range(count)
    ]


def consent(**channels: bool) -> Customer:
    return f.customer(consent={ch: {"granted": ok} for ch, ok in channels.items()})


# -- go private -------------------------------------------------------------------------


def test_sensitive_customer_message_on_a_public_channel_asks_to_go_private() -> None:
    records = [
        said("m1", 0, "Hello, my order is late", channel="social_public"),
        said("m2", 1, CARD, channel="social_public"),
    ]
    assert advise(records, channel="social_public") == (
        Advice(
            kind=AdviceKind.GO_PRIVATE,
            from_channel="social_public",
            to_channels=PRIVATE,
            reasons=(
                "message m2 contains a card number (**** 1111) and mentions payment details "
                '("My card", "CVV")',
            ),
            consent="unknown",
            interaction_ids=("m2",),
        ),
    )


def test_every_sensitive_message_is_a_reason_naming_its_evidence() -> None:
    records = [
        said("m1", 0, "I'm in hospital, reach me at ada@example.com", channel="social_public"),
        said("m2", 1, "nothing here", channel="social_public"),
        said("m3", 2, "my sort code is 12-34-56", channel="social_private"),
    ]
    [advice] = advise(records, channel="social_public")
    assert advice.reasons == (
        'message m1 contains an email address (a***@example.com) and mentions health ("hospital")',
        'message m3 mentions account security details ("sort code")',
    )
    assert advice.interaction_ids == ("m1", "m3")


def test_agents_words_and_notes_are_never_read_for_sensitivity() -> None:
    records = [
        said("m1", 0, "Hi, the app is slow", channel="social_public"),
        said(
            "m2",
            1,
            "Please DM your card number and date of birth",
            channel="social_public",
            agent=True,
        ),
        f.note("n1", at(2), case_id="case_1", channel="social_public", body=CARD),
    ]
    assert advise(records, channel="social_public") == ()


def test_sensitive_content_on_a_private_channel_needs_no_move() -> None:
    records = [said("m1", 0, CARD, channel="email")]
    assert advise(records, channel="email") == ()
    assert advise(records, channel="chat") == ()


def test_a_detector_of_my_own() -> None:
    records = [said("m1", 0, "my klarna plan", channel="social_public")]
    assert advise(records, channel="social_public") == ()
    rules = AdviceRules(detector=SensitivityDetector().with_terms("payment", "klarna"))
    [advice] = advise(records, channel="social_public", rules=rules)
    assert advice.reasons == ('message m1 mentions payment details ("klarna")',)


# -- go live ----------------------------------------------------------------------------


def test_a_long_exchange_without_resolution_asks_to_go_live() -> None:
    [advice] = advise(exchange(6), channel="email")
    assert advice.kind is AdviceKind.GO_LIVE
    assert (advice.from_channel, advice.to_channels, advice.consent) == ("email", LIVE, "unknown")
    assert advice.reasons == (
        "6 messages on email without resolution (3 from the customer, 3 from agents)",
    )
    assert advice.interaction_ids == ("m0", "m1", "m2", "m3", "m4", "m5")


def test_a_short_exchange_is_not_long() -> None:
    assert advise(exchange(5), channel="email") == ()
    assert advise(exchange(4), channel="email", rules=AdviceRules(long_exchange=4)) != ()


def test_a_solved_status_restarts_the_count() -> None:
    records = [*exchange(4), f.status("s1", at(10), case_id="case_1"), *exchange(3, start=20)]
    assert advise(records, channel="email") == ()
    records.extend(exchange(3, start=30))
    [advice] = advise(records, channel="email")
    assert advice.reasons == (
        "6 messages on email without resolution (4 from the customer, 2 from agents)",
    )
    assert advice.interaction_ids[0] == "m20"


def test_only_asynchronous_messages_count_and_only_with_the_customer_in_them() -> None:
    records = [*exchange(3), *exchange(3, channel="chat", start=3)]
    assert advise(records, channel="email") == ()
    agents_only = [said(f"a{i}", i, agent=True) for i in range(8)]
    assert advise(agents_only, channel="email") == ()
    mixed = [*exchange(4), *exchange(2, channel="social_public", start=4)]
    [advice] = advise(mixed, channel="email")
    assert advice.reasons[0].startswith("6 messages on email and social_public without")


@pytest.mark.parametrize(
    ("scores", "reason"),
    [
        ({"csat": 1}, "CSAT 1 on 2026-01-05 (survey s1)"),
        ({"csat": 2}, "CSAT 2 on 2026-01-05 (survey s1)"),
        ({"csat": 3}, None),
        ({"nps": 6, "csat": None}, "NPS 6 on 2026-01-05 (survey s1)"),
        ({"nps": 7, "csat": None}, None),
    ],
)
def test_a_poor_survey_asks_to_go_live(scores: dict[str, Any], reason: str | None) -> None:
    records = [said("m1", 0), f.survey("s1", at(5), case_id="case_1", channel="email", **scores)]
    found = advise(records, channel="email")
    if reason is None:
        assert found == ()
    else:
        assert [(a.kind, a.reasons, a.interaction_ids) for a in found] == [
            (AdviceKind.GO_LIVE, (reason,), ("s1",))
        ]


def test_only_the_latest_survey_of_a_scale_counts() -> None:
    records = [
        f.survey("s1", at(1), case_id="case_1", channel="email", csat=1),
        f.survey("s2", at(2), case_id="case_1", channel="email", csat=5),
    ]
    assert advise(records, channel="email") == ()
    assert advise(list(reversed(records)), channel="email") == ()
    [advice] = advise([*records, f.survey("s3", at(3), channel="email", csat=2)], channel="email")
    assert advice.interaction_ids == ("s3",)


@pytest.mark.parametrize("priority", ["high", "urgent"])
def test_a_high_priority_asks_to_go_live(priority: str) -> None:
    [advice] = advise([said("m1", 0)], channel="email", case=f.case(priority=priority))
    assert advice.reasons == (f"case case_1 has priority {priority}",)
    assert advice.interaction_ids == ()


@pytest.mark.parametrize("priority", ["low", "normal"])
def test_a_normal_priority_does_not(priority: str) -> None:
    assert advise([said("m1", 0)], channel="email", case=f.case(priority=priority)) == ()


def test_repeated_contact_within_the_window_asks_to_go_live() -> None:
    now = at(0)
    earlier = [
        f.case("case_a", created_at=now - timedelta(days=2)),
        f.case("case_b", created_at=now - timedelta(days=6, hours=23)),
        f.case("case_old", created_at=now - timedelta(days=8)),
        f.case("case_undated"),
        f.case("case_1", created_at=now - timedelta(days=1)),  # the case itself
    ]
    [advice] = advise([said("m1", 0)], channel="email", case=f.case(), earlier_cases=earlier)
    assert advice.reasons == (
        "3rd contact in 7 days (case case_a, case case_b and this conversation)",
    )
    assert advise([said("m1", 0)], channel="email", earlier_cases=earlier[:1]) == ()


def test_the_window_ends_now_and_now_must_be_aware() -> None:
    earlier = [f.case("case_a", created_at=at(0)), f.case("case_b", created_at=at(0))]
    late = at(0) + timedelta(days=8)
    assert advise([said("m1", 0)], channel="email", earlier_cases=earlier) != ()
    assert advise([said("m1", 0)], channel="email", earlier_cases=earlier, now=late) == ()
    with pytest.raises(InvalidInput) as err:
        advise([said("m1", 0)], channel="email", now=datetime(2026, 1, 5, 9))
    assert err.value.field == "now"


def test_a_reopening_asks_to_go_live() -> None:
    records = [
        said("m1", 0),
        f.status("s1", at(10), case_id="case_1", status="solved"),
        f.status("s2", at(20), case_id="case_1", status="open"),
        said("m2", 21),
    ]
    [advice] = advise(records, channel="email")
    assert advice.reasons == ("case reopened on 2026-01-05 (status s2: solved -> open)",)
    assert advice.interaction_ids == ("s2",)
    pending = [*records[:1], f.status("s3", at(5), case_id="case_1", status="pending")]
    back = f.status("s4", at(6), case_id="case_1", status="open")
    assert advise([*pending, back], channel="email") == ()


def test_reopenings_count_as_contacts() -> None:
    records = [
        f.status("s1", at(1), case_id="case_1", status="solved"),
        f.status("s2", at(2), case_id="case_1", status="open"),
    ]
    earlier = [f.case("case_a", created_at=at(0))]
    [advice] = advise(records, channel="email", earlier_cases=earlier)
    assert advice.reasons[-1] == (
        "3rd contact in 7 days (case case_a, reopening s2 and this conversation)"
    )


def test_nothing_to_advise() -> None:
    records = [*exchange(3), f.survey("s1", at(9), channel="email", csat=4)]
    assert advise(records, channel="email", case=f.case(), customer=f.customer()) == ()
    assert advise([], channel="social_public") == ()


def test_a_live_channel_is_never_advised_to_go_live() -> None:
    records = [*exchange(8, channel="chat"), f.survey("s1", at(9), channel="chat", csat=1)]
    assert advise(records, channel="chat", case=f.case(priority="urgent")) == ()
    assert advise(records, channel="phone", case=f.case(priority="urgent")) == ()


def test_a_public_post_can_need_both_moves_private_first() -> None:
    records = [said("m1", 0, CARD, channel="social_public")]
    found = advise(records, channel="social_public", case=f.case(priority="high"))
    assert [a.kind for a in found] == [AdviceKind.GO_PRIVATE, AdviceKind.GO_LIVE]


# -- consent ------------------------------------------------------------------------------


def test_granted_ranks_first_and_refused_is_left_out() -> None:
    customer = consent(chat=False, video=True)
    [advice] = advise(
        [said("m1", 0)], channel="email", case=f.case(priority="high"), customer=customer
    )
    assert advice.to_channels == ("video", "phone")
    assert advice.consent == "granted"
    assert advice.reasons[-1] == "left out chat: the customer refused contact there"


def test_when_every_candidate_is_refused_the_advice_says_so() -> None:
    customer = consent(chat=False, phone=False, video=False)
    [advice] = advise(
        [said("m1", 0)], channel="email", case=f.case(priority="high"), customer=customer
    )
    assert advice.to_channels == ()
    assert advice.channel is None
    assert advice.consent == "refused"
    assert advice.reasons == (
        "case case_1 has priority high",
        "the customer refused contact on chat, phone and video, so no channel is proposed",
    )


def test_go_private_respects_consent_too() -> None:
    customer = consent(social_private=False, phone=True)
    records = [said("m1", 0, CARD, channel="social_public")]
    [advice] = advise(records, channel="social_public", customer=customer)
    assert advice.to_channels == ("phone", "email", "chat")
    assert advice.consent == "granted"


def test_consent_unknown_without_a_customer_or_a_record() -> None:
    [advice] = advise(
        [said("m1", 0)], channel="email", case=f.case(priority="high"), customer=f.customer()
    )
    assert (advice.to_channels, advice.consent) == (LIVE, "unknown")


@given(st.lists(st.sampled_from([True, False, None]), min_size=3, max_size=3))
def test_refused_channels_are_never_proposed(choices: list[bool | None]) -> None:
    customer = consent(**{ch: ok for ch, ok in zip(LIVE, choices, strict=True) if ok is not None})
    [advice] = advise(
        [said("m1", 0)], channel="email", case=f.case(priority="urgent"), customer=customer
    )
    wanted = dict(zip(LIVE, choices, strict=True))
    granted = [ch for ch in LIVE if wanted[ch] is True]
    unknown = [ch for ch in LIVE if wanted[ch] is None]
    assert advice.to_channels == (*granted, *unknown)
    expected = "granted" if granted else "unknown" if unknown else "refused"
    assert advice.consent == expected


# -- rules and bad input ----------------------------------------------------------------


def test_candidates_of_my_own_in_my_order() -> None:
    rules = AdviceRules(private_channels=["email", "whatsapp"], live_channels=("phone",))
    records = [said("m1", 0, CARD, channel="social_public")]
    found = advise(records, channel="social_public", case=f.case(priority="high"), rules=rules)
    assert [a.to_channels for a in found] == [("email", "whatsapp"), ("phone",)]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"long_exchange": 0}, "long_exchange"),
        ({"poor_csat": 6}, "poor_csat"),
        ({"poor_nps": -1}, "poor_nps"),
        ({"repeat_contacts": 1}, "repeat_contacts"),
        ({"repeat_contacts": True}, "repeat_contacts"),
        ({"repeat_window": timedelta(0)}, "repeat_window"),
        ({"private_channels": ()}, "private_channels"),
        ({"live_channels": "chat"}, "live_channels"),
        ({"live_channels": ("chat", "chat")}, "live_channels[1]"),
        ({"detector": "strict"}, "detector"),
    ],
)
def test_bad_rules_are_rejected_naming_the_field(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        AdviceRules(**settings)
    assert err.value.field == field
    if "[" not in field:
        assert err.value.value == settings[field]


def test_rules_must_fit_the_channels() -> None:
    records = [said("m1", 0)]
    with pytest.raises(InvalidInput) as err:
        advise(records, channel="email", rules=AdviceRules(private_channels=("social_public",)))
    assert (err.value.field, err.value.value) == ("private_channels[0]", "social_public")
    with pytest.raises(InvalidInput) as err:
        advise(records, channel="email", rules=AdviceRules(live_channels=("chat", "email")))
    assert (err.value.field, err.value.value) == ("live_channels[1]", "email")
    assert "is not a live channel" in str(err.value)
    with pytest.raises(UnknownChannel) as unknown:
        advise(records, channel="email", rules=AdviceRules(live_channels=("hologram",)))
    assert unknown.value.field == "live_channels[0]"


def test_an_unknown_current_channel_is_rejected() -> None:
    with pytest.raises(UnknownChannel) as err:
        advise([], channel="pager")
    assert (err.value.field, err.value.value) == ("channel", "pager")


def test_records_must_be_interactions() -> None:
    with pytest.raises(InvalidInput) as err:
        advise([said("m1", 0), {"id": "m2"}], channel="email")  # type: ignore[list-item]
    assert err.value.field == "interactions[1]"


def test_channels_of_my_own() -> None:
    forum = ChannelProfile(name="forum", mode="async", visibility="public")
    registry = BUILTIN_CHANNELS.with_channels(forum)
    records = [said("m1", 0, "my password is hunter2", channel="email")]
    [advice] = advise(records, channel="forum", channels=registry)
    assert (advice.kind, advice.from_channel) == (AdviceKind.GO_PRIVATE, "forum")
    with pytest.raises(UnknownChannel):
        advise(records, channel="forum")


def test_advice_as_data() -> None:
    [advice] = advise(exchange(6), channel="email")
    assert advice.to_dict() == {
        "kind": "go_live",
        "from_channel": "email",
        "to_channels": list(LIVE),
        "reasons": [advice.reasons[0]],
        "consent": "unknown",
        "interaction_ids": ["m0", "m1", "m2", "m3", "m4", "m5"],
    }


# -- advise_case against the stores -----------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    with made:
        yield made


def _fill(store: Store) -> None:
    """Ada (phone refused, email granted) with a public case about her card,
    an earlier case two days before and an undated one whose first record is
    three days before."""
    store.customers.save(consent(phone=False, email=True).model_copy(update={"id": "cus_1"}))
    store.cases.save(f.case("case_1"))
    store.cases.save(f.case("case_a", created_at=at(-2 * 24 * 60)))
    store.cases.save(f.case("case_b"))
    store.interactions.append_many(
        [
            said("b1", -3 * 24 * 60, case_id="case_b"),
            said("b2", -1 * 24 * 60, case_id="case_b"),
            said("m1", 0, "Card stopped working", channel="social_public"),
            said("m2", 1, "Sorry! Please DM us", channel="social_public", agent=True),
            said("m3", 2, CARD, channel="social_public"),
            f.note("n1", at(3), case_id="case_1", channel="social_public", body="date of birth?"),
        ]
    )


def test_advise_case_reads_case_timeline_customer_and_earlier_cases(store: Store) -> None:
    _fill(store)
    found = advise_case(store, "case_1")
    assert found == (
        Advice(
            kind=AdviceKind.GO_PRIVATE,
            from_channel="social_public",
            to_channels=("email", "social_private", "chat"),
            reasons=(
                "message m3 contains a card number (**** 1111) and mentions payment "
                'details ("My card", "CVV")',
                "left out phone: the customer refused contact there",
            ),
            consent="granted",
            interaction_ids=("m3",),
        ),
        Advice(
            kind=AdviceKind.GO_LIVE,
            from_channel="social_public",
            to_channels=("chat", "video"),
            reasons=(
                "3rd contact in 7 days (case case_a, case case_b and this conversation)",
                "left out phone: the customer refused contact there",
            ),
            consent="unknown",
            interaction_ids=(),
        ),
    )


def test_advise_case_on_another_channel_and_at_another_time(store: Store) -> None:
    _fill(store)
    assert advise_case(store, "case_1", channel="chat") == ()
    later = at(0) + timedelta(days=10)
    assert [a.kind for a in advise_case(store, "case_1", now=later)] == [AdviceKind.GO_PRIVATE]


def test_advise_case_follows_a_merged_customer(store: Store) -> None:
    store.customers.save(consent(chat=False).model_copy(update={"id": "cus_2"}))
    store.customers.save(f.customer("cus_1", merged_into="cus_2"))
    store.cases.save(f.case("case_1", priority="urgent"))
    store.interactions.append(said("m1", 0))
    [advice] = advise_case(store, "case_1")
    assert advice.to_channels == ("phone", "video")


def test_advise_case_reads_every_page(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(advice_module, "_PAGE", 2)
    store.cases.save(f.case("case_1"))
    store.interactions.append_many(exchange(7))
    [advice] = advise_case(store, "case_1")
    assert advice.reasons == (
        "7 messages on email without resolution (4 from the customer, 3 from agents)",
    )
    assert advice.consent == "unknown"  # the customer is not stored


def test_advise_case_needs_a_case_and_a_channel(store: Store) -> None:
    with pytest.raises(NotFound):
        advise_case(store, "nope")
    store.cases.save(f.case("case_1"))
    store.interactions.append(f.note("n1", at(0), case_id="case_1"))
    with pytest.raises(InvalidInput) as err:
        advise_case(store, "case_1")
    assert (err.value.field, err.value.value) == ("channel", None)
    assert advise_case(store, "case_1", channel="email") == ()

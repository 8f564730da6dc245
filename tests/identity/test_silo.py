"""``silo_report``: the silo indicators of a store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.identity import SharedIdentifier, SiloReport, silo_report
from omnicontext.model import MergeSuggestion
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing import factories as f

PHONE = "+442079460958"
TEAM = "team@example.com"
HANDLE = "@ada"


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")
    with made:
        yield made


def _fill(store: Store) -> dict[str, MergeSuggestion]:
    """Five live customers (two of them also hold merged profiles), twelve
    interactions (four unlinked), and pending and decided suggestions."""
    phone = f.identity("phone", PHONE)
    team = f.identity("email", TEAM)
    handle = f.identity("social", HANDLE)
    customers = [
        f.customer(
            "cus_a", identities=[f.identity("email", "a@example.com", verified=True), phone]
        ),
        f.customer("cus_b", identities=[phone, team]),
        f.customer("cus_c", identities=[phone, handle]),
        f.customer("cus_d", identities=[team, handle, f.identity("external", "D-1")]),
        f.customer("cus_f"),
        f.customer("cus_e", merged_into="cus_a"),
        f.customer("cus_g", merged_into="cus_b"),
    ]
    for customer in customers:
        store.customers.save(customer)

    at = f.minutes
    store.interactions.append_many(
        [
            # cus_a: three channels
            f.message("a1", at(1), customer_id="cus_a", channel="chat"),
            f.message("a2", at(2), customer_id="cus_a", channel="email"),
            f.call("a3", at(3), customer_id="cus_a"),
            # cus_b: one channel, twice
            f.message("b1", at(4), customer_id="cus_b", channel="chat"),
            f.message("b2", at(5), customer_id="cus_b", channel="chat"),
            # cus_c: one channel
            f.message("c1", at(6), customer_id="cus_c", channel="sms"),
            # cus_d: two channels
            f.message("d1", at(7), customer_id="cus_d", channel="chat"),
            f.message("d2", at(8), customer_id="cus_d", channel="whatsapp"),
            # unlinked, with an identifier
            f.message("u1", at(9), channel="chat", identity=f.identity("email", "x@example.com")),
            f.message("u2", at(10), channel="chat", identity=f.identity("phone", "+14155550100")),
            f.message("u3", at(11), channel="sms", identity=f.identity("phone", "+14155550101")),
            # unlinked, attached to a case only
            f.message("u4", at(12), channel="email", case_id="case_9"),
        ]
    )

    def when(n: int) -> datetime:
        return f.T0 + timedelta(hours=n)

    suggestions = {
        # Created in the reverse order of their scores, so creation order is no help.
        "low": f.suggestion("sug_low", ("cus_c", "cus_d"), at=when(1), score=0.35),
        "mid": f.suggestion("sug_mid", ("cus_a", "cus_c"), at=when(2), score=0.4),
        "high_b": f.suggestion("sug_high_b", ("cus_b", "cus_d"), at=when(3), score=0.9),
        "high_a": f.suggestion("sug_high_a", ("cus_a", "cus_b"), at=when(4), score=0.9),
        "rejected": f.suggestion(
            "sug_rejected",
            ("cus_a", "cus_d"),
            score=0.99,
            status="rejected",
            decided_at=when(5),
            decided_by="ag_1",
        ),
        "accepted": f.suggestion(
            "sug_accepted",
            ("cus_a", "cus_e"),
            score=1.0,
            status="accepted",
            decided_at=when(5),
            decided_by="ag_1",
            merge_id="mrg_1",
        ),
        "superseded": f.suggestion(
            "sug_superseded", ("cus_b", "cus_g"), score=0.95, status="superseded"
        ),
    }
    for suggestion in suggestions.values():
        store.suggestions.save(suggestion)
    return {k: store.suggestions.get(v.id) for k, v in suggestions.items()}


def test_empty_store(store: Store) -> None:
    report = silo_report(store)
    assert report == SiloReport(
        customers=0,
        merged_profiles=0,
        interactions=0,
        pending_suggestions=0,
        top_suggestions=(),
        unlinked_interactions=0,
        unlinked_with_identity=0,
        unlinked_by_channel={},
        unknown_customer_interactions=0,
        customers_with_interactions=0,
        single_channel_customers=0,
        channels_per_customer={},
        shared_identifier_count=0,
        shared_identifiers=(),
    )
    assert report.unlinked_share is None
    assert report.single_channel_share is None
    data = report.to_dict()
    assert data["unlinked_share"] is None
    assert data["single_channel_share"] is None
    json.dumps(data)
    assert "n/a" in str(report)


def test_every_figure(store: Store) -> None:
    suggestions = _fill(store)
    report = silo_report(store)

    assert report.customers == 5
    assert report.merged_profiles == 2
    assert report.interactions == 12

    assert report.pending_suggestions == 4
    assert report.top_suggestions == (
        suggestions["high_a"],
        suggestions["high_b"],
        suggestions["mid"],
        suggestions["low"],
    )

    assert report.unlinked_interactions == 4
    assert report.unlinked_with_identity == 3
    assert report.unlinked_by_channel == {"chat": 2, "email": 1, "sms": 1}
    assert list(report.unlinked_by_channel) == ["chat", "email", "sms"]
    assert report.unlinked_share == pytest.approx(4 / 12)

    assert report.customers_with_interactions == 4
    assert report.single_channel_customers == 2
    assert report.channels_per_customer == {1: 2, 2: 1, 3: 1}
    assert list(report.channels_per_customer) == [1, 2, 3]
    assert report.single_channel_share == pytest.approx(0.5)

    assert report.shared_identifier_count == 3
    assert report.shared_identifiers == (
        SharedIdentifier(f"phone:{PHONE}", ("cus_a", "cus_b", "cus_c")),
        SharedIdentifier(f"email:{TEAM}", ("cus_b", "cus_d")),
        SharedIdentifier(f"social:twitter:{HANDLE}", ("cus_c", "cus_d")),
    )
    assert [s.holders for s in report.shared_identifiers] == [3, 2, 2]


def test_top_truncates_lists_but_not_counts(store: Store) -> None:
    suggestions = _fill(store)
    report = silo_report(store, top=1)
    assert report.pending_suggestions == 4
    assert report.top_suggestions == (suggestions["high_a"],)
    assert report.shared_identifier_count == 3
    assert report.shared_identifiers == (
        SharedIdentifier(f"phone:{PHONE}", ("cus_a", "cus_b", "cus_c")),
    )

    two = silo_report(store, top=2)
    assert [s.id for s in two.top_suggestions] == ["sug_high_a", "sug_high_b"]
    assert [s.key for s in two.shared_identifiers] == [f"phone:{PHONE}", f"email:{TEAM}"]

    none = silo_report(store, top=0)
    assert none.top_suggestions == ()
    assert none.shared_identifiers == ()
    assert none.pending_suggestions == 4
    assert none.shared_identifier_count == 3


def test_small_chunks_give_the_same_report(store: Store) -> None:
    _fill(store)
    assert silo_report(store, chunk_size=1) == silo_report(store)
    assert silo_report(store, chunk_size=5) == silo_report(store)


@pytest.mark.parametrize("top", [-1, True, False, 1.5, "3", None])
def test_top_is_validated(store: Store, top: object) -> None:
    with pytest.raises(InvalidInput) as info:
        silo_report(store, top=top)  # type: ignore[arg-type]
    (error,) = info.value.errors
    assert error.field == "top"
    assert error.value is top


def test_shared_identifier_ties_are_ordered_by_key(store: Store) -> None:
    keys = ["social:twitter:@zed", "email:zed@example.com", "phone:+14155550100"]
    for n in range(2):
        store.customers.save(
            f.customer(
                f"cus_{n}",
                identities=[
                    f.identity("social", "@zed"),
                    f.identity("email", "zed@example.com"),
                    f.identity("phone", "+14155550100"),
                    f.identity("email", f"own{n}@example.com"),
                ],
            )
        )
    report = silo_report(store)
    assert [s.key for s in report.shared_identifiers] == sorted(keys)
    assert report.shared_identifier_count == 3


def test_merged_profiles_hold_nothing(store: Store) -> None:
    store.customers.save(f.customer("cus_a", identities=[f.identity("phone", PHONE)]))
    store.customers.save(f.customer("cus_b", merged_into="cus_a"))
    store.customers.save(f.customer("cus_c", merged_into="cus_a"))
    report = silo_report(store)
    assert report.customers == 1
    assert report.merged_profiles == 2
    assert report.shared_identifier_count == 0


def test_many_pending_suggestions_are_all_counted(store: Store) -> None:
    total = 1005
    with store.transaction():
        for n in range(total):
            store.suggestions.save(
                f.suggestion(f"sug_{n:04d}", ("cus_a", "cus_b"), score=(n % 100) / 100)
            )
    report = silo_report(store, top=3)
    assert report.pending_suggestions == total
    assert [s.score for s in report.top_suggestions] == [0.99] * 3
    assert [s.id for s in report.top_suggestions] == ["sug_0099", "sug_0199", "sug_0299"]


def test_decided_suggestions_are_not_pending(store: Store) -> None:
    store.suggestions.save(
        f.suggestion("sug_1", status="rejected", decided_at=f.T0, decided_by="ag_1")
    )
    report = silo_report(store)
    assert report.pending_suggestions == 0
    assert report.top_suggestions == ()


def test_interactions_of_one_customer_on_one_channel(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    store.interactions.append_many(
        [f.message(f"m{n}", f.minutes(n), customer_id="cus_1") for n in range(3)]
    )
    report = silo_report(store)
    assert report.customers_with_interactions == 1
    assert report.single_channel_customers == 1
    assert report.single_channel_share == 1.0
    assert report.channels_per_customer == {1: 1}
    assert report.unlinked_share == 0.0


def test_to_dict_is_json(store: Store) -> None:
    suggestions = _fill(store)
    report = silo_report(store)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["customers"] == 5
    assert data["merged_profiles"] == 2
    assert data["interactions"] == 12
    assert data["pending_suggestions"] == 4
    assert [s["id"] for s in data["top_suggestions"]] == [
        "sug_high_a",
        "sug_high_b",
        "sug_mid",
        "sug_low",
    ]
    assert data["top_suggestions"][0] == json.loads(suggestions["high_a"].model_dump_json())
    assert data["unlinked_interactions"] == 4
    assert data["unlinked_with_identity"] == 3
    assert data["unlinked_share"] == pytest.approx(1 / 3)
    assert data["unlinked_by_channel"] == {"chat": 2, "email": 1, "sms": 1}
    assert data["customers_with_interactions"] == 4
    assert data["single_channel_customers"] == 2
    assert data["single_channel_share"] == 0.5
    assert data["channels_per_customer"] == {"1": 2, "2": 1, "3": 1}
    assert data["shared_identifier_count"] == 3
    assert data["shared_identifiers"] == [
        {"key": f"phone:{PHONE}", "customer_ids": ["cus_a", "cus_b", "cus_c"]},
        {"key": f"email:{TEAM}", "customer_ids": ["cus_b", "cus_d"]},
        {"key": f"social:twitter:{HANDLE}", "customer_ids": ["cus_c", "cus_d"]},
    ]
    assert set(data) == {
        "customers",
        "merged_profiles",
        "interactions",
        "pending_suggestions",
        "top_suggestions",
        "unlinked_interactions",
        "unlinked_with_identity",
        "unlinked_share",
        "unlinked_by_channel",
        "unknown_customer_interactions",
        "customers_with_interactions",
        "single_channel_customers",
        "single_channel_share",
        "channels_per_customer",
        "shared_identifier_count",
        "shared_identifiers",
    }


def test_str_mentions_the_key_figures(store: Store) -> None:
    _fill(store)
    text = str(silo_report(store))
    lines = text.splitlines()
    assert lines[0].startswith("customers")
    assert lines[0].split()[1] == "5"
    assert "(+2 merged into others)" in lines[0]
    assert lines[1].split()[-1] == "4"  # pending suggestions
    assert "33.3% of 12" in text
    assert "3 carry an identifier" in text
    assert "50.0% of 4 with interactions" in text
    assert f"phone:{PHONE} held by 3" in text
    assert f"email:{TEAM} held by 2" in text
    assert "suggestion sug_high_a: cus_a + cus_b (score 0.90)" in text
    assert "suggestion sug_low: cus_c + cus_d (score 0.35)" in text
    assert text.index("sug_high_a") < text.index("sug_high_b") < text.index("sug_mid")


def test_str_lists_at_most_five_of_each(store: Store) -> None:
    for n in range(8):
        store.customers.save(
            f.customer(
                f"cus_{n}",
                identities=[f.identity("email", f"shared{k}@example.com") for k in range(7)],
            )
        )
        store.suggestions.save(f.suggestion(f"sug_{n}", (f"cus_{n}", "cus_x")))
    report = silo_report(store)
    assert report.shared_identifier_count == 7
    assert len(report.shared_identifiers) == 7
    text = str(report)
    assert text.count(" held by 8") == 5
    assert text.count("  suggestion ") == 5


def test_large_numbers_are_grouped() -> None:
    report = SiloReport(
        customers=1234567,
        merged_profiles=1200,
        interactions=2_000_000,
        pending_suggestions=0,
        top_suggestions=(),
        unlinked_interactions=500_000,
        unlinked_with_identity=1,
        unlinked_by_channel={"chat": 500_000},
        unknown_customer_interactions=0,
        customers_with_interactions=4,
        single_channel_customers=1,
        channels_per_customer={1: 1, 2: 3},
        shared_identifier_count=0,
        shared_identifiers=(),
    )
    text = str(report)
    assert "1,234,567" in text
    assert "(+1,200 merged into others)" in text
    assert "25.0% of 2,000,000" in text
    assert "25.0% of 4 with interactions" in text


def test_case_records_belong_to_the_case_customer_and_merged_ids_to_the_survivor(
    store: Store,
) -> None:
    store.customers.save(f.customer("cus_1"))
    store.customers.save(f.customer("cus_2", merged_into="cus_1"))
    store.cases.save(f.case("k1", customer_id="cus_1"))
    store.interactions.append_many(
        [
            f.note("n1", case_id="k1", customer_id=None, channel="phone"),
            f.message("m1", customer_id="cus_2", channel="email"),
            f.message("m2", customer_id="cus_gone", channel="chat"),
            f.note("n2", case_id="k-unknown", customer_id=None),
        ]
    )
    report = silo_report(store)
    assert report.unlinked_interactions == 1  # only the note on a case nobody holds
    assert report.unknown_customer_interactions == 1
    assert report.customers_with_interactions == 1
    assert report.channels_per_customer == {2: 1}
    assert report.to_dict()["unknown_customer_interactions"] == 1

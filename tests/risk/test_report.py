"""``risk_report``: every indicator of the risk register on scenarios small enough
to count by hand, its severity at the band edges, the options, and the report's
JSON, text and HTML forms.

Every test runs against both built-in stores.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff import journey
from omnicontext.errors import InvalidInput
from omnicontext.handoff import prepare_handoff, record_handoff
from omnicontext.handoff.access import AccessPolicy, Role, Viewer
from omnicontext.handoff.delivery import FallbackChain
from omnicontext.handoff.outbox import OutboxWorker, enqueue
from omnicontext.model import Interaction, SuggestionStatus
from omnicontext.model.access import AccessRecord
from omnicontext.quality import Catalog
from omnicontext.risk.compliance import ErasureRequest, RetentionPolicy, erase_customer_recorded
from omnicontext.risk.report import RISKS, Indicator, Risk, RiskReport, risk_report
from omnicontext.risk.thresholds import RiskThresholds, Severity
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing import factories as f
from omnicontext.testing.notifiers import ScriptedNotifier

T0 = f.T0  # Monday 2026-01-05 09:00 UTC
AS_OF = T0 + timedelta(days=3)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "r.db")
    yield made
    made.close()


def report(store: Store, **options: Any) -> RiskReport:
    options.setdefault("as_of", AS_OF)
    return risk_report(store, **options)


def severities(got: RiskReport, keys: Iterator[str] | list[str]) -> dict[str, Severity]:
    return {key: got.indicator(key).severity for key in keys}


def check_edges(store: Store, values: Mapping[str, float | None], **options: Any) -> None:
    """Each indicator at its band edges: a value equal to ``medium`` is medium,
    one just below it low, one equal to ``high`` high; ``None`` is never
    measured, whatever the band."""
    measured = {k: v for k, v in values.items() if v is not None}

    def judged(levels: Callable[[float], dict[str, float]]) -> dict[str, Severity]:
        table = {k: levels(v) for k, v in measured.items()}
        table.update({k: {"medium": 0, "high": 0} for k, v in values.items() if v is None})
        got = report(store, thresholds=RiskThresholds.from_dict(table), **options)
        return severities(got, list(values))

    unmeasured = {k: Severity.UNMEASURED for k, v in values.items() if v is None}
    assert judged(lambda v: {"medium": v, "high": v + 1}) == {
        **dict.fromkeys(measured, Severity.MEDIUM),
        **unmeasured,
    }
    assert judged(lambda v: {"medium": math.nextafter(v, math.inf), "high": v + 1}) == {
        **dict.fromkeys(measured, Severity.LOW),
        **unmeasured,
    }
    assert judged(lambda v: {"medium": v - 1, "high": v}) == {
        **dict.fromkeys(measured, Severity.HIGH),
        **unmeasured,
    }


def values(got: RiskReport, *keys: str) -> dict[str, float | None]:
    return {key: got.indicator(key).value for key in keys}


# ====================================================================== data silos


def test_pending_suggestions_and_split_share(store: Store) -> None:
    for n in range(1, 5):
        store.customers.save(f.customer(f"cus_{n}"))
    store.suggestions.save(f.suggestion("sug_1", ("cus_1", "cus_2")))
    store.suggestions.save(f.suggestion("sug_2", ("cus_1", "cus_3")))
    store.suggestions.save(
        f.suggestion(
            "sug_3",
            ("cus_3", "cus_4"),
            status=SuggestionStatus.REJECTED,
            decided_at=at(5),
            decided_by="ag_1",
        )
    )
    got = report(store)
    # 2 pending suggestions for 4 customers; cus_1, cus_2 and cus_3 are named.
    assert values(got, "pending_suggestions_per_1000", "split_share") == {
        "pending_suggestions_per_1000": 500.0,
        "split_share": 0.75,
    }
    assert got.indicator("pending_suggestions_per_1000").detail.startswith(
        "2 pending for 4 customers"
    )
    assert got.indicator("split_share").detail.startswith("3 customers named")
    assert got.indicator("split_share").severity is Severity.HIGH
    assert got.risk("data_silos").severity is Severity.HIGH
    check_edges(store, {"pending_suggestions_per_1000": 500.0, "split_share": 0.75})


def test_silo_indicators_without_customers_are_not_measured(store: Store) -> None:
    got = report(store)
    for key in (
        "pending_suggestions_per_1000",
        "split_share",
        "unlinked_share",
        "switches_without_context",
        "repeat_contact_rate",
    ):
        assert got.indicator(key).value is None, key
        assert got.indicator(key).severity is Severity.UNMEASURED, key
    assert got.risk("data_silos").severity is Severity.UNMEASURED
    check_edges(store, {"pending_suggestions_per_1000": None, "split_share": None})


def test_unlinked_share(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    store.cases.save(f.case("k1", "cus_1"))
    store.interactions.append_many(
        [
            f.message("m1", at=at(0), customer_id="cus_1"),
            f.message("m2", at=at(1), case_id="k1"),  # linked through its case
            f.message("m3", at=at(2), identity=f.identity("email", "who@example.com")),
            f.message("m4", at=at(3), case_id="k_unknown"),  # a case nobody owns
        ]
    )
    got = report(store)
    indicator = got.indicator("unlinked_share")
    assert indicator.value == 0.5
    assert indicator.detail.startswith("2 of 4; 1 carry an identifier")
    assert indicator.severity is Severity.HIGH
    assert indicator.action.startswith("resolve the unlinked interactions")
    check_edges(store, {"unlinked_share": 0.5})


def _case(store: Store, case_id: str, customer_id: str = "cus_1", **fields: Any) -> None:
    store.cases.save(f.case(case_id, customer_id, **fields))


def _chat_then(store: Store, case_id: str, channel: str, minutes: float = 10) -> None:
    """A chat message at 0 in ``case_id``, then a move to ``channel``."""
    _case(store, case_id)
    moved: Interaction = (
        f.call(f"{case_id}-2", at=at(minutes), case_id=case_id, customer_id="cus_1")
        if channel == "phone"
        else f.message(f"{case_id}-2", at=at(minutes), case_id=case_id, channel=channel)
    )
    store.interactions.append_many(
        [f.message(f"{case_id}-1", at=at(0), case_id=case_id, customer_id="cus_1"), moved]
    )


def _packet(
    store: Store,
    case_id: str,
    channel: str,
    minutes: float,
    viewer: Viewer | None = None,
    **kw: Any,
) -> None:
    prepare_handoff(
        store, case_id, to_channel=channel, viewer=viewer or Viewer("ag_1"), at=at(minutes), **kw
    )


def test_switches_without_context(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    # k1: a packet with the history for the phone a minute before the call.
    _chat_then(store, "k1", "phone")
    _packet(store, "k1", "phone", 9)
    # k2: the packet came 25 hours after the switch, past the 24-hour window.
    _chat_then(store, "k2", "phone")
    _packet(store, "k2", "phone", 10 + 25 * 60)
    # k3: a packet for the email, with the history withheld from its viewer.
    _chat_then(store, "k3", "email")
    billing = AccessPolicy.default().with_role(Role("billing", {"customer", "case"}))
    _packet(store, "k3", "email", 11, Viewer("bl_1", "billing"), policy=billing)
    # k4: no packet at all; k5: a packet for another channel than the one moved to.
    _chat_then(store, "k4", "phone")
    _chat_then(store, "k5", "phone")
    _packet(store, "k5", "email", 10)
    # k6: a case that stays on chat switches nothing.
    _case(store, "k6")
    store.interactions.append_many(
        [f.message(f"k6-{n}", at=at(n), case_id="k6", customer_id="cus_1") for n in range(3)]
    )
    got = report(store)
    indicator = got.indicator("switches_without_context")
    assert indicator.value == pytest.approx(4 / 5)
    assert indicator.detail.startswith("4 of 5 switches (0 asked for in public replies)")
    assert indicator.severity is Severity.HIGH
    # A longer window reaches k2's packet.
    wider = report(store, context_window=timedelta(hours=26))
    assert wider.indicator("switches_without_context").value == pytest.approx(3 / 5)
    narrower = report(store, context_window=timedelta(0))
    assert narrower.indicator("switches_without_context").value == pytest.approx(4 / 5)
    check_edges(store, {"switches_without_context": indicator.value})


@pytest.mark.parametrize(
    ("offset", "context"),
    [(-61, False), (-59, True), (0, True), (24 * 60, True), (24 * 60 + 1, False)],
)
def test_the_context_window_runs_from_an_hour_before(
    store: Store, offset: float, context: bool
) -> None:
    store.customers.save(f.customer("cus_1"))
    _chat_then(store, "k1", "phone", minutes=120)
    _packet(store, "k1", "phone", 120 + offset)
    value = report(store).indicator("switches_without_context").value
    assert value == (0.0 if context else 1.0)


def test_a_recorded_handoff_is_one_switch(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    _case(store, "k1")
    store.interactions.append(f.message("k1-1", at=at(0), case_id="k1", customer_id="cus_1"))
    packet = prepare_handoff(store, "k1", to_channel="phone", viewer=Viewer("ag_2"), at=at(9))
    record_handoff(store, packet, reason="complex", at=at(10), handoff_id="ho-1", agent_id="ag_1")
    store.interactions.append(f.call("k1-2", at=at(12), case_id="k1", customer_id="cus_1"))
    store.interactions.append(f.call("k1-3", at=at(40), case_id="k1", customer_id="cus_1"))
    got = report(store)
    assert got.indicator("switches_without_context").value == 0.0
    assert got.indicator("switches_without_context").detail.startswith("0 of 1 switches")


def _public_case(store: Store, case_id: str, *, packet_at: float | None = None) -> None:
    _case(store, case_id)
    store.interactions.append_many(
        [
            f.message(f"{case_id}-1", at=at(0), case_id=case_id, channel="social_public"),
            f.message(
                f"{case_id}-2",
                at=at(5),
                case_id=case_id,
                channel="social_public",
                direction="outbound",
                body="Sorry to hear that. Please DM us your details.",
            ),
            f.message(f"{case_id}-3", at=at(8), case_id=case_id, channel="social_public"),
            f.message(
                f"{case_id}-4",
                at=at(9),
                case_id=case_id,
                channel="social_public",
                direction="outbound",
                body="We have not had your direct message yet: please send us a DM.",
            ),
            f.message(f"{case_id}-5", at=at(20), case_id=case_id, channel="social_public"),
        ]
    )
    if packet_at is not None:
        _packet(store, case_id, "social_private", packet_at)


def test_an_ask_to_go_private_counts_once_per_case(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    _public_case(store, "p1")
    got = report(store)
    indicator = got.indicator("switches_without_context")
    # Asked twice, then the case carried on in public: one switch, no packet.
    assert indicator.value == 1.0
    assert indicator.detail.startswith("1 of 1 switches (1 asked for in public replies)")
    _public_case(store, "p2", packet_at=6)
    got = report(store)
    assert got.indicator("switches_without_context").value == 0.5
    assert got.indicator("switches_without_context").detail.startswith(
        "1 of 2 switches (2 asked for"
    )


def _journey(store: Store) -> None:
    store.customers.save(journey.customer())
    store.cases.save(journey.case())
    store.cases.save(journey.earlier_case())
    store.interactions.append_many([*journey.interactions(), journey.phone_call()])


def test_an_ask_followed_by_the_move_is_one_switch(store: Store) -> None:
    # Public -> (asked to DM) -> private -> chat -> phone: three switches; the
    # move to private that the public reply asked for is not counted twice.
    _journey(store)
    after = journey.T0 + timedelta(days=1)
    indicator = report(store, as_of=after).indicator("switches_without_context")
    assert indicator.value == 1.0
    assert indicator.detail.startswith("3 of 3 switches (1 asked for in public replies)")


def test_repeat_contact_rate_from_the_kpi_engine(store: Store) -> None:
    store.interactions.append_many(
        [
            # k1: answered, then the customer is back an hour later: a repeat.
            f.message("k1-1", at=at(0), case_id="k1"),
            f.message("k1-2", at=at(5), case_id="k1", direction="outbound"),
            f.message("k1-3", at=at(65), case_id="k1"),
            # k2: back five minutes later, the same conversation: no repeat.
            f.message("k2-1", at=at(0), case_id="k2"),
            f.message("k2-2", at=at(5), case_id="k2", direction="outbound"),
            f.message("k2-3", at=at(10), case_id="k2"),
            # k3: never answered, not counted.
            f.message("k3-1", at=at(0), case_id="k3"),
        ]
    )
    got = report(store)
    indicator = got.indicator("repeat_contact_rate")
    assert indicator.value == 0.5
    assert indicator.detail == "1 of 2 answered cases"
    assert indicator.severity is Severity.HIGH
    check_edges(store, {"repeat_contact_rate": 0.5})


# ====================================================================== messaging

CATALOG = Catalog.from_dict(
    {
        "answers": [
            {
                "id": "refund-window",
                "intent": "refund",
                "version": 1,
                "text": "You can return any item within 14 days for a full refund.",
            },
            {
                "id": "refund-window",
                "intent": "refund",
                "version": 2,
                "text": "You can return any item within 30 days for a full refund. Terms apply.",
                "disclosures": ["terms apply"],
            },
        ]
    }
)


def _replies(store: Store) -> None:
    def reply(id: str, minutes: float, channel: str, body: str) -> Interaction:
        return f.message(
            id, at=at(minutes), case_id="k1", channel=channel, direction="outbound", body=body
        )

    store.interactions.append_many(
        [
            f.message("in-1", at=at(0), case_id="k1"),
            reply(
                "r1", 1, "chat", "Hi! You can return any item within 14 days for a full refund."
            ),
            reply("r2", 2, "chat", "You can return any item within 30 days for a full refund."),
            reply("r3", 3, "email", "Thanks for your patience, we are looking into it."),
            reply("r4", 4, "email", "We have passed your question to the returns team."),
        ]
    )


def test_findings_per_1000_with_a_catalog(store: Store) -> None:
    _replies(store)
    got = report(store, catalog=CATALOG)
    # r1 quotes version 1 (outdated), r2 lacks "terms apply": 2 findings, 4 replies.
    assert values(
        got, "findings_per_1000", "findings_per_1000:chat", "findings_per_1000:email"
    ) == {
        "findings_per_1000": 500.0,
        "findings_per_1000:chat": 1000.0,
        "findings_per_1000:email": 0.0,
    }
    assert got.consistency.findings_by_kind == {"missing_disclosure": 1, "outdated_version": 1}
    assert got.indicator("findings_per_1000").detail == (
        "2 findings over 4 replies; missing_disclosure 1, outdated_version 1"
    )
    assert got.indicator("findings_per_1000:chat").detail == "2 findings over 2 replies"
    assert got.indicator("findings_per_1000:chat").label == "  on chat"
    assert [r.key for r in got.risks].index("inconsistent_messaging") == 1
    assert [i.key for i in got.risk("inconsistent_messaging").indicators] == [
        "findings_per_1000",
        "findings_per_1000:chat",
        "findings_per_1000:email",
    ]
    check_edges(
        store,
        {
            "findings_per_1000": 500.0,
            "findings_per_1000:chat": 1000.0,
            "findings_per_1000:email": 0.0,
        },
        catalog=CATALOG,
    )


def test_a_channel_band_of_its_own(store: Store) -> None:
    _replies(store)
    thresholds = RiskThresholds.from_dict(
        {
            "findings_per_1000": {"medium": 500, "high": 2000},
            "findings_per_1000:chat": {"medium": 1000.5, "high": 2000},
        }
    )
    got = report(store, catalog=CATALOG, thresholds=thresholds)
    assert severities(got, ["findings_per_1000", "findings_per_1000:chat"]) == {
        "findings_per_1000": Severity.MEDIUM,
        "findings_per_1000:chat": Severity.LOW,
    }
    chat = got.indicator("findings_per_1000:chat")
    assert (chat.medium, chat.high, chat.action) == (1000.5, 2000, "")
    assert got.indicator("findings_per_1000").action.startswith("correct the listed replies")


def test_findings_per_1000_without_a_catalog(store: Store) -> None:
    _replies(store)
    got = report(store)
    assert values(got, "findings_per_1000", "findings_per_1000:chat") == {
        "findings_per_1000": 0.0,
        "findings_per_1000:chat": 0.0,
    }
    assert got.indicator("findings_per_1000").severity is Severity.LOW
    # Tone is checked without a catalog.
    store.interactions.append(
        f.message(
            "r5",
            at=at(5),
            case_id="k1",
            channel="email",
            direction="outbound",
            body="WE HAVE ALREADY TOLD YOU THIS TWICE",
        )
    )
    got = report(store)
    assert values(got, "findings_per_1000", "findings_per_1000:email") == {
        "findings_per_1000": 200.0,
        "findings_per_1000:email": pytest.approx(1000 / 3),
    }


def test_a_cross_channel_conflict_counts_on_each_channel(store: Store) -> None:
    # No catalog: the figures differ between channels for one case intent.
    store.customers.save(f.customer("cus_1"))
    _case(store, "k1", intent="refund")
    store.interactions.append_many(
        [
            f.message("r1", at=at(1), case_id="k1", direction="outbound", body="Within 14 days."),
            f.message(
                "r2",
                at=at(2),
                case_id="k1",
                channel="email",
                direction="outbound",
                body="Within 30 days.",
            ),
        ]
    )
    got = report(store)
    assert got.consistency.findings_by_kind == {"cross_channel_conflict": 1}
    # Overall each finding counts once; on each channel it names, once there.
    assert values(
        got, "findings_per_1000", "findings_per_1000:chat", "findings_per_1000:email"
    ) == {
        "findings_per_1000": 500.0,
        "findings_per_1000:chat": 1000.0,
        "findings_per_1000:email": 1000.0,
    }


def test_no_replies_no_messaging_figure(store: Store) -> None:
    store.interactions.append(f.message("in-1", at=at(0), case_id="k1"))
    got = report(store, catalog=CATALOG)
    assert got.risk("inconsistent_messaging").indicators == (got.indicator("findings_per_1000"),)
    assert got.indicator("findings_per_1000").value is None
    assert got.risk("inconsistent_messaging").severity is Severity.UNMEASURED


# ====================================================================== third party

OUT0 = T0


def _worker(
    store: Store, *providers: ScriptedNotifier, max_attempts: int = 1, **chain: Any
) -> OutboxWorker:
    fallback = FallbackChain(list(providers), timeout=5, clock=lambda: OUT0, **chain)
    return OutboxWorker(store, fallback, owner="w1", max_attempts=max_attempts)


def _sms(name: str, *script: str, accepted: datetime = OUT0) -> ScriptedNotifier:
    return ScriptedNotifier(name, {"sms"}, list(script), clock=lambda: accepted)


def _add(store: Store, key: str, channel: str = "sms", **extra: Any) -> None:
    to = "ada@example.com" if channel == "email" else "+447700900123"
    enqueue(
        store, key=key, channel=channel, to=to, body="Your card works again.", at=OUT0, **extra
    )


def test_failure_fallback_single_provider_and_given_up(store: Store) -> None:
    a = _sms("sms-a", "fail", "ok")
    b = _sms("sms-b")
    mail = ScriptedNotifier("mail", {"email"}, ["fail"], clock=lambda: OUT0)
    for key, channel in (("n1", "sms"), ("n2", "sms"), ("n3", "email"), ("n4", "email")):
        _add(store, key, channel)
    worker = _worker(store, a, b, mail)
    run = worker.run_once(now=OUT0)
    assert [e.result for e in run.entries] == ["sent", "sent", "failed", "sent"]
    got = report(store, as_of=OUT0 + timedelta(hours=1))
    # n1: a failed, b sent; n2: a sent; n3: mail failed, given up; n4: mail sent.
    assert values(
        got,
        "delivery_failure_rate",
        "delivery_failure_rate:sms-a/sms",
        "delivery_failure_rate:sms-b/sms",
        "delivery_failure_rate:mail/email",
        "fallback_rate",
        "single_provider_channels",
        "undelivered_notifications",
        "late_notifications",
    ) == {
        "delivery_failure_rate": 2 / 5,
        "delivery_failure_rate:sms-a/sms": 0.5,
        "delivery_failure_rate:sms-b/sms": 0.0,
        "delivery_failure_rate:mail/email": 0.5,
        "fallback_rate": 1 / 3,
        "single_provider_channels": 1.0,
        "undelivered_notifications": 0.25,
        "late_notifications": None,
    }
    assert [(p.provider, p.channel, p.attempts, p.sent, p.failed) for p in got.providers] == [
        ("mail", "email", 2, 1, 1),
        ("sms-a", "sms", 2, 1, 1),
        ("sms-b", "sms", 1, 1, 0),
    ]
    assert got.indicator("single_provider_channels").detail == "email (mail)"
    assert got.indicator("single_provider_channels").action == "add a second provider for email"
    undelivered = got.indicator("undelivered_notifications").detail
    assert undelivered.startswith("1 of 4 notifications; reasons: max_attempts=1 reached")
    assert "(1)" in undelivered
    assert got.indicator("late_notifications").severity is Severity.UNMEASURED
    check_edges(
        store,
        {
            "delivery_failure_rate": 0.4,
            "delivery_failure_rate:sms-a/sms": 0.5,
            "fallback_rate": 1 / 3,
            "single_provider_channels": 1.0,
            "undelivered_notifications": 0.25,
            "late_notifications": None,
        },
        as_of=OUT0 + timedelta(hours=1),
    )


def test_a_provider_skipped_with_its_circuit_open_needed_a_fallback(store: Store) -> None:
    a = _sms("sms-a", "fail")
    b = _sms("sms-b")
    _add(store, "n1")
    _add(store, "n2")
    _worker(store, a, b, failure_threshold=1).run_once(now=OUT0)
    attempts = [
        [(x.provider, x.outcome.value) for x in store.outbox.get(k).attempts] for k in ("n1", "n2")
    ]
    assert attempts == [
        [("sms-a", "failed"), ("sms-b", "sent")],
        [("sms-a", "skipped"), ("sms-b", "sent")],
    ]
    got = report(store)
    assert got.indicator("fallback_rate").value == 1.0
    assert got.indicator("fallback_rate").detail == "2 of 2 delivered notifications"
    # Skipped attempts were not made: a made one attempt, and it failed.
    assert got.indicator("delivery_failure_rate:sms-a/sms").value == 1.0
    assert got.indicator("delivery_failure_rate").value == pytest.approx(1 / 3)
    stats = got.providers[0]
    assert (stats.provider, stats.attempts, stats.skipped, stats.failed) == ("sms-a", 2, 1, 1)


def test_timeouts_count_as_failures(store: Store) -> None:
    a = _sms("sms-a", "down", "ok")
    _add(store, "n1")
    _add(store, "n2")
    _worker(store, a, max_attempts=3).run_once(now=OUT0)
    got = report(store)
    assert got.providers[0].timeouts == 1
    assert got.providers[0].failure_rate == 0.5
    assert got.indicator("delivery_failure_rate").detail == "1 of 2 attempts failed or timed out"
    # One provider on sms: a single-provider channel, no fallback possible.
    assert got.indicator("single_provider_channels").value == 1.0
    assert got.indicator("fallback_rate").value == 0.0


def test_late_notifications(store: Store) -> None:
    slow = _sms("sms-slow", accepted=OUT0 + timedelta(minutes=2))
    # late: accepted two minutes in, a minute past its deadline.
    _add(store, "late-sent", deadline=OUT0 + timedelta(minutes=1))
    # late once as_of is past its deadline: never sent (held for an hour).
    _add(
        store,
        "never-sent",
        deadline=OUT0 + timedelta(minutes=30),
        not_before=OUT0 + timedelta(hours=2),
    )
    # on time, and not yet due.
    _add(store, "on-time", deadline=OUT0 + timedelta(hours=2))
    _add(
        store,
        "not-due",
        deadline=OUT0 + timedelta(hours=4),
        not_before=OUT0 + timedelta(hours=3),
    )
    _add(store, "no-deadline")
    _worker(store, slow).run_once(now=OUT0)
    assert store.outbox.get("late-sent").sent_at == OUT0 + timedelta(minutes=2)
    got = report(store, as_of=OUT0 + timedelta(hours=1))
    indicator = got.indicator("late_notifications")
    assert indicator.value == 0.5
    assert indicator.detail == "2 of 4 with a deadline"
    assert indicator.severity is Severity.HIGH
    early = report(store, as_of=OUT0 + timedelta(minutes=10))
    assert early.indicator("late_notifications").value == 0.25
    assert got.indicator("undelivered_notifications").value == 0.0
    check_edges(store, {"late_notifications": 0.5}, as_of=OUT0 + timedelta(hours=1))


def test_a_notification_given_up_at_its_deadline_is_late(store: Store) -> None:
    a = _sms("sms-a", "fail", "fail")
    _add(store, "n1", deadline=OUT0 + timedelta(seconds=60))
    worker = _worker(store, a, max_attempts=5)
    worker.run_once(now=OUT0)
    worker.run_once(now=OUT0 + timedelta(seconds=60))
    entry = store.outbox.get("n1")
    assert entry.status.value == "failed"
    got = report(store, as_of=OUT0 + timedelta(hours=1))
    assert values(got, "late_notifications", "undelivered_notifications") == {
        "late_notifications": 1.0,
        "undelivered_notifications": 1.0,
    }
    assert "deadline" in got.indicator("undelivered_notifications").detail


# ====================================================================== overload


def test_occupancy_in_the_hours_worked(store: Store) -> None:
    store.interactions.append_many(
        [
            # ag_1: a call 09:00:30-09:05:30 + 60 s wrap-up = 360 s, then a chat
            # held 09:10-09:40 = 1,800 s; worked in the 09:00 hour only.
            f.call("c1", at=at(0), case_id="k1", agent_id="ag_1"),
            f.assignment("a2", at=at(10), case_id="k2", agent_id="ag_1"),
            f.status("s2", at=at(40), case_id="k2", agent_id="ag_1"),
            # ag_2: a call 10:50:30-11:10:30 + 60 s = 1,260 s over the 10:00 and 11:00 hours.
            f.call(
                "c3",
                at=at(110),
                case_id="k3",
                agent_id="ag_2",
                ended_at=at(110.5 + 20),
            ),
        ]
    )
    got = report(store)
    indicator = got.indicator("occupancy")
    assert indicator.value == pytest.approx((360 + 1800 + 1260) / (3600 + 7200))
    assert indicator.detail == "2 agents; busiest ag_1 at 60%"
    assert indicator.severity is Severity.LOW
    assert values(
        got, "agents_over_concurrency", "agents_sustained_load", "agents_without_break"
    ) == {
        "agents_over_concurrency": 0.0,
        "agents_sustained_load": 0.0,
        "agents_without_break": 0.0,
    }
    assert got.overload_alerts == {}
    check_edges(store, {"occupancy": indicator.value})


def test_four_chats_at_once_break_the_concurrency_limit(store: Store) -> None:
    items: list[Interaction] = [f.call("c1", at=at(0), case_id="k1", agent_id="ag_1")]
    for n in range(4):
        items.append(f.assignment(f"a{n}", at=at(240 + n), case_id=f"q{n}", agent_id="ag_3"))
    items.extend(f.status(f"s{n}", at=at(260), case_id=f"q{n}", agent_id="ag_3") for n in range(4))
    store.interactions.append_many(items)
    got = report(store)
    indicator = got.indicator("agents_over_concurrency")
    assert indicator.value == 0.5
    assert indicator.detail == ("1 of 2 agents; 1 concurrency and 1 over-capacity alerts: ag_3")
    assert got.overload_alerts == {"concurrency": 1, "over_capacity": 1}
    assert got.risk("agent_overload").severity is Severity.HIGH
    check_edges(store, {"agents_over_concurrency": 0.5})


def test_no_break_and_sustained_load(store: Store) -> None:
    store.interactions.append_many(
        [
            # ag_1 holds a chat for three hours: no break in 2 h 30.
            f.assignment("a1", at=at(0), case_id="k1", agent_id="ag_1"),
            # ag_2 is on one call for 65 minutes: load 100% over an hour.
            f.call("c2", at=at(0), case_id="k2", agent_id="ag_2", ended_at=at(65.5)),
            # ag_3 takes a short call.
            f.call("c3", at=at(10), case_id="k3", agent_id="ag_3"),
            f.status("s1", at=at(180), case_id="k1", agent_id="ag_1"),
        ]
    )
    got = report(store)
    assert values(
        got, "agents_without_break", "agents_sustained_load", "agents_over_concurrency"
    ) == {
        "agents_without_break": pytest.approx(1 / 3),
        "agents_sustained_load": pytest.approx(1 / 3),
        "agents_over_concurrency": 0.0,
    }
    assert got.overload_alerts == {"no_break": 1, "sustained_load": 1}
    assert got.indicator("agents_without_break").detail == "1 stretch: ag_1"
    assert got.indicator("agents_sustained_load").detail == "1 alert: ag_2"
    check_edges(
        store,
        {
            "agents_without_break": 1 / 3,
            "agents_sustained_load": 1 / 3,
        },
    )


def test_no_agent_work_no_overload_figures(store: Store) -> None:
    store.interactions.append(f.message("m1", at=at(0), case_id="k1"))
    got = report(store)
    assert all(i.value is None for i in got.risk("agent_overload").indicators)
    assert got.indicator("occupancy").detail == "no agent work recorded"
    assert got.risk("agent_overload").severity is Severity.UNMEASURED


# ====================================================================== compliance

LATER = T0 + timedelta(days=40)


def _compliance(store: Store) -> list[ErasureRequest]:
    for n in (1, 2, 3):
        store.customers.save(f.customer(f"cus_{n}"))
    store.cases.save(f.case("k1", "cus_1"))
    store.interactions.append_many(
        [
            f.assignment("a1", at=at(0), case_id="k1", agent_id="ctr_7"),
            f.message("m3", at=at(1), customer_id="cus_3"),
        ]
    )
    # A contractor shown the identities: beyond the role.
    store.access_log.record(
        AccessRecord(
            id="acc_1",
            occurred_at=at(2),
            viewer_id="ctr_7",
            viewer_role="contractor",
            customer_id="cus_1",
            case_id="k1",
            fields_shown=("customer", "identities", "history"),
        )
    )
    # cus_2 erased on day 3 (then data came back: residue); cus_3 on day 35 (late).
    erase_customer_recorded(store, "cus_2", by="sup_1", at=T0 + timedelta(days=3))
    store.interactions.append(f.message("m2", at=T0 + timedelta(days=4), customer_id="cus_2"))
    erase_customer_recorded(store, "cus_3", by="sup_1", at=T0 + timedelta(days=35))
    return [
        ErasureRequest("cus_2", T0, id="dsr-2"),
        ErasureRequest("cus_3", T0, id="dsr-3"),
        ErasureRequest("cus_9", T0, id="dsr-9"),  # never done: overdue
    ]


def test_compliance_indicators(store: Store) -> None:
    requests = _compliance(store)
    got = report(
        store,
        as_of=LATER,
        erasure_requests=requests,
        retention=RetentionPolicy(default=timedelta(days=30)),
    )
    assert values(
        got, "access_outside_role", "erasures_overdue", "erasure_residue", "retention_breaches"
    ) == {
        "access_outside_role": 1.0,
        "erasures_overdue": 2.0,  # cus_3 late, cus_9 overdue
        "erasure_residue": 1.0,  # cus_2
        "retention_breaches": 2.0,  # a1 and m2, older than 30 days at day 40
    }
    assert got.indicator("access_outside_role").detail == (
        "1 of 1 access records; fields_beyond_role 1"
    )
    assert got.indicator("erasures_overdue").detail == (
        "1 completed, 1 late, 0 pending, 1 overdue"
    )
    assert got.indicator("erasure_residue").detail == "1 of 3 erasures checked"
    # a1 names no customer of its own: one customer affected.
    assert got.indicator("retention_breaches").detail == (
        "2 interactions of 1 customer and 0 finished notifications past their period; chat 2"
    )
    assert severities(
        got, ["access_outside_role", "erasures_overdue", "erasure_residue", "retention_breaches"]
    ) == {
        "access_outside_role": Severity.MEDIUM,
        "erasures_overdue": Severity.HIGH,
        "erasure_residue": Severity.HIGH,
        "retention_breaches": Severity.MEDIUM,
    }
    assert got.risk("compliance").severity is Severity.HIGH
    assert not got.compliance.ok
    check_edges(
        store,
        {
            "access_outside_role": 1.0,
            "erasures_overdue": 2.0,
            "erasure_residue": 1.0,
            "retention_breaches": 2.0,
        },
        as_of=LATER,
        erasure_requests=requests,
        retention=RetentionPolicy(default=timedelta(days=30)),
    )


def test_compliance_checks_without_data_are_not_measured(store: Store) -> None:
    got = report(store)
    assert values(
        got, "access_outside_role", "erasures_overdue", "erasure_residue", "retention_breaches"
    ) == {
        "access_outside_role": None,
        "erasures_overdue": None,
        "erasure_residue": None,
        "retention_breaches": None,
    }
    assert got.indicator("retention_breaches").detail == "no retention policy given"
    assert got.risk("compliance").severity is Severity.UNMEASURED


def test_an_erasure_proof_is_not_a_look_to_check(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    erase_customer_recorded(store, "cus_1", by="sup_1", at=at(0))
    got = report(store)
    assert got.compliance.access.records == 1
    indicator = got.indicator("access_outside_role")
    assert (indicator.value, indicator.detail) == (None, "0 of 0 access records; none")
    assert values(got, "erasures_overdue", "erasure_residue") == {
        "erasures_overdue": 0.0,
        "erasure_residue": 0.0,
    }
    assert got.risk("compliance").severity is Severity.LOW


def test_a_pending_erasure_is_not_overdue(store: Store) -> None:
    got = report(store, erasure_requests=[ErasureRequest("cus_9", T0)])
    assert values(got, "erasures_overdue", "erasure_residue") == {
        "erasures_overdue": 0.0,
        "erasure_residue": 0.0,
    }


# ====================================================================== options


def test_a_window_limits_interactions_access_and_notifications(store: Store) -> None:
    shouting = "WE HAVE ALREADY TOLD YOU THIS TWICE"
    store.customers.save(f.customer("cus_1"))
    store.interactions.append_many(
        [
            f.message("r0", at=at(0), customer_id="cus_1", direction="outbound", body=shouting),
            f.message("r1", at=at(60), customer_id="cus_1", direction="outbound", body="Fine."),
            f.message("r2", at=at(120), customer_id="cus_1", direction="outbound", body=shouting),
            f.message("u1", at=at(61), identity=f.identity("email", "who@example.com")),
        ]
    )
    store.access_log.record(
        AccessRecord(
            id="acc_1",
            occurred_at=at(0),
            viewer_id="ctr_7",
            viewer_role="contractor",
            fields_shown=("identities",),
        )
    )
    _add(store, "n1")  # enqueued at T0, before the window
    start, end = at(30), at(120)
    got = report(store, start=start, end=end)
    assert (got.start, got.end, got.interactions) == (start, end, 2)
    assert got.indicator("findings_per_1000").value == 0.0
    assert got.indicator("access_outside_role").value is None
    assert got.indicator("undelivered_notifications").value is None
    # The silo indicators describe the whole store.
    assert got.indicator("unlinked_share").value == 0.25
    whole = report(store)
    assert (whole.start, whole.end, whole.interactions) == (at(0), at(120), 4)
    assert whole.indicator("findings_per_1000").value == pytest.approx(2000 / 3)
    assert whole.indicator("access_outside_role").value == 1.0
    assert whole.indicator("undelivered_notifications").value == 0.0


def test_a_long_context_window_reaches_packets_past_the_window_end(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    _chat_then(store, "k1", "phone")
    _packet(store, "k1", "phone", 10 + 2 * 24 * 60)  # two days after the call
    got = report(store, end=at(60), context_window=timedelta(days=3))
    assert got.indicator("switches_without_context").value == 0.0
    got = report(store, end=at(60), context_window=timedelta(days=1))
    assert got.indicator("switches_without_context").value == 1.0


def test_an_empty_store() -> None:
    got = risk_report(MemoryStore(), as_of=AS_OF)
    assert (got.start, got.end, got.interactions) == (None, None, 0)
    assert [r.key for r in got.risks] == list(RISKS)
    assert [r.severity for r in got.risks] == [Severity.UNMEASURED] * 5
    assert "no interactions" in got.to_text()


NAIVE = datetime(2026, 1, 5, 9, 0)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"as_of": NAIVE}, "as_of"),
        ({"as_of": "2026-01-05T09:00:00+00:00"}, "as_of"),
        ({"start": NAIVE}, "start"),
        ({"end": NAIVE}, "end"),
        ({"start": at(10), "end": at(10)}, "end"),
        ({"start": at(10), "end": at(5)}, "end"),
        ({"catalog": {"answers": []}}, "catalog"),
        ({"thresholds": {"occupancy": {"medium": 0.5}}}, "thresholds"),
        ({"context_window": timedelta(seconds=-1)}, "context_window"),
        ({"context_window": 3600}, "context_window"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": True}, "chunk_size"),
        ({"chunk_size": 2.0}, "chunk_size"),
        ({"consistency": "strict"}, "consistency"),
        ({"overload": {"sustained_load": 0.9}}, "overload"),
        ({"capacity": "default"}, "capacity"),
        ({"kpi_rules": {}}, "kpi_rules"),
        ({"access_policy": "default"}, "access_policy"),
        ({"retention": timedelta(days=30)}, "retention"),
        ({"erasure_deadline": 30}, "erasure_deadline"),
        ({"erasure_deadline": timedelta(0)}, "erasure_deadline"),
    ],
)
def test_bad_options_name_the_option(store: Store, options: dict[str, Any], field: str) -> None:
    # Work for every consumer, so that no option goes unused.
    store.interactions.append_many(
        [
            f.call("c1", at=at(0), case_id="k1"),
            f.message("m1", at=at(1), case_id="k1", direction="outbound"),
        ]
    )
    options.setdefault("as_of", AS_OF)
    with pytest.raises(InvalidInput) as err:
        risk_report(store, **options)
    assert err.value.field == field
    assert err.value.value == options[field]
    assert str(err.value).startswith("invalid risk report")


def test_erasure_requests_are_checked_and_read_once(store: Store) -> None:
    with pytest.raises(InvalidInput) as err:
        report(store, erasure_requests=5)
    assert (err.value.field, err.value.value) == ("erasure_requests", 5)
    with pytest.raises(InvalidInput) as err:
        report(store, erasure_requests=[ErasureRequest("cus_1", T0), "cus_2"])
    assert (err.value.field, err.value.value) == ("erasure_requests[1]", "cus_2")
    requests = [ErasureRequest("cus_1", T0), ErasureRequest("cus_2", LATER - timedelta(days=10))]
    listed = report(store, as_of=LATER, erasure_requests=requests)
    once = report(store, as_of=LATER, erasure_requests=iter(requests))
    single = report(store, as_of=LATER, erasure_requests=requests[0])
    assert listed.to_dict() == once.to_dict()
    assert listed.indicator("erasures_overdue").value == 1.0
    assert listed.indicator("erasures_overdue").detail == (
        "0 completed, 0 late, 1 pending, 1 overdue"
    )
    assert single.indicator("erasures_overdue").detail == (
        "0 completed, 0 late, 0 pending, 1 overdue"
    )


def test_every_bad_option_at_once(store: Store) -> None:
    with pytest.raises(InvalidInput) as err:
        risk_report(store, as_of=NAIVE, chunk_size=0, capacity="x")  # type: ignore[arg-type]
    assert [e.field for e in err.value.errors] == ["as_of", "capacity", "chunk_size"]


def test_partial_thresholds_keep_the_default_bands(store: Store) -> None:
    store.interactions.append(f.call("c1", at=at(0), case_id="k1"))
    thresholds = RiskThresholds.from_dict({})
    thresholds = RiskThresholds({"occupancy": thresholds.band("occupancy")})
    got = report(store, thresholds=thresholds)
    assert got.indicator("unlinked_share").medium == 0.01


def test_a_small_chunk_size_changes_nothing(store: Store) -> None:
    _journey(store)
    _replies(store)
    big = report(store, catalog=CATALOG)
    small = report(store, catalog=CATALOG, chunk_size=1)
    assert small.to_dict(findings=None) == big.to_dict(findings=None)


# ====================================================================== forms

EVIL = "<script>alert(1)</script>"


def _everything(store: Store) -> RiskReport:
    """The journey, catalog replies, a provider whose name is markup, and a
    reply whose id and case intent are markup."""
    _journey(store)
    _replies(store)
    store.customers.save(f.customer("cus_x"))
    store.cases.save(f.case("kx", "cus_x", intent=EVIL))
    store.interactions.append(
        f.message(
            EVIL,
            at=at(30),
            case_id="kx",
            customer_id="cus_x",
            direction="outbound",
            body=f"{EVIL} WE HAVE ALREADY TOLD YOU THIS TWICE!!!",
        )
    )
    bad = ScriptedNotifier(EVIL, {"email"}, ["fail"], clock=lambda: OUT0)
    _add(store, "n1", "email")
    _worker(store, bad).run_once(now=OUT0)
    return report(store, catalog=CATALOG, as_of=T0 + timedelta(days=200))


def test_to_dict_is_json_and_round_trips_the_severities(store: Store) -> None:
    got = _everything(store)
    data = json.loads(json.dumps(got.to_dict(), allow_nan=False))
    assert data["as_of"] == got.as_of.isoformat()
    assert data["interactions"] == got.interactions
    assert [r["key"] for r in data["risks"]] == [r.key for r in got.risks]
    for risk, raw in zip(got.risks, data["risks"], strict=True):
        assert Severity(raw["severity"]) is risk.severity
        assert raw["title"] == risk.title
        for indicator, item in zip(risk.indicators, raw["indicators"], strict=True):
            assert Severity(item["severity"]) is indicator.severity
            assert item["value"] == indicator.value
            assert item["thresholds"] == {"medium": indicator.medium, "high": indicator.high}
    assert {p["provider"] for p in data["providers"]} == {EVIL}
    assert data["consistency"]["findings_total"] == len(got.consistency.findings)
    assert len(got.to_dict(findings=1)["consistency"]["findings"]) == 1
    assert len(got.to_dict(findings=None)["consistency"]["findings"]) == len(
        got.consistency.findings
    )


def test_to_text_lists_every_risk_and_indicator(store: Store) -> None:
    got = _everything(store)
    text = got.to_text()
    assert text == str(got)
    assert text.startswith(f"Risk register as of {got.as_of.isoformat(timespec='minutes')}")
    for risk in got.risks:
        assert f"{risk.title.upper()}: " in text
        assert risk.mitigation.split()[0] in text
        for indicator in risk.indicators:
            assert indicator.label in text, indicator.label
    assert "CONSISTENCY FINDINGS" in text
    assert "COMPLIANCE DETAIL" in text
    assert EVIL in text  # plain text keeps the store's text as it is
    assert "CONSISTENCY FINDINGS" not in got.to_text(findings=0)
    assert max(len(line) for line in got.to_text(width=80).splitlines()) <= 100


def test_to_html_escapes_the_store_text(store: Store) -> None:
    got = _everything(store)
    page = got.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert html.escape(EVIL) in page
    # The reply and the provider's failure reason both reached the page.
    assert got.consistency.findings_by_kind["tone"] >= 1
    assert f"max_attempts=1 reached: {html.escape(EVIL)}" in page
    for risk in got.risks:
        assert f"<h2 id='{risk.key}'>" in page
        assert f"'s-{risk.severity.value.replace(' ', '-')}'" in page
    assert len(re.findall("<h2 ", page)) >= len(got.risks)


# ====================================================================== invariants

_BODIES = (
    "Thanks, we are on it.",
    "WE HAVE ALREADY TOLD YOU THIS TWICE",
    "Done!!!",
    "You can return any item within 14 days for a full refund.",
    "You can return any item within 30 days for a full refund.",
    "Please DM us.",
)
_event = st.tuples(
    st.sampled_from(("in", "out", "call", "assign", "solve")),
    st.integers(0, 3),  # case
    st.integers(0, 2),  # agent
    st.integers(0, 600),  # minute
    st.sampled_from(("chat", "email", "social_public")),
    st.integers(0, len(_BODIES) - 1),
)


def _interactions(events: list[tuple[str, int, int, int, str, int]]) -> list[Interaction]:
    out: list[Interaction] = []
    for n, (kind, case, agent, minute, channel, body) in enumerate(events):
        id, case_id, agent_id, when = f"x{n:03d}", f"k{case}", f"ag_{agent}", at(minute)
        if kind == "in":
            out.append(f.message(id, at=when, case_id=case_id, channel=channel))
        elif kind == "out":
            out.append(
                f.message(
                    id,
                    at=when,
                    case_id=case_id,
                    channel=channel,
                    direction="outbound",
                    agent_id=agent_id,
                    body=_BODIES[body],
                )
            )
        elif kind == "call":
            out.append(f.call(id, at=when, case_id=case_id, agent_id=agent_id))
        elif kind == "assign":
            out.append(f.assignment(id, at=when, case_id=case_id, agent_id=agent_id))
        else:
            out.append(f.status(id, at=when, case_id=case_id, agent_id=agent_id))
    return out


def _backend(name: str) -> Store:
    return MemoryStore() if name == "memory" else SQLiteStore(":memory:")


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(_event, max_size=25), data=st.data())
def test_the_report_does_not_depend_on_the_order_of_appends(
    backend: str, events: list[tuple[str, int, int, int, str, int]], data: st.DataObject
) -> None:
    items = _interactions(events)
    shuffled = data.draw(st.permutations(items))
    first, second = MemoryStore(), _backend(backend)
    try:
        first.interactions.append_many(items)
        for item in shuffled:
            second.interactions.append(item)
        a = risk_report(first, as_of=AS_OF, catalog=CATALOG)
        b = risk_report(second, as_of=AS_OF, catalog=CATALOG, chunk_size=3)
        assert a.to_dict(findings=None) == b.to_dict(findings=None)
        assert a.to_text() == b.to_text()
    finally:
        first.close()
        second.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(_event, max_size=25), with_catalog=st.booleans())
def test_findings_and_severities_hold_their_invariants(
    events: list[tuple[str, int, int, int, str, int]], with_catalog: bool
) -> None:
    store = MemoryStore()
    store.interactions.append_many(_interactions(events))
    got = risk_report(store, as_of=AS_OF, catalog=CATALOG if with_catalog else None)
    replies = sum(1 for kind, *_ in events if kind == "out")
    for indicator in got.risk("inconsistent_messaging").indicators:
        assert (indicator.value is None) == (
            replies == 0 if indicator.key == "findings_per_1000" else False
        )
        assert indicator.value is None or indicator.value >= 0
    for risk in got.risks:
        measured = [i.severity for i in risk.indicators if i.severity is not Severity.UNMEASURED]
        expected = max(measured, key=lambda s: s.rank) if measured else Severity.UNMEASURED
        assert risk.severity is expected
        for indicator in risk.indicators:
            assert (indicator.value is None) == (indicator.severity is Severity.UNMEASURED)
            band = got_band(indicator)
            assert indicator.severity is band.judge(indicator.value)
            assert bool(indicator.action) == (indicator.severity.rank >= Severity.MEDIUM.rank)


def got_band(indicator: Indicator) -> Any:
    from omnicontext.risk.thresholds import Band

    return Band(indicator.medium, indicator.high)


_severity = st.sampled_from(list(Severity))


@settings(max_examples=25, deadline=None)
@given(judged=st.lists(_severity, max_size=6))
def test_a_risk_is_as_bad_as_its_worst_measured_indicator(judged: list[Severity]) -> None:
    indicators = tuple(
        Indicator(
            key=f"i{n}",
            label=f"indicator {n}",
            value=None if s is Severity.UNMEASURED else float(n),
            unit="count",
            severity=s,
            medium=1,
            high=2,
        )
        for n, s in enumerate(judged)
    )
    risk = Risk("r", "r", "effect", "mitigation", indicators)
    ranks = [s.rank for s in judged]
    assert risk.severity.rank == max(ranks, default=0)
    assert risk.to_dict()["severity"] == risk.severity.value


def test_indicator_formats() -> None:
    def shown(value: float | None, unit: str) -> str:
        return Indicator("k", "label", value, unit, Severity.LOW, 0, 1).formatted()

    assert shown(0.125, "share") == "12.5%"
    assert shown(1234.56, "per_1000") == "1,234.6 per 1,000"
    assert shown(7, "count") == "7"
    assert shown(None, "share") == "n/a"


def test_one_interaction_is_singular(store: Store) -> None:
    store.interactions.append(f.message("m1", at=at(0), case_id="k1"))
    got = report(store)
    assert "\n1 interaction, 2026-01-05T09:00+00:00 to 2026-01-05T09:00+00:00\n" in got.to_text()
    assert "<p>1 interaction, 2026-01-05T09:00+00:00" in got.to_html()


def test_report_lookups() -> None:
    got = risk_report(MemoryStore(), as_of=datetime(2026, 6, 1, tzinfo=UTC))
    assert got.risk("compliance").title == "compliance"
    assert got.indicator("occupancy").unit == "share"
    with pytest.raises(KeyError):
        got.risk("weather")
    with pytest.raises(KeyError):
        got.indicator("weather")


# -- found in review --------------------------------------------------------------


def test_nine_of_ten_switches_with_context_is_exactly_ten_percent(store: Store) -> None:
    # 1 - 9/10 is 0.0999..., which read low against a medium band at 10%.
    store.customers.save(f.customer("cus_1"))
    for n in range(10):
        _chat_then(store, f"k{n}", "phone")
        if n:
            _packet(store, f"k{n}", "phone", 9)
    indicator = report(store).indicator("switches_without_context")
    assert indicator.value == 0.1
    assert indicator.severity is Severity.MEDIUM


def test_nothing_after_as_of_is_read(store: Store) -> None:
    # Interactions and notifications after as_of had not happened yet: like the
    # access log, they stay out unless an end says otherwise.
    store.interactions.append_many(
        [
            f.message("r1", at=at(0), case_id="k1", direction="outbound", body="Hello."),
            f.message("r2", at=at(90), case_id="k2", direction="outbound", body="STOP IT NOW OK"),
        ]
    )
    got = report(store, as_of=at(60))
    assert got.interactions == 1
    assert got.consistency.replies == 1
    later = report(store, as_of=at(60), end=at(120))
    assert later.interactions == 2


def test_a_start_after_as_of_is_named(store: Store) -> None:
    with pytest.raises(InvalidInput, match="start=") as caught:
        report(store, as_of=at(0), start=at(10))
    assert "as_of" in str(caught.value)


def test_access_outside_role_counts_records_not_violations(store: Store) -> None:
    # One contractor look beyond the role and with no link to the case: two
    # violations, one record.
    store.customers.save(f.customer("cus_1"))
    _case(store, "k1")
    store.access_log.record(
        AccessRecord(
            id="acc_1",
            occurred_at=at(2),
            viewer_id="ctr_7",
            viewer_role="contractor",
            customer_id="cus_1",
            case_id="k1",
            fields_shown=("customer", "identities"),
        )
    )
    got = report(store)
    assert len(got.compliance.violations) == 2
    indicator = got.indicator("access_outside_role")
    assert indicator.value == 1.0
    assert indicator.detail.startswith("1 of 1 access records")


def test_erasure_residue_counts_customers(store: Store) -> None:
    # A request and its reminder, answered by one erasure, then data came back:
    # one customer with data left, not two.
    store.customers.save(f.customer("cus_2"))
    erase_customer_recorded(store, "cus_2", by="sup_1", at=T0 + timedelta(days=1))
    store.interactions.append(f.message("m2", at=T0 + timedelta(days=2), customer_id="cus_2"))
    requests = [
        ErasureRequest("cus_2", T0, id="dsr-2"),
        ErasureRequest("cus_2", T0 + timedelta(hours=1), id="dsr-2b"),
    ]
    got = report(store, erasure_requests=requests)
    assert got.indicator("erasure_residue").value == 1.0


def test_work_on_channels_the_capacity_profile_lacks_is_said_to_be_left_out(
    store: Store,
) -> None:
    from omnicontext.routing import CapacityProfile, ChannelCapacity

    profile = CapacityProfile(channels={"phone": ChannelCapacity(units=1, limit=1)})
    store.interactions.append_many(
        [
            f.assignment("a1", at=at(0), case_id="k1", agent_id="ag_1"),
            f.message("m1", at=at(1), case_id="k1", direction="outbound", body="Hi."),
            f.call("c1", at=at(5), case_id="k1", agent_id="ag_1"),
        ]
    )
    detail = report(store, capacity=profile).indicator("occupancy").detail
    assert "left out (not in the capacity profile): chat 2" in detail

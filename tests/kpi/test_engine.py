"""The KPI engine against numbers worked out by hand, one rule at a time."""

from __future__ import annotations

import gc
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.kpi import (
    FcrRule,
    KpiAggregator,
    KpiRules,
    RepeatContactRule,
    SlaPolicy,
    SlaTarget,
    compute,
)
from omnicontext.model import (
    BUILTIN_CHANNELS,
    Assignment,
    Call,
    Case,
    ChannelProfile,
    Message,
    Note,
    StatusChange,
    Survey,
    parse_interaction,
)
from omnicontext.storage import MemoryStore, SQLiteStore

from .worked import feed

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


def inbound(id: str, case: str, seconds: float, channel: str = "email", **kw: Any) -> Message:
    return Message(
        id=id,
        case_id=case,
        customer_id=kw.pop("customer_id", f"cus_{case}"),
        occurred_at=at(seconds),
        channel=channel,
        actor="customer",
        direction="inbound",
        body="?",
        **kw,
    )


def reply(id: str, case: str, seconds: float, channel: str = "email", who: str = "ana") -> Message:
    return Message(
        id=id,
        case_id=case,
        occurred_at=at(seconds),
        channel=channel,
        actor="agent",
        agent_id=who,
        direction="outbound",
        body="!",
    )


def state(id: str, case: str, seconds: float, value: str) -> StatusChange:
    return StatusChange(
        id=id, case_id=case, occurred_at=at(seconds), channel="email", actor="system", status=value
    )


def call(id: str, seconds: float, **kw: Any) -> Call:
    fields: dict[str, Any] = {
        "id": id,
        "occurred_at": at(seconds),
        "channel": "phone",
        "actor": "customer",
        "direction": "inbound",
        "customer_id": "cus_call",
    }
    fields.update(kw)
    for name in ("answered_at", "ended_at"):
        if isinstance(fields.get(name), int | float):
            fields[name] = at(fields[name])
    return Call(**fields)


# -- the worked example of docs/kpi.md ------------------------------------------


def test_the_worked_example_overall() -> None:
    o = compute(feed).overall
    assert o["volume"].value == 5
    assert (o["csat"].value, o["csat"].n, o["csat"].count) == (50.0, 2, 1)
    nps = o["nps"]
    assert (nps.value, nps.n, nps.promoters, nps.passives, nps.detractors) == (0.0, 2, 1, 0, 1)
    frt = o["first_response_time"]
    assert (frt.mean, frt.median, frt.n, frt.open) == (2111.25, 615.0, 4, 1)
    assert frt.p90 == pytest.approx(5400)
    res = o["resolution_time"]
    assert (res.first.mean, res.first.median, res.first.p90, res.first.n, res.first.open) == (
        2880,
        600,
        6120,
        3,
        2,
    )
    assert (res.full.mean, res.full.median, res.full.p90, res.full.open) == (30480, 600, 72360, 2)
    assert (o["fcr"].count, o["fcr"].n) == (2, 3)
    assert (o["reopen_rate"].count, o["reopen_rate"].n) == (1, 3)
    assert (o["aht"].mean, o["aht"].n) == (540, 1)
    assert (o["service_level"].count, o["service_level"].n) == (1, 3)
    assert o["service_level"].threshold_seconds == 20
    assert (o["abandonment_rate"].count, o["abandonment_rate"].n) == (1, 3)
    assert (o["channel_switch_rate"].count, o["channel_switch_rate"].n) == (1, 5)
    assert (o["repeat_contact_rate"].count, o["repeat_contact_rate"].n) == (1, 4)
    assert (o["sla_compliance"].value, o["sla_compliance"].n) == (None, 0)


def test_the_worked_example_by_channel() -> None:
    report = compute(feed)
    assert sorted(report.by_channel) == ["chat", "email", "phone", "social_public"]
    phone = report.by_channel["phone"]
    # C and E start on the phone; both calls count there, one abandoned.
    assert phone["volume"].value == 2
    assert (phone["abandonment_rate"].count, phone["abandonment_rate"].n) == (1, 2)
    assert phone["first_response_time"].open == 1
    email = report.by_channel["email"]
    # B's surveys count in email because B started there; A's survey (sent by
    # email) counts in chat, where A started.
    assert (email["csat"].value, email["nps"].value) == (0.0, -100.0)
    assert report.by_channel["chat"]["csat"].value == 100.0
    assert report.by_channel["social_public"]["channel_switch_rate"].value == 100.0


def test_the_report_says_what_it_counted() -> None:
    report = compute([*feed, feed[0]])
    meta = report.to_dict()["meta"]
    assert meta["interactions"] == len(feed)
    assert meta["duplicates"] == 1
    assert meta["cases"] == 5
    assert meta["proactive"] == 0
    assert meta["start"] == "2026-03-02T09:00:00+00:00"
    assert meta["end"] == "2026-03-03T11:31:00+00:00"
    assert meta["time"] == "calendar"
    assert meta["service_level_seconds"] == 20


def test_the_json_form_has_the_documented_keys() -> None:
    data = compute(feed).to_dict()
    keys = {
        "csat",
        "nps",
        "first_response_time",
        "resolution_time",
        "fcr",
        "reopen_rate",
        "aht",
        "service_level",
        "abandonment_rate",
        "channel_switch_rate",
        "repeat_contact_rate",
    }
    assert keys <= set(data["overall"])
    for metrics in [data["overall"], *data["by_channel"].values()]:
        for key in keys - {"resolution_time"}:
            result = metrics[key]
            assert {"n", "unit"} <= set(result)
            assert ("value" in result) != ("median" in result)
        assert set(metrics["resolution_time"]) == {"first", "full"}
        for part in metrics["resolution_time"].values():
            assert {"mean", "median", "p90", "n", "unit"} <= set(part)


# -- responses --------------------------------------------------------------------


def test_bots_and_systems_do_not_respond() -> None:
    bot = Message(
        id="b",
        case_id="k",
        occurred_at=at(5),
        channel="chat",
        actor="bot",
        direction="outbound",
        body="A human will be with you shortly",
    )
    report = compute([inbound("i", "k", 0, "chat"), bot, reply("r", "k", 300, "chat")])
    assert report.overall["first_response_time"].median == 300


def test_a_message_before_the_first_contact_is_not_its_response() -> None:
    report = compute([reply("r0", "k", 0), inbound("i", "k", 100), reply("r1", "k", 160)])
    assert report.overall["first_response_time"].median == 60
    # ... though both are agent responses, so one contact is not resolved at once.
    solved = state("s", "k", 200, "solved")
    assert compute([reply("r0", "k", 0), inbound("i", "k", 100), solved]).overall["fcr"].count == (
        1
    )


def test_an_agent_calling_back_responds() -> None:
    back = call(
        "cb",
        600,
        case_id="k",
        actor="agent",
        agent_id="ana",
        direction="outbound",
        answered_at=610,
        ended_at=910,
        customer_id=None,
    )
    report = compute([inbound("i", "k", 0), back])
    assert report.overall["first_response_time"].median == 600
    assert report.overall["aht"].mean == 300  # outbound calls are handled work too
    assert report.overall["service_level"].n == 0  # but not live contacts waiting


def test_a_case_without_a_response_is_open_not_dropped() -> None:
    report = compute([inbound("i1", "k1", 0), inbound("i2", "k2", 0), reply("r", "k2", 30)])
    frt = report.overall["first_response_time"]
    assert (frt.n, frt.open, frt.median) == (1, 1, 30)


# -- cases ------------------------------------------------------------------------


def test_a_proactive_case_is_counted_apart_and_keeps_its_survey() -> None:
    outreach = reply("r", "k", 0, channel="sms")
    answer = Survey(
        id="v", occurred_at=at(60), channel="email", case_id="k", actor="customer", csat=4
    )
    report = compute([outreach, answer])
    assert (report.cases, report.proactive) == (0, 1)
    assert report.overall["volume"].value == 0
    assert report.by_channel["sms"]["csat"].value == 100.0  # the case's first channel


def test_interactions_without_a_case_count_where_they_can() -> None:
    loose = Message(
        id="m",
        customer_id="c",
        occurred_at=at(0),
        channel="chat",
        actor="customer",
        direction="inbound",
        body="hi",
    )
    lone_call = call("c1", 0, answered_at=10, ended_at=70, agent_id="ana")
    lone_survey = Survey(
        id="v", occurred_at=at(0), channel="sms", customer_id="c", nps=9, actor="customer"
    )
    report = compute([loose, lone_call, lone_survey])
    assert report.cases == 0
    assert report.overall["aht"].mean == 60
    assert report.overall["service_level"].value == 100.0
    assert report.by_channel["sms"]["nps"].value == 100.0


def test_first_contact_ties_go_to_the_lower_id_whatever_the_order() -> None:
    one = inbound("a", "k", 0, "chat")
    two = inbound("b", "k", 0, "email")
    for order in ([one, two], [two, one]):
        assert list(compute(order).by_channel) == ["chat"]


def test_resolution_first_and_full() -> None:
    base = [inbound("i", "k", 0), reply("r", "k", 10)]
    reopened = [*base, state("s1", "k", 100, "solved"), state("o", "k", 200, "open")]
    res = compute(reopened).overall["resolution_time"]
    assert (res.first.median, res.full.n, res.full.open) == (100, 0, 1)
    again = [*reopened, state("s2", "k", 500, "solved"), state("c", "k", 900, "closed")]
    res = compute(again).overall["resolution_time"]
    assert (res.first.median, res.full.median) == (100, 500)  # closed changes nothing
    # A solve before the first contact is not a resolution of it.
    early = [state("s0", "k", -50, "solved"), *base]
    assert compute(early).overall["resolution_time"].first.open == 1


def test_fcr_and_its_rule() -> None:
    two_channels = [
        inbound("i1", "k", 0, "chat"),
        inbound("i2", "k", 5, "email"),
        reply("r", "k", 10, "chat"),
        state("s", "k", 20, "solved"),
    ]
    assert compute(two_channels).overall["fcr"].value == 100.0
    strict = KpiRules(fcr=FcrRule(one_channel=True))
    assert compute(two_channels, rules=strict).overall["fcr"].value == 0.0
    unanswered = [inbound("i", "k", 0), state("s", "k", 20, "solved")]
    assert compute(unanswered).overall["fcr"].value == 0.0  # no response at all


@pytest.mark.parametrize(
    ("came_back_after", "repeat"),
    [(29 * 60, False), (30 * 60, True), (7 * 86400, True), (7 * 86400 + 1, False)],
)
def test_repeat_contact_boundaries(came_back_after: int, repeat: bool) -> None:
    items = [inbound("i1", "k", 0), reply("r", "k", 60), inbound("i2", "k", 60 + came_back_after)]
    assert compute(items).overall["repeat_contact_rate"].count == repeat


def test_repeat_contact_rule_is_configurable() -> None:
    items = [inbound("i1", "k", 0), reply("r", "k", 60), inbound("i2", "k", 660)]
    rules = KpiRules(repeat_contact=RepeatContactRule(gap=timedelta(minutes=5)))
    assert compute(items, rules=rules).overall["repeat_contact_rate"].value == 100.0


# -- live contacts -------------------------------------------------------------------


def test_an_unanswered_chat_is_abandoned_once_the_threshold_passed() -> None:
    chat = [inbound("i", "k", 0, "chat")]
    assert compute(chat).overall["service_level"].n == 0  # judged at its own arrival
    later = compute(chat, as_of=at(21)).overall
    assert (later["abandonment_rate"].count, later["abandonment_rate"].n) == (1, 1)
    assert compute(chat, as_of=at(20)).overall["service_level"].n == 0


def test_async_channels_are_not_live_contacts() -> None:
    report = compute([inbound("i", "k", 0, "email"), reply("r", "k", 5)])
    assert report.overall["service_level"].n == 0


def test_a_custom_live_channel() -> None:
    kiosk = BUILTIN_CHANNELS.with_channels(ChannelProfile(name="kiosk", mode="live"))
    items = [
        parse_interaction(
            {
                "id": "i",
                "type": "message",
                "case_id": "k",
                "customer_id": "c",
                "occurred_at": at(0).isoformat(),
                "channel": "kiosk",
                "actor": "customer",
                "direction": "inbound",
                "body": "hi",
            },
            channels=kiosk,
        ),
    ]
    report = compute(items, channels=kiosk, as_of=at(60))
    assert report.overall["abandonment_rate"].value == 100.0


def test_calls_waiting_abandoned_and_short_abandons() -> None:
    calls = [
        call("quick", 0, answered_at=20, ended_at=80),
        call("slow", 0, answered_at=21, ended_at=80, agent_id="ana"),
        call("gone", 0, ended_at=3),
        call("tired", 0, ended_at=100),
        call("waiting", 0),
    ]
    o = compute(calls).overall
    assert (o["service_level"].count, o["service_level"].n) == (1, 4)
    assert (o["abandonment_rate"].count, o["abandonment_rate"].n) == (2, 4)
    assert o["aht"].n == 2
    o = compute(calls, rules=KpiRules(short_abandon_seconds=5)).overall
    assert (o["abandonment_rate"].count, o["abandonment_rate"].n) == (1, 3)


# -- SLA ----------------------------------------------------------------------------


def test_sla_met_breached_and_pending() -> None:
    policy = SlaPolicy(
        {
            ("email", "*"): SlaTarget(first_response=timedelta(hours=1)),
            ("*", "urgent"): SlaTarget(
                first_response=timedelta(minutes=5), resolution=timedelta(hours=1)
            ),
        }
    )
    cases = {"u": Case(id="u", customer_id="c", priority="urgent")}
    items = [
        inbound("i1", "met", 0),
        reply("r1", "met", 600),
        inbound("i2", "late", 0),
        reply("r2", "late", 7200),
        inbound("i3", "waiting", 9000),  # an hour not yet gone at as_of
        inbound("i4", "u", 0, "chat"),
        reply("r4", "u", 60, "chat"),  # answered in time, but not solved within the hour
        inbound("i5", "sms", 0, "sms"),  # no target for sms at normal priority
    ]
    report = compute(items, rules=KpiRules(sla=policy), cases=cases, as_of=at(9600))
    sla = report.overall["sla_compliance"]
    assert (sla.count, sla.n) == (1, 3)
    assert report.by_channel["email"]["sla_compliance"].n == 2
    assert report.by_channel["chat"]["sla_compliance"].value == 0.0


def test_sla_policy_reads_a_table_and_picks_the_most_specific_target() -> None:
    policy = SlaPolicy.from_dict(
        {"*": {"*": {"first_response": 7200}, "high": {"first_response": 1800}}}
    )
    assert policy.target_for("chat", "high") == SlaTarget(first_response=timedelta(minutes=30))
    assert policy.target_for("chat", "low") == SlaTarget(first_response=timedelta(hours=2))
    with pytest.raises(InvalidInput) as caught:
        SlaPolicy.from_dict({"chat": {"soon": {"first_response": 60}, "*": {"first": 1}}})
    fields = {e.field for e in caught.value.errors}
    assert fields == {"sla.chat.soon", "sla.chat.*"}
    with pytest.raises(InvalidInput, match=r"sla\.chat\.\*\.first_response=-5"):
        SlaPolicy.from_dict({"chat": {"*": {"first_response": -5}}})


# -- breakdowns -----------------------------------------------------------------------


def test_by_agent_follows_the_latest_assignment_then_the_first_responder() -> None:
    handed = Assignment(
        id="as",
        case_id="k1",
        occurred_at=at(50),
        channel="email",
        actor="system",
        agent_id="ben",
    )
    items = [
        inbound("i1", "k1", 0),
        reply("r1", "k1", 10, who="ana"),
        handed,
        inbound("i2", "k2", 0),
        reply("r2", "k2", 20, who="cy"),
        inbound("i3", "k3", 0),
        call("c", 0, answered_at=5, ended_at=65, agent_id="dee"),
    ]
    agents = compute(items, by="agent").breakdowns["agent"]
    assert sorted(agents) == ["(none)", "ben", "cy", "dee"]
    assert agents["ben"]["first_response_time"].median == 10
    assert agents["(none)"]["first_response_time"].open == 1
    assert agents["dee"]["aht"].mean == 60
    assert agents["dee"]["volume"].value == 0


def test_by_tag_uses_case_documents_from_a_mapping_or_a_function() -> None:
    docs = {"k1": Case(id="k1", customer_id="c", tags=("billing", "vip"))}
    items = [
        inbound("i1", "k1", 0),
        inbound("i2", "k2", 0),
        call("c", 0, case_id="k1", ended_at=9),
    ]
    for cases in (docs, docs.get):
        tags = compute(items, by=["tag"], cases=cases).breakdowns["tag"]
        assert sorted(tags) == ["(untagged)", "billing", "vip"]
        assert tags["vip"]["volume"].value == 1
        assert tags["vip"]["abandonment_rate"].value == 100.0


def test_by_day_and_week_count_in_the_given_zone() -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # Monday 08:30 in Tokyo
    item = Message(
        id="i",
        case_id="k",
        customer_id="c",
        occurred_at=late,
        channel="email",
        actor="customer",
        direction="inbound",
        body="?",
    )
    report = compute([item], by=("day", "week"), time_zone="Asia/Tokyo")
    assert list(report.breakdowns["day"]) == ["2026-03-02"]
    assert list(report.breakdowns["week"]) == ["2026-W10"]
    utc = compute([item], by="day", time_zone="UTC")
    assert list(utc.breakdowns["day"]) == ["2026-03-01"]


def test_a_day_breakdown_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="never guessed") as caught:
        compute(feed, by=("channel", "day"))
    assert caught.value.field == "time_zone"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"by": ("channel", "team")}, "by"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"rules": "strict"}, "rules"),
        ({"as_of": datetime(2026, 3, 2)}, "as_of"),
    ],
)
def test_bad_options_name_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        compute(feed, **options)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: KpiRules(service_level_seconds=-1), "service_level_seconds"),
        (lambda: KpiRules(short_abandon_seconds=float("nan")), "short_abandon_seconds"),
        (lambda: FcrRule(max_agent_responses=0), "max_agent_responses"),
        (lambda: RepeatContactRule(gap=timedelta(hours=2), window=timedelta(hours=1)), "window"),
        (lambda: RepeatContactRule(window=timedelta(0)), "repeat_contact.window"),
        (lambda: SlaTarget(), "first_response"),
        (
            lambda: SlaPolicy({("chat", "asap"): SlaTarget(first_response=timedelta(1))}),
            "chat.asap",
        ),
    ],
)
def test_bad_rules_name_the_field(make: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.field == field


# -- feeding ---------------------------------------------------------------------------


def test_duplicates_change_nothing() -> None:
    live = KpiAggregator()
    assert live.extend(feed) == len(feed)
    before = live.report().to_dict()
    assert live.extend(reversed(feed)) == 0
    after = live.report().to_dict()
    assert after["meta"].pop("duplicates") == len(feed)
    before["meta"].pop("duplicates")
    assert after == before


def test_notes_count_only_as_case_activity() -> None:
    note = Note(
        id="n",
        case_id="k",
        occurred_at=at(0),
        channel="phone",
        actor="agent",
        agent_id="a",
        body="x",
    )
    report = compute([note])
    assert (report.cases, report.proactive) == (0, 1)


@pytest.mark.parametrize("store_class", [MemoryStore, SQLiteStore])
def test_a_store_scan_gives_the_same_numbers(store_class: Any) -> None:
    store = store_class() if store_class is MemoryStore else SQLiteStore(":memory:")
    with store:
        store.interactions.append_many(feed)
        store.cases.save(Case(id="B", customer_id="cus_B", tags=("billing",)))

        def lookup(case_id: str) -> Case | None:
            found = [c for c in store.cases.for_customer(f"cus_{case_id}") if c.id == case_id]
            return found[0] if found else None

        scanned = compute(
            itertools.chain.from_iterable(store.interactions.scan(chunk_size=5)),
            by=("channel", "tag"),
            cases=lookup,
        )
    direct = compute(
        feed,
        by=("channel", "tag"),
        cases={"B": Case(id="B", customer_id="cus_B", tags=("billing",))},
    )
    assert scanned.to_dict() == direct.to_dict()
    assert scanned.breakdowns["tag"]["billing"]["reopen_rate"].value == 100.0


def test_a_call_across_a_clock_change_counts_real_seconds() -> None:
    """Regression: times in one ZoneInfo zone subtract as wall-clock times, so a
    call over London's spring-forward hour counted an hour too much."""
    london = ZoneInfo("Europe/London")
    night = Call(
        id="n",
        occurred_at=datetime(2026, 3, 29, 0, 50, tzinfo=london),
        channel="phone",
        customer_id="c",
        actor="customer",
        direction="inbound",
        agent_id="ana",
        answered_at=datetime(2026, 3, 29, 0, 59, tzinfo=london),
        ended_at=datetime(2026, 3, 29, 2, 1, tzinfo=london),  # 02:01 BST = 01:01 GMT
    )
    assert night.talk_seconds == 120
    assert night.wait_seconds == 540
    assert compute([night]).overall["aht"].mean == 120


def test_the_collector_is_paused_while_feeding_and_restored_after() -> None:
    states: list[bool] = []

    def watched() -> Any:
        for item in feed:
            states.append(gc.isenabled())
            yield item
        raise RuntimeError("the feed broke")

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        KpiAggregator().extend(watched())
    assert states == [False] * len(feed)
    assert gc.isenabled()

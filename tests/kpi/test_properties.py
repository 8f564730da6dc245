"""Properties of the KPI engine, checked on generated support history.

Hypothesis builds feeds of up to a dozen cases: customers writing and calling
on several channels, agents answering, bots and the system writing, calls
answered, abandoned or still waiting, statuses going back and forth, surveys
with and without a case, handoffs, notes and assignments, and now and then a
proactive case the customer never started. Times sit on a coarse grid, so
ties are common and are broken by interaction id. On these feeds:

- every metric, overall and by channel, equals a slow reading of the
  definitions in :mod:`tests.kpi.reference`;
- percentages, scores and time statistics stay within their bounds;
- the order of the feed and repeated interactions change nothing;
- the incremental aggregator, read at any point, gives what ``compute`` gives
  for what it was fed so far;
- business time is never longer than calendar time, case by case.

Small hand-written examples at the end pin down the boundaries.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicontext.kpi import KpiAggregator, KpiReport, KpiRules, Rate, SlaPolicy, compute
from omnicontext.model import (
    Assignment,
    Call,
    Handoff,
    Message,
    Note,
    StatusChange,
    Survey,
    parse_interaction,
)
from omnicontext.testing.factories import T0

from .reference import (
    CaseFacts,
    Reference,
    business_seconds,
    compute_reference,
    summary,
)

AGENTS = ("ana", "ben", "cara")
CUSTOMERS = ("cus_1", "cus_2", "cus_3", "cus_4")
MESSAGE_CHANNELS = ("email", "chat", "phone", "sms", "social_public", "social_private", "whatsapp")
CALL_CHANNELS = ("phone", "phone", "video", "whatsapp")
SURVEY_CHANNELS = ("email", "sms", "chat", "whatsapp")
UNITS = (10, 300, 1_800, 6 * 3_600, 86_400)
"""The grid step of one case's times, in seconds: 10 s up to a day."""
WAITS = (0, 10, 19, 20, 21, 30, 300)
TALKS = (0, 45, 600)
WRAPS = (0.0, 0.0, 15.5, 60.0)
OFFSETS = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)))
CASE_KINDS = (
    "contact",
    "contact",
    "contact",
    "reply",
    "reply",
    "reply",
    "bot",
    "system",
    "call_in",
    "call_in",
    "call_out",
    "call_ivr",
    "call_dialer",
    "status",
    "status",
    "status",
    "status",
    "status",
    "assign",
    "survey",
    "handoff",
    "note",
)
CONTACT_KINDS = ("contact", "call_in")
LOOSE_KINDS = ("survey", "survey", "call_in", "call_out", "contact")
BREAKDOWNS = ("channel", "agent", "day", "week")

Spec = tuple[type, dict[str, Any]]


# --------------------------------------------------------------------------- feeds


def _local(draw: st.DrawFn, at: datetime) -> datetime:
    """The same instant, written in one of a few UTC offsets."""
    return at.astimezone(draw(st.sampled_from(OFFSETS)))


def _call(draw: st.DrawFn, at: datetime, owner: dict[str, Any], kind: str) -> Spec:
    """A customer's call, an agent's call, or one the system placed (IVR in, dialer out)."""
    direction = "outbound" if kind in ("call_out", "call_dialer") else "inbound"
    actor = {"call_in": "customer", "call_out": "agent"}.get(kind, "system")
    fields: dict[str, Any] = {
        **owner,
        "occurred_at": _local(draw, at),
        "channel": draw(st.sampled_from(CALL_CHANNELS)),
        "direction": direction,
        "actor": actor,
    }
    if actor == "agent":
        fields["agent_id"] = draw(st.sampled_from(AGENTS))
    outcome = draw(st.sampled_from(("answered", "answered", "abandoned", "waiting", "talking")))
    if outcome in ("answered", "talking"):
        answered = at + timedelta(seconds=draw(st.sampled_from(WAITS)))
        fields["answered_at"] = _local(draw, answered)
        if actor != "agent" and draw(st.integers(0, 5)):
            fields["agent_id"] = draw(st.sampled_from(AGENTS))
        fields["wrap_up_seconds"] = draw(st.sampled_from(WRAPS))
        if outcome == "answered":
            talk = timedelta(seconds=draw(st.sampled_from(TALKS)))
            fields["ended_at"] = _local(draw, answered + talk)
    elif outcome == "abandoned":
        waited = timedelta(seconds=draw(st.sampled_from(WAITS)))
        fields["ended_at"] = _local(draw, at + waited)
    return Call, fields


def _event(draw: st.DrawFn, kind: str, at: datetime, channel: str, owner: dict[str, Any]) -> Spec:
    """One interaction of ``kind``, without its id."""
    if kind.startswith("call"):
        return _call(draw, at, owner, kind)
    common = {**owner, "occurred_at": _local(draw, at), "channel": channel}
    agent = {"actor": "agent", "agent_id": draw(st.sampled_from(AGENTS))}
    if kind == "contact":
        return Message, {**common, "actor": "customer", "direction": "inbound", "body": "Hi"}
    if kind == "reply":
        return Message, {**common, **agent, "direction": "outbound", "body": "Hello"}
    if kind == "bot":
        return Message, {**common, "actor": "bot", "direction": "outbound", "body": "Beep"}
    if kind == "system":
        direction = draw(st.sampled_from(("inbound", "outbound")))
        return Message, {**common, "actor": "system", "direction": direction, "body": "Auto"}
    if kind == "status":
        status = draw(st.sampled_from(("open", "pending", "solved", "solved", "solved", "closed")))
        who = agent if draw(st.booleans()) else {"actor": "system"}
        return StatusChange, {**common, **who, "status": status}
    if kind == "assign":
        return Assignment, {**common, "actor": "system", "agent_id": agent["agent_id"]}
    if kind == "survey":
        common["channel"] = draw(st.sampled_from(SURVEY_CHANNELS))
        score = (
            {"csat": draw(st.integers(1, 5))}
            if draw(st.booleans())
            else {"nps": draw(st.integers(0, 10))}
        )
        return Survey, {**common, "actor": "customer", **score}
    if kind == "handoff":
        pair = draw(
            st.lists(st.sampled_from(MESSAGE_CHANNELS), min_size=2, max_size=2, unique=True)
        )
        common["channel"] = pair[draw(st.integers(0, 1))]
        return Handoff, {
            **common,
            "actor": "system",
            "from_channel": pair[0],
            "to_channel": pair[1],
            "reason": "escalation",
        }
    assert kind == "note"
    return Note, {**common, **agent, "body": "Checked the account"}


@st.composite
def _case_history(draw: st.DrawFn, case_id: str, start: datetime) -> list[Spec]:
    owner = {"case_id": case_id, "customer_id": draw(st.sampled_from(CUSTOMERS))}
    proactive = draw(st.integers(0, 5)) == 0
    unit = draw(st.sampled_from(UNITS))
    base = start + timedelta(hours=draw(st.integers(0, 10 * 24)))
    home = draw(st.sampled_from(MESSAGE_CHANNELS))
    kinds = draw(st.lists(st.sampled_from(CASE_KINDS), min_size=1, max_size=10))
    if proactive:
        kinds = [k for k in kinds if k not in CONTACT_KINDS] or ["reply"]
    elif not any(k in CONTACT_KINDS for k in kinds):
        kinds.append(draw(st.sampled_from(CONTACT_KINDS)))
    specs = []
    for kind in kinds:
        at = base + timedelta(seconds=unit * draw(st.integers(0, 12)))
        channel = home if draw(st.integers(0, 3)) else draw(st.sampled_from(MESSAGE_CHANNELS))
        specs.append(_event(draw, kind, at, channel, owner))
    return specs


@st.composite
def feeds(draw: st.DrawFn, *, start: datetime = T0, max_cases: int = 12) -> list[Any]:
    """A valid history of 1 to ``max_cases`` cases and a few interactions without a case."""
    specs: list[Spec] = []
    for n in range(draw(st.integers(1, max_cases))):
        specs.extend(draw(_case_history(f"k{n}", start)))
    for _ in range(draw(st.integers(0, 4))):
        at = start + timedelta(seconds=1_800 * draw(st.integers(0, 10 * 48)))
        owner = {"customer_id": draw(st.sampled_from(CUSTOMERS))}
        channel = draw(st.sampled_from(MESSAGE_CHANNELS))
        specs.append(_event(draw, draw(st.sampled_from(LOOSE_KINDS)), at, channel, owner))
    numbers = draw(
        st.lists(st.integers(0, 999), min_size=len(specs), max_size=len(specs), unique=True)
    )
    return [cls(id=f"i{n:03d}", **fields) for n, (cls, fields) in zip(numbers, specs, strict=True)]


def _as_of(feed: list[Any], offset: int | None) -> datetime | None:
    if offset is None:
        return None
    return max(item.occurred_at for item in feed) + timedelta(seconds=offset)


AS_OF_OFFSETS = st.none() | st.sampled_from((-86_400, -600, 0, 10, 20, 25, 3_600))


@st.composite
def rule_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Service-level threshold, short abandons and one SLA target, mostly the defaults."""
    sla = draw(
        st.none()
        | st.tuples(
            st.sampled_from((None, 20, 300, 3_600, 86_400)),
            st.sampled_from((None, 3_600, 86_400, 7 * 86_400)),
        ).filter(lambda pair: pair != (None, None))
    )
    return {
        "threshold": draw(st.sampled_from((20.0, 20.0, 20.0, 0.0, 30.0))),
        "short_abandon": draw(st.sampled_from((0.0, 0.0, 0.0, 10.0, 30.0))),
        "sla": sla,
    }


def _rules(options: dict[str, Any]) -> KpiRules:
    sla = SlaPolicy()
    if options["sla"] is not None:
        first_response, resolution = options["sla"]
        target = {"first_response": first_response, "resolution": resolution}
        sla = SlaPolicy.from_dict({"*": {"*": {k: v for k, v in target.items() if v}}})
    return KpiRules(
        service_level_seconds=options["threshold"],
        short_abandon_seconds=options["short_abandon"],
        sla=sla,
    )


# --------------------------------------------------------------------------- comparing


def _rate(count: int, n: int) -> dict[str, Any]:
    return {"value": 100.0 * count / n if n else None, "n": n, "unit": "%", "count": count}


def _durations(values: list[float], open_: int) -> dict[str, Any]:
    return {**summary(values), "n": len(values), "unit": "s", "open": open_}


def expected_metrics(sums: Mapping[str, Any], threshold: float = 20.0) -> dict[str, Any]:
    """The JSON form of one slice's results, from the reference's sums."""
    nps_n = sums["promoters"] + sums["passives"] + sums["detractors"]
    return {
        "volume": {"value": sums["volume"], "n": sums["volume"], "unit": "cases"},
        "csat": _rate(sums["csat_good"], sums["csat_n"]),
        "nps": {
            "value": 100.0 * (sums["promoters"] - sums["detractors"]) / nps_n if nps_n else None,
            "n": nps_n,
            "unit": "points",
            "promoters": sums["promoters"],
            "passives": sums["passives"],
            "detractors": sums["detractors"],
        },
        "first_response_time": _durations(sums["frt"], sums["frt_open"]),
        "resolution_time": {
            "first": _durations(sums["first"], sums["first_open"]),
            "full": _durations(sums["full"], sums["full_open"]),
        },
        "fcr": _rate(sums["fcr"], sums["solved"]),
        "reopen_rate": _rate(sums["reopened"], sums["solved"]),
        "aht": _durations(sums["aht"], sums["aht_open"]),
        "service_level": {
            **_rate(sums["within"], sums["live"]),
            "threshold_seconds": threshold,
        },
        "abandonment_rate": _rate(sums["abandoned"], sums["live"]),
        "sla_compliance": _rate(sums["sla_met"], sums["sla_n"]),
        "channel_switch_rate": _rate(sums["switched"], sums["volume"]),
        "repeat_contact_rate": _rate(sums["repeat"], sums["responded"]),
    }


def _diff(got: Any, want: Any, path: str, out: list[str]) -> None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(got) | set(want)):
            if key not in got or key not in want:
                out.append(f"{path}.{key}: engine {got.get(key)!r}, reference {want.get(key)!r}")
            else:
                _diff(got[key], want[key], f"{path}.{key}", out)
        return
    if isinstance(got, float) or isinstance(want, float):
        if (
            isinstance(got, int | float)
            and isinstance(want, int | float)
            and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6)
        ):
            return
    elif got == want and type(got) is type(want):
        return
    out.append(f"{path}: engine {got!r}, reference {want!r}")


def differences(report: KpiReport, ref: Reference, threshold: float = 20.0) -> list[str]:
    """Every metric on which the engine and the reference disagree, as readable lines."""
    out: list[str] = []
    data = report.to_dict()
    _diff(data["overall"], expected_metrics(ref.overall, threshold), "overall", out)
    got_channels, want_channels = set(data["by_channel"]), set(ref.by_channel)
    if got_channels != want_channels:
        out.append(
            f"by_channel slices: engine {sorted(got_channels)}, ref {sorted(want_channels)}"
        )
    for channel in sorted(got_channels & want_channels):
        want = expected_metrics(ref.by_channel[channel], threshold)
        _diff(data["by_channel"][channel], want, f"by_channel.{channel}", out)
    meta = {
        "interactions": report.interactions,
        "duplicates": report.duplicates,
        "cases": report.cases,
        "proactive": report.proactive,
        "start": report.start,
        "end": report.end,
        "as_of": report.as_of,
    }
    expected_meta = {
        "interactions": ref.interactions,
        "duplicates": ref.duplicates,
        "cases": ref.volume,
        "proactive": ref.proactive,
        "start": ref.start,
        "end": ref.end,
        "as_of": ref.as_of,
    }
    for key, value in expected_meta.items():
        if meta[key] != value:
            out.append(f"meta.{key}: engine {meta[key]!r}, reference {value!r}")
    return out


def _show(feed: list[Any]) -> str:
    return "\n".join(item.to_json() for item in sorted(feed, key=lambda i: i.occurred_at))


def assert_matches(report: KpiReport, ref: Reference, feed: list[Any], threshold: float) -> None:
    problems = differences(report, ref, threshold)
    assert not problems, "\n".join([*problems, "feed:", _show(feed)])


def _slices(report: KpiReport) -> list[tuple[str, Mapping[str, Any]]]:
    return [("overall", report.overall), *report.by_channel.items()]


def _ref_slice(ref: Reference, name: str) -> Mapping[str, Any]:
    return ref.overall if name == "overall" else ref.by_channel[name]


# --------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(feed=feeds(), options=rule_sets(), offset=AS_OF_OFFSETS)
def test_engine_equals_the_reference(
    feed: list[Any], options: dict[str, Any], offset: int | None
) -> None:
    as_of = _as_of(feed, offset)
    report = compute(feed, rules=_rules(options), as_of=as_of)
    ref = compute_reference(
        feed,
        as_of=as_of,
        threshold=options["threshold"],
        short_abandon=options["short_abandon"],
        sla=options["sla"],
    )
    assert_matches(report, ref, feed, options["threshold"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed=feeds(), offset=AS_OF_OFFSETS)
def test_values_stay_in_their_bounds(feed: list[Any], offset: int | None) -> None:
    as_of = _as_of(feed, offset)
    report = compute(feed, as_of=as_of)
    ref = compute_reference(feed, as_of=as_of)
    for name, metrics in _slices(report):
        sums = _ref_slice(ref, name)
        csat, nps = metrics["csat"], metrics["nps"]
        assert csat.value is None or 0 <= csat.value <= 100
        assert nps.value is None or -100 <= nps.value <= 100
        for key, result in metrics.items():
            if isinstance(result, Rate):
                assert result.value is None or 0 <= result.value <= 100, (name, key)
                assert 0 <= result.count <= result.n, (name, key)
        durations = {
            "first_response_time": (metrics["first_response_time"], sums["frt"]),
            "resolution_time.first": (metrics["resolution_time"].first, sums["first"]),
            "resolution_time.full": (metrics["resolution_time"].full, sums["full"]),
            "aht": (metrics["aht"], sums["aht"]),
        }
        for key, (result, values) in durations.items():
            assert result.n == len(values), (name, key)
            assert all(v >= 0 for v in values), (name, key, values)
            if not values:
                assert (result.mean, result.median, result.p90) == (None, None, None)
                continue
            low, high = min(values) - 1e-6, max(values) + 1e-6
            for statistic in (result.mean, result.median, result.p90):
                assert statistic is not None
                assert statistic >= 0
                assert low <= statistic <= high, (name, key, statistic, sorted(values))
            assert result.median <= result.p90 + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed=feeds(), data=st.data())
def test_order_does_not_matter(feed: list[Any], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(feed), label="shuffled")
    first = compute(feed, by=BREAKDOWNS, time_zone="UTC").to_dict()
    again = compute(shuffled, by=BREAKDOWNS, time_zone="UTC").to_dict()
    assert again == first


def _copy(item: Any, how: str) -> Any:
    if how == "same":
        return item
    if how == "parsed":
        return parse_interaction(item.to_dict())
    return item.model_copy()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed=feeds(), data=st.data())
def test_repeated_interactions_change_nothing(feed: list[Any], data: st.DataObject) -> None:
    picks = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(feed) - 1),
                st.sampled_from(("same", "parsed", "copy")),
                st.integers(0, len(feed)),
            ),
            min_size=1,
            max_size=8,
        ),
        label="repeats",
    )
    fed = list(feed)
    for index, how, position in picks:
        fed.insert(position, _copy(feed[index], how))
    expected = compute(feed, by=BREAKDOWNS, time_zone="UTC").to_dict()
    got = compute(fed, by=BREAKDOWNS, time_zone="UTC").to_dict()
    assert got["meta"]["duplicates"] == len(picks)
    assert expected["meta"]["duplicates"] == 0
    got["meta"]["duplicates"] = 0
    assert got == expected
    live = KpiAggregator()
    added = [live.add(item) for item in fed]
    assert added.count(False) == len(picks)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed=feeds(max_cases=8), offset=AS_OF_OFFSETS, data=st.data())
def test_aggregator_read_along_the_way_equals_compute(
    feed: list[Any], offset: int | None, data: st.DataObject
) -> None:
    order = data.draw(st.permutations(feed), label="order")
    reads = set(data.draw(st.lists(st.integers(0, len(order) - 1), max_size=5), label="reads"))
    as_of = _as_of(feed, offset)
    live = KpiAggregator(by=("channel", "agent"))
    for n, item in enumerate(order):
        assert live.add(item)
        if n in reads:
            now = live.report(as_of=as_of).to_dict()
            batch = compute(order[: n + 1], by=("channel", "agent"), as_of=as_of).to_dict()
            assert now == batch, f"after {n + 1} of {len(order)}"
    final = live.report(as_of=as_of)
    assert final.to_dict() == compute(feed, by=("channel", "agent"), as_of=as_of).to_dict()
    assert_matches(final, compute_reference(feed, as_of=as_of), feed, 20.0)


# --------------------------------------------------------------------------- business time

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALENDAR_STARTS = (
    T0,
    datetime(2026, 3, 5, tzinfo=UTC),  # the United States move their clocks on 8 March
    datetime(2026, 3, 26, tzinfo=UTC),  # Europe on 29 March
    datetime(2026, 10, 22, tzinfo=UTC),  # and back on 25 October
)


@st.composite
def calendars(draw: st.DrawFn, start: datetime) -> tuple[dict[str, Any], dict[int, Any], list]:
    """A calendar's plain form, its hours in seconds by weekday, and its holidays."""
    zone = draw(
        st.sampled_from(("UTC", "UTC", "Europe/London", "America/New_York", "Asia/Kolkata"))
    )
    hours: dict[int, list[tuple[int, int]]] = {}
    for day in range(7):
        shape = draw(st.sampled_from(("closed", "one", "one", "two", "all")))
        if shape == "one":
            bounds = sorted(
                draw(st.lists(st.integers(0, 24), min_size=2, max_size=2, unique=True))
            )
        elif shape == "two":
            bounds = sorted(
                draw(st.lists(st.integers(0, 24), min_size=4, max_size=4, unique=True))
            )
        elif shape == "all":
            bounds = [0, 24]
        else:
            bounds = []
        hours[day] = [(bounds[i] * 3_600, bounds[i + 1] * 3_600) for i in range(0, len(bounds), 2)]
    if not any(hours.values()):
        hours[0] = [(9 * 3_600, 17 * 3_600)]
    holidays = sorted(
        draw(
            st.sets(st.integers(0, 30).map(lambda n: start.date() + timedelta(days=n)), max_size=3)
        )
    )
    plain = {
        "time_zone": zone,
        "hours": {
            DAY_NAMES[day]: [f"{a // 3_600:02d}:00-{b // 3_600:02d}:00" for a, b in spans]
            for day, spans in hours.items()
        },
        "holidays": {"dates": [day.isoformat() for day in holidays]},
    }
    return plain, hours, holidays


@st.composite
def feeds_with_calendars(draw: st.DrawFn) -> tuple[list[Any], dict[str, Any], dict, list]:
    start = draw(st.sampled_from(CALENDAR_STARTS))
    feed = draw(feeds(start=start))
    plain, hours, holidays = draw(calendars(start))
    return feed, plain, hours, holidays


def _within(business: float | None, calendar: float | None) -> bool:
    if business is None or calendar is None:
        return business is calendar
    return 0 <= business <= calendar + 1e-6


DURATION_FACTS = ("first_response", "first_resolution", "full_resolution")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setup=feeds_with_calendars(), options=rule_sets())
def test_business_time_is_never_longer_than_calendar_time(
    setup: tuple[list[Any], dict[str, Any], dict, list], options: dict[str, Any]
) -> None:
    calendar_module = pytest.importorskip("omnicontext.kpi.calendar")
    feed, plain, hours, holidays = setup
    cal = calendar_module.BusinessCalendar.from_dict(plain)
    rules = _rules(options)
    clock = compute(feed, rules=rules)
    business = compute(feed, calendar=cal, rules=rules)
    reference_options = {
        "threshold": options["threshold"],
        "short_abandon": options["short_abandon"],
        "sla": options["sla"],
    }
    ref_clock = compute_reference(feed, **reference_options)
    ref_business = compute_reference(feed, span=cal.business_seconds, **reference_options)
    assert_matches(business, ref_business, feed, options["threshold"])
    assert business.time == "business"
    # The calendar's business time, against opening hours added up half an hour at a time.
    own = compute_reference(
        feed, span=functools.partial(business_seconds, plain["time_zone"], hours, holidays)
    )
    for case_id, facts in own.cases.items():
        for name in DURATION_FACTS:
            mine, theirs = getattr(facts, name), getattr(ref_business.cases[case_id], name)
            same = (mine is None and theirs is None) or math.isclose(mine, theirs, abs_tol=1e-6)
            assert same, (case_id, name, mine, theirs, plain)
    for case_id, facts in ref_clock.cases.items():
        in_business: CaseFacts = ref_business.cases[case_id]
        for name in DURATION_FACTS:
            assert _within(getattr(in_business, name), getattr(facts, name)), (case_id, name)
    assert set(business.by_channel) == set(clock.by_channel)
    for name, metrics in _slices(business):
        clock_metrics = clock.overall if name == "overall" else clock.by_channel[name]
        pairs = [
            (metrics["first_response_time"], clock_metrics["first_response_time"]),
            (metrics["resolution_time"].first, clock_metrics["resolution_time"].first),
            (metrics["resolution_time"].full, clock_metrics["resolution_time"].full),
        ]
        for short, long in pairs:
            assert (short.n, short.open) == (long.n, long.open), name
            for statistic in ("mean", "median", "p90"):
                assert _within(getattr(short, statistic), getattr(long, statistic)), name


# --------------------------------------------------------------------------- examples


def _message(id: str, at: datetime, case: str = "k1", **fields: Any) -> Message:
    fields.setdefault("channel", "chat")
    if fields.get("actor", "customer") == "customer":
        fields.update(actor="customer", direction="inbound")
    else:
        fields.setdefault("direction", "outbound")
    return Message(id=id, occurred_at=at, case_id=case, customer_id="cus_1", body="x", **fields)


def _status(id: str, at: datetime, status: str, case: str = "k1") -> StatusChange:
    return StatusChange(
        id=id, occurred_at=at, case_id=case, channel="chat", actor="system", status=status
    )


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _check(feed: list[Any], **kwargs: Any) -> KpiReport:
    report = compute(feed, **kwargs)
    assert_matches(report, compute_reference(feed, **kwargs), feed, 20.0)
    return report


def test_a_tie_for_first_contact_goes_to_the_lower_id() -> None:
    feed = [
        _message("b", T0, channel="email"),
        _message("a", T0, channel="whatsapp"),
        _message("r", _at(60), actor="agent", agent_id="ana", channel="email"),
    ]
    report = _check(feed)
    assert report.by_channel["whatsapp"]["volume"].value == 1
    assert "email" not in report.by_channel
    assert report.overall["channel_switch_rate"].count == 1


def test_an_answer_at_exactly_the_threshold_meets_the_service_level() -> None:
    feed = [
        _message("m1", T0),
        _message("m2", _at(20), actor="agent", agent_id="ana"),
        _message("n1", T0, case="k2"),
        _message("n2", _at(21), case="k2", actor="agent", agent_id="ana"),
    ]
    report = _check(feed)
    assert report.overall["service_level"].to_dict()["count"] == 1
    assert report.overall["service_level"].n == 2


def test_an_unanswered_chat_is_abandoned_only_after_the_threshold() -> None:
    feed = [_message("m1", T0)]
    assert compute(feed, as_of=_at(20)).overall["abandonment_rate"].n == 0
    assert compute(feed, as_of=_at(21)).overall["abandonment_rate"].count == 1
    _check(feed, as_of=_at(20))
    _check(feed, as_of=_at(21))


def test_repeat_contact_window_is_inclusive_at_both_ends() -> None:
    for gap, repeat in ((1_799, 0), (1_800, 1), (7 * 86_400, 1), (7 * 86_400 + 1, 0)):
        feed = [
            _message("m1", T0, channel="email"),
            _message("m2", _at(60), actor="agent", agent_id="ana", channel="email"),
            _message("m3", _at(60 + gap), channel="email"),
        ]
        report = _check(feed)
        assert report.overall["repeat_contact_rate"].count == repeat, gap


def test_a_reopen_at_the_same_instant_as_the_solve_is_not_after_it() -> None:
    feed = [
        _message("m1", T0, channel="email"),
        _message("m2", _at(60), actor="agent", agent_id="ana", channel="email"),
        _status("s1", _at(120), "solved"),
        _status("s2", _at(120), "open"),
    ]
    report = _check(feed)
    assert report.overall["reopen_rate"].count == 0
    assert report.overall["resolution_time"].full.n == 1


def test_a_proactive_case_keeps_its_surveys_in_its_first_channel() -> None:
    feed = [
        _message("o1", T0, channel="email", actor="agent", agent_id="ana"),
        Survey(
            id="v1", occurred_at=_at(60), case_id="k1", channel="sms", actor="customer", csat=2
        ),
    ]
    report = _check(feed)
    assert report.proactive == 1
    assert report.cases == 0
    assert report.by_channel["email"]["csat"].n == 1
    assert report.overall["volume"].value == 0


def test_calls_count_without_a_case() -> None:
    feed = [
        Call(
            id="c1",
            occurred_at=T0,
            channel="phone",
            customer_id="cus_1",
            actor="customer",
            direction="inbound",
            agent_id="ana",
            answered_at=_at(20),
            ended_at=_at(80),
            wrap_up_seconds=15.5,
        ),
        Call(
            id="c2",
            occurred_at=T0,
            channel="phone",
            customer_id="cus_1",
            actor="customer",
            direction="inbound",
            ended_at=_at(5),
        ),
        Call(
            id="c3",
            occurred_at=T0,
            channel="video",
            customer_id="cus_1",
            actor="customer",
            direction="inbound",
        ),
    ]
    report = _check(feed)
    assert report.overall["aht"].mean == 75.5
    assert report.overall["service_level"].to_dict()["count"] == 1
    assert report.overall["abandonment_rate"].count == 1
    assert report.overall["volume"].value == 0
    short = compute(feed, rules=KpiRules(short_abandon_seconds=10))
    assert short.overall["abandonment_rate"].n == 1


def test_the_reference_counts_business_time_by_the_wall_clock() -> None:
    hours = {0: [(9 * 3_600, 17 * 3_600)], 6: [(0, 3 * 3_600)]}
    friday = datetime(2026, 1, 9, 16, tzinfo=UTC)
    monday = friday + timedelta(days=3)
    assert business_seconds("UTC", hours, [], friday, monday) == (3 + 7) * 3_600
    assert business_seconds("UTC", hours, [monday.date()], friday, monday) == 3 * 3_600
    # London skips 01:00 to 02:00 on 29 March 2026: Sunday 00:00-03:00 is two hours long.
    sunday = datetime(2026, 3, 29, tzinfo=UTC)
    assert business_seconds("Europe/London", hours, [], sunday, sunday + timedelta(days=1)) == (
        2 * 3_600
    )
    # New York is open 09:00 to 17:00 EDT, 13:00 to 21:00 UTC, on Monday 9 March.
    noon, midnight = datetime(2026, 3, 9, 12, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    assert business_seconds("America/New_York", hours, [], noon, midnight) == 8 * 3_600


def _agent_call(id: str, at: datetime, answered: datetime, case: str = "k1") -> Call:
    return Call(
        id=id,
        occurred_at=at,
        case_id=case,
        channel="phone",
        actor="agent",
        agent_id="ana",
        direction="outbound",
        answered_at=answered,
        ended_at=answered + timedelta(minutes=5),
    )


def test_an_agent_call_responds_when_it_is_placed_not_when_it_is_answered() -> None:
    # The call is placed exactly 30 minutes before the customer writes again.
    feed = [
        _message("m1", T0, channel="email"),
        _agent_call("c1", _at(1_800), answered=_at(1_810)),
        _message("m2", _at(3_600), channel="email"),
    ]
    report = _check(feed)
    assert report.overall["repeat_contact_rate"].count == 1
    assert report.overall["fcr"].n == 0


def test_an_agent_call_placed_before_the_first_contact_is_not_its_first_response() -> None:
    # Placed before the customer's chat starts, answered 10 s after it.
    feed = [_agent_call("c1", _at(-10), answered=_at(10)), _message("m1", T0)]
    report = _check(feed)
    frt = report.overall["first_response_time"]
    assert (frt.n, frt.open) == (0, 1)
    assert (
        report.overall["service_level"].n == 0
    )  # not answered, and not old enough to be abandoned


def test_a_dialer_call_is_a_response_when_an_agent_takes_it() -> None:
    feed = [
        _message("m1", T0, channel="email"),
        Call(
            id="c1",
            occurred_at=_at(60),
            case_id="k1",
            channel="phone",
            actor="system",
            agent_id="ana",
            direction="outbound",
            answered_at=_at(70),
            ended_at=_at(370),
        ),
    ]
    report = _check(feed)
    frt = report.overall["first_response_time"]
    assert (frt.median, frt.open) == (70, 0)  # a human spoke to the customer at +70 s
    assert report.overall["aht"].n == 1

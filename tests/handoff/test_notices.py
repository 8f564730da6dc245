"""Notices per channel, quiet hours across clock changes, and the delivery plan rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput, UnknownChannel
from omnicontext.handoff.notices import (
    DeliveryPlan,
    QuietHours,
    compose_move_notice,
    compose_update,
    plan_delivery,
)
from omnicontext.handoff.sms import is_gsm7, sms_segments
from omnicontext.model import (
    BUILTIN_CHANNELS,
    ChannelProfile,
    ContactConsent,
    Customer,
    Identity,
)

STEPS = ["Keep your phone nearby.", "Answer the call from 0800 123 456"]


def move(**overrides: object) -> dict[str, object]:
    args: dict[str, object] = {
        "on_channel": "chat",
        "from_channel": "chat",
        "to_channel": "phone",
        "brand": "Acme",
        "reference": "CASE-1042",
        "next_steps": STEPS,
    }
    args.update(overrides)
    return args


# ============================================================ move notices


def test_sms_move_notice_is_gsm7_with_its_segments() -> None:
    n = compose_move_notice(
        **move(on_channel="sms", next_steps=["Keep your phone nearby \u2013 it\u2019s us."])  # type: ignore[arg-type]
    )
    assert n.body == (
        "Acme: We're moving this conversation from chat to a phone call. "
        "Ref CASE-1042: quote it whenever you contact us. "
        "Next steps: 1) Keep your phone nearby - it's us."
    )
    assert n.sms == sms_segments(n.body)
    assert (n.sms.encoding, n.sms.units, n.sms.segments) == ("GSM-7", len(n.body), 2)
    assert (n.channel, n.kind, n.subject, n.truncated, n.reference) == (
        "sms",
        "move",
        None,
        False,
        "CASE-1042",
    )


def test_sms_move_notice_is_cut_to_its_segments_keeping_the_reference() -> None:
    steps = [f"Step number {i} of the plan is here." for i in range(1, 30)]
    n = compose_move_notice(**move(on_channel="sms", next_steps=steps, max_sms_segments=2))  # type: ignore[arg-type]
    assert n.truncated
    assert n.sms is not None
    assert n.sms.segments == 2
    assert "Ref CASE-1042" in n.body
    assert n.body.endswith("...")
    # Cut at a sentence end, between two steps.
    assert n.body.endswith("of the plan is here...")
    one = compose_move_notice(**move(on_channel="sms", next_steps=steps, max_sms_segments=1))  # type: ignore[arg-type]
    assert one.sms is not None
    assert one.sms.segments == 1
    assert "CASE-1042" in one.body


def test_email_move_notice_has_a_subject_greeting_numbered_steps_and_sign_off() -> None:
    n = compose_move_notice(
        **move(  # type: ignore[arg-type]
            on_channel="email",
            customer_name="Ada",
            agent_name="Sam",
            expected_wait=timedelta(minutes=90),
        )
    )
    assert n.subject == "Your Acme conversation is moving to a phone call (ref CASE-1042)"
    assert n.sms is None
    assert n.body.splitlines() == [
        "Hi Ada,",
        "",
        "We're moving this conversation from chat to a phone call. Sam will take it from here.",
        "",
        "What happens next:",
        "1. Keep your phone nearby.",
        "2. Answer the call from 0800 123 456.",
        "",
        "Expected wait: about 1 hour 30 minutes.",
        "",
        "Your reference is CASE-1042: quote it when you contact us, so you never repeat yourself.",
        "",
        "Thank you,",
        "Acme",
    ]


def test_email_without_a_name_says_hello() -> None:
    n = compose_move_notice(**move(on_channel="email"))  # type: ignore[arg-type]
    assert n.body.startswith("Hello,\n\nWe're moving")
    blank = compose_move_notice(**move(on_channel="email", customer_name="  "))  # type: ignore[arg-type]
    assert blank.body == n.body


@pytest.mark.parametrize("channel", ["chat", "whatsapp", "social_private"])
def test_message_channels_get_one_message(channel: str) -> None:
    n = compose_move_notice(**move(on_channel=channel, customer_name="Ada"))  # type: ignore[arg-type]
    assert n.body == (
        "Hi Ada, we're moving this conversation from chat to a phone call. "
        "Your reference is CASE-1042: quote it when you contact us, so you never repeat yourself. "
        "Next steps: 1) Keep your phone nearby. 2) Answer the call from 0800 123 456. - Acme"
    )
    assert (n.subject, n.sms, n.truncated) == (None, None, False)


def test_a_message_too_long_for_the_channel_is_cut_at_a_sentence_and_flagged() -> None:
    short_chat = ChannelProfile(name="chat", mode="live", max_message_length=150)
    registry = BUILTIN_CHANNELS.with_channels(short_chat, replace=True)
    n = compose_move_notice(**move(channels=registry))  # type: ignore[arg-type]
    assert n.truncated
    assert len(n.body) <= 150
    assert "CASE-1042" in n.body
    assert n.body.endswith("...")


def test_public_notice_has_no_personal_data() -> None:
    n = compose_move_notice(
        **move(  # type: ignore[arg-type]
            on_channel="social_public",
            from_channel="social_public",
            to_channel="social_private",
            customer_name="Ada Lovelace",
            agent_name="Sam",
            expected_wait=timedelta(minutes=5),
            next_steps=["Check your DMs, Ada, we sent a link to ada@example.com"],
        )
    )
    assert n.body == (
        "We're moving this conversation to a private message to keep your details private. "
        "Your reference is CASE-1042."
    )
    for private in ("Ada", "Sam", "ada@example.com", "minutes", "Next"):
        assert private not in n.body


def test_public_notice_stays_within_280() -> None:
    n = compose_move_notice(
        **move(on_channel="social_public", to_channel="social_private", reference="R" * 300)  # type: ignore[arg-type]
    )
    assert len(n.body) <= 280
    assert n.truncated


def test_a_registered_custom_channel_uses_its_own_limit() -> None:
    line = ChannelProfile(name="line", mode="async", max_message_length=120)
    registry = BUILTIN_CHANNELS.with_channels(line)
    n = compose_move_notice(**move(on_channel="line", channels=registry))  # type: ignore[arg-type]
    assert len(n.body) <= 120
    assert n.truncated
    roomy = compose_move_notice(
        **move(
            on_channel="line",
            channels=BUILTIN_CHANNELS.with_channels(
                line.model_copy(update={"max_message_length": 1000})
            ),
        )  # type: ignore[arg-type]
    )
    assert not roomy.truncated


def test_custom_channels_are_named_with_labels() -> None:
    line = ChannelProfile(name="line_app", mode="async")
    registry = BUILTIN_CHANNELS.with_channels(line)
    n = compose_move_notice(**move(to_channel="line_app", channels=registry))  # type: ignore[arg-type]
    assert "from chat to line app." in n.body
    named = compose_move_notice(
        **move(to_channel="line_app", channels=registry, channel_labels={"line_app": "LINE"})  # type: ignore[arg-type]
    )
    assert "from chat to LINE." in named.body


@pytest.mark.parametrize("field", ["on_channel", "from_channel", "to_channel"])
def test_an_unregistered_channel_is_unknown(field: str) -> None:
    with pytest.raises(UnknownChannel) as err:
        compose_move_notice(**move(**{field: "line"}))  # type: ignore[arg-type]
    assert (err.value.field, err.value.value) == (field, "line")
    assert "email" in err.value.known


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand", ""),
        ("brand", "   "),
        ("reference", ""),
        ("next_steps", []),
        ("next_steps", "Call us"),
        ("next_steps[1]", ["ok", " "]),
        ("expected_wait", timedelta(minutes=-1)),
        ("customer_name", 42),
        ("max_sms_segments", 0),
        ("to_channel", "chat"),
    ],
)
def test_bad_input_names_the_field(field: str, value: object) -> None:
    arg = field.split("[")[0]
    with pytest.raises(InvalidInput) as err:
        compose_move_notice(**move(**{arg: value}))  # type: ignore[arg-type]
    assert err.value.field == field


@pytest.mark.parametrize(
    ("wait", "phrase"),
    [
        (timedelta(0), "less than a minute"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=1), "about 1 minute"),
        (timedelta(minutes=10, seconds=20), "about 10 minutes"),
        (timedelta(hours=1), "about 1 hour"),
        (timedelta(hours=2, minutes=5), "about 2 hours 5 minutes"),
        (timedelta(days=1), "about 1 day"),
        (timedelta(days=2, hours=3), "about 2 days 3 hours"),
    ],
)
def test_expected_wait_is_said_plainly(wait: timedelta, phrase: str) -> None:
    n = compose_move_notice(**move(expected_wait=wait))  # type: ignore[arg-type]
    assert f"Expected wait: {phrase}." in n.body


names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=12)
step_texts = st.lists(st.text(alphabet="abcdefgh .,\u2019!", min_size=1, max_size=80), min_size=1)


@given(
    st.sampled_from(sorted(BUILTIN_CHANNELS)),
    names,
    step_texts,
    st.integers(min_value=1, max_value=4),
)
def test_every_notice_fits_its_channel(
    channel: str, name: str, steps: list[str], segments: int
) -> None:
    steps = [s if s.strip() else "x" for s in steps]
    n = compose_move_notice(
        **move(on_channel=channel, customer_name=name, next_steps=steps, max_sms_segments=segments)  # type: ignore[arg-type]
    )
    profile = BUILTIN_CHANNELS[channel]
    if channel == "sms":
        assert n.sms is not None
        assert n.sms.segments <= segments
        assert is_gsm7(n.body)
    elif profile.max_message_length is not None:
        assert len(n.body) <= profile.max_message_length
    if profile.is_public:
        assert name not in n.body
    assert "CASE-1042" in n.body
    assert (n.subject is not None) == (channel == "email")


# ============================================================ updates


def test_sms_update() -> None:
    n = compose_update(
        on_channel="sms", brand="Acme", reference="CASE-7", text="Your refund \u2014 approved."
    )
    assert n.body == "Acme update on CASE-7: Your refund - approved."
    assert n.sms is not None
    assert n.sms.encoding == "GSM-7"
    assert n.kind == "update"


def test_long_sms_update_keeps_the_reference() -> None:
    n = compose_update(
        on_channel="sms",
        brand="Acme",
        reference="CASE-7",
        text="Your parcel left the depot. " * 30,
        max_sms_segments=1,
    )
    assert n.truncated
    assert n.body.startswith("Acme update on CASE-7: Your parcel left the depot.")
    assert n.body.endswith("depot...")
    assert n.sms is not None
    assert n.sms.segments == 1


def test_email_update_default_and_own_subject() -> None:
    n = compose_update(
        on_channel="email",
        brand="Acme",
        reference="CASE-7",
        text="Your refund was approved.",
        customer_name="Ada",
    )
    assert n.subject == "Update on your Acme conversation (ref CASE-7)"
    assert n.body.startswith("Hi Ada,\n\nYour refund was approved.\n\n")
    assert n.body.endswith("Thank you,\nAcme")
    own = compose_update(
        on_channel="email", brand="Acme", reference="CASE-7", text="x", subject="Refund approved"
    )
    assert own.subject == "Refund approved"


def test_message_update() -> None:
    n = compose_update(
        on_channel="whatsapp",
        brand="Acme",
        reference="CASE-7",
        text="Approved.",
        customer_name="Ada",
    )
    assert n.body == (
        "Hi Ada, here's an update on your conversation with Acme (reference CASE-7): Approved."
    )


def test_an_update_never_goes_public() -> None:
    with pytest.raises(InvalidInput) as err:
        compose_update(on_channel="social_public", brand="Acme", reference="R", text="hi")
    assert (err.value.field, err.value.value) == ("on_channel", "social_public")


def test_update_validation() -> None:
    with pytest.raises(InvalidInput) as err:
        compose_update(on_channel="chat", brand="Acme", reference="R", text="  ")
    assert err.value.field == "text"
    with pytest.raises(UnknownChannel):
        compose_update(on_channel="pager", brand="Acme", reference="R", text="hi")


# ============================================================ quiet hours

NIGHT = QuietHours(start=time(21), end=time(8))


def test_quiet_hours_validation() -> None:
    with pytest.raises(InvalidInput) as err:
        QuietHours(start=time(8), end=time(8))
    assert err.value.field == "end"
    with pytest.raises(InvalidInput) as err:
        QuietHours(start=time(21, tzinfo=UTC), end=time(8))
    assert err.value.field == "start"
    with pytest.raises(InvalidInput) as err:
        QuietHours(start="21:00", end=time(8))  # type: ignore[arg-type]
    assert err.value.field == "start"
    with pytest.raises(InvalidInput) as err:
        QuietHours(start=time(21), end=time(8), channels="sms")  # type: ignore[arg-type]
    assert err.value.field == "channels"


def test_contains_wrapping_and_not() -> None:
    assert [
        NIGHT.contains(time(h, m)) for h, m in [(21, 0), (3, 0), (7, 59), (8, 0), (20, 59)]
    ] == [
        True,
        True,
        True,
        False,
        False,
    ]
    lunch = QuietHours(start=time(12), end=time(13))
    assert lunch.contains(time(12, 30))
    assert not lunch.contains(time(13))
    assert not lunch.contains(time(11, 59))


def test_applies_to_the_interruptive_channels_by_default() -> None:
    assert {c for c in BUILTIN_CHANNELS if NIGHT.applies_to(c)} == {
        "sms",
        "phone",
        "whatsapp",
        "app",
    }
    assert QuietHours(start=time(21), end=time(8), channels={"email"}).applies_to("email")


def test_outside_quiet_hours_is_at_itself() -> None:
    at = datetime(2026, 1, 5, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    assert NIGHT.next_allowed(at, "Europe/London") is at


def test_inside_quiet_hours_is_the_end_in_utc() -> None:
    at = datetime(2026, 7, 5, 22, 30, tzinfo=UTC)  # 23:30 BST
    assert NIGHT.next_allowed(at, "Europe/London") == datetime(2026, 7, 6, 7, 0, tzinfo=UTC)
    assert NIGHT.next_allowed(at, "Europe/London").tzinfo is UTC
    early = datetime(2026, 7, 6, 5, 0, tzinfo=UTC)  # 06:00 BST, same night
    assert NIGHT.next_allowed(early, ZoneInfo("Europe/London")) == datetime(
        2026, 7, 6, 7, 0, tzinfo=UTC
    )
    # The customer's zone decides, not the server's: 22:30 UTC is 07:30 in Tokyo.
    assert NIGHT.next_allowed(at, "Asia/Tokyo") == datetime(2026, 7, 5, 23, 0, tzinfo=UTC)


def test_next_allowed_rejects_naive_times_and_unknown_zones() -> None:
    with pytest.raises(InvalidInput) as err:
        NIGHT.next_allowed(datetime(2026, 1, 5, 23, 0), "Europe/London")
    assert err.value.field == "at"
    with pytest.raises(InvalidInput) as err:
        NIGHT.next_allowed(datetime(2026, 1, 5, 23, 0, tzinfo=UTC), "Mars/Olympus")
    assert (err.value.field, err.value.value) == ("zone", "Mars/Olympus")


def test_spring_forward_night() -> None:
    # London, 29 March 2026: 01:00 GMT jumps to 02:00 BST. 08:00 BST is 07:00 UTC.
    at = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert NIGHT.next_allowed(at, "Europe/London") == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_end_in_the_spring_forward_gap_ends_at_the_jump() -> None:
    # 01:30 never happens on 29 March 2026 in London; at the jump the clock reads 02:00.
    quiet = QuietHours(start=time(21), end=time(1, 30))
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT
    assert quiet.next_allowed(at, "Europe/London") == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_a_gap_that_swallows_the_end_lands_in_the_next_period() -> None:
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC). Quiet
    # 02:45 to 02:15: the jump skips the end and lands past the next start.
    quiet = QuietHours(start=time(2, 45), end=time(2, 15))
    at = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST
    assert quiet.next_allowed(at, "America/New_York") == datetime(2026, 3, 9, 6, 15, tzinfo=UTC)


def test_fall_back_fold_takes_the_next_occurrence() -> None:
    # London, 25 October 2026: 02:00 BST falls back to 01:00 GMT; 01:00-02:00 happens twice.
    quiet = QuietHours(start=time(21), end=time(1, 30))
    first = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 01:10 BST
    assert quiet.next_allowed(first, "Europe/London") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    between = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 01:45 BST: outside
    assert quiet.next_allowed(between, "Europe/London") is between
    second = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 01:10 GMT: quiet again
    assert quiet.next_allowed(second, "Europe/London") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_falling_back_to_before_the_start_ends_the_period() -> None:
    # New York, 1 November 2026: 02:00 EDT falls back to 01:00 EST at 06:00 UTC.
    # Quiet 01:15 to 02:00: at 01:59:59 EDT it is quiet, one second later the
    # clock reads 01:00 EST, before the start.
    quiet = QuietHours(start=time(1, 15), end=time(2))
    at = datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC)
    assert quiet.next_allowed(at, "America/New_York") == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute clock changes
    "America/Santiago",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kolkata",
    "Pacific/Apia",
]


def _transitions() -> list[datetime]:
    found = []
    for name in ZONES:
        zone = ZoneInfo(name)
        t = datetime(2026, 1, 1, tzinfo=UTC)
        offset = t.astimezone(zone).utcoffset()
        while t.year == 2026:
            t += timedelta(hours=1)
            now = t.astimezone(zone).utcoffset()
            if now != offset:
                found.append(t)
                offset = now
    return found


TRANSITIONS = _transitions()
YEAR = datetime(2026, 1, 1, tzinfo=UTC)

instants = st.one_of(
    st.integers(min_value=0, max_value=365 * 24 * 3600).map(lambda s: YEAR + timedelta(seconds=s)),
    st.tuples(
        st.sampled_from(TRANSITIONS), st.integers(min_value=-30 * 3600, max_value=30 * 3600)
    ).map(lambda p: p[0] + timedelta(seconds=p[1])),
)
wall_times = st.builds(
    time,
    hour=st.integers(min_value=0, max_value=23),
    minute=st.sampled_from([0, 15, 20, 30, 45, 59]),
)
quiet_hours = st.tuples(wall_times, wall_times).filter(lambda p: p[0] != p[1])


def _quiet_at(q: QuietHours, instant: datetime, zone: str) -> bool:
    return q.contains(instant.astimezone(ZoneInfo(zone)).time())


@given(instants, st.sampled_from(ZONES), quiet_hours)
def test_next_allowed_is_the_first_instant_outside_quiet_hours(
    at: datetime, zone: str, period: tuple[time, time]
) -> None:
    q = QuietHours(start=period[0], end=period[1])
    allowed = q.next_allowed(at, zone)
    assert allowed >= at
    assert not _quiet_at(q, allowed, zone)
    if allowed == at:
        assert allowed is at
        return
    assert allowed.tzinfo is UTC
    assert allowed - at < timedelta(days=2)
    # Quiet all the way from ``at`` to just before ``allowed``.
    span = allowed - at
    for k in range(21):
        probe = at + span * k / 21
        assert _quiet_at(q, probe, zone), probe
    assert _quiet_at(q, allowed - timedelta(microseconds=1), zone)


# ============================================================ delivery plan

AT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # 15:00 in London, outside the night
NIGHT_AT = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
PHONE = Identity(kind="phone", value="+447700900123")
EMAIL = Identity(kind="email", value="ada@example.com")
HANDLE = Identity(kind="social", platform="twitter", value="@ada")
YES, NO = ContactConsent(granted=True), ContactConsent(granted=False)


def customer(**fields: object) -> Customer:
    base: dict[str, object] = {"id": "c1", "time_zone": "Europe/London"}
    base.update(fields)
    return Customer(**base)  # type: ignore[arg-type]


def test_a_present_customer_hears_on_the_conversation_channel() -> None:
    c = customer(preferred_channels=["email"], identities=[EMAIL], consent={"email": YES})
    plan = plan_delivery(
        c, at=NIGHT_AT, conversation_channel="chat", customer_present=True, quiet_hours=NIGHT
    )
    assert plan == DeliveryPlan(
        "chat", None, None, ("chat: the customer is present in this conversation",)
    )
    assert not plan.held


def test_present_on_sms_is_addressed_to_the_phone() -> None:
    c = customer(identities=[PHONE])
    plan = plan_delivery(c, at=AT, conversation_channel="sms", customer_present=True)
    assert (plan.channel, plan.to, plan.not_before) == ("sms", "+447700900123", None)


def test_present_on_a_public_post_a_move_notice_goes_there_an_update_does_not() -> None:
    c = customer(identities=[HANDLE, EMAIL], consent={"email": YES})
    moving = plan_delivery(
        c, at=AT, conversation_channel="social_public", customer_present=True, kind="move"
    )
    assert (moving.channel, moving.to, moving.platform) == ("social_public", "@ada", "twitter")
    update = plan_delivery(c, at=AT, conversation_channel="social_public", customer_present=True)
    assert update.channel == "email"
    assert update.reasons[0] == "social_public: public channel, never used for an update"


def test_away_the_first_preferred_channel_with_consent_and_address_wins() -> None:
    c = customer(
        preferred_channels=["whatsapp", "email"],
        identities=[PHONE, EMAIL],
        consent={"whatsapp": YES, "email": YES},
    )
    plan = plan_delivery(c, at=AT, conversation_channel="chat", customer_present=False)
    assert (plan.channel, plan.to) == ("whatsapp", "+447700900123")
    assert plan.reasons == ("whatsapp: preferred channel #1, consent granted",)


def test_refused_consent_is_never_used() -> None:
    c = customer(
        preferred_channels=["sms", "email"],
        identities=[PHONE, EMAIL],
        consent={"sms": NO, "email": YES},
    )
    plan = plan_delivery(c, at=AT, conversation_channel="sms", customer_present=False)
    assert plan.channel == "email"
    assert plan.reasons[0] == "sms: no consent (refused)"


def test_consent_never_asked_only_on_the_conversation_channel() -> None:
    c = customer(preferred_channels=["sms", "whatsapp"], identities=[PHONE])
    plan = plan_delivery(c, at=AT, conversation_channel="whatsapp", customer_present=False)
    assert plan.channel == "whatsapp"
    assert plan.reasons == (
        "sms: no consent (never asked)",
        "whatsapp: preferred channel #2, used by the customer for this conversation",
    )


def test_no_address_skips_the_channel() -> None:
    c = customer(
        preferred_channels=["email", "sms"], identities=[PHONE], consent={"email": YES, "sms": YES}
    )
    plan = plan_delivery(c, at=AT, conversation_channel="chat", customer_present=False)
    assert plan.channel == "sms"
    assert plan.reasons[0] == "email: no address (no email identity)"


def test_live_phone_public_and_web_channels_do_not_carry_notices() -> None:
    c = customer(
        preferred_channels=["chat", "phone", "social_public", "web", "video", "email"],
        identities=[PHONE, EMAIL, HANDLE],
        consent=dict.fromkeys(("chat", "phone", "social_public", "web", "video", "email"), YES),
    )
    plan = plan_delivery(c, at=AT, conversation_channel="chat", customer_present=False)
    assert plan.channel == "email"
    assert plan.reasons == (
        "chat: live channel, cannot reach an absent customer",
        "phone: calls are not used for notices",
        "social_public: public channel, never used for an update",
        "web: a web form cannot carry a notice",
        "video: live channel, cannot reach an absent customer",
        "email: preferred channel #6, consent granted",
    )


def test_fallback_order_is_conversation_channel_then_email_then_sms() -> None:
    c = customer(identities=[PHONE, EMAIL], consent={"email": YES, "sms": YES})
    plan = plan_delivery(c, at=AT, conversation_channel="chat", customer_present=False)
    assert plan.channel == "email"
    assert plan.reasons[-1] == "email: email address on file, consent granted"
    no_email = customer(identities=[PHONE], consent={"sms": YES})
    plan = plan_delivery(no_email, at=AT, conversation_channel=None, customer_present=False)
    assert plan.channel == "sms"
    assert plan.reasons[-1] == "sms: phone number on file, consent granted"


def test_nothing_usable_is_held() -> None:
    c = customer(preferred_channels=["sms"], identities=[PHONE], consent={"sms": NO})
    plan = plan_delivery(c, at=AT, conversation_channel="chat", customer_present=False)
    assert plan.held
    assert (plan.channel, plan.to, plan.not_before) == (None, None, None)
    assert plan.reasons == (
        "sms: no consent (refused)",
        "chat: live channel, cannot reach an absent customer",
        "email: no consent (never asked)",
        "held: no usable channel",
    )


def test_quiet_hours_defer_an_interruptive_channel() -> None:
    c = customer(preferred_channels=["sms"], identities=[PHONE], consent={"sms": YES})
    plan = plan_delivery(
        c, at=NIGHT_AT, conversation_channel="chat", customer_present=False, quiet_hours=NIGHT
    )
    assert (plan.channel, plan.to) == ("sms", "+447700900123")
    assert plan.not_before == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    assert plan.reasons[-1] == "sms: quiet hours until 08:00 Europe/London"
    summer = customer(
        preferred_channels=["sms"],
        identities=[PHONE],
        consent={"sms": YES},
        time_zone="America/New_York",
    )
    at = datetime(2026, 7, 6, 3, 0, tzinfo=UTC)  # 23:00 EDT
    plan = plan_delivery(
        summer, at=at, conversation_channel=None, customer_present=False, quiet_hours=NIGHT
    )
    assert plan.not_before == datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    assert plan.reasons[-1] == "sms: quiet hours until 08:00 America/New_York"


def test_quiet_hours_leave_email_and_daytime_alone() -> None:
    c = customer(preferred_channels=["email"], identities=[EMAIL], consent={"email": YES})
    plan = plan_delivery(
        c, at=NIGHT_AT, conversation_channel="chat", customer_present=False, quiet_hours=NIGHT
    )
    assert (plan.channel, plan.not_before) == ("email", None)
    texts = customer(preferred_channels=["sms"], identities=[PHONE], consent={"sms": YES})
    plan = plan_delivery(
        texts, at=AT, conversation_channel="chat", customer_present=False, quiet_hours=NIGHT
    )
    assert (plan.channel, plan.not_before) == ("sms", None)


def test_an_unknown_time_zone_is_never_guessed() -> None:
    c = customer(
        time_zone=None,
        preferred_channels=["sms", "email"],
        identities=[PHONE, EMAIL],
        consent={"sms": YES, "email": YES},
    )
    plan = plan_delivery(
        c, at=AT, conversation_channel="chat", customer_present=False, quiet_hours=NIGHT
    )
    assert plan.channel == "email"
    assert plan.reasons[0] == "sms: time zone unknown"
    only_sms = customer(
        time_zone=None, preferred_channels=["sms"], identities=[PHONE], consent={"sms": YES}
    )
    plan = plan_delivery(
        only_sms, at=AT, conversation_channel="chat", customer_present=False, quiet_hours=NIGHT
    )
    assert plan.held
    assert "sms: time zone unknown" in plan.reasons
    # Without quiet hours the zone is not needed.
    plan = plan_delivery(only_sms, at=AT, conversation_channel="chat", customer_present=False)
    assert plan.channel == "sms"


def test_app_and_custom_channels_need_no_address() -> None:
    kiosk = ChannelProfile(name="kiosk_msg", mode="async")
    registry = BUILTIN_CHANNELS.with_channels(kiosk)
    c = customer(preferred_channels=["app"], consent={"app": YES})
    plan = plan_delivery(c, at=AT, conversation_channel="chat", customer_present=False)
    assert (plan.channel, plan.to) == ("app", None)
    plan = plan_delivery(
        customer(),
        at=AT,
        conversation_channel="kiosk_msg",
        customer_present=False,
        channels=registry,
    )
    assert (plan.channel, plan.to) == ("kiosk_msg", None)


def test_social_private_goes_to_the_handle_and_verified_identities_come_first() -> None:
    c = customer(
        preferred_channels=["social_private", "sms"],
        identities=[
            HANDLE,
            Identity(kind="phone", value="+447700900999"),
            Identity(kind="phone", value="+447700900123", verified=True),
        ],
        consent={"social_private": YES, "sms": YES},
    )
    plan = plan_delivery(c, at=AT, conversation_channel=None, customer_present=False)
    assert (plan.channel, plan.to, plan.platform) == ("social_private", "@ada", "twitter")
    plan = plan_delivery(
        c.model_copy(update={"preferred_channels": ("sms",)}),
        at=AT,
        conversation_channel=None,
        customer_present=False,
    )
    assert plan.to == "+447700900123"


def test_plan_validation() -> None:
    c = customer()
    with pytest.raises(InvalidInput) as err:
        plan_delivery(
            c, at=datetime(2026, 1, 5, 9), conversation_channel="chat", customer_present=False
        )
    assert err.value.field == "at"
    with pytest.raises(UnknownChannel) as unknown:
        plan_delivery(c, at=AT, conversation_channel="pager", customer_present=False)
    assert unknown.value.field == "conversation_channel"
    with pytest.raises(InvalidInput) as err:
        plan_delivery(c, at=AT, conversation_channel=None, customer_present=True)
    assert err.value.field == "conversation_channel"


channel_choices = st.lists(
    st.sampled_from(["sms", "whatsapp", "email", "app", "chat", "phone", "social_private"]),
    unique=True,
    max_size=4,
)
consents = st.dictionaries(
    st.sampled_from(["sms", "whatsapp", "email", "app", "social_private"]),
    st.builds(ContactConsent, granted=st.booleans()),
)


@given(
    instants,
    st.sampled_from([*ZONES, None]),
    quiet_hours,
    channel_choices,
    consents,
    st.sampled_from([None, "chat", "sms", "whatsapp", "email"]),
)
def test_a_plan_is_never_inside_quiet_hours_nor_before_at(
    at: datetime,
    zone: str | None,
    period: tuple[time, time],
    preferred: list[str],
    consent: dict[str, ContactConsent],
    conversation: str | None,
) -> None:
    q = QuietHours(start=period[0], end=period[1])
    c = customer(
        time_zone=zone,
        preferred_channels=preferred,
        consent=consent,
        identities=[PHONE, EMAIL, HANDLE],
    )
    plan = plan_delivery(
        c, at=at, conversation_channel=conversation, customer_present=False, quiet_hours=q
    )
    if plan.held:
        assert plan.reasons[-1] == "held: no usable channel"
        return
    assert plan.channel is not None
    assert plan.channel not in {"phone", "chat", "social_public"}
    assert c.may_contact(plan.channel) is True or (
        c.may_contact(plan.channel) is None and plan.channel == conversation
    )
    if q.applies_to(plan.channel):
        assert zone is not None
        sent = plan.not_before or at
        assert sent >= at
        assert not _quiet_at(q, sent, zone)
    else:
        assert plan.not_before is None


def test_a_naive_datetime_zone_mix_is_rejected_for_timezone_objects() -> None:
    # A fixed-offset tzinfo is aware and accepted for ``at``.
    at = datetime(2026, 1, 5, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert NIGHT.next_allowed(at, "America/New_York") == datetime(2026, 1, 6, 13, 0, tzinfo=UTC)

"""Built-in channels, their profiles, registries and the registry in force."""

from __future__ import annotations

import asyncio
import json
import threading

import attrs
import pytest

from omnicontext.errors import InvalidInput, UnknownChannel
from omnicontext.model import (
    BUILTIN_CHANNELS,
    Agent,
    Assurance,
    Case,
    Channel,
    ChannelMode,
    ChannelProfile,
    ChannelRegistry,
    Customer,
    Message,
    Visibility,
    current_channels,
    parse_interaction,
    use_channels,
)
from omnicontext.testing import factories as f

BUILTIN_NAMES = (
    "app",
    "chat",
    "email",
    "in_person",
    "phone",
    "sms",
    "social_private",
    "social_public",
    "video",
    "web",
    "whatsapp",
)

LINE = ChannelProfile(name="line", mode="async", max_message_length=5000)
KIOSK = ChannelProfile(name="kiosk", mode="live", identity_assurance=Assurance.NONE)


MESSAGE: dict[str, object] = {
    "id": "m1",
    "type": "message",
    "occurred_at": "2026-01-05T09:00:00Z",
    "channel": "chat",
    "customer_id": "cus_1",
    "actor": "customer",
    "direction": "inbound",
    "body": "Hello",
}


def _message_on(channel: str) -> dict[str, object]:
    return MESSAGE | {"channel": channel}


# -- the built-in channels -----------------------------------------------------------------------


def test_there_are_eleven_builtin_channels() -> None:
    assert len(BUILTIN_CHANNELS) == 11
    assert BUILTIN_CHANNELS.names() == BUILTIN_NAMES
    assert sorted(c.value for c in Channel) == list(BUILTIN_NAMES)
    assert set(BUILTIN_CHANNELS) == set(BUILTIN_NAMES)


def test_channel_members_are_plain_strings() -> None:
    assert isinstance(Channel.EMAIL, str)
    assert {"email": 1, "social_public": 2}[Channel.SOCIAL_PUBLIC] == 2
    assert f"{Channel.EMAIL}" == "email"
    assert json.dumps([Channel.SOCIAL_PUBLIC]) == '["social_public"]'
    assert Channel.IN_PERSON in BUILTIN_CHANNELS
    assert BUILTIN_CHANNELS[Channel.PHONE].name == "phone"


@pytest.mark.parametrize(
    ("name", "mode", "visibility", "limit", "assurance"),
    [
        ("email", "async", "private", None, Assurance.MEDIUM),
        ("chat", "live", "private", None, Assurance.LOW),
        ("phone", "live", "private", None, Assurance.MEDIUM),
        ("sms", "async", "private", 160, Assurance.MEDIUM),
        ("whatsapp", "async", "private", 4096, Assurance.MEDIUM),
        ("social_public", "async", "public", 280, Assurance.LOW),
        ("social_private", "async", "private", 10000, Assurance.LOW),
        ("web", "async", "private", None, Assurance.NONE),
        ("app", "async", "private", None, Assurance.HIGH),
        ("in_person", "live", "private", None, Assurance.HIGH),
        ("video", "live", "private", None, Assurance.MEDIUM),
    ],
)
def test_builtin_profile(
    name: str, mode: str, visibility: str, limit: int | None, assurance: Assurance
) -> None:
    profile = BUILTIN_CHANNELS[name]
    assert profile.name == name
    assert profile.mode is ChannelMode(mode)
    assert profile.visibility is Visibility(visibility)
    assert profile.is_live is (mode == "live")
    assert profile.is_public is (visibility == "public")
    assert profile.max_message_length == limit
    assert profile.identity_assurance is assurance
    assert profile.description


def test_only_social_public_is_public() -> None:
    public = [name for name, p in BUILTIN_CHANNELS.items() if p.is_public]
    assert public == ["social_public"]


def test_live_channels() -> None:
    live = sorted(name for name, p in BUILTIN_CHANNELS.items() if p.is_live)
    assert live == ["chat", "in_person", "phone", "video"]


def test_assurance_is_ordered_weakest_first() -> None:
    assert Assurance.NONE < Assurance.LOW < Assurance.MEDIUM < Assurance.HIGH
    assert max(BUILTIN_CHANNELS["web"].identity_assurance, Assurance.LOW) is Assurance.LOW


# -- profiles ------------------------------------------------------------------------------------


def test_profile_defaults() -> None:
    profile = ChannelProfile(name="fax", mode="async")
    assert profile.visibility is Visibility.PRIVATE
    assert profile.max_message_length is None
    assert profile.identity_assurance is Assurance.LOW
    assert profile.description == ""
    assert (profile.is_live, profile.is_public) == (False, False)


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"name": "Bad Name", "mode": "live"}, "name", "Bad Name"),
        ({"name": "9lives", "mode": "live"}, "name", "9lives"),
        ({"name": "", "mode": "live"}, "name", ""),
        ({"name": "x" * 65, "mode": "live"}, "name", "x" * 65),
        ({"name": "fax"}, "mode", None),
        ({"name": "fax", "mode": "sometimes"}, "mode", "sometimes"),
        ({"name": "fax", "mode": "live", "visibility": "secret"}, "visibility", "secret"),
        ({"name": "fax", "mode": "live", "max_message_length": 0}, "max_message_length", 0),
        ({"name": "fax", "mode": "live", "identity_assurance": 7}, "identity_assurance", 7),
        ({"name": "fax", "mode": "live", "colour": "red"}, "colour", "red"),
    ],
)
def test_bad_profiles_are_rejected(fields: dict[str, object], field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        ChannelProfile.parse(fields)
    assert caught.value.subject == "channel profile"
    assert caught.value.field == field
    assert caught.value.value == value


def test_longest_allowed_profile_name() -> None:
    assert ChannelProfile(name="a" + "b_9" * 21, mode="live").name == "a" + "b_9" * 21


# -- registries ----------------------------------------------------------------------------------


def test_registry_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        BUILTIN_CHANNELS._profiles = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        BUILTIN_CHANNELS["line"] = LINE  # type: ignore[index]
    with pytest.raises(TypeError):
        del BUILTIN_CHANNELS["chat"]  # type: ignore[attr-defined]
    assert len(BUILTIN_CHANNELS) == 11


def test_with_channels_adds_without_touching_the_original() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE, KIOSK)
    assert mine is not BUILTIN_CHANNELS
    assert mine.names() == tuple(sorted((*BUILTIN_NAMES, "kiosk", "line")))
    assert mine["line"] is LINE
    assert mine["kiosk"].is_live
    assert "line" not in BUILTIN_CHANNELS
    assert BUILTIN_CHANNELS.names() == BUILTIN_NAMES


def test_with_channels_accepts_an_identical_profile_again() -> None:
    again = BUILTIN_CHANNELS.with_channels(BUILTIN_CHANNELS["chat"])
    assert again == BUILTIN_CHANNELS
    assert again.with_channels(LINE).with_channels(LINE)["line"] == LINE


def test_redefining_a_channel_needs_replace() -> None:
    async_chat = ChannelProfile(name="chat", mode="async")
    with pytest.raises(InvalidInput) as caught:
        BUILTIN_CHANNELS.with_channels(async_chat)
    assert caught.value.subject == "channel registry"
    assert caught.value.field == "name"
    assert caught.value.value == "chat"
    assert "replace=True" in str(caught.value)
    assert BUILTIN_CHANNELS["chat"].is_live


def test_replace_redefines_a_channel() -> None:
    async_chat = ChannelProfile(name="chat", mode="async")
    mine = BUILTIN_CHANNELS.with_channels(async_chat, replace=True)
    assert mine["chat"] is async_chat
    assert not mine["chat"].is_live
    assert len(mine) == 11
    assert BUILTIN_CHANNELS["chat"].is_live


def test_of_rejects_a_name_given_twice() -> None:
    with pytest.raises(InvalidInput) as caught:
        ChannelRegistry.of([LINE, ChannelProfile(name="line", mode="live")])
    assert (caught.value.field, caught.value.value) == ("name", "line")
    assert caught.value.errors[0].reason == "registered twice"


def test_of_builds_an_independent_registry() -> None:
    profiles = [LINE, KIOSK]
    reg = ChannelRegistry.of(profiles)
    profiles.append(ChannelProfile(name="fax", mode="async"))
    assert reg.names() == ("kiosk", "line")
    assert ChannelRegistry.of([]).names() == ()


def test_registry_does_not_share_the_callers_mapping() -> None:
    table = {"line": LINE}
    reg = ChannelRegistry(profiles=table)
    table["kiosk"] = KIOSK
    assert "kiosk" not in reg


def test_unknown_channel_lists_the_known_names() -> None:
    with pytest.raises(UnknownChannel) as caught:
        BUILTIN_CHANNELS["pager"]
    err = caught.value
    assert isinstance(err, InvalidInput)
    assert err.known == BUILTIN_NAMES
    assert (err.field, err.value) == ("channel", "pager")
    assert str(err) == (
        "invalid channel: channel='pager': unknown channel (known channels: "
        + ", ".join(BUILTIN_NAMES)
        + ")"
    )


def test_unknown_channel_of_an_extended_registry_lists_its_own_names() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE)
    with pytest.raises(UnknownChannel) as caught:
        mine["pager"]
    assert "line" in caught.value.known
    assert len(caught.value.known) == 12


def test_registry_membership() -> None:
    assert "chat" in BUILTIN_CHANNELS
    assert "pager" not in BUILTIN_CHANNELS
    number: object = 42
    assert number not in BUILTIN_CHANNELS


def test_mapping_get_returns_the_default_for_an_unknown_name() -> None:
    assert BUILTIN_CHANNELS.get("pager") is None


def test_mapping_get_finds_a_known_name() -> None:
    assert BUILTIN_CHANNELS.get("sms") == BUILTIN_CHANNELS["sms"]


# -- the registry in force -----------------------------------------------------------------------


def test_builtin_registry_is_in_force_by_default() -> None:
    assert current_channels() is BUILTIN_CHANNELS


def test_unknown_channel_is_rejected_by_default() -> None:
    with pytest.raises(UnknownChannel) as caught:
        parse_interaction(_message_on("line"))
    assert caught.value.errors[0].field == "channel"
    assert caught.value.errors[0].value == "line"
    assert caught.value.known == BUILTIN_NAMES


def test_use_channels_validates_against_the_registry_and_restores_after() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE)
    with use_channels(mine) as active:
        assert active is mine
        assert current_channels() is mine
        assert parse_interaction(_message_on("line")).channel == "line"
    assert current_channels() is BUILTIN_CHANNELS
    with pytest.raises(UnknownChannel):
        parse_interaction(_message_on("line"))


def test_use_channels_restores_after_an_exception() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE)
    with pytest.raises(RuntimeError), use_channels(mine):
        raise RuntimeError("boom")
    assert current_channels() is BUILTIN_CHANNELS


def test_use_channels_nests() -> None:
    outer = BUILTIN_CHANNELS.with_channels(LINE)
    inner = outer.with_channels(KIOSK)
    with use_channels(outer):
        with use_channels(inner):
            assert current_channels() is inner
        assert current_channels() is outer
    assert current_channels() is BUILTIN_CHANNELS


def test_a_registry_without_a_builtin_rejects_it() -> None:
    only_line = ChannelRegistry.of([LINE])
    with use_channels(only_line), pytest.raises(UnknownChannel) as caught:
        parse_interaction(_message_on("chat"))
    assert caught.value.known == ("line",)


def test_explicit_registry_wins_over_the_one_in_force() -> None:
    with use_channels(ChannelRegistry.of([KIOSK])):
        assert parse_interaction(_message_on("line"), channels=ChannelRegistry.of([LINE])).channel
        with pytest.raises(UnknownChannel):
            parse_interaction(_message_on("kiosk"), channels=ChannelRegistry.of([LINE]))


def test_use_channels_does_not_leak_into_other_threads() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE)
    seen: dict[str, object] = {}

    def look() -> None:
        seen["registry"] = current_channels()
        try:
            parse_interaction(_message_on("line"))
        except UnknownChannel as exc:
            seen["error"] = exc

    with use_channels(mine):
        worker = threading.Thread(target=look)
        worker.start()
        worker.join()
        assert current_channels() is mine
    assert seen["registry"] is BUILTIN_CHANNELS
    assert isinstance(seen["error"], UnknownChannel)


def test_threads_with_different_registries_do_not_interfere() -> None:
    barrier = threading.Barrier(2, timeout=10)
    results: dict[str, tuple[str, bool]] = {}

    def work(profile: ChannelProfile, other: str) -> None:
        with use_channels(BUILTIN_CHANNELS.with_channels(profile)):
            barrier.wait()  # both registries are installed now
            own = parse_interaction(_message_on(profile.name)).channel
            try:
                parse_interaction(_message_on(other))
                rejected = False
            except UnknownChannel:
                rejected = True
            barrier.wait()
        results[profile.name] = (own, rejected)

    threads = [
        threading.Thread(target=work, args=(LINE, "kiosk")),
        threading.Thread(target=work, args=(KIOSK, "line")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"line": ("line", True), "kiosk": ("kiosk", True)}


def test_tasks_with_different_registries_do_not_interfere() -> None:
    async def work(profile: ChannelProfile) -> tuple[str, ...]:
        with use_channels(BUILTIN_CHANNELS.with_channels(profile)):
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return tuple(n for n in current_channels() if n not in BUILTIN_NAMES)

    async def main() -> list[tuple[str, ...]]:
        return list(await asyncio.gather(work(LINE), work(KIOSK)))

    assert asyncio.run(main()) == [("line",), ("kiosk",)]
    assert current_channels() is BUILTIN_CHANNELS


# -- every channel field honours the registry ----------------------------------------------------


def test_custom_channel_validates_in_every_model() -> None:
    mine = BUILTIN_CHANNELS.with_channels(LINE)
    with use_channels(mine):
        msg = Message(**_message_on("line"))
        customer = Customer(id="c1", consent={"line": {"granted": True}})
        agent = Agent(id="a1", channels=["line", "chat"])
        handoff = f.handoff("h1", from_channel="chat", to_channel="line")
        checkpoint_case = Case.parse(
            f.case().to_dict()
            | {"checkpoints": [{"name": "form", "done_at": f.T0, "channel": "line"}]}
        )
    assert msg.channel == "line"
    assert customer.may_contact("line") is True
    assert agent.serves("line")
    assert (handoff.from_channel, handoff.to_channel, handoff.channel) == ("chat", "line", "line")
    assert checkpoint_case.checkpoints[0].channel == "line"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Customer(id="c1", consent={"line": {"granted": True}}),
        lambda: Agent(id="a1", channels=["chat", "line"]),
        lambda: f.handoff("h1", from_channel="chat", to_channel="line"),
        lambda: f.message("m1", channel="line"),
    ],
    ids=["consent", "agent", "handoff", "message"],
)
def test_custom_channel_is_rejected_outside_its_registry(build: object) -> None:
    with pytest.raises(UnknownChannel) as caught:
        build()  # type: ignore[operator]
    assert caught.value.value == "line"
    assert caught.value.known == BUILTIN_NAMES


def test_context_none_accepts_any_well_formed_name_but_not_a_malformed_one() -> None:
    assert Message.parse(_message_on("line"), context={"channels": None}).channel == "line"
    with pytest.raises(InvalidInput) as caught:
        Message.parse(_message_on("Line!"), context={"channels": None})
    assert not isinstance(caught.value, UnknownChannel)
    assert (caught.value.field, caught.value.value) == ("channel", "Line!")


def test_malformed_name_is_invalid_not_unknown() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_interaction(_message_on("Social Public"))
    assert type(caught.value) is InvalidInput
    assert (caught.value.field, caught.value.value) == ("channel", "Social Public")


def test_mapping_get_returns_a_given_default() -> None:
    assert BUILTIN_CHANNELS.get("pager", BUILTIN_CHANNELS["sms"]) is BUILTIN_CHANNELS["sms"]

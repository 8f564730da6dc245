"""Register a channel of your own (a LINE account) and validate records on it.

Run it: ``python examples/custom_channel.py``.
"""

from __future__ import annotations

from omnicontext import UnknownChannel, parse_interaction
from omnicontext.model import BUILTIN_CHANNELS, Assurance, ChannelProfile, use_channels

LINE = ChannelProfile(
    name="line",
    mode="async",
    max_message_length=5000,
    identity_assurance=Assurance.MEDIUM,
    description="LINE official account",
)
CHANNELS = BUILTIN_CHANNELS.with_channels(LINE)

RECORD = {
    "id": "line-1",
    "type": "message",
    "occurred_at": "2026-01-05T18:00:00+09:00",
    "channel": "line",
    "customer_id": "cus_jp_1",
    "actor": "customer",
    "direction": "inbound",
    "body": "カードが使えません",
}


def main() -> None:
    try:
        parse_interaction(RECORD)  # the built-in registry does not know "line"
    except UnknownChannel as exc:
        print(f"unknown without registration: {exc.value!r}; known: {len(exc.known)} channels")

    message = parse_interaction(RECORD, channels=CHANNELS)  # explicit registry
    print(f"accepted with channels=: {message.channel}")

    with use_channels(CHANNELS):  # or for a whole block of code
        again = parse_interaction(RECORD)
    print(f"accepted inside use_channels: {again.channel}, live={CHANNELS['line'].is_live}")


if __name__ == "__main__":
    main()

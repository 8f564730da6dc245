"""Agent presence: whether an agent can be offered work right now."""

from __future__ import annotations

import enum

__all__ = ["Presence"]


class Presence(enum.StrEnum):
    """An agent's presence.

    Only ``available`` agents are offered work. ``busy`` is set by the agent
    (do not disturb, in a meeting) and keeps the work they hold; ``away``
    (break) keeps held work too; ``offline`` hands back every offer they had not
    yet accepted. Members are plain strings: ``Presence.AWAY == "away"``.
    """

    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"

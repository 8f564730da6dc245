"""The capacity ledger: who holds what, with check-and-reserve in one step.

Routers in several processes of a helpdesk route against one ledger. The
ledger is the only place that decides whether an agent has room: ``reserve``
checks the agent's holdings against their :class:`CapacityProfile` and records
the new holding atomically, and refuses an item somebody already holds. So no
agent is ever above capacity and no item is ever given to two agents, however
many routers race.

:class:`MemoryLedger` serves one process; :class:`~omnicontext.routing.SQLiteLedger`
serves many processes on one machine. Write your own (Redis, PostgreSQL) by
implementing :class:`CapacityLedger` and running
:class:`omnicontext.testing.LedgerContract` against it.

>>> from datetime import datetime, timezone
>>> now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> ledger = MemoryLedger()
>>> profile = CapacityProfile.default()
>>> ledger.reserve("ag_1", "it_1", "phone", profile, now=now).item_id
'it_1'
>>> ledger.reserve("ag_1", "it_2", "chat", profile, now=now)
Refused(reason='busy with phone live work (it_1)', holder=None)
>>> ledger.reserve("ag_2", "it_1", "phone", profile, now=now)
Refused(reason="item 'it_1' is held by agent 'ag_1'", holder='ag_1')
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs
from pydantic import TypeAdapter, ValidationError

from omnicontext.errors import FieldError, InvalidInput, NotFound
from omnicontext.model._types import Id
from omnicontext.routing.capacity import CapacityProfile, Holding

__all__ = ["CapacityLedger", "MemoryLedger", "Refused"]


_ID: TypeAdapter[str] = TypeAdapter(Id)


def check_time(value: object, field: str, subject: str) -> datetime:
    """``value`` if it is a timezone-aware datetime; otherwise
    :class:`~omnicontext.errors.InvalidInput` naming ``field`` (never guessed)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(
            subject,
            [FieldError(field, value, "must be a timezone-aware datetime (never guessed)")],
        )
    return value


def check_id(value: object, field: str, subject: str) -> str:
    """``value`` if it is a valid id (1-256 characters, trimmed, encodable)."""
    if (
        type(value) is str
        and 0 < len(value) <= 256
        and not value[0].isspace()
        and not value[-1].isspace()
        and value.isascii()
        and "\n" not in value
    ):
        return value  # the usual id, without the full validator's cost
    try:
        checked = _ID.validate_python(value, strict=True)
        checked.encode("utf-8")
    except (ValidationError, UnicodeEncodeError):
        raise InvalidInput(
            subject,
            [FieldError(field, value, "must be a string of 1-256 characters, trimmed")],
        ) from None
    return checked


def check_reservation(
    agent_id: object, item_id: object, channel: object, profile: object, now: object
) -> None:
    """The argument checks every ledger's ``reserve`` makes, in one place."""
    subject = "reservation"
    check_id(agent_id, "agent_id", subject)
    check_id(item_id, "item_id", subject)
    if not isinstance(channel, str) or not channel:
        raise InvalidInput(subject, [FieldError("channel", channel, "must be a channel name")])
    if not isinstance(profile, CapacityProfile):
        raise InvalidInput(subject, [FieldError("profile", profile, "must be a CapacityProfile")])
    check_time(now, "now", subject)


@attrs.frozen
class Refused:
    """A reservation the ledger turned down: why, and who holds the item if anyone."""

    reason: str
    holder: str | None = None


@runtime_checkable
class CapacityLedger(Protocol):
    """Where holdings live. Every method is atomic on its own.

    Implementations must make :meth:`reserve` a single atomic step against
    every other process using the same ledger.
    """

    def reserve(
        self,
        agent_id: str,
        item_id: str,
        channel: str,
        profile: CapacityProfile,
        *,
        now: datetime,
    ) -> Holding | Refused:
        """Hold ``item_id`` for ``agent_id`` if it fits ``profile`` at ``now``.

        Returns the new :class:`Holding`, or :class:`Refused` when the agent has
        no room (the profile's reason) or another agent holds the item. An item
        the same agent already holds is returned as it is (idempotent).
        """
        ...

    def release(self, item_id: str) -> Holding | None:
        """Drop the holding of ``item_id`` (offer declined, agent gone, work
        done with no wrap-up). Returns what was dropped, ``None`` if nothing."""
        ...

    def finish(self, item_id: str, *, until: datetime) -> Holding:
        """The work on ``item_id`` ended: keep it held through wrap-up until
        ``until``, after which it no longer counts. Raises
        :class:`~omnicontext.errors.NotFound` when nobody holds the item."""
        ...

    def holdings(self, agent_id: str, *, now: datetime) -> tuple[Holding, ...]:
        """What ``agent_id`` holds at ``now``, oldest first; lapsed wrap-ups excluded."""
        ...

    def holder(self, item_id: str) -> str | None:
        """The agent holding ``item_id``, or ``None``."""
        ...

    def scan(self, *, now: datetime) -> Iterator[Holding]:
        """Every live holding at ``now``, by agent then age."""
        ...


class MemoryLedger:
    """A :class:`CapacityLedger` in this process's memory, safe across threads.

    Lapsed wrap-ups are purged as they are met, so memory stays proportional
    to the work currently held.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_item: dict[str, Holding] = {}
        self._by_agent: dict[str, dict[str, Holding]] = {}

    def reserve(
        self,
        agent_id: str,
        item_id: str,
        channel: str,
        profile: CapacityProfile,
        *,
        now: datetime,
    ) -> Holding | Refused:
        """See :meth:`CapacityLedger.reserve`."""
        check_reservation(agent_id, item_id, channel, profile, now)
        with self._lock:
            held = self._by_item.get(item_id)
            if held is not None and held.active(now):
                if held.agent_id == agent_id:
                    return held
                return Refused(
                    f"item {item_id!r} is held by agent {held.agent_id!r}", held.agent_id
                )
            if held is not None:
                self._drop(held)
            mine = self._live(agent_id, now)
            reason = profile.refusal(mine, channel, now=now)
            if reason is not None:
                return Refused(reason)
            holding = profile.holding(agent_id=agent_id, item_id=item_id, channel=channel)
            self._by_item[item_id] = holding
            self._by_agent.setdefault(agent_id, {})[item_id] = holding
            return holding

    def release(self, item_id: str) -> Holding | None:
        """See :meth:`CapacityLedger.release`."""
        with self._lock:
            held = self._by_item.get(item_id)
            if held is not None:
                self._drop(held)
            return held

    def finish(self, item_id: str, *, until: datetime) -> Holding:
        """See :meth:`CapacityLedger.finish`."""
        check_time(until, "until", "holding")
        with self._lock:
            held = self._by_item.get(item_id)
            if held is None:
                raise NotFound("holding", item_id)
            done = attrs.evolve(held, until=until)
            self._by_item[item_id] = done
            self._by_agent[held.agent_id][item_id] = done
            return done

    def holdings(self, agent_id: str, *, now: datetime) -> tuple[Holding, ...]:
        """See :meth:`CapacityLedger.holdings`."""
        check_time(now, "now", "query")
        with self._lock:
            return tuple(self._live(agent_id, now))

    def holder(self, item_id: str) -> str | None:
        """See :meth:`CapacityLedger.holder`."""
        held = self._by_item.get(item_id)
        return None if held is None else held.agent_id

    def scan(self, *, now: datetime) -> Iterator[Holding]:
        """See :meth:`CapacityLedger.scan`."""
        check_time(now, "now", "query")
        with self._lock:
            rows = [h for agent in sorted(self._by_agent) for h in self._live(agent, now)]
        return iter(rows)

    def _live(self, agent_id: str, now: datetime) -> list[Holding]:
        mine = self._by_agent.get(agent_id)
        if not mine:
            return []
        lapsed = [h for h in mine.values() if not h.active(now)]
        for h in lapsed:
            self._drop(h)
        return list(mine.values())

    def _drop(self, held: Holding) -> None:
        self._by_item.pop(held.item_id, None)
        mine = self._by_agent.get(held.agent_id)
        if mine is not None:
            mine.pop(held.item_id, None)
            if not mine:
                del self._by_agent[held.agent_id]

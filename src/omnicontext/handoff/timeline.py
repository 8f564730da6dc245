"""One time-ordered view of a customer or a case across channels, and its journey.

A :class:`Timeline` holds interactions in the order they happened (by instant,
ties by id, the stores' own order). Its :meth:`~Timeline.journey` folds the
conversation into channel segments: a run of consecutive customer-facing
records (messages, calls, surveys) on one channel is one segment, so a case
that went ``social_public -> social_private -> chat -> phone`` has four.
Internal records (notes, status changes, assignments, handoffs) stay in the
timeline but never open a segment of their own: a note written in the CRM
while the customer is on the phone is not a channel the customer used.

>>> from datetime import datetime, timedelta, timezone
>>> from omnicontext.model import Message
>>> t0 = datetime(2026, 6, 12, 8, 0, tzinfo=timezone.utc)
>>> def msg(i, channel, minutes):
...     return Message(id=f"m{i}", occurred_at=t0 + timedelta(minutes=minutes),
...                    channel=channel, case_id="c1", actor="customer",
...                    direction="inbound", body="hello")
>>> timeline = Timeline.of([msg(3, "chat", 30), msg(1, "social_public", 0),
...                         msg(2, "social_private", 10), msg(4, "chat", 31)])
>>> [(s.channel, len(s)) for s in timeline.journey()]
[('social_public', 1), ('social_private', 1), ('chat', 2)]
>>> timeline.journey_path()
'social_public -> social_private -> chat'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import Call, Interaction, Message, Survey
from omnicontext.storage import Page, Store

__all__ = [
    "Segment",
    "Timeline",
    "case_timeline",
    "customer_timeline",
    "is_customer_facing",
]

_PAGE = 500


def is_customer_facing(interaction: Interaction) -> bool:
    """True for the records that show the customer on a channel (messages,
    calls, surveys); notes, status changes, assignments and handoffs are not."""
    return isinstance(interaction, (Message, Call, Survey))


def _order(interaction: Interaction) -> tuple[datetime, str]:
    return (interaction.occurred_at, interaction.id)


@attrs.frozen
class Segment:
    """A run of customer-facing records on one channel: one leg of the journey."""

    channel: str
    started_at: datetime
    """When the first record of the run happened."""
    ended_at: datetime
    """When the last record of the run happened (a call's end when it has one)."""
    interaction_ids: tuple[str, ...]
    """The customer-facing records of the run, in order."""
    inbound: int
    """How many of them came from the customer (messages and calls)."""

    def __len__(self) -> int:
        return len(self.interaction_ids)

    @property
    def duration(self) -> timedelta:
        """From the first record of the run to its last."""
        return self.ended_at - self.started_at

    def to_dict(self) -> dict[str, object]:
        """The segment as JSON-ready data (times in ISO-8601)."""
        return {
            "channel": self.channel,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "interactions": len(self.interaction_ids),
            "inbound": self.inbound,
        }


def _end_of(interaction: Interaction) -> datetime:
    if isinstance(interaction, Call) and interaction.ended_at is not None:
        return max(interaction.ended_at, interaction.occurred_at)
    return interaction.occurred_at


def _is_inbound(interaction: Interaction) -> bool:
    return isinstance(interaction, (Message, Call)) and interaction.direction == "inbound"


@attrs.frozen
class Timeline(Sequence[Interaction]):
    """Interactions across channels in the order they happened.

    Build one with :meth:`of` (any iterable, sorted for you), or read one from
    a store with :func:`case_timeline` or :func:`customer_timeline`.
    """

    interactions: tuple[Interaction, ...]

    @classmethod
    def of(cls, interactions: Iterable[Interaction]) -> Timeline:
        """A timeline of ``interactions``, sorted by instant then id.

        An id seen twice is kept once (the stores never hold two records with
        one id, but files and merges of sources can).
        """
        seen: dict[str, Interaction] = {}
        for item in interactions:
            seen.setdefault(item.id, item)
        return cls(tuple(sorted(seen.values(), key=_order)))

    def __len__(self) -> int:
        return len(self.interactions)

    def __getitem__(self, index: int) -> Interaction:  # type: ignore[override]
        return self.interactions[index]

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.interactions)

    @property
    def first_at(self) -> datetime | None:
        """When the first record happened, or ``None`` for an empty timeline."""
        return self.interactions[0].occurred_at if self.interactions else None

    @property
    def last_at(self) -> datetime | None:
        """When the last record happened, or ``None`` for an empty timeline."""
        return self.interactions[-1].occurred_at if self.interactions else None

    def channels(self) -> tuple[str, ...]:
        """Every channel the customer-facing records used, in order of first use."""
        return tuple(dict.fromkeys(i.channel for i in self.interactions if is_customer_facing(i)))

    def journey(self) -> tuple[Segment, ...]:
        """The channel segments of the conversation, in order (see the module)."""
        segments: list[Segment] = []
        run: list[Interaction] = []
        for item in self.interactions:
            if not is_customer_facing(item):
                continue
            if run and item.channel != run[0].channel:
                segments.append(_segment(run))
                run = []
            run.append(item)
        if run:
            segments.append(_segment(run))
        return tuple(segments)

    def journey_path(self, separator: str = " -> ") -> str:
        """The journey as one line: ``"social_public -> social_private -> chat"``."""
        return separator.join(s.channel for s in self.journey())

    def between(self, start: datetime | None = None, end: datetime | None = None) -> Timeline:
        """The records with ``start <= occurred_at < end`` (either bound optional)."""
        return Timeline(
            tuple(
                i
                for i in self.interactions
                if (start is None or i.occurred_at >= start)
                and (end is None or i.occurred_at < end)
            )
        )

    def for_case(self, case_id: str) -> Timeline:
        """The records of one case."""
        return Timeline(tuple(i for i in self.interactions if i.case_id == case_id))


def _segment(run: Sequence[Interaction]) -> Segment:
    return Segment(
        channel=run[0].channel,
        started_at=run[0].occurred_at,
        ended_at=max(_end_of(i) for i in run),
        interaction_ids=tuple(i.id for i in run),
        inbound=sum(1 for i in run if _is_inbound(i)),
    )


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInput("timeline", [FieldError("limit", limit, "must be a positive integer")])


def case_timeline(store: Store, case_id: str, *, limit: int | None = None) -> Timeline:
    """Every record of a case, across channels and customers, read page by page.

    ``limit`` keeps only the latest ``limit`` records (read newest first, so a
    long case costs no more than its tail).
    """
    _check_limit(limit)
    return Timeline.of(_read(store.interactions.case_timeline, case_id, limit))


def customer_timeline(store: Store, customer_id: str, *, limit: int | None = None) -> Timeline:
    """A customer's records on every channel and case, read page by page.

    ``limit`` keeps only the latest ``limit`` records (read newest first).
    """
    _check_limit(limit)
    return Timeline.of(_read(store.interactions.customer_timeline, customer_id, limit))


def _read(
    read: Callable[..., Page[Interaction]], owner: str, limit: int | None
) -> list[Interaction]:
    items: list[Interaction] = []
    cursor: str | None = None
    newest_first = limit is not None
    while True:
        size = _PAGE if limit is None else min(_PAGE, limit - len(items))
        page = read(owner, limit=size, cursor=cursor, newest_first=newest_first)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or (limit is not None and len(items) >= limit):
            return items

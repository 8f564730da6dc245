"""Interactions: the immutable, time-stamped records everything else is built from.

``Interaction`` is a discriminated union on ``type``; each member holds the
common fields plus its own, exactly as the data contract lists them. Its JSON
form, one object per line, is omnicontext's interchange format.

>>> it = parse_interaction({
...     "id": "tw-1", "type": "message", "occurred_at": "2017-10-11T06:55:44+00:00",
...     "channel": "social_public", "customer_id": "cus_1", "actor": "customer",
...     "direction": "inbound", "body": "My card stopped working"})
>>> type(it).__name__, it.occurred_at.isoformat()
('Message', '2017-10-11T06:55:44+00:00')
>>> parse_interaction({**it.to_dict(), "occurred_at": "2017-10-11T06:55:44"})
Traceback (most recent call last):
...
omnicontext.errors.InvalidInput: invalid interaction: occurred_at='2017-10-11T06:55:44': ...
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self, TypeAlias

import pydantic
from pydantic import AwareDatetime, Field, StringConstraints, TypeAdapter, model_validator

from omnicontext.model._base import Model, invalid, translate
from omnicontext.model._types import Id
from omnicontext.model.case import CaseStatus
from omnicontext.model.channels import CONTEXT_KEY, ChannelName, ChannelRegistry
from omnicontext.model.customer import Identity

__all__ = [
    "INTERACTION_TYPES",
    "Actor",
    "Assignment",
    "Call",
    "Direction",
    "Handoff",
    "Interaction",
    "InteractionBase",
    "Message",
    "Note",
    "StatusChange",
    "Survey",
    "interaction_json_schema",
    "parse_interaction",
    "parse_interaction_json",
]


class Actor(enum.StrEnum):
    """Who produced an interaction."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Direction(enum.StrEnum):
    """``inbound``: from the customer to the business; ``outbound``: the reverse."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


_Body = Annotated[str, StringConstraints(min_length=1)]


class InteractionBase(Model):
    """The fields every interaction has. Not used directly: see :data:`Interaction`.

    At least one of ``customer_id``, ``identity`` or ``case_id`` says whose it
    is. ``agent_id`` is required when ``actor`` is ``agent``.
    """

    _subject: ClassVar[str] = "interaction"
    #: Types whose ``agent_id`` may be set whatever the actor (it names the
    #: answering agent of a call, the new owner of an assignment).
    _agent_id_any_actor: ClassVar[bool] = False

    id: Id
    occurred_at: AwareDatetime
    channel: ChannelName
    case_id: Id | None = None
    customer_id: Id | None = None
    identity: Identity | None = None
    """The raw identifier the interaction arrived with, before resolution."""
    actor: Actor
    agent_id: Id | None = None

    @model_validator(mode="after")
    def _check_common(self) -> Self:
        if self.customer_id is None and self.identity is None and self.case_id is None:
            raise invalid("customer_id", "one of customer_id, identity or case_id is required")
        if self.actor is Actor.AGENT and self.agent_id is None:
            raise invalid("agent_id", "agent_id is required when actor is 'agent'")
        if (
            self.agent_id is not None
            and self.actor is not Actor.AGENT
            and not self._agent_id_any_actor
        ):
            raise invalid(
                "agent_id", f"agent_id is only set when actor is 'agent', not {self.actor!s}"
            )
        return self


def _check_direction(direction: Direction, actor: Actor) -> None:
    if direction is Direction.OUTBOUND and actor is Actor.CUSTOMER:
        raise invalid("direction", "an outbound interaction is not sent by the customer")
    if direction is Direction.INBOUND and actor in (Actor.AGENT, Actor.BOT):
        raise invalid(
            "direction", f"an inbound interaction comes from the customer, not a {actor!s}"
        )


class Message(InteractionBase):
    """A written message on any channel.

    An outbound reply written from an approved answer (a macro, a quick text)
    says which one in ``answer_id`` and, when known, which version of it in
    ``answer_version``, so an audit can tell a reply built on an outdated
    version from one that strayed from the catalog.

    >>> reply = Message(id="m2", occurred_at="2026-01-05T09:05:00Z", channel="chat",
    ...     case_id="k1", actor="agent", agent_id="ag_1", direction="outbound",
    ...     body="Refunds take 5 working days.", answer_id="refund-time", answer_version=3)
    >>> reply.answer_id, reply.answer_version
    ('refund-time', 3)
    >>> Message(id="m3", occurred_at="2026-01-05T09:06:00Z", channel="chat",
    ...     case_id="k1", actor="customer", direction="inbound", body="Thanks",
    ...     answer_id="refund-time")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid interaction: answer_id='refund-time': ...
    """

    type: Literal["message"] = "message"
    direction: Direction
    body: _Body
    answer_id: Id | None = None
    """The approved answer (catalog entry) the reply was written from; outbound only."""
    answer_version: Annotated[int, Field(ge=1, strict=True)] | None = None
    """The version of ``answer_id`` used, from 1; only set with ``answer_id``."""

    @model_validator(mode="after")
    def _check_message(self) -> Self:
        _check_direction(self.direction, self.actor)
        if self.answer_version is not None and self.answer_id is None:
            raise invalid(
                "answer_version", "answer_version is only set with answer_id (the answer used)"
            )
        if self.answer_id is not None and self.direction is Direction.INBOUND:
            raise invalid(
                "answer_id",
                "only an outbound message is written from an approved answer; "
                "an inbound message comes from the customer",
            )
        return self


class Call(InteractionBase):
    """A voice (or video) call.

    ``occurred_at`` is when it reached the queue; ``answered_at`` is ``None``
    for an abandoned call; ``agent_id`` names the agent who answered.
    """

    _agent_id_any_actor: ClassVar[bool] = True

    type: Literal["call"] = "call"
    direction: Direction
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    wrap_up_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0

    @model_validator(mode="after")
    def _check_call(self) -> Self:
        if self.answered_at is not None and self.answered_at < self.occurred_at:
            raise invalid(
                "answered_at",
                f"answered_at {self.answered_at.isoformat()} is before the call arrived "
                f"(occurred_at {self.occurred_at.isoformat()})",
            )
        start = self.answered_at or self.occurred_at
        if self.ended_at is not None and self.ended_at < start:
            raise invalid(
                "ended_at",
                f"ended_at {self.ended_at.isoformat()} is before "
                f"{'answered_at' if self.answered_at else 'occurred_at'} {start.isoformat()}",
            )
        if self.answered_at is None and self.wrap_up_seconds:
            raise invalid(
                "wrap_up_seconds", "an abandoned call (no answered_at) has no wrap_up_seconds"
            )
        return self

    @property
    def abandoned(self) -> bool:
        """True when nobody answered."""
        return self.answered_at is None

    @property
    def wait_seconds(self) -> float | None:
        """Seconds from reaching the queue to being answered (or ended, if abandoned)."""
        end = self.answered_at or self.ended_at
        # Timestamps, not datetime subtraction: two times in the same ZoneInfo
        # zone subtract as wall-clock times, wrong across a clock change.
        return None if end is None else end.timestamp() - self.occurred_at.timestamp()

    @property
    def talk_seconds(self) -> float | None:
        """Seconds from answer to end, or ``None`` when not answered or not ended."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return self.ended_at.timestamp() - self.answered_at.timestamp()


class Note(InteractionBase):
    """An internal note, never shown to the customer."""

    type: Literal["note"] = "note"
    body: _Body


class StatusChange(InteractionBase):
    """The case moved to ``status`` (``solved`` -> ``open`` is a reopen)."""

    type: Literal["status"] = "status"
    status: CaseStatus


class Assignment(InteractionBase):
    """The case now belongs to ``agent_id`` (optionally through ``queue``)."""

    _agent_id_any_actor: ClassVar[bool] = True

    type: Literal["assignment"] = "assignment"
    queue: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None

    @model_validator(mode="after")
    def _check_assignee(self) -> Self:
        if self.agent_id is None:
            raise invalid("agent_id", "agent_id (the new owner) is required for an assignment")
        return self


class Survey(InteractionBase):
    """A satisfaction answer: exactly one of ``csat`` (1-5) or ``nps`` (0-10)."""

    type: Literal["survey"] = "survey"
    csat: Annotated[int, Field(ge=1, le=5, strict=True)] | None = None
    nps: Annotated[int, Field(ge=0, le=10, strict=True)] | None = None

    @model_validator(mode="after")
    def _check_score(self) -> Self:
        if (self.csat is None) == (self.nps is None):
            which = "both" if self.csat is not None else "neither"
            raise invalid("csat", f"exactly one of csat or nps is required, got {which}")
        return self


class Handoff(InteractionBase):
    """The conversation moved from one channel to another, and why."""

    type: Literal["handoff"] = "handoff"
    from_channel: ChannelName
    to_channel: ChannelName
    reason: Annotated[str, StringConstraints(min_length=1, max_length=256)]

    @model_validator(mode="after")
    def _check_channels(self) -> Self:
        if self.from_channel == self.to_channel:
            raise invalid("to_channel", "from_channel and to_channel are the same")
        return self


Interaction: TypeAlias = Annotated[
    Message | Call | Note | StatusChange | Assignment | Survey | Handoff,
    Field(discriminator="type"),
]
"""Any interaction; the ``type`` field says which."""

INTERACTION_TYPES: Mapping[str, type[InteractionBase]] = {
    "message": Message,
    "call": Call,
    "note": Note,
    "status": StatusChange,
    "assignment": Assignment,
    "survey": Survey,
    "handoff": Handoff,
}
"""Each ``type`` value and the class that holds it."""

_TAGS = frozenset(INTERACTION_TYPES)


@functools.cache
def _adapter() -> TypeAdapter[Interaction]:
    return TypeAdapter(Interaction)


def _context(channels: ChannelRegistry | None, trusted: bool) -> dict[str, Any] | None:
    if trusted:
        return {CONTEXT_KEY: None}
    if channels is not None:
        return {CONTEXT_KEY: channels}
    return None


def parse_interaction(
    data: Any, *, channels: ChannelRegistry | None = None, trusted: bool = False
) -> Interaction:
    """Validate one interaction from Python data (a dict, usually).

    ``channels`` selects the registry channel names are checked against (the one
    in force by default). ``trusted=True`` skips the registry check, for records
    read back from a store that checked them when they were written.
    Raises :class:`~omnicontext.errors.InvalidInput` naming every bad field.
    """
    try:
        return _adapter().validate_python(data, context=_context(channels, trusted))
    except pydantic.ValidationError as exc:
        raise translate(exc, "interaction", tags=_TAGS) from None


def parse_interaction_json(
    text: str | bytes, *, channels: ChannelRegistry | None = None, trusted: bool = False
) -> Interaction:
    """Validate one interaction from its JSON form (one line of a ``.jsonl`` file).

    >>> parse_interaction_json('{"id": "n1", "type": "note", "occurred_at": '
    ...     '"2026-01-05T09:00:00Z", "channel": "phone", "case_id": "k1", '
    ...     '"actor": "agent", "agent_id": "ag_1", "body": "Called back"}').type
    'note'
    """
    try:
        return _adapter().validate_json(text, context=_context(channels, trusted))
    except pydantic.ValidationError as exc:
        raise translate(exc, "interaction", tags=_TAGS) from None


@functools.cache
def _list_adapter() -> TypeAdapter[list[Interaction]]:
    return TypeAdapter(list[Interaction])


def parse_interactions_json_array(text: str | bytes, *, trusted: bool = True) -> list[Interaction]:
    """Validate a JSON array of interactions in one call (used by stores on read)."""
    try:
        return _list_adapter().validate_json(text, context=_context(None, trusted))
    except pydantic.ValidationError as exc:
        raise translate(exc, "interaction", tags=_TAGS) from None


def interaction_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of the interchange format.

    >>> schema = interaction_json_schema()
    >>> sorted(schema["discriminator"]["mapping"])
    ['assignment', 'call', 'handoff', 'message', 'note', 'status', 'survey']
    """
    schema = _adapter().json_schema()
    # Each member gives ``type`` a default (so ``Message(...)`` needs no type), which
    # pydantic renders as optional; in the interchange format it is what selects
    # the record type, and a line without it is rejected, so the schema says so.
    defs = schema.get("$defs", {})
    for ref in schema["discriminator"]["mapping"].values():
        member = defs[ref.rsplit("/", 1)[-1]]
        required = member.setdefault("required", [])
        if "type" not in required:
            required.insert(0, "type")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "omnicontext interaction",
        "description": (
            "One interaction of the omnicontext interchange format (one JSON object per "
            "line). Channel names are checked against the registry of the reading program; "
            "the built-in names are listed as examples."
        ),
        **schema,
    }

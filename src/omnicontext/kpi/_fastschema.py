"""The msgspec schema of one interchange line, for :mod:`omnicontext.kpi.reader`.

It mirrors the interaction models field for field and rule for rule; a line it
cannot vouch for raises :class:`Reject` (or a msgspec error) and goes to the
models. ``tests/kpi/test_reader.py`` checks on generated lines that it never
accepts a line the models reject, and that it reads the same values.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec


class Reject(Exception):
    """The fast path declines a line; the models decide about it."""


def _check_id(value: str) -> None:
    # No white space at either end and no line break inside (the models' "."
    # does not match one). str.isspace() knows every character Unicode calls
    # white space, and a few more, so this never accepts what the models refuse.
    if value[0].isspace() or value[-1].isspace() or "\n" in value:
        raise Reject


# The models' id pattern is ^\S(?:.*\S)?$; a regular expression here would cost
# more than the rest of the decoding, so _check_id tests the same thing by hand.
_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
_Aware = Annotated[datetime, msgspec.Meta(tz=True)]
_Text = Annotated[str, msgspec.Meta(min_length=1)]


class _Base(
    msgspec.Struct,
    tag_field="type",
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    gc=False,
):
    id: _Id
    occurred_at: _Aware
    channel: str
    case_id: _Id | None = None
    customer_id: _Id | None = None
    identity: object = None  # decoded, then sent to the models to check
    actor: Literal["customer", "agent", "bot", "system"]
    agent_id: _Id | None = None

    _agent_any_actor: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _check_id(self.id)
        for other in (self.case_id, self.customer_id, self.agent_id):
            if other is not None:
                _check_id(other)
        if self.identity is not None:
            raise Reject  # identities have rules of their own: the models check them
        if self.customer_id is None and self.case_id is None:
            raise Reject
        if self.actor == "agent":
            if self.agent_id is None:
                raise Reject
        elif self.agent_id is not None and not self._agent_any_actor:
            raise Reject


def _check_direction(direction: str, actor: str) -> None:
    if direction == "outbound":
        if actor == "customer":
            raise Reject
    elif actor == "agent" or actor == "bot":
        raise Reject


class _Message(_Base, tag="message", frozen=True, gc=False):
    type: ClassVar[str] = "message"
    direction: Literal["inbound", "outbound"]
    body: _Text
    answer_id: _Id | None = None
    answer_version: Annotated[int, msgspec.Meta(ge=1)] | None = None

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        _check_direction(self.direction, self.actor)
        if self.answer_id is None:
            if self.answer_version is not None:
                raise Reject
        else:
            _check_id(self.answer_id)
            if self.direction == "inbound":
                raise Reject


class _Call(_Base, tag="call", frozen=True, gc=False):
    type: ClassVar[str] = "call"
    _agent_any_actor: ClassVar[bool] = True
    direction: Literal["inbound", "outbound"]
    answered_at: _Aware | None = None
    ended_at: _Aware | None = None
    wrap_up_seconds: Annotated[float, msgspec.Meta(ge=0)] = 0.0

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        if not math.isfinite(self.wrap_up_seconds):
            raise Reject
        arrived = self.occurred_at.timestamp()
        answered = self.answered_at
        if answered is not None and answered.timestamp() < arrived:
            raise Reject
        start = answered.timestamp() if answered is not None else arrived
        if self.ended_at is not None and self.ended_at.timestamp() < start:
            raise Reject
        if answered is None and self.wrap_up_seconds:
            raise Reject
        _check_direction(self.direction, self.actor)


class _Note(_Base, tag="note", frozen=True, gc=False):
    type: ClassVar[str] = "note"
    body: _Text


class _Status(_Base, tag="status", frozen=True, gc=False):
    type: ClassVar[str] = "status"
    status: Literal["open", "pending", "solved", "closed"]


class _Assignment(_Base, tag="assignment", frozen=True, gc=False):
    type: ClassVar[str] = "assignment"
    _agent_any_actor: ClassVar[bool] = True
    queue: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        if self.agent_id is None:
            raise Reject


class _Survey(_Base, tag="survey", frozen=True, gc=False):
    type: ClassVar[str] = "survey"
    csat: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    nps: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        if (self.csat is None) == (self.nps is None):
            raise Reject


class _Handoff(_Base, tag="handoff", frozen=True, gc=False):
    type: ClassVar[str] = "handoff"
    from_channel: str
    to_channel: str
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        if self.from_channel == self.to_channel:
            raise Reject


DECODER = msgspec.json.Decoder(
    _Message | _Call | _Note | _Status | _Assignment | _Survey | _Handoff
)
DECODE_ERRORS: tuple[type[Exception], ...] = (msgspec.ValidationError, msgspec.DecodeError, Reject)

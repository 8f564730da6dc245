"""Cases: one customer issue, across every channel it travels."""

from __future__ import annotations

import enum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, StringConstraints

from omnicontext.errors import FieldError, InvalidInput, InvalidTransition
from omnicontext.model._base import Model
from omnicontext.model._types import Id, Tags
from omnicontext.model.channels import ChannelName

__all__ = [
    "Case",
    "CaseStatus",
    "Checkpoint",
    "Priority",
    "Takeover",
    "allowed_transitions",
]


class CaseStatus(enum.StrEnum):
    """The case lifecycle: ``open`` -> ``pending`` / ``solved`` -> ``closed``.

    Reopening is ``solved`` -> ``open``; ``closed`` is final.
    """

    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"


_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.PENDING, CaseStatus.SOLVED}),
    CaseStatus.PENDING: frozenset({CaseStatus.OPEN, CaseStatus.SOLVED}),
    CaseStatus.SOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


def allowed_transitions(status: CaseStatus | str) -> frozenset[CaseStatus]:
    """The statuses a case in ``status`` may move to.

    >>> sorted(allowed_transitions("solved"))
    [<CaseStatus.CLOSED: 'closed'>, <CaseStatus.OPEN: 'open'>]

    Raises :class:`~omnicontext.errors.InvalidInput` for a name that is not a
    status.
    """
    try:
        return _TRANSITIONS[CaseStatus(status)]
    except ValueError:
        known = ", ".join(s.value for s in CaseStatus)
        raise InvalidInput(
            "case status",
            [FieldError("status", status, f"unknown status; expected one of {known}")],
        ) from None


class Priority(enum.StrEnum):
    """How urgent a case is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Checkpoint(Model):
    """A step of the customer's journey already done (identity verified, form
    filled, photo uploaded), so they never repeat it on the next channel."""

    _subject: ClassVar[str] = "checkpoint"

    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    done_at: AwareDatetime
    channel: ChannelName | None = None
    """Where the step was done."""
    detail: dict[str, str] = Field(default_factory=dict)
    """Facts the step established (``{"order": "A-1001"}``); no secrets here."""


_ItemName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
]


class Takeover(Model):
    """One agent taking a case over after a handoff, and the checklist items
    they have ticked so far.

    The items are names (``history_reviewed``, ``identity_confirmed``...); which
    ones a takeover needs is the handoff checklist's business, not the case's.
    """

    _subject: ClassVar[str] = "takeover"

    handoff_id: Id
    """The id of the ``handoff`` interaction that started this takeover."""
    agent_id: Id | None = None
    """Who took over, once someone has."""
    to_channel: ChannelName
    started_at: AwareDatetime
    ticked: dict[_ItemName, AwareDatetime] = Field(default_factory=dict)
    """Checklist items done, with when they were ticked."""


class Case(Model):
    """A customer's issue. One case spans every channel it is worked on.

    >>> case = Case(id="case_1", customer_id="cus_1", subject="Card blocked")
    >>> case.transition("solved").status
    <CaseStatus.SOLVED: 'solved'>
    >>> case.transition("closed")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidTransition: invalid case: status='closed': cannot move ...
    """

    _subject: ClassVar[str] = "case"

    id: Id
    customer_id: Id
    subject: Annotated[str, StringConstraints(max_length=1024)] = ""
    status: CaseStatus = CaseStatus.OPEN
    priority: Priority = Priority.NORMAL
    tags: Tags = ()
    intent: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    """What the customer wants, as a label (``"refund"``, ``"card_blocked"``)."""
    checkpoints: tuple[Checkpoint, ...] = ()
    takeovers: tuple[Takeover, ...] = ()
    """Every handoff of the case, oldest first, with its takeover checklist."""
    created_at: AwareDatetime | None = None
    version: Annotated[int, Field(ge=0, strict=True)] = 0

    def transition(self, status: CaseStatus | str) -> Case:
        """This case with a new status; an illegal move raises :class:`InvalidTransition`.

        Moving to the current status is a no-op that returns the case itself.
        """
        try:
            target = CaseStatus(status)
        except ValueError:
            raise InvalidTransition(
                "case",
                [FieldError("status", status, f"not one of {', '.join(CaseStatus)}")],
            ) from None
        if target is self.status:
            return self
        if target not in _TRANSITIONS[self.status]:
            allowed = ", ".join(sorted(_TRANSITIONS[self.status])) or "nothing (final)"
            raise InvalidTransition(
                "case",
                [
                    FieldError(
                        "status",
                        target.value,
                        f"cannot move from {self.status.value} to {target.value}; "
                        f"allowed: {allowed}",
                    )
                ],
            )
        return self.model_copy(update={"status": target})

    def with_checkpoint(self, checkpoint: Checkpoint) -> Case:
        """This case with ``checkpoint`` recorded (replacing one of the same name)."""
        kept = tuple(c for c in self.checkpoints if c.name != checkpoint.name)
        return self.model_copy(update={"checkpoints": (*kept, checkpoint)})

    def with_takeover(self, takeover: Takeover) -> Case:
        """This case with ``takeover`` recorded (replacing one for the same handoff)."""
        kept = tuple(t for t in self.takeovers if t.handoff_id != takeover.handoff_id)
        return self.model_copy(update={"takeovers": (*kept, takeover)})

    def takeover(self, handoff_id: str | None = None) -> Takeover | None:
        """The takeover started by ``handoff_id``, or the latest one; ``None`` if none."""
        if handoff_id is None:
            return self.takeovers[-1] if self.takeovers else None
        return next((t for t in self.takeovers if t.handoff_id == handoff_id), None)

    def checkpoint(self, name: str) -> Checkpoint | None:
        """The checkpoint called ``name``, or ``None`` if that step is not done."""
        return next((c for c in self.checkpoints if c.name == name), None)

    def pending_checkpoints(self, required: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Which of the ``required`` step names are not done yet, in the given order."""
        done = {c.name for c in self.checkpoints}
        return tuple(n for n in required if n not in done)

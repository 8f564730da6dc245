"""Work items: what the dispatcher routes.

A :class:`WorkItem` is one conversation or case waiting for an agent: its
channel, the skills it needs (with minimum levels), its priority, who the
customer is, when it arrived, its deadline and, optionally, the agent it
should go to. It is a boundary model: bad input raises
:class:`~omnicontext.errors.InvalidInput` naming the field and the value.

>>> from datetime import datetime, timezone
>>> item = WorkItem(id="it_1", channel="chat", skills={"billing": 5},
...                 created_at=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
>>> item.priority, item.queue
(<Priority.NORMAL: 'normal'>, 'default')
>>> WorkItem(id="it_2", channel="chat", skills={"billing": 11},
...          created_at=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
Traceback (most recent call last):
...
omnicontext.errors.InvalidInput: invalid work item: skills.billing=11: ...
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from omnicontext.model._base import Model, invalid
from omnicontext.model._types import Id
from omnicontext.model.agent import SkillLevel
from omnicontext.model.case import Priority
from omnicontext.model.channels import ChannelName

__all__ = ["WorkItem"]

_Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
_Scalar = str | int | float | bool


class WorkItem(Model):
    """One piece of work to route.

    ``skills`` are always required. ``optional_skills`` are required too at
    first, and an overflow step can stop requiring them
    (:class:`~omnicontext.routing.Step` ``drop_optional``).
    ``secondary_skills`` are an alternative requirement a later step can
    widen to (``use_secondary``), such as a neighbouring team's skill.
    ``attributes`` carries whatever your own policies need (language, plan).
    """

    _subject: ClassVar[str] = "work item"

    id: Id
    channel: ChannelName
    created_at: AwareDatetime
    """When the work arrived; its age, and so its place in the queue, counts from here."""
    case_id: Id | None = None
    customer_id: Id | None = None
    queue: _Name = "default"
    priority: Priority = Priority.NORMAL
    skills: dict[_Name, SkillLevel] = Field(default_factory=dict)
    optional_skills: dict[_Name, SkillLevel] = Field(default_factory=dict)
    secondary_skills: dict[_Name, SkillLevel] = Field(default_factory=dict)
    deadline: AwareDatetime | None = None
    preferred_agent: Id | None = None
    """An agent to offer the work to first (the :class:`~omnicontext.routing.Sticky`
    preference honours it like a remembered handler)."""
    attributes: dict[_Name, _Scalar] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> WorkItem:
        if self.deadline is not None and self.deadline < self.created_at:
            raise invalid("deadline", "is before created_at")
        both = set(self.skills) & set(self.optional_skills)
        if both:
            raise invalid("optional_skills", f"repeats required skills {sorted(both)}")
        return self

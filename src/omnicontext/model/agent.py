"""Agents: the people (and bots) who answer customers."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from omnicontext.model._base import Model
from omnicontext.model._types import Id, Tags
from omnicontext.model.channels import ChannelName

__all__ = ["Agent", "SkillLevel"]

SkillLevel = Annotated[int, Field(ge=1, le=10, strict=True)]
"""A skill level from 1 (novice) to 10 (expert)."""

_SkillName = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class Agent(Model):
    """Someone who works cases: skills with levels, channels served, roles.

    >>> a = Agent(id="ag_1", display_name="Grace", skills={"billing": 7, "french": 4},
    ...           channels=["chat", "email"], roles=["tier2"])
    >>> a.skill_level("billing"), a.skill_level("german"), a.serves("phone")
    (7, 0, False)
    """

    _subject: ClassVar[str] = "agent"

    id: Id
    display_name: Annotated[str, StringConstraints(max_length=512)] | None = None
    skills: dict[_SkillName, SkillLevel] = Field(default_factory=dict)
    channels: tuple[ChannelName, ...] = ()
    """Channel names this agent serves."""
    roles: Tags = ()
    """Role names (``"agent"``, ``"supervisor"``, ``"tier2"``) used by access policies."""
    active: bool = True

    def skill_level(self, skill: str) -> int:
        """The agent's level in ``skill``, ``0`` when they lack it."""
        return self.skills.get(skill, 0)

    def serves(self, channel: str) -> bool:
        """Whether the agent works ``channel``."""
        return channel in self.channels

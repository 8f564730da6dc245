"""Queues and their overflow steps.

A :class:`Queue` holds waiting work and names the policy that routes it. Its
``steps`` are evaluated like a case statement on the item's *total* age: the
first step whose ``until`` the item has not yet reached applies. A step can
widen the requirement to the item's secondary skills, drop its optional
skills, lower every minimum level, or send the item to another queue's agents.

>>> from datetime import timedelta
>>> q = Queue("billing", steps=(
...     Step("billing experts", until=timedelta(seconds=30)),
...     Step("any billing agent", until=timedelta(seconds=90), drop_optional=True),
...     Step("general support", queue="general"),
... ))
>>> [q.step_at(timedelta(seconds=s)).name for s in (0, 45, 300)]
['billing experts', 'any billing agent', 'general support']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.routing.policies import Policy
from omnicontext.routing.work import WorkItem

__all__ = ["Queue", "Step"]


@attrs.frozen
class Step:
    """One overflow step: what the item needs while its age is below ``until``.

    ``until=None`` means the step lasts for good (only the last step may).
    ``queue`` routes to another queue's agents and policy; ``use_secondary``
    requires the item's ``secondary_skills`` instead of its ``skills``;
    ``drop_optional`` stops requiring ``optional_skills``; ``drop_skills``
    requires no skill at all (any agent of the queue); ``lower_levels``
    lowers every minimum level by that much (never below 1).
    """

    name: str
    until: timedelta | None = None
    queue: str | None = None
    use_secondary: bool = False
    drop_optional: bool = False
    drop_skills: bool = False
    lower_levels: int = 0

    def __attrs_post_init__(self) -> None:
        problems: list[FieldError] = []
        if not isinstance(self.name, str) or not self.name:
            problems.append(FieldError("name", self.name, "must be a non-empty string"))
        if self.until is not None and (
            not isinstance(self.until, timedelta) or self.until <= timedelta(0)
        ):
            problems.append(FieldError("until", self.until, "must be a timedelta > 0 or None"))
        if isinstance(self.lower_levels, bool) or not isinstance(self.lower_levels, int):
            problems.append(FieldError("lower_levels", self.lower_levels, "must be an int"))
        elif not 0 <= self.lower_levels <= 9:
            problems.append(FieldError("lower_levels", self.lower_levels, "must be 0 to 9"))
        if problems:
            raise InvalidInput("overflow step", problems)

    def requirement(self, item: WorkItem) -> Mapping[str, int]:
        """The skills and minimum levels ``item`` needs at this step."""
        if self.drop_skills:
            return {}
        base = item.secondary_skills if self.use_secondary and item.secondary_skills else None
        wanted = dict(base if base is not None else item.skills)
        if not self.drop_optional:
            wanted.update(item.optional_skills)
        if self.lower_levels:
            wanted = {s: max(1, level - self.lower_levels) for s, level in wanted.items()}
        return wanted


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


def _members(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


@attrs.frozen
class Queue:
    """A named queue: its policy, who works it, and its overflow steps.

    ``members`` limits the queue to those agent ids (``None``: every agent).
    """

    name: str
    policy: Policy = attrs.field(factory=Policy)
    members: frozenset[str] | None = attrs.field(default=None, converter=_members)
    steps: tuple[Step, ...] = attrs.field(default=(Step("default"),), converter=_steps)

    def __attrs_post_init__(self) -> None:
        problems: list[FieldError] = []
        if not isinstance(self.name, str) or not self.name:
            problems.append(FieldError("name", self.name, "must be a non-empty string"))
        if not isinstance(self.policy, Policy):
            problems.append(FieldError("policy", self.policy, "must be a Policy"))
        if not self.steps:
            problems.append(FieldError("steps", self.steps, "needs at least one step"))
        previous = timedelta(0)
        for i, step in enumerate(self.steps):
            if not isinstance(step, Step):
                problems.append(FieldError(f"steps[{i}]", step, "must be a Step"))
                continue
            last = i == len(self.steps) - 1
            if step.until is None and not last:
                problems.append(
                    FieldError(f"steps[{i}].until", None, "only the last step may last for good")
                )
            elif step.until is not None:
                if step.until <= previous:
                    problems.append(
                        FieldError(f"steps[{i}].until", step.until, "must grow from step to step")
                    )
                previous = step.until
        if problems:
            raise InvalidInput("queue", problems)

    def step_index(self, age: timedelta) -> int:
        """The index of the step that applies at ``age``."""
        for i, step in enumerate(self.steps):
            if step.until is None or age < step.until:
                return i
        return len(self.steps) - 1

    def step_at(self, age: timedelta) -> Step:
        """The step that applies to an item ``age`` old."""
        return self.steps[self.step_index(age)]

    def admits(self, agent_id: str) -> bool:
        """Whether ``agent_id`` works this queue."""
        return self.members is None or agent_id in self.members

"""The knobs of the KPI definitions: service-level threshold, FCR, repeat contacts, SLAs.

Every definition that a support team might reasonably set differently is a
field here, with the common choice as its default, so a report can always say
exactly what it counted.

>>> rules = KpiRules(service_level_seconds=30)
>>> rules.fcr.max_agent_responses, rules.repeat_contact.window
(1, datetime.timedelta(days=7))
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import Priority

__all__ = ["FcrRule", "KpiRules", "RepeatContactRule", "SlaPolicy", "SlaTarget"]


def _positive_delta(name: str, value: timedelta, *, zero: bool = False) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0) or (not zero and not value):
        raise InvalidInput(
            "kpi rules",
            [FieldError(name, value, "must be a positive timedelta")],
        )


@attrs.frozen
class FcrRule:
    """When a solved case counts as resolved at first contact.

    The default: solved, never reopened, and exactly one agent response (an
    outbound agent message, an answered call, or an agent's outbound call).
    ``one_channel=True`` also asks that the customer used one channel only.
    """

    max_agent_responses: int = attrs.field(default=1)
    allow_reopen: bool = False
    one_channel: bool = False

    @max_agent_responses.validator
    def _check(self, _: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidInput(
                "fcr rule",
                [FieldError("max_agent_responses", value, "must be a whole number >= 1")],
            )


@attrs.frozen
class RepeatContactRule:
    """When a customer "had to come back" about a case.

    A repeat contact is an inbound customer interaction that arrives at least
    ``gap`` and at most ``window`` after the latest agent response before it.
    The ``gap`` keeps the natural back-and-forth of one conversation (a chat
    reply a minute later) from counting.
    """

    gap: timedelta = timedelta(minutes=30)
    window: timedelta = timedelta(days=7)

    def __attrs_post_init__(self) -> None:
        _positive_delta("repeat_contact.gap", self.gap, zero=True)
        _positive_delta("repeat_contact.window", self.window)
        if self.window < self.gap:
            raise InvalidInput(
                "repeat contact rule",
                [FieldError("window", self.window, f"must not be shorter than gap {self.gap}")],
            )


@attrs.frozen
class SlaTarget:
    """How soon a case must get its first response and its first resolution."""

    first_response: timedelta | None = None
    resolution: timedelta | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("first_response", "resolution"):
            value = getattr(self, name)
            if value is not None:
                _positive_delta(name, value)
        if self.first_response is None and self.resolution is None:
            raise InvalidInput(
                "sla target",
                [FieldError("first_response", None, "set first_response, resolution or both")],
            )


_PRIORITIES = frozenset({p.value for p in Priority} | {"*"})
_UNKNOWN_PRIORITY = f"unknown priority; expected one of {', '.join(sorted(_PRIORITIES))}"


def _copy(targets: Mapping[tuple[str, str], SlaTarget]) -> Mapping[tuple[str, str], SlaTarget]:
    return dict(targets)


def _key(channel: str, priority: str) -> tuple[str, str]:
    return (channel, priority)


@attrs.frozen
class SlaPolicy:
    """SLA targets per channel and priority.

    ``targets`` maps ``(channel, priority)`` to a :class:`SlaTarget`; either
    part may be ``"*"`` to match any. The most specific entry wins: exact
    channel and priority, then channel with any priority, then any channel with
    that priority, then ``("*", "*")``. A case no entry matches is not counted.

    >>> policy = SlaPolicy.from_dict({"chat": {"*": {"first_response": 60}},
    ...                               "*": {"urgent": {"first_response": 900}}})
    >>> policy.target_for("chat", "urgent").first_response
    datetime.timedelta(seconds=60)
    >>> policy.target_for("email", "urgent").first_response
    datetime.timedelta(seconds=900)
    >>> policy.target_for("email", "normal") is None
    True
    """

    targets: Mapping[tuple[str, str], SlaTarget] = attrs.field(factory=dict, converter=_copy)

    def __attrs_post_init__(self) -> None:
        errors = [
            FieldError(f"{channel}.{priority}", priority, _UNKNOWN_PRIORITY)
            for channel, priority in self.targets
            if priority not in _PRIORITIES
        ]
        if errors:
            raise InvalidInput("sla policy", errors)

    def target_for(self, channel: str, priority: str) -> SlaTarget | None:
        """The target a case on ``channel`` with ``priority`` must meet, or ``None``."""
        for key in (
            _key(channel, priority),
            _key(channel, "*"),
            _key("*", priority),
            _key("*", "*"),
        ):
            found = self.targets.get(key)
            if found is not None:
                return found
        return None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        """Read ``{channel: {priority: {"first_response": s, "resolution": s}}}``
        (seconds), as found under ``[sla]`` in a targets file."""
        targets: dict[tuple[str, str], SlaTarget] = {}
        errors: list[FieldError] = []
        if not isinstance(data, Mapping):
            raise InvalidInput("sla policy", [FieldError("sla", data, "must be a table")])
        for channel, per_priority in data.items():
            if not isinstance(per_priority, Mapping):
                errors.append(FieldError(f"sla.{channel}", per_priority, "must be a table"))
                continue
            for priority, spec in per_priority.items():
                where = f"sla.{channel}.{priority}"
                if priority not in _PRIORITIES:
                    errors.append(FieldError(where, priority, _UNKNOWN_PRIORITY))
                    continue
                if not isinstance(spec, Mapping) or set(spec) - {"first_response", "resolution"}:
                    errors.append(
                        FieldError(where, spec, "expected first_response and/or resolution")
                    )
                    continue
                try:
                    targets[(channel, priority)] = SlaTarget(
                        **{name: _seconds(f"{where}.{name}", v) for name, v in spec.items()}
                    )
                except InvalidInput as exc:
                    errors.extend(
                        e if e.field.startswith(where) else FieldError(where, spec, e.reason)
                        for e in exc.errors
                    )
        if errors:
            raise InvalidInput("sla policy", errors)
        return cls(targets)


_LONGEST = 100 * 365 * 86400  # a target beyond a century is a typo


def _seconds(where: str, value: Any) -> timedelta:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and value >= 1e-6
        and value <= _LONGEST
    )
    if not ok:
        raise InvalidInput(
            "sla policy",
            [FieldError(where, value, "must be seconds, from a microsecond to a century")],
        )
    return timedelta(seconds=value)


@attrs.frozen
class KpiRules:
    """The definitions a report is computed with.

    - ``service_level_seconds``: a live contact answered within this many
      seconds of arriving meets the service level (default 20, the classic
      80/20 target).
    - ``short_abandon_seconds``: calls abandoned sooner than this are left out
      of service level and abandonment altogether (default 0: none are).
    - ``fcr``, ``repeat_contact``: see :class:`FcrRule` and
      :class:`RepeatContactRule`.
    - ``sla``: per channel and priority targets for ``sla_compliance``.
    """

    service_level_seconds: float = attrs.field(default=20.0)
    short_abandon_seconds: float = attrs.field(default=0.0)
    fcr: FcrRule = attrs.field(factory=FcrRule)
    repeat_contact: RepeatContactRule = attrs.field(factory=RepeatContactRule)
    sla: SlaPolicy = attrs.field(factory=SlaPolicy)

    @service_level_seconds.validator
    @short_abandon_seconds.validator
    def _check_seconds(self, attribute: attrs.Attribute[float], value: float) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value < float("inf")
        ):
            raise InvalidInput(
                "kpi rules", [FieldError(attribute.name, value, "must be seconds >= 0")]
            )

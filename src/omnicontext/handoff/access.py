"""Who sees what of a handoff packet: viewers, roles and the access policy.

A packet has named parts (:data:`PACKET_FIELDS`). A :class:`Role` lists the
parts its holders may see and whether they may see personal data unmasked; an
:class:`AccessPolicy` maps role names to roles. A part a role may not see is
left out of the packet and listed as withheld; without ``personal_data`` every
free text in the packet is redacted and identity values are masked.

The default policy (:meth:`AccessPolicy.default`):

============== ========================================== =============
role           parts                                      personal data
============== ========================================== =============
``agent``      all                                        yes
``supervisor`` all                                        yes
``contractor`` all but ``identities`` and ``notes``       no
``bot``        ``customer``, ``case``, ``journey``,       no
               ``history``, ``checkpoints``,
               ``open_question``, ``clocks``
============== ========================================== =============

>>> policy = AccessPolicy.default().with_role(
...     Role("billing", fields={"customer", "case", "history"}, personal_data=True))
>>> sorted(policy.role("billing").fields)
['case', 'customer', 'history']
>>> policy.role("intern")
Traceback (most recent call last):
...
omnicontext.errors.InvalidInput: invalid access policy: viewer.role='intern': unknown role; ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput

__all__ = ["PACKET_FIELDS", "AccessPolicy", "Role", "Viewer"]

PACKET_FIELDS: tuple[str, ...] = (
    "customer",
    "identities",
    "case",
    "journey",
    "history",
    "notes",
    "checkpoints",
    "open_question",
    "flags",
    "clocks",
    "checklist",
)
"""The parts of a handoff packet a role can be given, in the packet's order.

``customer`` is the name, language, time zone and VIP mark; ``identities`` the
identifiers and how each was verified; ``case`` subject, status, priority,
intent and tags; ``journey`` the channel segments and switches; ``history`` the
recent messages; ``notes`` the agents' internal notes; ``checkpoints`` the
steps done and pending; ``open_question`` the last unanswered customer
message; ``flags`` sensitive, escalated, VIP, poor satisfaction; ``clocks``
time since first contact and first response due; ``checklist`` the takeover
checklist.
"""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _fields(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


@attrs.frozen
class Role:
    """What the holders of a role may see of a packet."""

    name: str
    fields: frozenset[str] = attrs.field(converter=_fields)
    """The packet parts shown (names from :data:`PACKET_FIELDS`)."""
    personal_data: bool = False
    """Whether personal data is shown unmasked (never on a public channel)."""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            errors.append(
                FieldError("name", self.name, "lower-case letters, digits and _, 1-64 characters")
            )
        unknown = sorted(f for f in self.fields if f not in PACKET_FIELDS)
        if unknown:
            errors.append(
                FieldError(
                    "fields",
                    unknown,
                    f"unknown packet field; expected some of {', '.join(PACKET_FIELDS)}",
                )
            )
        if not isinstance(self.personal_data, bool):
            errors.append(FieldError("personal_data", self.personal_data, "must be true or false"))
        if errors:
            raise InvalidInput("role", errors)


@attrs.frozen
class Viewer:
    """Who a packet is built for: an id (recorded in the audit trail) and a role."""

    id: str
    role: str = "agent"

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not isinstance(self.id, str) or not self.id.strip() or len(self.id) > 256:
            errors.append(FieldError("viewer.id", self.id, "must be a non-empty id"))
        if not isinstance(self.role, str) or not _NAME.match(self.role):
            errors.append(FieldError("viewer.role", self.role, "must be a role name"))
        if errors:
            raise InvalidInput("viewer", errors)


def _roles(value: Mapping[str, Role] | Iterable[Role]) -> Mapping[str, Role]:
    if isinstance(value, Mapping):
        return dict(value)
    return {role.name: role for role in value}


@attrs.frozen
class AccessPolicy:
    """Role names to :class:`Role`; see the module for the default."""

    roles: Mapping[str, Role] = attrs.field(converter=_roles)

    def __attrs_post_init__(self) -> None:
        wrong = [name for name, role in self.roles.items() if role.name != name]
        if wrong:
            raise InvalidInput(
                "access policy",
                [FieldError(f"roles.{wrong[0]}", wrong[0], "filed under another role's name")],
            )

    @classmethod
    def default(cls) -> AccessPolicy:
        """The default roles: ``agent``, ``supervisor``, ``contractor``, ``bot``."""
        everything = frozenset(PACKET_FIELDS)
        return cls(
            [
                Role("agent", everything, personal_data=True),
                Role("supervisor", everything, personal_data=True),
                Role("contractor", everything - {"identities", "notes"}),
                Role(
                    "bot",
                    {
                        "customer",
                        "case",
                        "journey",
                        "history",
                        "checkpoints",
                        "open_question",
                        "clocks",
                    },
                ),
            ]
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccessPolicy:
        """Read ``{role: {"fields": [...], "personal_data": bool}}`` (from TOML or JSON).

        ``"fields": "*"`` means every part.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput("access policy", [FieldError("roles", data, "must be a table")])
        roles: list[Role] = []
        errors: list[FieldError] = []
        for name, spec in data.items():
            if not isinstance(spec, Mapping) or set(spec) - {"fields", "personal_data"}:
                errors.append(
                    FieldError(
                        f"roles.{name}", spec, "must be a table of fields and personal_data"
                    )
                )
                continue
            fields = spec.get("fields", ())
            if fields == "*":
                fields = PACKET_FIELDS
            if not isinstance(fields, (list, tuple)) or not all(
                isinstance(f, str) for f in fields
            ):
                errors.append(
                    FieldError(f"roles.{name}.fields", fields, "must be a list of names")
                )
                continue
            try:
                roles.append(Role(name, fields, personal_data=spec.get("personal_data", False)))
            except InvalidInput as exc:
                errors.extend(
                    FieldError(f"roles.{name}.{e.field}", e.value, e.reason) for e in exc.errors
                )
        if errors:
            raise InvalidInput("access policy", errors)
        return cls(roles)

    def with_role(self, role: Role) -> AccessPolicy:
        """A policy with ``role`` added (or replacing the role of that name)."""
        return AccessPolicy({**self.roles, role.name: role})

    def role(self, name: str) -> Role:
        """The role called ``name``; an unknown role raises ``InvalidInput``."""
        found = self.roles.get(name)
        if found is None:
            known = ", ".join(sorted(self.roles)) or "none"
            raise InvalidInput(
                "access policy",
                [FieldError("viewer.role", name, f"unknown role; known: {known}")],
            )
        return found

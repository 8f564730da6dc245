"""The access audit trail: one record each time someone looks at a customer's
context (a handoff packet prepared for an agent, a profile opened).

Records hold ids and field names only, never the content shown, so the trail
itself carries no personal data beyond who looked at whom.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from omnicontext.model._base import Model, invalid
from omnicontext.model._types import Id
from omnicontext.model.channels import ChannelName

__all__ = ["AccessRecord"]

_Label = Annotated[str, StringConstraints(min_length=1, max_length=64)]
_FieldName = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class AccessRecord(Model):
    """One look at a customer's context: who saw which customer and case, when,
    and which fields.

    ``fields_shown`` and ``fields_withheld`` name fields (``"email"``,
    ``"timeline[3].body"``), never their values; ``redactions`` counts the
    personal-data spans masked in what was shown. A field is either shown or
    withheld, not both.

    >>> r = AccessRecord(id="acc_1", occurred_at="2026-06-12T09:30:00+01:00",
    ...     viewer_id="agt_7", viewer_role="agent", customer_id="cus_1",
    ...     channel="phone", fields_shown=("name", "timeline"),
    ...     fields_withheld=("email",), redactions=2)
    >>> r.purpose, r.redactions
    ('handoff', 2)
    >>> AccessRecord(id="acc_2", occurred_at="2026-06-12T09:30:00",
    ...     viewer_id="agt_7", viewer_role="agent")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid access record: occurred_at='2026-06-12T09:30:00': ...
    """

    _subject: ClassVar[str] = "access record"

    id: Id
    occurred_at: AwareDatetime
    viewer_id: Id
    viewer_role: _Label
    """The viewer's role when they looked (``agent``, ``supervisor``, ``bot``...)."""
    customer_id: Id | None = None
    case_id: Id | None = None
    purpose: _Label = "handoff"
    """Why the context was shown (``handoff``, ``audit``, ``export``...)."""
    channel: ChannelName | None = None
    """The channel the context was prepared for."""
    fields_shown: tuple[_FieldName, ...] = ()
    fields_withheld: tuple[_FieldName, ...] = ()
    redactions: Annotated[int, Field(ge=0, strict=True)] = 0
    """How many personal-data spans were masked in what was shown."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        both = sorted(set(self.fields_shown) & set(self.fields_withheld))
        if both:
            raise invalid(
                "fields_withheld", f"a field is shown or withheld, not both: {', '.join(both)}"
            )
        return self

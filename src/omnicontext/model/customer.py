"""Customers and the identities they are known by."""

from __future__ import annotations

import enum
import functools
from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from omnicontext.model._base import Model, invalid
from omnicontext.model._types import Id, LanguageTag, Tags, TimeZoneName
from omnicontext.model.channels import ChannelName

__all__ = ["ContactConsent", "Customer", "Identity", "IdentityKind"]

_Scope = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s:]+$")]


class IdentityKind(enum.StrEnum):
    """The sorts of identifier a customer can be known by."""

    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    """A handle on a social platform; ``platform`` says which one."""
    EXTERNAL = "external"
    """An id in another system (CRM, shop, billing); ``system`` says which one."""


class Identity(Model):
    """One identifier of a customer, and whether and how it was verified.

    A social handle names its ``platform``; an external id names the ``system``
    it comes from; other kinds name neither.

    >>> Identity(kind="social", platform="twitter", value="@acme_fan").key
    'social:twitter:@acme_fan'
    >>> Identity(kind="social", value="@acme_fan")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid identity: platform=None: a social identity ...
    """

    _subject: ClassVar[str] = "identity"

    kind: IdentityKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    platform: _Scope | None = None
    """For ``social``: the platform (``twitter``, ``facebook``, ``instagram``...)."""
    system: _Scope | None = None
    """For ``external``: the system the id belongs to (``shopify``, ``salesforce``...)."""
    verified: bool = False
    verified_at: AwareDatetime | None = None
    verification_method: Annotated[str, StringConstraints(min_length=1)] | None = None
    """How it was verified: ``"email_link"``, ``"otp_sms"``, ``"signed_in"``..."""

    @model_validator(mode="after")
    def _check_scope(self) -> Self:
        if self.kind is IdentityKind.SOCIAL and self.platform is None:
            raise invalid("platform", "a social identity names its platform")
        if self.kind is not IdentityKind.SOCIAL and self.platform is not None:
            raise invalid(
                "platform", f"platform is only for social identities, not {self.kind.value}"
            )
        if self.kind is IdentityKind.EXTERNAL and self.system is None:
            raise invalid("system", "an external identity names its system")
        if self.kind is not IdentityKind.EXTERNAL and self.system is not None:
            raise invalid(
                "system", f"system is only for external identities, not {self.kind.value}"
            )
        if not self.verified and (
            self.verified_at is not None or self.verification_method is not None
        ):
            raise invalid("verified", "verified_at and verification_method need verified=true")
        return self

    @functools.cached_property
    def key(self) -> str:
        """The lookup key: kind, scope (platform or system) and value, colon-separated."""
        scope = self.platform or self.system
        if scope is None:
            return f"{self.kind.value}:{self.value}"
        return f"{self.kind.value}:{scope}:{self.value}"


class ContactConsent(Model):
    """Whether the customer agreed to be contacted on a channel, and when."""

    _subject: ClassVar[str] = "contact consent"

    granted: bool
    recorded_at: AwareDatetime | None = None
    source: str | None = None
    """Where the consent was given (``"signup_form"``, ``"phone_call"``...)."""


class Customer(Model):
    """A person the business supports, with every identifier they are known by.

    ``version`` is the optimistic-concurrency counter: ``0`` for a customer not
    saved yet; each successful save returns the customer with ``version + 1``.

    >>> c = Customer(id="cus_1", display_name="Ada", identities=[
    ...     Identity(kind="email", value="ada@example.com", verified=True)])
    >>> c.version, c.identities[0].key
    (0, 'email:ada@example.com')
    """

    _subject: ClassVar[str] = "customer"

    id: Id
    display_name: Annotated[str, StringConstraints(max_length=512)] | None = None
    language: LanguageTag | None = None
    time_zone: TimeZoneName | None = None
    identities: tuple[Identity, ...] = ()
    consent: dict[ChannelName, ContactConsent] = Field(default_factory=dict)
    """Contact consent per channel name."""
    preferred_channels: tuple[ChannelName, ...] = ()
    """Channels the customer prefers to hear from, most preferred first. Updates
    reach them on the first of these they consented to while they are away from
    the conversation."""
    tags: Tags = ()
    created_at: AwareDatetime | None = None
    merged_into: Id | None = None
    """Set on a profile merged into another: the surviving customer's id. Such a
    profile holds no identities; old references to it can follow this field."""
    version: Annotated[int, Field(ge=0, strict=True)] = 0

    @model_validator(mode="after")
    def _check_identities(self) -> Self:
        if self.merged_into is not None:
            if self.merged_into == self.id:
                raise invalid("merged_into", "a customer cannot be merged into itself")
            if self.identities:
                raise invalid("identities", "a merged profile holds no identities")
        if len(set(self.preferred_channels)) != len(self.preferred_channels):
            raise invalid("preferred_channels", "a channel is listed twice")
        seen: set[str] = set()
        for ident in self.identities:
            if ident.key in seen:
                raise invalid("identities", f"identity {ident.key!r} is listed twice")
            seen.add(ident.key)
        return self

    def identity(self, key: str) -> Identity | None:
        """The identity with this :attr:`Identity.key`, or ``None``."""
        return next((i for i in self.identities if i.key == key), None)

    def may_contact(self, channel: str) -> bool | None:
        """Consent for ``channel``: ``True``/``False`` as recorded, ``None`` if never asked."""
        consent = self.consent.get(channel)
        return None if consent is None else consent.granted

"""Channels: the built-in names, their profiles, and registries of them.

A channel is named by a short lower-case string (``"email"``, ``"social_public"``).
Each name has a :class:`ChannelProfile` saying whether the channel is live or
asynchronous, public or private, how long one message may be, and how strongly
an identity seen on it is proven. A :class:`ChannelRegistry` holds the profiles
a program knows; every model field holding a channel name is checked against the
registry in force, and an unknown name is rejected with the list of known ones.

The registry in force is, in order: the ``channels`` entry of a pydantic
validation context, else the registry installed with :func:`use_channels`, else
:data:`BUILTIN_CHANNELS`. Registries are immutable; there is no global state to
mutate.

>>> from omnicontext.model import BUILTIN_CHANNELS, ChannelProfile, use_channels
>>> BUILTIN_CHANNELS["social_public"].is_public
True
>>> mine = BUILTIN_CHANNELS.with_channels(ChannelProfile(name="line", mode="async"))
>>> "line" in mine, "line" in BUILTIN_CHANNELS
(True, False)
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, ClassVar, TypeVar, overload

import attrs
from pydantic import AfterValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from omnicontext.errors import FieldError, InvalidInput, UnknownChannel
from omnicontext.model._base import Model

_T = TypeVar("_T")


def _copy_table(profiles: Mapping[str, ChannelProfile]) -> Mapping[str, ChannelProfile]:
    # A registry is immutable: never share the caller's (mutable) mapping.
    return dict(profiles)


__all__ = [
    "BUILTIN_CHANNELS",
    "Assurance",
    "Channel",
    "ChannelMode",
    "ChannelName",
    "ChannelProfile",
    "ChannelRegistry",
    "Visibility",
    "current_channels",
    "use_channels",
]

CHANNEL_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class Channel(enum.StrEnum):
    """The built-in channel names. Members are plain strings: ``Channel.EMAIL == "email"``."""

    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    SOCIAL_PUBLIC = "social_public"
    SOCIAL_PRIVATE = "social_private"
    WEB = "web"
    APP = "app"
    IN_PERSON = "in_person"
    VIDEO = "video"


class ChannelMode(enum.StrEnum):
    """``live`` channels expect an answer now (phone, chat); ``async`` ones can wait."""

    LIVE = "live"
    ASYNC = "async"


class Visibility(enum.StrEnum):
    """Whether people other than the customer and the business can read the channel."""

    PUBLIC = "public"
    PRIVATE = "private"


class Assurance(enum.IntEnum):
    """How strongly an identity seen on a channel is proven, weakest first.

    ``NONE``: anyone can claim anything (an anonymous web form). ``LOW``: an
    account nobody checked (a social handle, a chat widget). ``MEDIUM``: control
    of an address or number is implied but spoofable (email sender, caller id).
    ``HIGH``: the person authenticated (signed-in app, ID shown in person).
    Comparable: ``Assurance.HIGH > Assurance.LOW``.
    """

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


class ChannelProfile(Model):
    """What a channel is like.

    >>> p = ChannelProfile(name="fax", mode="async", identity_assurance=Assurance.MEDIUM)
    >>> p.is_live, p.is_public, p.max_message_length
    (False, False, None)
    """

    _subject: ClassVar[str] = "channel profile"

    name: Annotated[str, Field(pattern=CHANNEL_NAME_PATTERN)]
    """Lower-case name, letters, digits and underscores, starting with a letter."""
    mode: ChannelMode
    visibility: Visibility = Visibility.PRIVATE
    max_message_length: Annotated[int, Field(gt=0)] | None = None
    """Characters one message may hold on this channel, or ``None`` for no limit.

    Used when composing what is sent on the channel. Interactions are records
    of what happened, so a stored message longer than this (a chat transcript,
    a joined multi-part SMS) is kept, not rejected."""
    identity_assurance: Assurance = Assurance.LOW
    description: str = ""

    @property
    def is_live(self) -> bool:
        """True for channels where the customer waits on the line (phone, chat, video)."""
        return self.mode is ChannelMode.LIVE

    @property
    def is_public(self) -> bool:
        """True when people other than the customer can read the channel."""
        return self.visibility is Visibility.PUBLIC


def _builtin_profiles() -> tuple[ChannelProfile, ...]:
    live, async_ = ChannelMode.LIVE, ChannelMode.ASYNC
    public, private = Visibility.PUBLIC, Visibility.PRIVATE
    a = Assurance
    rows: list[tuple[Channel, ChannelMode, Visibility, int | None, Assurance, str]] = [
        (Channel.EMAIL, async_, private, None, a.MEDIUM, "Email"),
        (Channel.CHAT, live, private, None, a.LOW, "Live chat on a website or app"),
        (Channel.PHONE, live, private, None, a.MEDIUM, "Voice call (caller id is spoofable)"),
        (Channel.SMS, async_, private, 160, a.MEDIUM, "Text message (one GSM-7 segment)"),
        (Channel.WHATSAPP, async_, private, 4096, a.MEDIUM, "WhatsApp messaging"),
        (Channel.SOCIAL_PUBLIC, async_, public, 280, a.LOW, "Public social post or reply"),
        (Channel.SOCIAL_PRIVATE, async_, private, 10000, a.LOW, "Social direct message"),
        (Channel.WEB, async_, private, None, a.NONE, "Web form"),
        (Channel.APP, async_, private, None, a.HIGH, "Signed-in mobile or web app"),
        (Channel.IN_PERSON, live, private, None, a.HIGH, "Face to face, identity shown"),
        (Channel.VIDEO, live, private, None, a.MEDIUM, "Video call"),
    ]
    return tuple(
        ChannelProfile(
            name=name.value,
            mode=mode,
            visibility=vis,
            max_message_length=limit,
            identity_assurance=assurance,
            description=desc,
        )
        for name, mode, vis, limit, assurance, desc in rows
    )


@attrs.frozen
class ChannelRegistry(Mapping[str, ChannelProfile]):
    """An immutable set of channel profiles, by name.

    Use :meth:`with_channels` to get a registry that also knows your own
    channels; the original is unchanged.

    >>> reg = BUILTIN_CHANNELS.with_channels(ChannelProfile(name="kiosk", mode="live"))
    >>> reg["kiosk"].is_live
    True
    >>> reg["pager"]
    Traceback (most recent call last):
    ...
    omnicontext.errors.UnknownChannel: invalid channel: channel='pager': unknown channel ...
    """

    _profiles: Mapping[str, ChannelProfile] = attrs.field(
        alias="profiles", repr=False, converter=_copy_table
    )

    @classmethod
    def of(cls, profiles: Iterable[ChannelProfile]) -> ChannelRegistry:
        """Build a registry from profiles; two profiles with one name are rejected."""
        table: dict[str, ChannelProfile] = {}
        for profile in profiles:
            if profile.name in table:
                raise InvalidInput(
                    "channel registry",
                    [FieldError("name", profile.name, "registered twice")],
                )
            table[profile.name] = profile
        return cls(profiles=table)

    def with_channels(self, *profiles: ChannelProfile, replace: bool = False) -> ChannelRegistry:
        """A new registry with ``profiles`` added.

        Redefining a name already registered raises ``InvalidInput`` unless
        ``replace=True``.
        """
        table = dict(self._profiles)
        for profile in profiles:
            existing = table.get(profile.name)
            if existing is not None and existing != profile and not replace:
                raise InvalidInput(
                    "channel registry",
                    [
                        FieldError(
                            "name",
                            profile.name,
                            "already registered with a different profile (pass replace=True)",
                        )
                    ],
                )
            table[profile.name] = profile
        return ChannelRegistry(profiles=table)

    def names(self) -> tuple[str, ...]:
        """Registered names, sorted."""
        return tuple(sorted(self._profiles))

    def __getitem__(self, name: str) -> ChannelProfile:
        try:
            return self._profiles[name]
        except KeyError:
            raise UnknownChannel(
                "channel", [FieldError("channel", name, "unknown channel")], self.names()
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._profiles)

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, name: object) -> bool:
        return name in self._profiles

    @overload
    def get(self, name: str, /) -> ChannelProfile | None: ...
    @overload
    def get(self, name: str, /, default: ChannelProfile | _T) -> ChannelProfile | _T: ...
    def get(self, name: str, /, default: object = None) -> object:
        """The profile named ``name``, or ``default`` when it is not registered.

        Unlike ``registry[name]``, which raises
        :class:`~omnicontext.errors.UnknownChannel`, this never raises.
        """
        return self._profiles.get(name, default)


BUILTIN_CHANNELS: ChannelRegistry = ChannelRegistry.of(_builtin_profiles())
"""The eleven built-in channels (see :class:`Channel`)."""

_CURRENT: contextvars.ContextVar[ChannelRegistry] = contextvars.ContextVar(
    "omnicontext_channels", default=BUILTIN_CHANNELS
)


def current_channels() -> ChannelRegistry:
    """The registry in force in this context (``BUILTIN_CHANNELS`` unless changed).

    >>> current_channels() is BUILTIN_CHANNELS
    True
    """
    return _CURRENT.get()


@contextlib.contextmanager
def use_channels(registry: ChannelRegistry) -> Iterator[ChannelRegistry]:
    """Validate channel names against ``registry`` inside the ``with`` block.

    Scoped to the current thread or task (a :mod:`contextvars` variable), so
    concurrent code with different registries does not interfere.

    >>> from omnicontext.model import Message
    >>> reg = BUILTIN_CHANNELS.with_channels(ChannelProfile(name="line", mode="async"))
    >>> with use_channels(reg):
    ...     m = Message(id="m1", occurred_at="2026-01-05T09:00:00Z", channel="line",
    ...                  customer_id="c1", actor="customer", direction="inbound",
    ...                  body="hi")
    >>> m.channel
    'line'
    """
    token = _CURRENT.set(registry)
    try:
        yield registry
    finally:
        _CURRENT.reset(token)


#: Key of a pydantic validation context that selects the registry, or ``None``
#: to accept any well-formed name (stores use this when reading back their own
#: records, which were checked when written).
CONTEXT_KEY = "channels"


def _check_channel(value: str, info: ValidationInfo) -> str:
    registry: ChannelRegistry | None
    context: Any = info.context
    if isinstance(context, Mapping) and CONTEXT_KEY in context:
        registry = context[CONTEXT_KEY]
    else:
        registry = _CURRENT.get()
    if registry is not None and value not in registry:
        known = ", ".join(registry.names())
        raise PydanticCustomError(
            "unknown_channel",
            "unknown channel",
            {"channel": value, "known": known},
        )
    return value


ChannelName = Annotated[
    str,
    Field(pattern=CHANNEL_NAME_PATTERN, examples=[c.value for c in Channel]),
    AfterValidator(_check_channel),
]
"""A channel name checked against the registry in force (use it as a field type)."""

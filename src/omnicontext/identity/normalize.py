"""Identifier normalisation: one canonical spelling per email, phone, handle and id.

A customer writes ``Ada@Example.COM`` in one channel and ``ada@example.com`` in
another; a phone number arrives as ``+44 (0)20 7946 0958`` from a web form and as
``020 7946 0958`` from a call centre in London. :func:`normalize` turns each into
one canonical :class:`~omnicontext.model.Identity`, so equal identifiers get
equal :attr:`~omnicontext.model.Identity.key` values and can be matched.

The rules, by kind:

``phone``
    E.164 (``+442079460958``), read with :mod:`phonenumbers`. A number written
    without a leading ``+`` needs a region (``region=`` or
    :attr:`NormalizeOptions.default_region`); it is never guessed. An extension
    is kept, RFC 3966 style (``+16502530000;ext=123``). ``tel:`` URIs are accepted.
``email``
    Checked with :mod:`email_validator` (syntax only: no DNS query is ever made).
    The domain is lower-cased and IDNA-encoded to its ASCII (A-label) form; the
    local part is NFC-normalised and case-folded. ``mailto:`` URIs are accepted;
    ``Name <address>`` forms and quoted local parts are not.
``social``
    ``@handle`` on a named platform, case-folded: ``twitter:@Foo_Bar`` and
    ``https://twitter.com/foo_bar`` are the same identity.
``external``
    An id in another system, kept exactly as given (ids elsewhere may be
    case-sensitive), with the system name lower-cased.

Every function here is pure: no I/O, no state kept between calls, safe to call
from many threads at once.

Emails are checked by email-validator (2.3 or later) with every option passed
explicitly, so its module-level defaults never matter: ``check_deliverability``
is off (no DNS), and so is ``globally_deliverable``, because an identifier need
not be reachable from the internet to name a customer: addresses at internal
domains (``ada@helpdesk``, ``ada@corp.internal``) are accepted. The library's
special-use names (``localhost``, ``.local``, ``.test``, ``.invalid``,
``.onion``, ``.arpa``) are still rejected. A plain ASCII address takes a fast
path that gives exactly the library's result in a tenth of its time; anything
else (non-ASCII, Punycode, anything odd) goes to the library itself.

>>> normalize("phone", "+44 (0)20 7946 0958").key
'phone:+442079460958'
>>> normalize("email", "Ada@Bücher.Example").key
'email:ada@xn--bcher-kva.example'
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import attrs
import email_validator
import phonenumbers

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model.customer import Identity, IdentityKind

__all__ = [
    "InvalidIdentity",
    "NormalizeOptions",
    "normalize",
    "normalize_identity",
    "same_identifier",
]


class InvalidIdentity(InvalidInput):
    """An identifier that cannot be normalised: names kind, value and why.

    ``kind`` is the identity kind asked for, ``raw`` the value given (before any
    trimming) and ``reason`` says what is wrong; ``errors`` holds one
    :class:`~omnicontext.errors.FieldError` for the field ``value``.

    >>> err = InvalidIdentity("phone", "020 7946", "not a valid phone number")
    >>> print(err)
    invalid identity: value='020 7946': not a valid phone number (kind phone)
    >>> err.kind, err.raw, err.errors[0].field
    ('phone', '020 7946', 'value')
    """

    def __init__(self, kind: str, value: object, reason: str) -> None:
        self.kind = kind
        self.raw = value
        self.reason = reason
        super().__init__("identity", [FieldError("value", value, reason)])

    def _message(self) -> str:
        return f"{super()._message()} (kind {self.kind})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.raw, self.reason))


class _Rejected(Exception):
    """Raised by the per-kind helpers; :func:`normalize` adds kind and value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- regions and options -------------------------------------------------------------------------

_REGIONS: Final = frozenset(phonenumbers.SUPPORTED_REGIONS)


def _region(region: object) -> str:
    """``region`` as an upper-case region code phonenumbers knows; ``_Rejected`` if not."""
    if not isinstance(region, str):
        raise _Rejected(f"region must be an ISO 3166 alpha-2 code such as 'GB', not {region!r}")
    code = region.strip().upper()
    if code not in _REGIONS:
        raise _Rejected(
            f"unknown region {region!r}: expected an ISO 3166 alpha-2 code "
            "such as 'GB', 'US' or 'DE'"
        )
    return code


def _default_region(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return _region(value)
    except _Rejected as exc:
        raise InvalidInput(
            "normalize options", [FieldError("default_region", value, exc.reason)]
        ) from None


def _check_bool(_instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(
            "normalize options", [FieldError(attribute.name, value, "must be true or false")]
        )


@attrs.frozen(kw_only=True)
class NormalizeOptions:
    """How :func:`normalize` treats the parts of an identifier where sites differ.

    :param casefold_email_local: case-fold the part of an email address before
        the ``@`` (on by default: nearly every mail system ignores its case, and
        customers type it either way).
    :param strip_plus_tag: drop a ``+tag`` from the local part (``ada+shop@x.com``
        becomes ``ada@x.com``). Off by default: not every mail system treats
        ``+`` as a sub-address separator.
    :param default_region: the ISO 3166 alpha-2 region used to read phone numbers
        written without a leading ``+`` when ``region=`` is not given. Stored in
        upper case; an unknown region raises
        :class:`~omnicontext.errors.InvalidInput` naming ``default_region``.

    >>> opts = NormalizeOptions(default_region="gb")
    >>> opts.default_region
    'GB'
    >>> normalize("phone", "020 7946 0958", options=opts).value
    '+442079460958'
    >>> NormalizeOptions(default_region="XX")
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid normalize options: default_region='XX': ...
    """

    casefold_email_local: bool = attrs.field(default=True, validator=_check_bool)
    strip_plus_tag: bool = attrs.field(default=False, validator=_check_bool)
    default_region: str | None = attrs.field(default=None, converter=_default_region)


_DEFAULT_OPTIONS: Final = NormalizeOptions()


# -- shared helpers ------------------------------------------------------------------------------

_SCOPE: Final = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
"""A platform or system name (after lower-casing)."""


def _scope(name: object, what: str) -> str:
    """A platform or system name, trimmed and lower-cased; ``_Rejected`` if malformed."""
    if not isinstance(name, str):
        raise _Rejected(f"{what} must be a string, not {type(name).__name__}")
    scope = name.strip().lower()
    if not _SCOPE.fullmatch(scope):
        raise _Rejected(
            f"{what} {name!r} is not a valid {what} name: a letter, then up to 63 "
            "letters, digits, '_', '.' or '-'"
        )
    return scope


def _fold(text: str) -> str:
    """Case-fold ``text`` in NFC form (also NFC before folding, so the result is stable)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


# -- phone ---------------------------------------------------------------------------------------

_PLUS: Final = ("+", "\uff0b")  # ASCII and full-width plus signs

_PHONE_REASONS: Final = {
    phonenumbers.NumberParseException.NOT_A_NUMBER: "is not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: (
        "is too short after the international prefix (00, 011...)"
    ),
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "is too long to be a phone number",
}


def _phone(text: str, region: str | None) -> str:
    if text[:4].lower() == "tel:":
        text = text[4:].lstrip()
    if not text or not (text[0] in _PLUS or text[0] == "(" or text[0].isdigit()):
        raise _Rejected("a phone number starts with '+', a digit or '('")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            if region is None and not text.lstrip("(").startswith(_PLUS):
                raise _Rejected(
                    "a number without a leading '+' (international form) needs a region to "
                    "be read: pass region= or set NormalizeOptions.default_region (the "
                    "region is never guessed)"
                ) from None
            raise _Rejected("has an unknown country calling code") from None
        reason = _PHONE_REASONS.get(exc.error_type, "is not a phone number")
        raise _Rejected(reason) from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        raise _Rejected(
            f"is not a valid phone number (read as {e164}, which the numbering plan of "
            "its country does not allow: wrong length or an unused range)"
        )
    if number.extension:
        return f"{e164};ext={number.extension}"
    return e164


# -- email ---------------------------------------------------------------------------------------

# The fast path: what email_validator accepts unchanged and quickly, checked here
# in a few microseconds. Anything else goes to the library (see _email_slow).
_ATEXT: Final = r"A-Za-z0-9_!#$%&'*+\-/=?^`{|}~"
_ASCII_LOCAL: Final = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*")
# Labels of letters, digits and inner hyphens, at most 63 long; a "--" in the
# third and fourth places (Punycode "xn--" or a reserved R-LDH label) needs IDNA
# checks, so such domains take the slow path.
_ASCII_LABEL: Final = r"(?![A-Za-z0-9-]{2}--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ASCII_DOMAIN: Final = re.compile(rf"{_ASCII_LABEL}(?:\.{_ASCII_LABEL})*")
_EMAIL_MAX_LENGTH: Final = 254  # octets, RFC 5321 4.5.3.1.3 (as email_validator checks)
# Top-level names email_validator rejects as special-use (localhost, test...),
# as the library ships them. Each is a single label, so "is or ends with .name"
# is "the last label is name" (a test checks both).
_SPECIAL_USE: Final = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _email_fast(local: str, domain: str) -> str | None:
    """The ASCII domain if ``local@domain`` is a plain ASCII address, else ``None``."""
    if (
        local.isascii()
        and domain.isascii()
        and len(local) + len(domain) < _EMAIL_MAX_LENGTH
        and _ASCII_LOCAL.fullmatch(local)
        and _ASCII_DOMAIN.fullmatch(domain)
    ):
        domain = domain.lower()
        if domain.rpartition(".")[2] not in _SPECIAL_USE:
            return domain
    return None


def _email_slow(local: str, domain: str) -> str:
    """The ASCII (A-label) domain of ``local@domain`` as email_validator checks it."""
    try:
        result = email_validator.validate_email(
            f"{local}@{domain}",
            allow_smtputf8=True,
            allow_empty_local=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=False,
            check_deliverability=False,
            test_environment=False,
            globally_deliverable=False,
        )
    except email_validator.EmailNotValidError as exc:
        message = str(exc).rstrip(".")
        raise _Rejected(message[:1].lower() + message[1:]) from None
    return result.ascii_domain


def _email(text: str, options: NormalizeOptions, *, fast: bool = True) -> str:
    """The canonical form of the address ``text`` (already trimmed)."""
    if text[:7].lower() == "mailto:":
        # RFC 6068: header fields follow a "?", and the address is percent-encoded.
        try:
            text = unquote(text[7:].partition("?")[0], errors="strict").strip()
        except UnicodeDecodeError:
            raise _Rejected("the mailto: URI has a percent-escape that is not UTF-8") from None
        if not text:
            raise _Rejected("the mailto: URI has no address")
    if "<" in text or ">" in text:
        raise _Rejected(
            "looks like a 'Name <address>' form: pass the address alone (the name is "
            "not part of the identifier)"
        )
    if text.startswith('"'):
        raise _Rejected('quoted local parts ("..."@domain) are not accepted')
    ats = text.count("@")
    if ats != 1:
        if ats:
            raise _Rejected("an email address has exactly one '@', this one has several")
        hint = " (found a full-width at-sign; use '@')" if "\uff20" in text else ""
        raise _Rejected(f"an email address has exactly one '@', this one has none{hint}")
    local, _, domain = text.partition("@")
    if domain.endswith("."):
        domain = domain[:-1]  # the root label: "example.com." is "example.com"
    ascii_domain = _email_fast(local, domain) if fast else None
    if ascii_domain is None:
        ascii_domain = _email_slow(local, domain)
    if not local.isascii():
        local = unicodedata.normalize("NFC", local)
    if options.strip_plus_tag:
        base = local.partition("+")[0]
        # "+tag@x" or "ada.+tag@x" have no valid address without the tag: keep them whole.
        if base and not base.endswith("."):
            local = base
    if options.casefold_email_local:
        local = _fold(local)
    address = f"{local}@{ascii_domain}"
    if not address.isascii() and len(address.encode()) > _EMAIL_MAX_LENGTH:
        # Case folding can lengthen a local part: "İ" (2 bytes) folds to "i" and a
        # combining dot (3 bytes).
        raise _Rejected("the email address is too long once case-folded")
    return address


# -- social --------------------------------------------------------------------------------------

_HANDLE: Final = re.compile(r"[\w.]{1,64}")
_PLATFORM_HANDLES: Final = {
    "twitter": (re.compile(r"[a-z0-9_]{1,15}"), "1-15 letters, digits or '_'"),
    "x": (re.compile(r"[a-z0-9_]{1,15}"), "1-15 letters, digits or '_'"),
    "instagram": (re.compile(r"[a-z0-9._]{1,30}"), "1-30 letters, digits, '.' or '_'"),
    "tiktok": (re.compile(r"[a-z0-9._]{2,24}"), "2-24 letters, digits, '.' or '_'"),
}
_PROFILE_HOSTS: Final = {
    "twitter.com": "twitter",
    "x.com": "x",
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "tiktok.com": "tiktok",
}
_HOST_PREFIXES: Final = ("www.", "mobile.", "m.")


def _profile_url(text: str) -> tuple[str, str]:
    """Platform and handle from a profile URL (``https://twitter.com/Foo_Bar``)."""
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        raise _Rejected("is not a valid URL") from None
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    platform = _PROFILE_HOSTS.get(host)
    if platform is None:
        raise _Rejected(
            f"profile URLs are understood for {', '.join(_PROFILE_HOSTS)} only; "
            "pass the handle with platform="
        )
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 1:
        raise _Rejected(f"is not a profile URL: expected https://{host}/<handle>")
    handle = segments[0]
    if handle.lower() == "profile.php":
        raise _Rejected(
            "a facebook profile.php?id= URL carries a numeric account id, not a handle; "
            "record it as an external id"
        )
    return platform, handle


def _social(text: str, platform: str | None) -> tuple[str, str]:
    """Platform and ``@handle`` of the social identifier ``text`` (already trimmed)."""
    given = None if platform is None else _scope(platform, "platform")
    if text[:8].lower() == "https://" or text[:7].lower() == "http://":
        found, handle = _profile_url(text)
    elif ":" in text:
        prefix, _, handle = text.partition(":")
        found = _scope(prefix, "platform")
        handle = handle.strip()
    elif given is None:
        raise _Rejected(
            "a social handle needs its platform: pass platform= or write 'twitter:@handle'"
        )
    else:
        found, handle = given, text
    if given is not None and found != given:
        raise _Rejected(f"the value names platform {found!r} but platform={given!r} was given")
    if handle.startswith("@"):
        handle = handle[1:]
    handle = _fold(handle)
    if not handle:
        raise _Rejected("the handle is empty")
    if not _HANDLE.fullmatch(handle):
        raise _Rejected("a handle is 1-64 letters, digits, '_' or '.' after the '@'")
    rule = _PLATFORM_HANDLES.get(found)
    if rule is not None and not rule[0].fullmatch(handle):
        raise _Rejected(f"a handle on {found} is {rule[1]} after the '@'")
    return found, "@" + handle


# -- external ------------------------------------------------------------------------------------

_ID_MAX_LENGTH: Final = 256
_ASCII_BAD_ID_CHAR: Final = re.compile(r"[\x00-\x20\x7f]")
_BAD_ID_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


def _external(text: str, system: str | None) -> tuple[str, str]:
    """System and id of the external identifier ``text`` (already trimmed).

    With ``system=`` given, a leading ``"<system>:"`` in the value is dropped and
    the rest is the id, colons and all (``gid://shopify/Customer/1`` is one id).
    """
    if system is not None:
        found = _scope(system, "system")
        if text[: len(found) + 1].lower() == found + ":":
            text = text[len(found) + 1 :]
    else:
        prefix, colon, text = text.partition(":")
        if not colon:
            raise _Rejected(
                "an external id needs its system: pass system= or write 'shopify:8812'"
            )
        found = _scope(prefix, "system")
    ident = text.strip()
    if not ident:
        raise _Rejected("the id is empty")
    if len(ident) > _ID_MAX_LENGTH:
        raise _Rejected(f"an external id has at most {_ID_MAX_LENGTH} characters")
    if ident.isascii():
        bad = _ASCII_BAD_ID_CHAR.search(ident)
        if bad is not None:
            raise _Rejected(f"an external id has no whitespace or control characters: {bad[0]!r}")
    else:
        for char in ident:
            if char.isspace() or unicodedata.category(char) in _BAD_ID_CATEGORIES:
                raise _Rejected(
                    f"an external id has no whitespace or control characters: {char!r}"
                )
    return found, ident


# -- public API ----------------------------------------------------------------------------------

_KNOWN_KINDS: Final = ", ".join(k.value for k in IdentityKind)


def _kind(kind: object, value: object) -> IdentityKind:
    if isinstance(kind, IdentityKind):
        return kind
    if isinstance(kind, str):
        try:
            return IdentityKind(kind)
        except ValueError:
            pass
    raise InvalidIdentity(
        kind if isinstance(kind, str) else repr(kind),
        value,
        f"unknown identity kind {kind!r}; known kinds: {_KNOWN_KINDS}",
    )


def normalize(
    kind: IdentityKind | str,
    value: str,
    *,
    region: str | None = None,
    platform: str | None = None,
    system: str | None = None,
    verified: bool = False,
    verified_at: datetime | None = None,
    method: str | None = None,
    options: NormalizeOptions | None = None,
) -> Identity:
    """The :class:`~omnicontext.model.Identity` for ``value``, in canonical form.

    Surrounding whitespace is trimmed for every kind; an empty value, a value that
    is not a string and an unknown ``kind`` are rejected.

    ``phone``: E.164 via :mod:`phonenumbers`. A number without a leading ``+``
    (``020 7946 0958``, ``0044 20 7946 0958``) is read in ``region`` (or
    ``options.default_region``); with neither it is rejected, never guessed.
    Extensions are kept, RFC 3966 style (``+16502530000;ext=123``): an office
    switchboard extension reaches a different person than the main number.
    ``tel:`` URIs are accepted.

    ``email``: a ``mailto:`` prefix is accepted; the domain is lower-cased and
    IDNA-encoded to ASCII (``Bücher.example`` is ``xn--bcher-kva.example``) and a
    trailing dot is dropped; the local part is NFC-normalised and case-folded
    (unless ``options.casefold_email_local`` is off), and its ``+tag`` kept
    (unless ``options.strip_plus_tag``). Display-name forms (``Ada <ada@x.com>``)
    and quoted local parts are rejected. Syntax is checked by
    :mod:`email_validator` without any DNS query, and without its "globally
    deliverable" rule, so internal domains (``ada@helpdesk``,
    ``ada@corp.internal``) are accepted; its special-use names (``localhost``,
    ``.local``, ``.test``, ``.invalid``, ``.onion``, ``.arpa``) are rejected.

    ``social``: the platform comes from ``platform=``, from a ``platform:`` prefix
    (``twitter:@Foo_Bar``) or from a profile URL (``https://twitter.com/Foo_Bar``,
    for twitter, x, instagram, facebook and tiktok); if two of them disagree the
    value is rejected. The handle is case-folded and written with one leading
    ``@``. Platforms are names, not aliases: ``x`` is not mapped to ``twitter``
    (the same handle there is a different identity until someone links the two).
    Handles are letters, digits, ``_`` and ``.``; twitter, x, instagram and
    tiktok handles are held to those platforms' own limits.

    ``external``: the system comes from ``system=`` or a ``system:`` prefix and
    is lower-cased; the id keeps its case (``shopify:AbC`` and ``shopify:abc``
    are two identities) and must be 1-256 characters without whitespace or
    control characters.

    ``verified``, ``verified_at`` (timezone-aware) and ``method`` (stored as
    ``verification_method``) are passed to the identity as given; an invalid
    combination raises the model's :class:`~omnicontext.errors.InvalidInput`.

    :raises InvalidIdentity: the value cannot be normalised; the reason says why.

    >>> normalize("phone", "020 7946 0958", region="GB").value
    '+442079460958'
    >>> normalize("social", "twitter:@Foo_Bar").key
    'social:twitter:@foo_bar'
    >>> normalize("external", "AbC-17", system="Shopify").key
    'external:shopify:AbC-17'
    >>> normalize("phone", "020 7946 0958")
    Traceback (most recent call last):
    ...
    omnicontext.identity.normalize.InvalidIdentity: invalid identity: ... needs a region ...
    """
    ident_kind = _kind(kind, value)
    if not isinstance(value, str):
        raise InvalidIdentity(
            ident_kind.value, value, f"must be a string, not {type(value).__name__}"
        )
    text = value.strip()
    opts = _DEFAULT_OPTIONS if options is None else options
    try:
        if not text:
            raise _Rejected("is empty")
        if ident_kind is IdentityKind.EMAIL:
            text = _email(text, opts)
        elif ident_kind is IdentityKind.PHONE:
            if region is not None:
                region = _region(region)
            text = _phone(text, region if region is not None else opts.default_region)
        elif ident_kind is IdentityKind.SOCIAL:
            platform, text = _social(text, platform)
        else:
            system, text = _external(text, system)
    except _Rejected as exc:
        raise InvalidIdentity(ident_kind.value, value, exc.reason) from None
    # Only fields that differ from the model's defaults are passed: validating an
    # explicit None costs as much as the rest of a plain email's normalisation.
    fields: dict[str, Any] = {}
    if platform is not None:
        fields["platform"] = platform
    if system is not None:
        fields["system"] = system
    if verified is not False:
        fields["verified"] = verified
    if verified_at is not None:
        fields["verified_at"] = verified_at
    if method is not None:
        fields["verification_method"] = method
    return Identity(kind=ident_kind, value=text, **fields)


def normalize_identity(
    identity: Identity, *, region: str | None = None, options: NormalizeOptions | None = None
) -> Identity:
    """The same identity with its value (and platform/system) in canonical form,
    verification fields kept.

    ``region`` and ``options`` are as for :func:`normalize`. Normalising an
    identity already in canonical form gives an equal identity.

    >>> ident = Identity(kind="email", value=" Ada@Example.COM", verified=True)
    >>> canonical = normalize_identity(ident)
    >>> canonical.value, canonical.verified
    ('ada@example.com', True)
    >>> normalize_identity(canonical) == canonical
    True
    """
    return normalize(
        identity.kind,
        identity.value,
        region=region,
        platform=identity.platform,
        system=identity.system,
        verified=identity.verified,
        verified_at=identity.verified_at,
        method=identity.verification_method,
        options=options,
    )


def same_identifier(
    a: Identity,
    b: Identity,
    *,
    region: str | None = None,
    options: NormalizeOptions | None = None,
) -> bool:
    """True when ``a`` and ``b`` name the same identifier once normalised.

    Verification does not matter, only the normalised keys. ``region`` and
    ``options`` are as for :func:`normalize`.

    :raises InvalidIdentity: either identity cannot be normalised.

    >>> same_identifier(Identity(kind="phone", value="+44 20 7946 0958"),
    ...                 Identity(kind="phone", value="tel:+44-20-7946-0958"))
    True
    >>> same_identifier(Identity(kind="social", platform="twitter", value="@ada"),
    ...                 Identity(kind="social", platform="x", value="@ada"))
    False
    """
    return (
        normalize_identity(a, region=region, options=options).key
        == normalize_identity(b, region=region, options=options).key
    )

"""Identifier normalisation: phone, email, social and external identities."""

from __future__ import annotations

import importlib
import pickle
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import attrs
import email_validator
import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.identity.normalize import (
    InvalidIdentity,
    NormalizeOptions,
    _email,
    normalize,
    normalize_identity,
    same_identifier,
)
from omnicontext.model import Identity, IdentityKind

from .corpus import CORPUS, Case

# The package re-exports the function ``normalize`` under the module's own name.
module = importlib.import_module("omnicontext.identity.normalize")

VERIFIED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _outcome(case: Case) -> Identity | InvalidIdentity:
    try:
        return normalize(case.kind, case.raw, **case.kwargs)  # type: ignore[arg-type]
    except InvalidIdentity as exc:
        return exc


# -- the corpus ----------------------------------------------------------------------------------


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CORPUS) >= 60
    assert len({c.id for c in CORPUS}) == len(CORPUS)
    for case in CORPUS:
        assert (case.key is None) != (case.rejects is None), case.id


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_corpus(case: Case) -> None:
    if case.rejects is not None:
        with pytest.raises(InvalidIdentity) as info:
            normalize(case.kind, case.raw, **case.kwargs)  # type: ignore[arg-type]
        err = info.value
        assert case.rejects in err.reason
        assert err.raw is case.raw
        assert err.kind == case.kind
        assert str(err).endswith(f"(kind {case.kind})")
        assert err.errors[0].field == "value"
        return
    ident = normalize(case.kind, case.raw, **case.kwargs)  # type: ignore[arg-type]
    assert ident.key == case.key
    # Idempotent: the canonical form normalises to itself, even without a region.
    options = case.kwargs.get("options")
    assert normalize_identity(ident, options=options) == ident
    assert (
        normalize(
            ident.kind, ident.value, platform=ident.platform, system=ident.system, options=options
        )
        == ident
    )


@pytest.mark.parametrize(
    "case",
    [c for c in CORPUS if c.kind == "email" and isinstance(c.raw, str)],
    ids=lambda c: c.id,
)
def test_email_fast_path_gives_the_library_result(case: Case) -> None:
    assert isinstance(case.raw, str)
    text = case.raw.strip()
    options = case.kwargs.get("options") or NormalizeOptions()
    assert _email_outcome(text, options, fast=True) == _email_outcome(text, options, fast=False)


def _email_outcome(text: str, options: NormalizeOptions, *, fast: bool) -> str:
    try:
        return _email(text, options, fast=fast)
    except module._Rejected as exc:
        return f"rejected: {exc.reason}"


_ATEXT = "abcXYZ019_!#$%&'*+-/=?^`{|}~"
_LABELS = st.text("abz09-", min_size=0, max_size=66) | st.sampled_from(
    ["xn--bcher-kva", "xn--zz", "ab--cd", "XN--P1AI", "my--shop", "a", "-a", "a-", "Z9"]
)
_TLDS = st.sampled_from(
    [
        "com",
        "COM",
        "example",
        "test",
        "local",
        "localhost",
        "onion",
        "invalid",
        "arpa",
        "internal",
        "123",
        "xn--p1ai",
        "tEsT",
    ]
)


@st.composite
def _edgy_ascii_addresses(draw: st.DrawFn) -> str:
    local = draw(st.text(_ATEXT + ".", min_size=0, max_size=70))
    labels = draw(st.lists(_LABELS, min_size=0, max_size=4))
    domain = ".".join([*labels, draw(_TLDS)]) + draw(st.sampled_from(["", ".", ".."]))
    return f"{local}@{domain}"


@settings(max_examples=1000)
@given(address=_edgy_ascii_addresses(), folded=st.booleans())
def test_email_fast_path_matches_library_on_ascii_edge_cases(address: str, folded: bool) -> None:
    options = NormalizeOptions(casefold_email_local=folded)
    assert _email_outcome(address, options, fast=True) == _email_outcome(
        address, options, fast=False
    )


def test_fast_path_special_use_names_are_single_labels() -> None:
    # The fast path compares the last label only; that is enough while every
    # special-use name email_validator rejects is a single label.
    assert email_validator.SPECIAL_USE_DOMAIN_NAMES
    assert all("." not in name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)


# -- kinds and values ----------------------------------------------------------------------------


def test_public_names() -> None:
    assert sorted(module.__all__) == [
        "InvalidIdentity",
        "NormalizeOptions",
        "normalize",
        "normalize_identity",
        "same_identifier",
    ]


@pytest.mark.parametrize("kind", [IdentityKind.EMAIL, "email"])
def test_kind_is_an_enum_or_its_value(kind: IdentityKind | str) -> None:
    ident = normalize(kind, "ada@example.com")
    assert ident.kind is IdentityKind.EMAIL


def test_unknown_kind_lists_the_known_kinds() -> None:
    with pytest.raises(InvalidIdentity, match="known kinds: email, phone, social, external"):
        normalize("fax", "+44 20 7946 0958")


def test_non_string_kind_is_rejected() -> None:
    with pytest.raises(InvalidIdentity, match="unknown identity kind 3"):
        normalize(3, "x")  # type: ignore[arg-type]


def test_platform_on_a_non_social_identity_surfaces_the_model_error() -> None:
    with pytest.raises(InvalidInput) as info:
        normalize("email", "ada@example.com", platform="twitter")
    assert type(info.value) is InvalidInput
    assert info.value.field == "platform"


def test_system_on_a_social_identity_surfaces_the_model_error() -> None:
    with pytest.raises(InvalidInput) as info:
        normalize("social", "twitter:@ada", system="crm")
    assert type(info.value) is InvalidInput
    assert info.value.field == "system"


# -- phone ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region"),
    [("+44 (0)20 7946 0958", None), ("020 7946 0958", "GB"), ("0044 20 7946 0958", "GB")],
)
def test_three_spellings_of_one_london_number(value: str, region: str | None) -> None:
    assert normalize("phone", value, region=region).value == "+442079460958"


def test_phone_without_plus_or_region_is_never_guessed() -> None:
    with pytest.raises(InvalidIdentity) as info:
        normalize("phone", "020 7946 0958")
    assert "needs a region" in info.value.reason
    assert "default_region" in info.value.reason


def test_phone_region_is_checked_even_when_not_needed() -> None:
    with pytest.raises(InvalidIdentity, match="unknown region 'Mars'"):
        normalize("phone", "+44 20 7946 0958", region="Mars")


def test_phone_extension_is_a_different_identity() -> None:
    main = normalize("phone", "+1 650-253-0000")
    desk = normalize("phone", "+1 650-253-0000 ext. 123")
    assert desk.value == "+16502530000;ext=123"
    assert main.key != desk.key


def test_region_is_only_read_for_phones() -> None:
    assert normalize("email", "ada@example.com", region="nowhere").value == "ada@example.com"


# -- email ---------------------------------------------------------------------------------------


def test_email_idn_spellings_are_one_address() -> None:
    a = Identity(kind="email", value="ada@Bücher.example")
    b = Identity(kind="email", value="ada@xn--bcher-kva.example")
    assert same_identifier(a, b)


def test_email_options_change_the_local_part_only() -> None:
    both = NormalizeOptions(casefold_email_local=False, strip_plus_tag=True)
    assert normalize("email", "Ada+Shop@EXAMPLE.com", options=both).value == "Ada@example.com"
    # "ada.+x" would leave "ada." (not an address): the tag stays.
    assert normalize("email", "ada.+x@example.com", options=both).value == "ada.+x@example.com"


def test_email_too_long_once_folded_is_rejected() -> None:
    # "İ" is two bytes in UTF-8 and folds to "i" plus a combining dot, three bytes:
    # 84 of them fit in an address (180 bytes) but not once folded (264 bytes).
    with pytest.raises(InvalidIdentity, match="too long once case-folded"):
        normalize("email", "İ" * 84 + "@example.com")
    kept = NormalizeOptions(casefold_email_local=False)
    assert normalize("email", "İ" * 84 + "@example.com", options=kept).value.startswith("İ")


# -- social --------------------------------------------------------------------------------------


def test_x_is_not_twitter() -> None:
    assert normalize("social", "x:@foo").key == "social:x:@foo"
    assert normalize("social", "twitter:@foo").key == "social:twitter:@foo"
    assert not same_identifier(
        Identity(kind="social", platform="x", value="@foo"),
        Identity(kind="social", platform="twitter", value="@foo"),
    )


def test_profile_url_and_handle_give_one_key() -> None:
    url = normalize("social", "https://twitter.com/Foo_Bar")
    handle = normalize("social", "@foo_bar", platform="twitter")
    assert url == handle


def test_platform_must_be_a_string() -> None:
    with pytest.raises(InvalidIdentity, match="platform must be a string"):
        normalize("social", "@foo", platform=7)  # type: ignore[arg-type]


# -- external ------------------------------------------------------------------------------------


def test_external_ids_keep_their_case() -> None:
    a = normalize("external", "shopify:AbC")
    b = normalize("external", "shopify:abc")
    assert a.key != b.key


# -- verification --------------------------------------------------------------------------------


def test_verification_fields_are_carried() -> None:
    ident = normalize(
        "email", "Ada@Example.com", verified=True, verified_at=VERIFIED_AT, method="email_link"
    )
    assert (ident.verified, ident.verified_at, ident.verification_method) == (
        True,
        VERIFIED_AT,
        "email_link",
    )


def test_naive_verified_at_surfaces_the_model_error() -> None:
    with pytest.raises(InvalidInput) as info:
        normalize("email", "ada@example.com", verified=True, verified_at=datetime(2026, 1, 5))
    assert type(info.value) is InvalidInput
    assert info.value.field == "verified_at"
    assert "timezone-aware" in str(info.value)


def test_verified_at_without_verified_surfaces_the_model_error() -> None:
    with pytest.raises(InvalidInput) as info:
        normalize("phone", "+44 20 7946 0958", verified_at=VERIFIED_AT)
    assert type(info.value) is InvalidInput
    assert info.value.field == "verified"


def test_normalize_identity_keeps_verification() -> None:
    raw = Identity(
        kind="social",
        platform="Twitter",
        value="Foo_Bar",
        verified=True,
        verified_at=VERIFIED_AT,
        verification_method="signed_in",
    )
    ident = normalize_identity(raw)
    assert ident.key == "social:twitter:@foo_bar"
    assert ident.verified is True
    assert ident.verified_at == VERIFIED_AT
    assert ident.verification_method == "signed_in"


def test_normalize_identity_uses_region_for_phones() -> None:
    raw = Identity(kind="phone", value="020 7946 0958")
    assert normalize_identity(raw, region="GB").value == "+442079460958"
    with pytest.raises(InvalidIdentity, match="needs a region"):
        normalize_identity(raw)


# -- same_identifier -----------------------------------------------------------------------------


def test_same_identifier() -> None:
    email = Identity(kind="email", value="Ada@Example.COM")
    assert same_identifier(email, Identity(kind="email", value="mailto:ada@example.com"))
    assert not same_identifier(email, Identity(kind="email", value="ada+x@example.com"))
    assert same_identifier(
        email,
        Identity(kind="email", value="ada+x@example.com"),
        options=NormalizeOptions(strip_plus_tag=True),
    )
    phone = Identity(kind="phone", value="020 7946 0958")
    assert same_identifier(phone, Identity(kind="phone", value="+442079460958"), region="GB")
    assert not same_identifier(email, Identity(kind="external", system="crm", value="ada"))


def test_same_identifier_raises_for_invalid_input() -> None:
    good = Identity(kind="email", value="ada@example.com")
    with pytest.raises(InvalidIdentity):
        same_identifier(good, Identity(kind="email", value="not an address"))


# -- InvalidIdentity and NormalizeOptions --------------------------------------------------------


def test_invalid_identity_shape() -> None:
    err = InvalidIdentity("phone", "020 7946", "not a valid phone number")
    assert isinstance(err, InvalidInput)
    assert isinstance(err, ValueError)
    assert str(err) == (
        "invalid identity: value='020 7946': not a valid phone number (kind phone)"
    )
    assert (err.kind, err.raw, err.reason, err.subject) == (
        "phone",
        "020 7946",
        "not a valid phone number",
        "identity",
    )
    assert (err.field, err.value) == ("value", "020 7946")


def test_invalid_identity_pickles() -> None:
    with pytest.raises(InvalidIdentity) as info:
        normalize("phone", "020 7946 0958")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is InvalidIdentity
    assert str(copy) == str(info.value)
    assert (copy.kind, copy.raw, copy.errors) == (
        info.value.kind,
        "020 7946 0958",
        info.value.errors,
    )


def test_options_defaults() -> None:
    opts = NormalizeOptions()
    assert opts.casefold_email_local is True
    assert opts.strip_plus_tag is False
    assert opts.default_region is None


def test_options_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        NormalizeOptions().strip_plus_tag = True  # type: ignore[misc]


@pytest.mark.parametrize("region", ["XX", "GBR", "", 44])
def test_options_reject_a_bad_region(region: object) -> None:
    with pytest.raises(InvalidInput) as info:
        NormalizeOptions(default_region=region)  # type: ignore[arg-type]
    assert info.value.field == "default_region"
    assert info.value.value == region


@pytest.mark.parametrize("field", ["casefold_email_local", "strip_plus_tag"])
def test_options_reject_non_bool_flags(field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        NormalizeOptions(**{field: "yes"})  # type: ignore[arg-type]
    assert info.value.field == field


# -- idempotence across kinds --------------------------------------------------------------------

_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
_NUMBER_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.VOIP,
]
_FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]


def _check_idempotent(ident: Identity, **kwargs: Any) -> None:
    again = normalize_identity(ident, **kwargs)
    assert again == ident
    assert normalize_identity(again, **kwargs) == ident


@settings(max_examples=300)
@given(
    region=st.sampled_from(_REGIONS),
    number_type=st.sampled_from(_NUMBER_TYPES),
    fmt=st.sampled_from(_FORMATS),
    ext=st.none() | st.from_regex(r"[0-9]{1,6}", fullmatch=True),
)
def test_phone_idempotent(region: str, number_type: int, fmt: int, ext: str | None) -> None:
    example = phonenumbers.example_number_for_type(region, number_type)
    assume(example is not None)
    assert example is not None
    text = phonenumbers.format_number(example, fmt)
    if ext is not None:
        text += f" ext. {ext}"
    ident = normalize("phone", text, region=region.lower())
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert ident.value == (e164 if ext is None else f"{e164};ext={ext}")
    _check_idempotent(ident)


_LOCAL_ASCII = st.from_regex(r"[A-Za-z0-9]{1,10}(\.[A-Za-z0-9_+-]{1,8}){0,2}", fullmatch=True)
_LOCAL_UNICODE = st.text(
    st.characters(categories=["Ll", "Lu", "Lo", "Nd"]), min_size=1, max_size=12
)
_LABEL = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8})?", fullmatch=True) | st.sampled_from(
    ["bücher", "münchen", "пример", "例え", "straße", "xn--bcher-kva", "ελληνικά"]
)
_TLD = st.sampled_from(["com", "org", "example", "de", "рф", "xn--p1ai", "internal"])


@st.composite
def _emails(draw: st.DrawFn) -> str:
    local = draw(_LOCAL_ASCII | _LOCAL_UNICODE)
    labels = draw(st.lists(_LABEL, min_size=0, max_size=3))
    domain = ".".join([*labels, draw(_TLD)])
    if draw(st.booleans()):
        domain = domain.upper()
    return f"{local}@{domain}"


@settings(max_examples=300)
@given(address=_emails(), folded=st.booleans(), stripped=st.booleans())
def test_email_idempotent(address: str, folded: bool, stripped: bool) -> None:
    options = NormalizeOptions(casefold_email_local=folded, strip_plus_tag=stripped)
    ident = normalize("email", address, options=options)
    _check_idempotent(ident, options=options)
    assert _email_outcome(address, options, fast=True) == _email_outcome(
        address, options, fast=False
    )


_HANDLES = {
    "twitter": r"@?[A-Za-z0-9_]{1,15}",
    "x": r"@?[A-Za-z0-9_]{1,15}",
    "instagram": r"@?[A-Za-z0-9._]{1,30}",
    "tiktok": r"@?[A-Za-z0-9._]{2,24}",
    "facebook": r"@?[A-Za-z0-9.]{5,50}",
    "mastodon": r"@?\w{1,64}",
}


@st.composite
def _social(draw: st.DrawFn) -> tuple[str, str]:
    platform = draw(st.sampled_from(sorted(_HANDLES)))
    handle = draw(st.from_regex(_HANDLES[platform], fullmatch=True))
    # "\w" also matches characters that fold to something else ("ß", "ﬁ"): keep those
    # the folded handle still accepts.
    assume(module._HANDLE.fullmatch(module._fold(handle.removeprefix("@"))))
    return platform, handle


@settings(max_examples=300)
@given(pair=_social(), as_prefix=st.booleans())
def test_social_idempotent(pair: tuple[str, str], as_prefix: bool) -> None:
    platform, handle = pair
    if as_prefix:
        ident = normalize("social", f"{platform.upper()}:{handle}")
    else:
        ident = normalize("social", handle, platform=platform)
    assert ident.platform == platform
    assert ident.value.startswith("@")
    _check_idempotent(ident)


@settings(max_examples=200)
@given(
    system=st.from_regex(r"[a-zA-Z][a-zA-Z0-9_.-]{0,20}", fullmatch=True),
    ident=st.text(
        st.characters(exclude_categories=["Cc", "Cf", "Cs", "Zs", "Zl", "Zp"]),
        min_size=1,
        max_size=40,
    ).map(str.strip),
)
def test_external_idempotent(system: str, ident: str) -> None:
    assume(ident and not any(c.isspace() for c in ident))
    result = normalize("external", ident, system=system)
    assert result.system == system.lower()
    _check_idempotent(result)


# -- purity --------------------------------------------------------------------------------------


def test_threads_agree_with_a_single_thread() -> None:
    expected = [_outcome(c) for c in CORPUS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_outcome, CORPUS * 8))
    for got, want in zip(results, expected * 8, strict=True):
        if isinstance(want, InvalidIdentity):
            assert isinstance(got, InvalidIdentity)
            assert str(got) == str(want)
        else:
            assert got == want

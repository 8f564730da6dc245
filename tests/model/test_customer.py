"""Customers, their identities and their contact consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from omnicontext.errors import FieldError, InvalidInput, UnknownChannel
from omnicontext.model import ContactConsent, Customer, Identity, IdentityKind
from omnicontext.testing import factories as f

VERIFIED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# -- identities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"kind": "email", "value": "ada@example.com"}, "email:ada@example.com"),
        ({"kind": "phone", "value": "+442079460958"}, "phone:+442079460958"),
        ({"kind": "social", "platform": "twitter", "value": "@ada"}, "social:twitter:@ada"),
        ({"kind": "social", "platform": "instagram", "value": "@ada"}, "social:instagram:@ada"),
        ({"kind": "external", "system": "shopify", "value": "8812"}, "external:shopify:8812"),
        ({"kind": "external", "system": "crm", "value": "a:b"}, "external:crm:a:b"),
    ],
)
def test_identity_key(fields: dict[str, str], key: str) -> None:
    ident = Identity.parse(fields)
    assert ident.key == key
    assert ident.kind is IdentityKind(fields["kind"])
    assert ident.value == fields["value"]


@pytest.mark.parametrize(
    "value", ["Ada@Example.COM", " ada@example.com ", "+44 20 7946 0958", "(020) 7946-0958"]
)
def test_identity_value_is_kept_verbatim(value: str) -> None:
    # Normalisation is the identity package's job; the model records what arrived.
    kind = "email" if "@" in value else "phone"
    ident = Identity(kind=kind, value=value)
    assert ident.value == value
    assert ident.key == f"{kind}:{value}"


def test_same_handle_on_two_platforms_has_two_keys() -> None:
    a = Identity(kind="social", platform="twitter", value="@ada")
    b = Identity(kind="social", platform="facebook", value="@ada")
    assert a.key != b.key
    assert a != b


def test_identity_defaults_to_unverified() -> None:
    ident = Identity(kind="email", value="ada@example.com")
    assert ident.verified is False
    assert ident.verified_at is None
    assert ident.verification_method is None
    assert ident.platform is None
    assert ident.system is None


def test_verified_identity_with_time_and_method() -> None:
    ident = Identity.parse(
        {
            "kind": "phone",
            "value": "+442079460958",
            "verified": True,
            "verified_at": "2026-01-05T10:00:00+01:00",
            "verification_method": "otp_sms",
        }
    )
    assert ident.verified is True
    assert ident.verified_at == VERIFIED_AT
    assert ident.verification_method == "otp_sms"


def test_verified_without_time_or_method_is_allowed() -> None:
    assert Identity(kind="email", value="a@example.com", verified=True).verified_at is None


@pytest.mark.parametrize(
    ("fields", "field", "value", "reason"),
    [
        (
            {"kind": "social", "value": "@ada"},
            "platform",
            None,
            "a social identity names its platform",
        ),
        (
            {"kind": "email", "value": "a@example.com", "platform": "twitter"},
            "platform",
            "twitter",
            "platform is only for social identities, not email",
        ),
        (
            {"kind": "external", "system": "crm", "platform": "twitter", "value": "1"},
            "platform",
            "twitter",
            "platform is only for social identities, not external",
        ),
        (
            {"kind": "external", "value": "8812"},
            "system",
            None,
            "an external identity names its system",
        ),
        (
            {"kind": "phone", "value": "+1", "system": "crm"},
            "system",
            "crm",
            "system is only for external identities, not phone",
        ),
        (
            {"kind": "social", "platform": "twitter", "system": "crm", "value": "@a"},
            "system",
            "crm",
            "system is only for external identities, not social",
        ),
        (
            {
                "kind": "email",
                "value": "a@example.com",
                "verified": False,
                "verified_at": "2026-01-05T09:00:00Z",
            },
            "verified",
            False,
            "verified_at and verification_method need verified=true",
        ),
        (
            {
                "kind": "email",
                "value": "a@example.com",
                "verified": False,
                "verification_method": "link",
            },
            "verified",
            False,
            "verified_at and verification_method need verified=true",
        ),
    ],
)
def test_identity_scope_and_verification_rules(
    fields: dict[str, object], field: str, value: object, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Identity.parse(fields)
    assert caught.value.subject == "identity"
    assert caught.value.errors == (FieldError(field, value, reason),)


def test_verified_at_without_verified_names_the_verified_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        Identity(kind="email", value="a@example.com", verified_at=VERIFIED_AT)
    assert caught.value.field == "verified"
    assert "verified=true" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"kind": "fax", "value": "123"}, "kind", "fax"),
        ({"kind": "email", "value": ""}, "value", ""),
        ({"kind": "email", "value": "x" * 513}, "value", "x" * 513),
        ({"kind": "email"}, "value", None),
        ({"value": "a@example.com"}, "kind", None),
        ({"kind": "social", "platform": "face book", "value": "@a"}, "platform", "face book"),
        ({"kind": "social", "platform": "x:y", "value": "@a"}, "platform", "x:y"),
        ({"kind": "external", "system": "", "value": "1"}, "system", ""),
        ({"kind": "external", "system": "s" * 65, "value": "1"}, "system", "s" * 65),
        (
            {
                "kind": "email",
                "value": "a@example.com",
                "verified": True,
                "verified_at": "2026-01-05T09:00:00",
            },
            "verified_at",
            "2026-01-05T09:00:00",
        ),
        (
            {
                "kind": "email",
                "value": "a@example.com",
                "verified": True,
                "verification_method": "",
            },
            "verification_method",
            "",
        ),
        ({"kind": "email", "value": "a@example.com", "trust": "high"}, "trust", "high"),
    ],
)
def test_bad_identity_names_field_and_value(
    fields: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Identity.parse(fields)
    assert caught.value.field == field
    assert caught.value.value == value
    assert str(caught.value).startswith(f"invalid identity: {field}=")


def test_longest_identity_value_is_accepted() -> None:
    assert len(Identity(kind="email", value="x" * 512).value) == 512


# -- customers -----------------------------------------------------------------------------------


def test_customer_defaults() -> None:
    c = Customer(id="cus_1")
    assert c.version == 0
    assert c.identities == ()
    assert c.consent == {}
    assert c.tags == ()
    assert (c.display_name, c.language, c.time_zone, c.created_at) == (None, None, None, None)


def test_customer_with_everything() -> None:
    c = Customer.parse(
        {
            "id": "cus_1",
            "display_name": "Ada Lovelace",
            "language": "en-GB",
            "time_zone": "Europe/London",
            "identities": [
                {"kind": "email", "value": "ada@example.com", "verified": True},
                {"kind": "social", "platform": "twitter", "value": "@ada"},
            ],
            "consent": {"sms": {"granted": False, "source": "signup_form"}},
            "tags": ["vip", "b2b", "vip"],
            "created_at": "2026-01-05T04:00:00-05:00",
            "version": 3,
        }
    )
    assert c.identities[1].key == "social:twitter:@ada"
    assert c.consent["sms"] == ContactConsent(granted=False, source="signup_form")
    assert c.tags == ("b2b", "vip")
    assert c.created_at == VERIFIED_AT
    assert c.version == 3


def test_identity_lookup_by_key() -> None:
    email = f.identity("email", "ada@example.com")
    handle = f.identity("social", "@ada")
    c = f.customer(identities=[email, handle])
    assert c.identity("social:twitter:@ada") is handle
    assert c.identity("email:ada@example.com") is email
    assert c.identity("email:someone@example.com") is None
    assert c.identity("ada@example.com") is None


def test_identity_listed_twice_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer(id="cus_1", identities=[f.identity(), f.identity(verified=True)])
    err = caught.value
    assert err.field == "identities"
    assert len(err.value) == 2
    assert err.errors[0].reason == "identity 'email:ada@example.com' is listed twice"


def test_same_value_under_two_kinds_is_two_identities() -> None:
    c = Customer(
        id="cus_1",
        identities=[f.identity("external", "42", system="crm"), f.identity("phone", "42")],
    )
    assert [i.key for i in c.identities] == ["external:crm:42", "phone:42"]


# -- consent -------------------------------------------------------------------------------------


def test_consent_per_channel() -> None:
    c = Customer(
        id="cus_1",
        consent={
            "sms": ContactConsent(granted=True, recorded_at=VERIFIED_AT, source="phone_call"),
            "email": {"granted": False},
        },
    )
    assert c.may_contact("sms") is True
    assert c.may_contact("email") is False
    assert c.may_contact("whatsapp") is None
    assert c.may_contact("pager") is None
    assert c.consent["sms"].recorded_at == VERIFIED_AT


def test_consent_for_an_unknown_channel_is_rejected() -> None:
    with pytest.raises(UnknownChannel) as caught:
        Customer(id="cus_1", consent={"pager": {"granted": True}})
    assert caught.value.subject == "customer"
    assert caught.value.field.startswith("consent.pager")
    assert caught.value.value == "pager"
    assert "sms" in caught.value.known


@pytest.mark.parametrize(
    ("consent", "field", "value"),
    [
        ({"sms": {"granted": "maybe"}}, "consent.sms.granted", "maybe"),
        ({"sms": {}}, "consent.sms.granted", None),
        (
            {"sms": {"granted": True, "recorded_at": "2026-01-05T09:00:00"}},
            "consent.sms.recorded_at",
            "2026-01-05T09:00:00",
        ),
        ({"sms": {"granted": True, "by": "me"}}, "consent.sms.by", "me"),
    ],
)
def test_bad_consent_names_the_nested_field(
    consent: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.parse({"id": "cus_1", "consent": consent})
    assert (caught.value.field, caught.value.value) == (field, value)


# -- version -------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [0, 1, 41, 2**40])
def test_version_accepts_non_negative_integers(version: int) -> None:
    assert Customer(id="cus_1", version=version).version == version
    assert Customer.parse_json(f'{{"id": "cus_1", "version": {version}}}').version == version


@pytest.mark.parametrize("version", [-1, True, False, "1", 1.0, 1.5, None])
def test_version_rejects_anything_else(version: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.parse({"id": "cus_1", "version": version})
    assert caught.value.field == "version"
    assert caught.value.value == version
    assert type(caught.value.value) is type(version)


def test_version_rejects_a_json_float() -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.parse_json('{"id": "cus_1", "version": 2.0}')
    assert (caught.value.field, caught.value.value) == ("version", 2.0)


# -- other fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"id": ""}, "id", ""),
        ({"id": " cus_1"}, "id", " cus_1"),
        ({"id": "cus_1\n"}, "id", "cus_1\n"),
        ({"id": "c" * 257}, "id", "c" * 257),
        ({}, "id", None),
        ({"id": "cus_1", "language": "english"}, "language", "english"),
        ({"id": "cus_1", "language": "e"}, "language", "e"),
        ({"id": "cus_1", "time_zone": "Mars/Olympus"}, "time_zone", "Mars/Olympus"),
        ({"id": "cus_1", "time_zone": ""}, "time_zone", ""),
        ({"id": "cus_1", "display_name": "x" * 513}, "display_name", "x" * 513),
        ({"id": "cus_1", "tags": ["vip", ""]}, "tags[1]", ""),
        ({"id": "cus_1", "tags": ["t" * 129]}, "tags[0]", "t" * 129),
        (
            {"id": "cus_1", "created_at": "2026-01-05T09:00:00"},
            "created_at",
            "2026-01-05T09:00:00",
        ),
        ({"id": "cus_1", "created_at": "yesterday"}, "created_at", "yesterday"),
        ({"id": "cus_1", "identities": [{"kind": "email"}]}, "identities[0].value", None),
        ({"id": "cus_1", "email": "ada@example.com"}, "email", "ada@example.com"),
    ],
)
def test_bad_customer_names_field_and_value(
    fields: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.parse(fields)
    assert caught.value.subject == "customer"
    assert caught.value.field == field
    assert caught.value.value == value


@pytest.mark.parametrize("tag", ["en", "EN", "en-GB", "pt-BR", "zh-Hant", "yue", "sr-Latn-RS"])
def test_language_tags(tag: str) -> None:
    assert Customer(id="cus_1", language=tag).language == tag


@pytest.mark.parametrize("zone", ["Europe/London", "Asia/Kolkata", "UTC", "America/St_Johns"])
def test_time_zones(zone: str) -> None:
    assert Customer(id="cus_1", time_zone=zone).time_zone == zone


def test_created_at_keeps_the_instant_across_offsets() -> None:
    here = datetime(2026, 1, 5, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    c = Customer(id="cus_1", created_at=here)
    assert c.created_at == VERIFIED_AT
    assert c.to_dict()["created_at"] == "2026-01-05T14:30:00+05:30"

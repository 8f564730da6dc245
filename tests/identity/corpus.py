"""Tricky identifiers and what normalisation makes of them.

Each case gives the kind, the raw value, the keyword arguments for
:func:`~omnicontext.identity.normalize.normalize`, and either the expected
``Identity.key`` or a fragment of the reason it is rejected.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from omnicontext.identity.normalize import NormalizeOptions


class Case(NamedTuple):
    id: str
    kind: str
    raw: object
    kwargs: dict[str, Any]
    key: str | None = None
    """The expected ``Identity.key``; ``None`` when the value is rejected."""
    rejects: str | None = None
    """A fragment of the rejection reason; ``None`` when the value is accepted."""


def ok(id: str, kind: str, raw: object, key: str, **kwargs: Any) -> Case:
    return Case(id, kind, raw, kwargs, key=key)


def bad(id: str, kind: str, raw: object, rejects: str, **kwargs: Any) -> Case:
    return Case(id, kind, raw, kwargs, rejects=rejects)


GB = "phone:+442079460958"
US = "phone:+16502530000"
ADA = "email:ada@example.com"
FOO = "social:twitter:@foo_bar"
KEEP_CASE = NormalizeOptions(casefold_email_local=False)
STRIP_TAG = NormalizeOptions(strip_plus_tag=True)

PHONE = [
    ok("phone-international-with-trunk", "phone", "+44 (0)20 7946 0958", GB),
    ok("phone-national-gb", "phone", "020 7946 0958", GB, region="GB"),
    ok("phone-idd-00-gb", "phone", "0044 20 7946 0958", GB, region="GB"),
    ok("phone-region-lower-case", "phone", "020 7946 0958", GB, region="gb"),
    ok(
        "phone-region-from-options",
        "phone",
        "020 7946 0958",
        GB,
        options=NormalizeOptions(default_region="GB"),
    ),
    ok(
        "phone-region-argument-wins",
        "phone",
        "(650) 253-0000",
        US,
        region="US",
        options=NormalizeOptions(default_region="GB"),
    ),
    ok("phone-plus-ignores-region", "phone", "+44 20 7946 0958", GB, region="US"),
    ok("phone-surrounding-whitespace", "phone", " \t+44 20 7946 0958\n", GB),
    ok("phone-tel-uri", "phone", "tel:+44-20-7946-0958", GB),
    ok("phone-tel-uri-upper-case", "phone", "TEL:+44-20-7946-0958", GB),
    ok("phone-tel-uri-phone-context", "phone", "tel:7946-0958;phone-context=+44-20", GB),
    ok("phone-extension-ext-dot", "phone", "+1 650-253-0000 ext. 123", US + ";ext=123"),
    ok("phone-extension-rfc3966", "phone", "+16502530000;ext=123", US + ";ext=123"),
    ok("phone-extension-x", "phone", "+1 (650) 253-0000 x123", US + ";ext=123"),
    ok("phone-idd-011-us", "phone", "011 44 20 7946 0958", GB, region="US"),
    ok(
        "phone-full-width-digits",
        "phone",
        "\uff0b\uff11\uff16\uff15\uff10\uff12\uff15\uff13\uff10\uff10\uff10\uff10",
        US,
    ),
    ok("phone-italian-leading-zero", "phone", "+39 06 1234 5678", "phone:+390612345678"),
    ok("phone-vanity-letters", "phone", "1-800-FLOWERS", "phone:+18003569377", region="US"),
    ok("phone-international-freephone", "phone", "+800 1234 5678", "phone:+80012345678"),
    bad("phone-national-needs-region", "phone", "020 7946 0958", "needs a region"),
    bad("phone-idd-needs-region", "phone", "0044 20 7946 0958", "needs a region"),
    bad("phone-too-few-digits", "phone", "020 7946", "not a valid phone number", region="GB"),
    bad("phone-unknown-country-code", "phone", "+999 1234567", "unknown country calling code"),
    bad("phone-sentence", "phone", "call me on +44 20 7946 0958", "starts with '+'"),
    bad("phone-unknown-region", "phone", "+44 20 7946 0958", "unknown region", region="ZZ"),
    bad("phone-alpha-3-region", "phone", "+44 20 7946 0958", "unknown region", region="GBR"),
    bad("phone-too-short", "phone", "+44 1", "too short"),
    bad("phone-too-long", "phone", "1" * 300, "too long", region="GB"),
    bad("phone-plus-alone", "phone", "+", "not a phone number"),
    bad("phone-empty", "phone", "", "is empty"),
    bad("phone-blank", "phone", "  \t ", "is empty"),
]

EMAIL = [
    ok("email-plain", "email", "ada@example.com", ADA),
    ok("email-mixed-case", "email", "Ada@Example.COM", ADA),
    ok("email-surrounding-whitespace", "email", "  ada@example.com\n", ADA),
    ok("email-mailto", "email", "mailto:ada@example.com", ADA),
    ok("email-mailto-headers", "email", "MAILTO:Ada@Example.com?subject=Hello", ADA),
    ok(
        "email-mailto-percent",
        "email",
        "mailto:ada%2Bshop@example.com",
        "email:ada+shop@example.com",
    ),
    ok("email-plus-tag-kept", "email", "ada+shop@example.com", "email:ada+shop@example.com"),
    ok("email-plus-tag-stripped", "email", "Ada+Shop@example.com", ADA, options=STRIP_TAG),
    ok(
        "email-plus-only-kept",
        "email",
        "+tag@example.com",
        "email:+tag@example.com",
        options=STRIP_TAG,
    ),
    ok(
        "email-keep-local-case",
        "email",
        "Ada@Example.COM",
        "email:Ada@example.com",
        options=KEEP_CASE,
    ),
    ok("email-idn-unicode", "email", "ada@Bücher.example", "email:ada@xn--bcher-kva.example"),
    ok(
        "email-idn-a-label",
        "email",
        "ada@xn--bcher-kva.example",
        "email:ada@xn--bcher-kva.example",
    ),
    ok(
        "email-idn-a-label-upper",
        "email",
        "ada@XN--BCHER-KVA.EXAMPLE",
        "email:ada@xn--bcher-kva.example",
    ),
    ok("email-idn-cyrillic", "email", "ada@пример.рф", "email:ada@xn--e1afmkfd.xn--p1ai"),
    ok(
        "email-full-width-domain",
        "email",
        "ada@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",
        ADA,
    ),
    ok("email-trailing-dot", "email", "ada@example.com.", ADA),
    ok("email-unicode-local", "email", "josé@example.com", "email:josé@example.com"),
    ok(
        "email-unicode-local-decomposed",
        "email",
        "jose\u0301@example.com",
        "email:josé@example.com",
    ),
    ok("email-unicode-local-upper", "email", "JOSÉ@example.com", "email:josé@example.com"),
    ok("email-sharp-s-folds", "email", "Straße@example.com", "email:strasse@example.com"),
    ok("email-dotless-internal-domain", "email", "ada@helpdesk", "email:ada@helpdesk"),
    ok("email-internal-tld", "email", "ada@corp.internal", "email:ada@corp.internal"),
    ok("email-apostrophe", "email", "O'Brien@example.ie", "email:o'brien@example.ie"),
    ok("email-hyphenated-domain", "email", "ada@a-b.example.com", "email:ada@a-b.example.com"),
    ok(
        "email-dotted-local", "email", "ada.lovelace@example.com", "email:ada.lovelace@example.com"
    ),
    bad("email-display-name", "email", "Ada <ada@example.com>", "pass the address alone"),
    bad("email-angle-brackets", "email", "<ada@example.com>", "pass the address alone"),
    bad("email-quoted-local", "email", '"ada"@example.com', "quoted local parts"),
    bad("email-quoted-with-at", "email", '"a@b"@example.com', "quoted local parts"),
    bad("email-no-at", "email", "ada.example.com", "has none"),
    bad("email-two-ats", "email", "ada@home@example.com", "has several"),
    bad("email-full-width-at", "email", "ada\uff20example.com", "full-width at-sign"),
    bad("email-double-dot-domain", "email", "ada@example..com", "two periods in a row"),
    bad("email-two-trailing-dots", "email", "ada@example.com..", "cannot end with a period"),
    bad("email-leading-dot", "email", ".ada@example.com", "cannot start with a period"),
    bad("email-localhost", "email", "ada@localhost", "special-use or reserved"),
    bad("email-test-tld", "email", "ada@shop.test", "special-use or reserved"),
    bad("email-ip-literal", "email", "ada@[192.0.2.1]", "bracketed IP address"),
    bad("email-space-in-local", "email", "ada lovelace@example.com", "invalid characters"),
    bad("email-underscore-domain", "email", "ada@exa_mple.com", "invalid characters"),
    bad("email-r-ldh-label", "email", "ada@my--shop.com", "two dashes"),
    bad("email-bad-punycode", "email", "ada@xn--zz.example", "IDNA"),
    bad("email-leading-hyphen-domain", "email", "ada@-example.com", "hyphen"),
    bad("email-empty-local", "email", "@example.com", "before the @-sign"),
    bad("email-empty-domain", "email", "ada@", "after the @-sign"),
    bad("email-mailto-empty", "email", "mailto:", "has no address"),
    bad("email-mailto-bad-escape", "email", "mailto:ada%FF@example.com", "not UTF-8"),
    bad("email-too-long", "email", "a" * 250 + "@example.com", "too long"),
]

SOCIAL = [
    ok("social-prefix-with-at", "social", "twitter:@Foo_Bar", FOO),
    ok("social-prefix-without-at", "social", "twitter:foo_bar", FOO),
    ok("social-platform-argument", "social", "@Foo_Bar", FOO, platform="twitter"),
    ok("social-platform-upper-case", "social", "Foo_Bar", FOO, platform="TWITTER"),
    ok("social-prefix-and-argument-agree", "social", "Twitter:@foo_bar", FOO, platform="twitter"),
    ok("social-url", "social", "https://twitter.com/Foo_Bar", FOO),
    ok("social-url-mobile-slash", "social", "https://mobile.twitter.com/Foo_Bar/", FOO),
    ok("social-url-query", "social", "https://www.twitter.com/Foo_Bar?lang=en#top", FOO),
    ok("social-url-x", "social", "https://x.com/Foo_Bar?s=20", "social:x:@foo_bar"),
    ok(
        "social-url-instagram",
        "social",
        "https://www.instagram.com/foo.bar/",
        "social:instagram:@foo.bar",
    ),
    ok(
        "social-url-facebook-m",
        "social",
        "http://m.facebook.com/Ada.Lovelace",
        "social:facebook:@ada.lovelace",
    ),
    ok("social-url-tiktok", "social", "https://www.tiktok.com/@Foo.Bar", "social:tiktok:@foo.bar"),
    ok(
        "social-url-matches-platform",
        "social",
        "https://x.com/foo_bar",
        "social:x:@foo_bar",
        platform="x",
    ),
    ok("social-other-platform", "social", "mastodon:@Ada", "social:mastodon:@ada"),
    ok("social-unicode-handle", "social", "@Иван", "social:vk:@иван", platform="vk"),
    ok("social-instagram-30", "social", "instagram:@" + "a" * 30, "social:instagram:@" + "a" * 30),
    bad("social-no-platform", "social", "@foo", "needs its platform"),
    bad(
        "social-platforms-disagree",
        "social",
        "instagram:@foo",
        "names platform 'instagram'",
        platform="twitter",
    ),
    bad(
        "social-url-platform-disagrees",
        "social",
        "https://twitter.com/foo",
        "names platform 'twitter'",
        platform="x",
    ),
    bad(
        "social-twitter-too-long", "social", "twitter:@this_is_far_too_long", "a handle on twitter"
    ),
    bad("social-twitter-dot", "social", "twitter:@foo.bar", "a handle on twitter"),
    bad("social-tiktok-too-short", "social", "tiktok:@a", "a handle on tiktok is 2-24"),
    bad("social-instagram-31", "social", "instagram:@" + "a" * 31, "a handle on instagram"),
    bad("social-empty-handle", "social", "twitter:@", "the handle is empty"),
    bad("social-space-in-handle", "social", "twitter:@foo bar", "1-64 letters"),
    bad("social-double-at", "social", "twitter:@@foo", "1-64 letters"),
    bad("social-handle-too-long", "social", "@" + "a" * 65, "1-64 letters", platform="forum"),
    bad("social-bad-platform-prefix", "social", "my platform:@foo", "not a valid platform"),
    bad("social-bad-platform-argument", "social", "@foo", "not a valid platform", platform="9gag"),
    bad(
        "social-url-unknown-host",
        "social",
        "https://example.com/foo",
        "profile URLs are understood",
    ),
    bad(
        "social-url-not-profile", "social", "https://twitter.com/foo/status/1", "not a profile URL"
    ),
    bad(
        "social-url-facebook-id",
        "social",
        "https://www.facebook.com/profile.php?id=100",
        "numeric account id",
    ),
]

EXTERNAL = [
    ok("external-prefix", "external", "shopify:AbC", "external:shopify:AbC"),
    ok("external-case-kept", "external", "shopify:abc", "external:shopify:abc"),
    ok("external-system-argument", "external", "AbC", "external:shopify:AbC", system="Shopify"),
    ok(
        "external-matching-prefix-dropped",
        "external",
        "Shopify:8812",
        "external:shopify:8812",
        system="shopify",
    ),
    ok(
        "external-id-with-colons",
        "external",
        "gid://shopify/Customer/1",
        "external:shopify:gid://shopify/Customer/1",
        system="shopify",
    ),
    ok("external-other-prefix-is-id", "external", "a:b", "external:crm:a:b", system="crm"),
    ok("external-trimmed", "external", " crm:  0042 ", "external:crm:0042"),
    ok("external-unicode-id", "external", "billing:kunde-ü17", "external:billing:kunde-ü17"),
    ok("external-longest-id", "external", "crm:" + "x" * 256, "external:crm:" + "x" * 256),
    bad("external-no-system", "external", "8812", "needs its system"),
    bad("external-empty-id", "external", "shopify:", "the id is empty"),
    bad("external-space", "external", "shopify:a b", "no whitespace or control"),
    bad("external-tab", "external", "shopify:a\tb", "no whitespace or control"),
    bad("external-zero-width-space", "external", "shopify:a\u200bb", "no whitespace or control"),
    bad("external-no-break-space", "external", "shopify:a\u00a0b", "no whitespace or control"),
    bad("external-too-long", "external", "crm:" + "x" * 257, "at most 256"),
    bad("external-bad-system", "external", "my shop:1", "not a valid system"),
    bad("external-empty-system", "external", "1", "not a valid system", system=""),
]

OTHER = [
    bad("kind-unknown", "mail", "ada@example.com", "known kinds: email, phone, social, external"),
    bad("kind-upper-case", "EMAIL", "ada@example.com", "unknown identity kind"),
    bad("value-not-a-string", "email", 42, "must be a string, not int"),
    bad("value-none", "phone", None, "must be a string, not NoneType"),
]

CORPUS: list[Case] = [*PHONE, *EMAIL, *SOCIAL, *EXTERNAL, *OTHER]

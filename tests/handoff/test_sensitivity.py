"""Sensitive-content detection and agents asking customers to go private."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.datasets import read_twcs
from omnicontext.errors import InvalidInput
from omnicontext.handoff.redaction import EmailRecognizer, Redactor, default_redactor
from omnicontext.handoff.sensitivity import (
    ASK_PRIVATE,
    DEFAULT_LEXICON,
    SensitiveHit,
    SensitiveTopic,
    SensitivityDetector,
    asks_to_go_private,
    default_detector,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TWEETS = DATA / "twcs_sample.csv"

A = SensitiveTopic.ACCOUNT
H = SensitiveTopic.HEALTH
P = SensitiveTopic.PAYMENT
D = SensitiveTopic.PERSONAL_DATA

# Realistic support messages and the topics they touch, in order of appearance.
POSITIVE = [
    ("I was charged twice for my order last week", (P,)),
    ("My card was declined at the till even though there's money on it", (P,)),
    ("Can you refund me? Here's my card: 4111 1111 1111 1111 exp 04/27", (P,)),
    ("They asked for the CVV over the phone, is that normal?", (P,)),
    ("I want to dispute the charge from 3 March", (P,)),
    ("my sort code is 12-34-56 and the account no is 12345678", (A,)),
    ("I think my account was hacked, someone changed my password", (A,)),
    ("What is the one-time code for? I never asked for one", (A,)),
    ("I forgot my PIN code and the app locked me out", (A,)),
    ("send it to GB82 WEST 1234 5698 7654 32 please", (A,)),
    ("I'm in hospital and can't collect the parcel", (H,)),
    ("Just got diagnosed with diabetes, need to change my delivery slots", (H,)),
    ("My medication was missing from the prescription order", (H,)),
    ("I use a wheelchair and the lift at the station was broken", (H,)),
    ("I'm deaf so I can't use the phone line, is there another way?", (H,)),
    ("email me at ada.lovelace@example.com with the details", (D,)),
    ("call me back on +44 20 7946 0958 after 5", (D,)),
    ("my date of birth is 10/12/1815 if you need it", (D,)),
    ("Deliver to 10 Downing Street, London SW1A 2AA", (D,)),
    ("Do you need my driver\u2019s license number?", (D,)),
    (
        "My debit card was cloned, I'm having a panic attack, ring 07700 900123",
        (P, H, D),
    ),
]

# Support messages that look close but touch nothing sensitive.
NEGATIVE = [
    "I'll check the bill on account of the delay",
    "Please discard the old card reader and send a new one",
    "Shipping was slow and the pin on my charger is bent",
    "Ill be in all day tomorrow",
    "My account is fine now, thanks!",
    "my account got disabled after the update",
    "Got id's @Tesco for buying one Adnams Broadside. Is being blind part of the job-spec?",
    "My complaint fell on deaf ears",
    "I'm sick of waiting for this update",
    "my gift card and my SIM card both arrived",
    "PS4 1TB hard drive keeps making noise",
    "we waited 2 hours on the road for the replacement bus",
    "Order 12345678 still hasn't arrived",
    "The app crashes every time I open it, version 8.4.22.857",
    "Can you help? https://t.co/cvvDMpin12 explains it",
    "The hospitality at your store was great",
]


@pytest.mark.parametrize(("text", "topics"), POSITIVE)
def test_sensitive_messages_touch_exactly_their_topics(
    text: str, topics: tuple[SensitiveTopic, ...]
) -> None:
    assert SensitivityDetector().topics(text) == topics


@pytest.mark.parametrize("text", NEGATIVE)
def test_lookalikes_are_not_sensitive(text: str) -> None:
    assert SensitivityDetector().detect(text) == ()


def test_a_card_number_is_masked_and_a_word_is_quoted_as_written() -> None:
    text = "Card number 4111 1111 1111 1111, CVV 123"
    hits = SensitivityDetector().detect(text)
    assert [(h.topic, h.evidence, h.kind) for h in hits] == [
        (P, "Card number", "term"),
        (P, "**** 1111", "card"),
        (P, "CVV", "term"),
    ]
    assert [text[h.start : h.end] for h in hits] == [
        "Card number",
        "4111 1111 1111 1111",
        "CVV",
    ]


def test_data_evidence_never_holds_the_data() -> None:
    text = "mail ada.lovelace@example.com, phone +44 20 7946 0958, iban GB82WEST12345698765432"
    evidence = {h.kind: h.evidence for h in SensitivityDetector().detect(text)}
    assert evidence == {
        "email": "a***@example.com",
        "phone": "*** 958",
        "iban": "GB** **** 5432",
        "term": "iban",
    }


def test_a_word_inside_data_is_covered_by_the_data_hit() -> None:
    hits = SensitivityDetector().detect("write to hospital.records@example.com")
    assert [(h.topic, h.kind) for h in hits] == [(D, "email")]


def test_addresses_can_be_left_to_the_lexicon() -> None:
    text = "10 Downing Street, SW1A 2AA"
    assert [h.kind for h in SensitivityDetector().detect(text)] == ["address", "postcode"]
    assert SensitivityDetector(addresses=False).detect(text) == ()


def test_matching_rules_for_spaces_hyphens_apostrophes_and_endings() -> None:
    detector = SensitivityDetector()
    assert detector.topics("one time password") == (A,)
    assert detector.topics("one-time password") == (A,)
    assert detector.topics("onetime password") == (A,)
    assert detector.topics("drivers license") == (D,)
    assert detector.topics("HOSPITALISED last week") == (H,)
    assert detector.topics("my PASSWORDS") == (A,)


def test_with_terms_adds_to_a_copy() -> None:
    base = SensitivityDetector()
    more = base.with_terms("health", "physio*", "crutches")
    assert [h.evidence for h in more.detect("physiotherapy and crutches")] == [
        "physiotherapy",
        "crutches",
    ]
    assert base.detect("physiotherapy and crutches") == ()
    assert more.lexicon[H][-2:] == ("physio*", "crutches")
    assert base.lexicon == DEFAULT_LEXICON


def test_a_lexicon_of_my_own() -> None:
    detector = SensitivityDetector(lexicon={"payment": ("klarna",)})
    assert detector.topics("klarna, hospital, password") == (P,)
    assert detector.lexicon == {P: ("klarna",)}


def test_an_unknown_topic_is_rejected_naming_it() -> None:
    with pytest.raises(InvalidInput) as err:
        SensitivityDetector().with_terms("legal", "lawsuit")
    assert (err.value.field, err.value.value) == ("lexicon", "legal")
    assert "account, health, payment, personal_data" in str(err.value)


def test_an_empty_term_is_rejected_naming_its_place() -> None:
    with pytest.raises(InvalidInput) as err:
        SensitivityDetector(lexicon={"health": ("ok", "  ")})
    assert (err.value.field, err.value.value) == ("lexicon.health[1]", "  ")
    with pytest.raises(InvalidInput) as err:
        SensitivityDetector(lexicon={"health": "hospital"})
    assert err.value.field == "lexicon.health"


def test_text_must_be_a_string() -> None:
    with pytest.raises(InvalidInput) as err:
        SensitivityDetector().detect(b"my pin")  # type: ignore[arg-type]
    assert (err.value.field, err.value.value) == ("text", b"my pin")
    assert SensitivityDetector().detect("") == ()


def test_the_redactor_decides_which_data_is_found() -> None:
    emails_only = SensitivityDetector(redactor=Redactor((EmailRecognizer(),)))
    text = "a@example.com or +44 20 7946 0958"
    assert [h.kind for h in emails_only.detect(text)] == ["email"]
    staff = default_redactor().with_pattern("staff_id", r"\bEMP-\d{6}\b")
    hits = SensitivityDetector(redactor=staff).detect("ask for EMP-004211")
    assert [(h.topic, h.evidence, h.kind) for h in hits] == [(D, "***-******", "staff_id")]


def test_detectors_compare_by_settings_and_the_default_is_shared() -> None:
    assert SensitivityDetector() == SensitivityDetector()
    assert SensitivityDetector() != SensitivityDetector().with_terms("health", "crutches")
    assert default_detector() is default_detector()
    hash(SensitivityDetector())


_words = st.text(alphabet="abcdefghij ", max_size=30)


@given(st.text(max_size=200))
def test_hits_are_ordered_and_point_into_the_text(text: str) -> None:
    hits = SensitivityDetector().detect(text)
    assert [h.start for h in hits] == sorted(h.start for h in hits)
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(text)
        if hit.kind == "term":
            assert hit.evidence == text[hit.start : hit.end]


_TERMS = [
    (topic, term.rstrip("*"))
    for topic, terms in DEFAULT_LEXICON.items()
    for term in terms
    if term.rstrip("*")[-1].isalnum()
]


@given(st.sampled_from(_TERMS), _words, _words, st.booleans())
def test_every_built_in_term_is_found_under_its_topic(
    entry: tuple[SensitiveTopic, str], before: str, after: str, upper: bool
) -> None:
    topic, term = entry
    written = term.upper() if upper else term
    text = f"{before} {written} {after}"
    hits = SensitivityDetector(addresses=False).detect(text)
    start = len(before) + 1
    assert SensitiveHit(topic, written, start, start + len(term)) in hits


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


@given(st.text(alphabet="0123456789", min_size=14, max_size=14), _words, _words)
def test_a_card_number_anywhere_is_payment_and_masked(body: str, before: str, after: str) -> None:
    number = _luhn_complete("4" + body)  # a Visa number of 16 digits
    grouped = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    hits = SensitivityDetector().detect(f"{before} {grouped} {after}")
    cards = [h for h in hits if h.kind == "card"]
    assert [(h.topic, h.evidence) for h in cards] == [(P, f"**** {number[-4:]}")]
    assert all(number[:8] not in h.evidence.replace(" ", "") for h in hits)


# -- asking to go private ---------------------------------------------------------------

ASKS = [
    "Please DM us your order number",
    "Send us a direct message and we'll look into it",
    "Please follow and DM us so we can help",
    "Could you send us a private message with the details?",
    "PM us your booking reference",
    "We've replied to your DMs",
    "Let us know in DM. https://t.co/GDrqU22YpT",
    "We'd rather discuss this privately",
]
NOT_ASKS = [
    "LiveChat is online until 5 pm today",
    "Can you try the steps here: https://t.co/EqisDMwZAT? They should help",
    "@DMcustomer thanks for the update",
    "The team should send you an email shortly",
    "Have you tried from another device?",
]


@pytest.mark.parametrize("text", ASKS)
def test_agents_asking_to_go_private(text: str) -> None:
    assert asks_to_go_private(text)


@pytest.mark.parametrize("text", NOT_ASKS)
def test_agents_not_asking_to_go_private(text: str) -> None:
    assert not asks_to_go_private(text)


def test_phrases_of_my_own() -> None:
    assert asks_to_go_private("Please WhatsApp us", phrases=("whatsapp us",))
    assert not asks_to_go_private("Please DM us", phrases=("whatsapp us",))
    assert "dm" in ASK_PRIVATE
    with pytest.raises(InvalidInput) as err:
        asks_to_go_private("hi", phrases=("dm", ""))
    assert (err.value.field, err.value.value) == ("phrases[1]", "")


# -- the Twitter customer-care sample ----------------------------------------------------

needs_sample = pytest.mark.skipif(not TWEETS.exists(), reason="shared data absent")


@needs_sample
def test_brands_asking_to_go_private_in_the_sample() -> None:
    messages = read_twcs(TWEETS)
    brand = [m for m in messages if m.actor == "agent"]
    flagged = {m.id for m in brand if asks_to_go_private(m.body)}
    assert len(brand) == 44
    assert len(flagged) == 19
    # "Please DM your name, zip code...", "Join us in DM.", "send a DM with your account"
    assert {"tw-119238", "tw-119323", "tw-119275"} <= flagged
    # a link holding "DM" by chance, a phone number and a live chat link
    assert not {"tw-119288", "tw-119240", "tw-119246"} & flagged


@needs_sample
def test_no_customer_tweet_of_the_sample_is_sensitive() -> None:
    customers = [m for m in read_twcs(TWEETS) if m.actor == "customer"]
    assert len(customers) == 49
    assert {m.id: SensitivityDetector().topics(m.body) for m in customers} == {
        m.id: () for m in customers
    }

"""Which approved answer a reply was written from (omnicontext.quality.matching).

Exact quotes, quotes as agents send them (greeting, name, link, handle,
other figures), unrelated text, ties, the threshold, the cache, the versions
listed in ``Match.scores``, the candidate rule on small catalogs and on
catalogs whose words repeat across versions and answers; a property: every
current text of a generated catalog matches its own answer with score 1.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.quality.catalog import Catalog
from omnicontext.quality.matching import DEFAULT_THRESHOLD, AnswerIndex, Match, tokens

DM = "Thanks for reaching out. Send us a DM so we can look into this together."
REFUND = "You can return any item within 30 days for a full refund."
ROUTER = "Please restart your router, wait two minutes and then try the connection again."
DELIVERY = "Standard delivery costs £3.95 and is free on orders over £40."


def build(*answers: dict[str, Any]) -> Catalog:
    listed = []
    for i, data in enumerate(answers):
        listed.append({"intent": "general", "id": f"answer-{i}", **data})
    return Catalog.from_dict({"answers": listed})


def general() -> Catalog:
    return build(
        {"id": "dm-invite", "intent": "move_private", "text": DM},
        {"id": "refund-window", "intent": "refund", "text": REFUND},
        {"id": "router", "intent": "broadband", "text": ROUTER},
        {"id": "delivery-fee", "intent": "delivery", "text": DELIVERY},
    )


def test_tokens() -> None:
    assert tokens("Send us a DM: https://t.co/x within 30 days!") == (
        "send",
        "dm",
        "within",
        "days",
        "send_dm",
        "dm_within",
        "within_days",
    )
    assert tokens("@AppleSupport www.example.com 0800 123 4567 3-5 £4.99") == ()
    assert tokens("Returns\u2019 DESK") == ("returns", "desk", "returns_desk")
    assert tokens("We\u2019re here to HELP") == ("help",)  # function words are dropped
    assert (
        tokens("Don't panic") == tokens("DON\u2019T panic!") == ("don't", "panic", "don't_panic")
    )
    with pytest.raises(InvalidInput) as caught:
        tokens(None)  # type: ignore[arg-type]
    assert caught.value.field == "text"


@pytest.mark.parametrize("text", [DM, REFUND, ROUTER, DELIVERY])
def test_the_exact_text_scores_one(text: str) -> None:
    match = AnswerIndex(general()).match(text)
    assert match is not None
    assert match.answer.text == text
    assert match.score == 1.0


def test_the_exact_text_of_a_version_scores_exactly_one() -> None:
    # Two versions with the same words score alike; the sum of floats must
    # not leave one a hair below 1.
    catalog = build(
        {"id": "a", "text": "Please restart the router and wait."},
        {"id": "a", "version": 2, "text": "Please restart the router and wait."},
    )
    match = AnswerIndex(catalog).match("Please restart the router and wait.")
    assert match is not None
    assert [(a.key, s) for a, s in match.scores] == [("a@2", 1.0), ("a@1", 1.0)]


def test_a_rendering_matches_its_answer() -> None:
    catalog = build(
        {
            "id": "refund-window",
            "text": REFUND + " Refunds reach your account in 3-5 working days.",
            "renderings": {
                "sms": "Returns: full refund within 30 days, paid in 3 to 5 working days."
            },
        },
        {"text": ROUTER},
    )
    match = AnswerIndex(catalog).match(
        "Returns: full refund within 30 days, paid in 3 to 5 working days."
    )
    assert match is not None
    assert (match.answer.key, match.score) == ("refund-window@1", 1.0)


@pytest.mark.parametrize(
    "reply",
    [
        "Hi Sam! " + DM,
        "@105844 " + DM,
        DM + " https://t.co/GDrqU22YpT",
        "Hello Priya, thanks for reaching out! Send us a DM so we can look into this. ^JR",
        "@AppleSupport hi there. " + DM + " www.example.com/help",
    ],
)
def test_a_quote_with_a_greeting_name_link_or_handle_still_matches(reply: str) -> None:
    match = AnswerIndex(general()).match(reply)
    assert match is not None
    assert match.answer.id == "dm-invite"
    assert match.score >= DEFAULT_THRESHOLD


def test_handles_links_and_figures_do_not_lower_the_score() -> None:
    index = AnswerIndex(general())
    for reply in ("@105844 " + DM, DM + " https://t.co/GDrqU22YpT"):
        match = index.match(reply)
        assert match is not None
        assert match.score == 1.0


def test_other_figures_still_match() -> None:
    index = AnswerIndex(general())
    match = index.match("Standard delivery costs £4.50 and is free on orders over £60.")
    assert match is not None
    assert (match.answer.id, match.score) == ("delivery-fee", 1.0)
    match = index.match("You can return any item within 14 days for a full refund.")
    assert match is not None
    assert (match.answer.id, match.score) == ("refund-window", 1.0)


@pytest.mark.parametrize(
    "reply",
    [
        "Is the store open on Sunday?",
        "Happy birthday! We hope you have a lovely day.",
        "I'm sorry to hear that, I'll pass your feedback on to the team.",
        "Thanks",
        "",
        "@105844 https://t.co/x 0800 123 4567",
    ],
)
def test_unrelated_text_matches_nothing(reply: str) -> None:
    assert AnswerIndex(general()).match(reply) is None


def test_a_word_or_two_in_common_is_not_a_match() -> None:
    index = AnswerIndex(general())
    assert index.match("Could you send us a photo of the parcel?") is None
    assert index.match("Your refund went out yesterday.") is None


def test_ties_go_to_the_lower_id_then_the_higher_version() -> None:
    text = "Please restart the router and wait."
    catalog = build(
        {"id": "b", "text": text},
        {"id": "a", "text": text},
        {"id": "a", "version": 3, "text": text},
        {"id": "a", "version": 2, "text": text},
        {"id": "c", "text": "Your parcel is on its way."},
    )
    match = AnswerIndex(catalog).match(text)
    assert match is not None
    assert match.answer.key == "a@3"
    assert [a.key for a, _ in match.scores] == ["a@3", "a@2", "a@1"]


def test_scores_list_the_versions_of_the_best_id_best_first() -> None:
    catalog = build(
        {"id": "refund", "version": 1, "text": "Return any item within 14 days for a refund."},
        {
            "id": "refund",
            "version": 2,
            "text": "You can return any item within 30 days for a full refund.",
        },
        {
            "id": "refund",
            "version": 3,
            "text": "You can return any unworn item within 60 days for a full refund "
            "to your original card, or swap it for another size in any of our stores.",
        },
        {"id": "other", "text": "Please return the item to any of our stores for a full refund."},
    )
    index = AnswerIndex(catalog)
    match = index.match("Hi! You can return any item within 30 days for a full refund.")
    assert match is not None
    assert match.answer.key == "refund@2"
    keys = [a.key for a, _ in match.scores]
    scores = [s for _, s in match.scores]
    assert keys[0] == "refund@2"
    assert "refund@1" in keys
    assert "refund@3" not in keys  # under the threshold
    assert all(a.id == "refund" for a, _ in match.scores)  # never another id
    assert scores == sorted(scores, reverse=True)
    assert all(s >= DEFAULT_THRESHOLD for s in scores)
    assert match.score == scores[0]


@pytest.mark.parametrize("threshold", [0, -0.1, 1.01, True, "0.5", float("nan"), None])
def test_threshold_validation(threshold: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        AnswerIndex(general(), threshold=threshold)
    assert caught.value.field == "threshold"
    assert caught.value.value is threshold


def test_the_threshold_decides() -> None:
    reply = "Hello Priya, thanks for reaching out! Send us a DM so we can look into this. ^JR"
    found = AnswerIndex(general()).match(reply)
    assert found is not None
    assert AnswerIndex(general(), threshold=found.score).match(reply) == found
    assert AnswerIndex(general(), threshold=min(1.0, found.score + 0.01)).match(reply) is None
    assert AnswerIndex(general(), threshold=1).match(DM) is not None
    assert AnswerIndex(general(), threshold=0.01).match("Is the shop open on Sunday?") is None
    assert AnswerIndex(general(), threshold=1).threshold == 1.0


def test_catalog_must_be_a_catalog() -> None:
    with pytest.raises(InvalidInput) as caught:
        AnswerIndex({"answers": []})  # type: ignore[arg-type]
    assert caught.value.field == "catalog"


def test_match_rejects_what_is_not_text() -> None:
    with pytest.raises(InvalidInput) as caught:
        AnswerIndex(general()).match(42)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("text", 42)


def test_the_cache_answers_a_text_seen_before(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    real = AnswerIndex._score

    def counting(self: AnswerIndex, toks: tuple[str, ...]) -> Match | None:
        calls.append(toks)
        return real(self, toks)

    monkeypatch.setattr(AnswerIndex, "_score", counting)
    index = AnswerIndex(general())
    first = index.match("Hi Sam! " + DM)
    assert len(calls) == 1
    second = index.match("Hi Sam! " + DM)
    assert second is first
    assert len(calls) == 1
    # The same words with another handle, link or figure are the same text to the index.
    assert index.match("@99 HI SAM " + DM + " https://t.co/x") is first
    assert index.match("Is the store open on Sunday?") is None
    assert index.match("Is the store open on Sunday??") is None
    assert len(calls) == 2
    assert index.match("Hi Alex! " + DM) is not first
    assert len(calls) == 3


def test_one_answer_catalog() -> None:
    catalog = build({"id": "only", "text": "Please restart your router."})
    index = AnswerIndex(catalog)
    match = index.match("Hi! Please restart your router.")
    assert match is not None
    assert match.answer.id == "only"
    assert index.match("Please restart your router.") == Match(
        catalog.current("only"), 1.0, ((catalog.current("only"), 1.0),)
    )
    assert index.match("Your parcel is on its way.") is None


def test_an_empty_catalog_matches_nothing() -> None:
    index = AnswerIndex(Catalog.from_dict({}))
    assert index.match(DM) is None


def test_a_match_is_a_hashable_value() -> None:
    index = AnswerIndex(general())
    match = index.match("Hi Sam! " + DM)
    again = AnswerIndex(general()).match("Hi Sam! " + DM)
    assert match is not None
    assert match == again
    assert match is not again
    assert len({match, again}) == 1


def test_few_answers_every_word_nominates() -> None:
    # Five answers sharing most words: each is still found by its own text.
    texts = [
        "Please restart your router and wait.",
        "Please restart your router and phone.",
        "Please restart your router and email.",
        "Please restart your router and reply.",
        "Please restart your router and smile.",
    ]
    catalog = build(*({"text": t} for t in texts))
    index = AnswerIndex(catalog)
    for i, text in enumerate(texts):
        match = index.match(text)
        assert match is not None
        assert (match.answer.id, match.score) == (f"answer-{i}", 1.0)


def test_versions_do_not_make_an_answers_words_common() -> None:
    # Four versions with an SMS rendering each: eight texts out of nine use
    # the same words, which must still find the answer.
    answers: list[dict[str, Any]] = []
    for version, days in enumerate([7, 14, 21, 30], start=1):
        answers.append(
            {
                "id": "refund-window",
                "version": version,
                "text": f"You can return any item within {days} days for a full refund.",
                "renderings": {"sms": f"Return any item within {days} days, full refund."},
            }
        )
    answers.append({"id": "hours", "text": "Our stores open from 9am to 5pm on weekdays."})
    index = AnswerIndex(build(*answers))
    match = index.match("You can return any item within 30 days for a full refund.")
    assert match is not None
    assert match.answer.key == "refund-window@4"
    assert [a.version for a, _ in match.scores] == [4, 3, 2, 1]
    match = index.match("Hi! Return any item within 30 days, full refund.")
    assert match is not None
    assert match.answer.id == "refund-window"


def test_an_answer_made_of_common_words_is_found() -> None:
    # "Please send us a DM" is in most answers; the short answer that says
    # only that has no rare word of its own, and is found all the same.
    answers: list[dict[str, Any]] = [{"id": "dm", "text": "Please send us a DM."}]
    topics = ["order", "refund", "delivery", "account", "password", "voucher", "booking"]
    for topic in topics:
        answers.append(
            {"id": f"dm-{topic}", "text": f"Please send us a DM with your {topic} details."}
        )
    for i in range(3):
        answers.append({"id": f"other-{i}", "text": f"Our stores open early on day {i}."})
    index = AnswerIndex(build(*answers))
    match = index.match("Please send us a DM.")
    assert match is not None
    assert (match.answer.id, match.score) == ("dm", 1.0)
    match = index.match("@jo please send us a DM!")
    assert match is not None
    assert match.answer.id == "dm"
    match = index.match("Please send us a DM with your voucher details.")
    assert match is not None
    assert match.answer.id == "dm-voucher"


def test_replies_are_scored_against_few_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    # 100 answers with their own words and a shared sign-off: a reply is
    # scored against the answers that share its rarer words, not all 100.
    answers = [
        {"id": f"a{i:03d}", "text": f"{w}alpha {w}beta {w}gamma {w}delta. Thanks for waiting."}
        for i, w in enumerate(_names(100))
    ]
    index = AnswerIndex(build(*answers))
    w = _names(100)[42]
    match = index.match(f"{w}alpha {w}beta {w}gamma {w}delta. Thanks for waiting.")
    assert match is not None
    assert match.answer.id == "a042"
    assert match.score == 1.0
    assert index._scored == 1  # the shared sign-off nominates nobody


def _names(count: int) -> list[str]:
    """``count`` distinct words of letters only (aa, ab, ...)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i // 26] + letters[i % 26] for i in range(count)]


# -- property ---------------------------------------------------------------------

WORDS = [
    "refund",
    "delivery",
    "order",
    "account",
    "password",
    "store",
    "card",
    "parcel",
    "voucher",
    "router",
    "please",
    "send",
    "details",
    "thanks",
    "waiting",
    "return",
    "item",
    "full",
    "team",
    "check",
]


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join),
        min_size=1,
        max_size=25,
        unique_by=lambda t: tuple(t.split()),
    ),
    versions=st.integers(min_value=1, max_value=3),
)
def test_every_text_finds_its_own_answer(texts: list[str], versions: int) -> None:
    # Whatever words answers share, each current text matches an answer with
    # that very text at score 1 (another id with the same words may tie).
    answers: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        for version in range(1, versions + 1):
            answers.append({"id": f"a{i:02d}", "version": version, "text": text})
    catalog = build(*answers)
    index = AnswerIndex(catalog)
    for answer in catalog:
        match = index.match(answer.text)
        assert match is not None, answer.text
        assert match.score == 1.0
        assert sorted(tokens(match.answer.text)) == sorted(tokens(answer.text))
        assert match.answer.version == versions

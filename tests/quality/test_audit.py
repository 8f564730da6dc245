"""The cross-channel consistency audit (omnicontext.quality.audit).

Each kind of finding from the fewest interactions that raise it, who counts
as replying, how the answer a reply used is decided (``answer_id``, its
version, its figures, its words), the cross-channel check, intents, the
report's figures and forms; properties (the order of the interactions and
feeding them twice change nothing; the counts add up) and a structural scale
check (candidate scorings stay linear in the replies, repeated texts are
free), with no timing.
"""

from __future__ import annotations

import inspect
import json
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.model import Message
from omnicontext.quality.audit import (
    ConsistencyAuditor,
    ConsistencyReport,
    ConsistencyRules,
    ExclamationRule,
    Finding,
    FindingKind,
    ShoutingRule,
    ToneRule,
    audit_consistency,
)
from omnicontext.quality.catalog import Catalog
from omnicontext.quality.matching import DEFAULT_THRESHOLD, AnswerIndex, Match
from omnicontext.testing import factories as f

REFUND_V1 = "You can return any item within 14 days for a full refund."
REFUND_V2 = (
    "You can return any item within 30 days for a full refund. "
    "Refunds reach your account in 3-5 working days. Terms apply."
)
REFUND_SMS = "Returns: full refund within 30 days, paid in 3 to 5 business days. Terms apply."
DELIVERY = "Standard delivery costs £3.95 and is free on orders over £40."
HOURS_V1 = "We are open from 9am to 5pm, Monday to Saturday, in every store."
HOURS_V2 = "Our stores welcome you from 9am to 5pm on each day of the week."
CLAIM = "Lost parcel claims must be made within {} days of the delivery date."


def catalog() -> Catalog:
    return Catalog.from_dict(
        {
            "forbidden": ["calm down", "not our problem"],
            "answers": [
                {"id": "refund-window", "intent": "refund", "version": 1, "text": REFUND_V1},
                {
                    "id": "refund-window",
                    "intent": "refund",
                    "version": 2,
                    "text": REFUND_V2,
                    "disclosures": ["terms apply"],
                    "forbidden": ["no questions asked", "calm down"],
                    "renderings": {"sms": REFUND_SMS},
                },
                {"id": "delivery-fee", "intent": "delivery", "text": DELIVERY},
                {"id": "hours", "intent": "hours", "version": 1, "text": HOURS_V1},
                {"id": "hours", "intent": "hours", "version": 2, "text": HOURS_V2},
                {"id": "claims", "intent": "claims", "version": 1, "text": CLAIM.format(14)},
                {"id": "claims", "intent": "claims", "version": 2, "text": CLAIM.format(30)},
            ],
        }
    )


CATALOG = catalog()


def reply(
    ident: str, body: str, *, at: float = 0, channel: str = "chat", **fields: Any
) -> Message:
    fields.setdefault("case_id", f"case-{ident}")
    return f.message(
        ident, at=f.minutes(at), channel=channel, direction="outbound", body=body, **fields
    )


def kinds(report: ConsistencyReport) -> list[str]:
    return [x.kind.value for x in report.findings]


def only(report: ConsistencyReport) -> Finding:
    assert len(report.findings) == 1, [x.describe() for x in report.findings]
    return report.findings[0]


# -- each kind of finding --------------------------------------------------------------


def test_a_reply_that_keeps_to_the_current_answer_raises_nothing() -> None:
    report = audit_consistency(
        [
            reply("r1", "Hi Sam! " + REFUND_V2),
            reply("r2", REFUND_SMS, channel="sms"),
            reply("r3", DELIVERY, channel="email"),
        ],
        CATALOG,
    )
    assert report.findings == ()
    assert report.replies == 3
    assert report.matched == {"words": 3}


def test_outdated_version_by_words_and_figures() -> None:
    finding = only(audit_consistency([reply("r1", "Hi! " + REFUND_V1)], CATALOG))
    assert finding.kind is FindingKind.OUTDATED_VERSION
    assert finding.answer_key == "refund-window@1"
    assert finding.intent == "refund"
    assert finding.evidence == (
        "gives duration 14 days of version 1; "
        "version 2 says duration 3-5 business days, duration 30 days"
    )
    assert finding.rule.startswith("words 0.")
    assert finding.interaction_ids == ("r1",)
    assert finding.channels == ("chat",)
    assert finding.occurred_at == f.minutes(0)


def test_outdated_version_when_the_words_match_both_versions_equally() -> None:
    old = reply("r1", "Hello Ann, " + CLAIM.format(14))
    new = reply("r2", "Hello Ann, " + CLAIM.format(30))
    none = reply("r3", "Lost parcel claims must be made within a few days of the delivery date.")
    report = audit_consistency([old, new, none], CATALOG)
    finding = only(report)
    assert finding.kind is FindingKind.OUTDATED_VERSION
    assert finding.answer_key == "claims@1"
    assert finding.interaction_ids == ("r1",)
    assert (
        finding.evidence == "gives duration 14 days of version 1; version 2 says duration 30 days"
    )
    assert report.matched == {"words": 3}


def test_outdated_version_named_by_the_reply() -> None:
    # Both hours versions give 9am to 5pm: only answer_version tells them apart.
    named = reply("r1", HOURS_V2, answer_id="hours", answer_version=1)
    finding = only(audit_consistency([named], CATALOG))
    assert finding.kind is FindingKind.OUTDATED_VERSION
    assert finding.answer_key == "hours@1"
    assert finding.rule == "answer_id"
    assert finding.evidence == (
        "gives time 09:00, time 17:00 of version 1; the current version is 2"
    )


def test_the_version_named_wins_over_the_words() -> None:
    report = audit_consistency(
        [reply("r1", HOURS_V1, answer_id="hours", answer_version=2)], CATALOG
    )
    assert report.findings == ()
    assert report.matched == {"answer_id": 1}
    words = audit_consistency([reply("r1", HOURS_V1)], CATALOG)
    assert only(words).answer_key == "hours@1"


def test_an_old_version_without_figures_in_common() -> None:
    named = reply("r1", "Returns are fine.", answer_id="refund-window", answer_version=1)
    finding = only(audit_consistency([named], CATALOG))
    assert finding.evidence == (
        "written from version 1; version 2 says duration 3-5 business days, duration 30 days"
    )


def test_answer_id_without_version_the_figures_choose() -> None:
    old = reply("r1", "Returns within 14 days.", answer_id="refund-window")
    finding = only(audit_consistency([old], CATALOG))
    assert (finding.kind, finding.answer_key, finding.rule) == (
        FindingKind.OUTDATED_VERSION,
        "refund-window@1",
        "answer_id",
    )
    # No figure to go by: the current version, whose disclosure is missing.
    bare = reply("r2", "Returns are easy.", answer_id="refund-window")
    finding = only(audit_consistency([bare], CATALOG))
    assert (finding.kind, finding.answer_key) == (
        FindingKind.MISSING_DISCLOSURE,
        "refund-window@2",
    )
    current = reply("r3", "Returns within 30 days. Terms apply.", answer_id="refund-window")
    assert audit_consistency([current], CATALOG).findings == ()


def test_an_unknown_answer_id_falls_back_to_the_words() -> None:
    report = audit_consistency([reply("r1", REFUND_V1, answer_id="gift-cards")], CATALOG)
    assert report.matched == {"words": 1}
    assert only(report).answer_key == "refund-window@1"
    assert only(report).rule.startswith("words")
    free = audit_consistency([reply("r2", "Is it raining?", answer_id="gift-cards")], CATALOG)
    assert free.matched == {}
    assert free.findings == ()


def test_figure_mismatch() -> None:
    wrong = reply("r1", "Standard delivery costs £4.95 and is free on orders over £40.")
    finding = only(audit_consistency([wrong], CATALOG))
    assert finding.kind is FindingKind.FIGURE_MISMATCH
    assert finding.answer_key == "delivery-fee@1"
    assert finding.evidence == (
        "says money GBP 4.95 where delivery-fee@1 says GBP 3.95, GBP 40.00"
    )
    assert finding.rule.startswith("words ")


def test_figure_mismatch_against_the_current_version() -> None:
    body = REFUND_V2.replace("30 days", "60 days")
    finding = only(audit_consistency([reply("r1", body)], CATALOG))
    assert finding.kind is FindingKind.FIGURE_MISMATCH
    assert finding.answer_key == "refund-window@2"
    assert finding.evidence.startswith("says duration 60 days where refund-window@2 says")


def test_a_partial_answer_is_no_figure_mismatch() -> None:
    partial = reply("r1", "Standard delivery costs £3.95.")
    same = reply("r2", "Standard delivery costs £3.95 and is free on orders over forty pounds.")
    report = audit_consistency([partial, same], CATALOG)
    assert report.matched == {"words": 2}
    assert report.findings == ()


def test_a_figure_of_a_kind_the_answer_does_not_state_is_no_mismatch() -> None:
    body = DELIVERY + " Call 0800 123 4567 after 5pm."
    report = audit_consistency([reply("r1", body)], CATALOG)
    assert report.matched == {"words": 1}
    assert report.findings == ()


def test_missing_disclosure() -> None:
    body = "You can return any item within 30 days for a full refund, paid in 3-5 working days."
    finding = only(audit_consistency([reply("r1", body)], CATALOG))
    assert finding.kind is FindingKind.MISSING_DISCLOSURE
    assert finding.answer_key == "refund-window@2"
    assert finding.evidence == "lacks 'terms apply', required by refund-window@2"


def test_a_disclosure_in_any_case_and_punctuation() -> None:
    body = REFUND_V2.replace("Terms apply.", "(TERMS, apply!)")
    assert audit_consistency([reply("r1", body)], CATALOG).findings == ()


def test_missing_disclosure_only_for_a_matched_reply() -> None:
    free = reply("r1", "Your refund of the coat went through this morning.")
    report = audit_consistency([free], CATALOG)
    assert report.matched == {}
    assert report.findings == ()


def test_forbidden_phrase_of_the_catalog_in_any_reply() -> None:
    free = reply("r1", "Please calm down, the driver is on the way.")
    finding = only(audit_consistency([free], CATALOG))
    assert finding.kind is FindingKind.FORBIDDEN_PHRASE
    assert finding.evidence == "uses 'calm down', forbidden in every reply"
    assert finding.rule == "calm down"
    assert finding.answer_key is None


def test_forbidden_phrases_are_whole_words() -> None:
    free = reply("r1", "The calm downstairs lounge is open; it is not our problems page.")
    assert audit_consistency([free], CATALOG).findings == ()


def test_forbidden_phrase_of_the_answer_only_in_its_replies() -> None:
    matched = reply("r1", REFUND_V2 + " No questions asked!")
    finding = only(audit_consistency([matched], CATALOG))
    assert finding.kind is FindingKind.FORBIDDEN_PHRASE
    assert finding.evidence == "uses 'no questions asked', forbidden by refund-window@2"
    assert finding.answer_key == "refund-window@2"
    free = reply("r2", "Bring it back, no questions asked.")
    assert audit_consistency([free], CATALOG).findings == ()


def test_a_phrase_forbidden_twice_is_one_finding() -> None:
    # "calm down" is forbidden by the catalog and by refund-window@2.
    matched = reply("r1", "Calm down: " + REFUND_V2)
    finding = only(audit_consistency([matched], CATALOG))
    assert finding.evidence == "uses 'calm down', forbidden in every reply"
    listed_twice = Catalog.from_dict(
        {"forbidden": ["calm down", "Calm down!"], "answers": [], "max_sms_segments": 2}
    )
    report = audit_consistency([reply("r2", "Calm down.")], listed_twice)
    assert kinds(report) == ["forbidden_phrase"]


def test_tone() -> None:
    report = audit_consistency(
        [reply("r1", "WE HAVE ALREADY TOLD YOU THIS TWICE"), reply("r2", "Done!!!", at=1)],
        CATALOG,
    )
    assert [(x.kind, x.rule, x.evidence, x.interaction_ids) for x in report.findings] == [
        (FindingKind.TONE, "shouting", "7 of 7 words in capitals", ("r1",)),
        (FindingKind.TONE, "exclamations", "'!!!'", ("r2",)),
    ]
    calm = reply("r3", "Your ID and PIN are on the NHS card! Thanks!!")
    assert audit_consistency([calm], CATALOG).findings == ()


def test_tone_rules() -> None:
    assert (
        ShoutingRule().check("WE HAVE ALREADY TOLD YOU THIS TWICE") == "7 of 7 words in capitals"
    )
    assert ShoutingRule().check("OK, I SEE") is None  # three words only
    assert ShoutingRule(min_words=2).check("OK, I SEE") == "2 of 2 words in capitals"
    assert ShoutingRule().check("Please READ THE EMAIL we SENT you today") is None  # 4 of 8
    assert ShoutingRule(share=0.5).check("Please READ THE EMAIL we SENT you today") == (
        "4 of 8 words in capitals"
    )
    assert ExclamationRule().check("Thanks!!") is None
    assert ExclamationRule().check("Thanks\uff01\uff01\uff01") == "'\uff01\uff01\uff01'"
    assert ExclamationRule(max_run=0).check("Thanks!") == "'!'"
    assert isinstance(ShoutingRule(), ToneRule)
    assert isinstance(ExclamationRule(), ToneRule)


@pytest.mark.parametrize(
    ("rule", "fields", "field"),
    [
        (ShoutingRule, {"min_words": 0}, "min_words"),
        (ShoutingRule, {"min_words": 2.5}, "min_words"),
        (ShoutingRule, {"min_words": True}, "min_words"),
        (ShoutingRule, {"share": 0}, "share"),
        (ShoutingRule, {"share": 1.2}, "share"),
        (ShoutingRule, {"share": "most"}, "share"),
        (ShoutingRule, {"name": ""}, "name"),
        (ExclamationRule, {"max_run": -1}, "max_run"),
        (ExclamationRule, {"max_run": 1.5}, "max_run"),
        (ExclamationRule, {"max_run": False}, "max_run"),
        (ExclamationRule, {"name": None}, "name"),
    ],
)
def test_tone_rule_settings(rule: Any, fields: dict[str, Any], field: str) -> None:
    # A negative run would flag every reply; a share above 1 would flag none.
    with pytest.raises(InvalidInput) as caught:
        rule(**fields)
    assert caught.value.field == field


def test_a_rule_of_ones_own() -> None:
    class NoBlame:
        name = "blame"

        def check(self, text: str) -> str | None:
            return "blames the customer" if "you should have" in text.lower() else None

    rules = ConsistencyRules(tone=[NoBlame()])
    report = audit_consistency(
        [reply("r1", "You should have read the terms!!!")], CATALOG, rules=rules
    )
    assert [(x.rule, x.evidence) for x in report.findings] == [("blame", "blames the customer")]


def test_rules_are_typed_for_the_rules_they_take() -> None:
    # Type checkers read the converters' parameters: tone rules, actor names.
    parameters = inspect.signature(ConsistencyRules).parameters
    assert parameters["tone"].annotation == "Iterable[ToneRule]"
    assert parameters["actors"].annotation == "Iterable[object]"


def test_cross_channel_conflict() -> None:
    intents = {"k1": "refund", "k2": "refund"}
    chat = reply("r1", "Refunds take 14 days.", case_id="k1")
    email = reply("r2", "Refunds take 30 days.", at=5, channel="email", case_id="k2")
    report = audit_consistency([email, chat], CATALOG, intents=intents)
    finding = only(report)
    assert finding.kind is FindingKind.CROSS_CHANNEL_CONFLICT
    assert finding.channels == ("chat", "email")
    assert finding.intent == "refund"
    assert finding.rule == "refund/duration"
    assert finding.evidence == "duration differs: 14 days (chat 1); 30 days (email 1)"
    assert finding.interaction_ids == ("r1", "r2")
    assert finding.occurred_at is None
    assert finding.answer_key is None
    assert report.findings_by_channel == {"chat": 1, "email": 1}


def test_matched_replies_take_their_answers_intent() -> None:
    chat = reply("r1", "Hi! " + REFUND_V1, case_id="k1")
    email = reply("r2", REFUND_V2, at=5, channel="email", case_id="k2")
    report = audit_consistency([chat, email], CATALOG)  # no case intents at all
    assert kinds(report) == ["outdated_version", "cross_channel_conflict"]
    conflict = report.findings[1]
    assert conflict.intent == "refund"
    assert conflict.evidence == (
        "duration differs: 14 days (chat 1); 3-5 business days + 30 days (email 1)"
    )


def test_two_values_on_one_channel_are_no_cross_channel_conflict() -> None:
    intents = {"k1": "refund", "k2": "refund"}
    one = reply("r1", "Refunds take 14 days.", case_id="k1")
    two = reply("r2", "Refunds take 30 days.", at=5, case_id="k2")
    report = audit_consistency([one, two], CATALOG, intents=intents)
    assert report.findings == ()


def test_the_same_value_on_two_channels_is_no_conflict() -> None:
    intents = {"k1": "refund", "k2": "refund"}
    one = reply("r1", "Refunds take 14 days.", case_id="k1")
    two = reply("r2", "Refunds take two weeks.", at=5, channel="email", case_id="k2")
    assert audit_consistency([one, two], CATALOG, intents=intents).findings == ()


def test_replies_about_different_intents_do_not_conflict() -> None:
    one = reply("r1", "That takes 14 days.", case_id="k1")
    two = reply("r2", "That takes 30 days.", at=5, channel="email", case_id="k2")
    report = audit_consistency([one, two], CATALOG, intents={"k1": "refund", "k2": "claims"})
    assert report.findings == ()
    assert audit_consistency([one, two], CATALOG).findings == ()  # no intent known


def test_a_partial_answer_on_another_channel_is_no_conflict() -> None:
    # The chat gives one of the two durations the email gives: no conflict.
    chat = reply("r1", "You can return any item within 30 days for a full refund.", case_id="k1")
    email = reply("r2", REFUND_V2, at=5, channel="email", case_id="k2")
    report = audit_consistency([chat, email], CATALOG)
    assert kinds(report) == ["missing_disclosure"]  # the chat's, not a conflict
    # A third value on a third channel conflicts with both, and all are listed.
    sms = reply("r3", "Returns: full refund within 14 days.", at=9, channel="sms", case_id="k3")
    report = audit_consistency([chat, email, sms], CATALOG)
    conflict = report.findings[-1]
    assert conflict.kind is FindingKind.CROSS_CHANNEL_CONFLICT
    assert conflict.channels == ("chat", "email", "sms")
    assert conflict.evidence == (
        "duration differs: 14 days (sms 1); 3-5 business days + 30 days (email 1); "
        "30 days (chat 1)"
    )


def test_cross_channel_counts_per_channel_and_capped_samples() -> None:
    intents = {f"k{i}": "refund" for i in range(20)}
    replies = [reply(f"c{i}", "Refunds take 14 days.", at=i, case_id=f"k{i}") for i in range(6)]
    replies += [
        reply(f"e{i}", "Refunds take two weeks.", at=10 + i, channel="email", case_id=f"k{i}")
        for i in range(2)
    ]
    replies += [
        reply(f"s{i}", "Refunds take 30 days.", at=20 + i, channel="sms", case_id=f"k{i}")
        for i in range(3)
    ]
    rules = ConsistencyRules(samples=2)
    finding = only(audit_consistency(replies, CATALOG, rules=rules, intents=intents))
    assert finding.evidence == "duration differs: 14 days (chat 6, email 2); 30 days (sms 3)"
    assert finding.channels == ("chat", "email", "sms")
    assert finding.interaction_ids == ("c0", "c1", "e0", "e1", "s0", "s1")
    assert "and 2 more" in finding.describe()


def test_samples_are_the_earliest_whatever_the_order() -> None:
    intents = {f"k{i}": "refund" for i in range(10)}
    replies = [
        reply(f"c{i}", "Refunds take 14 days.", at=i, case_id=f"k{i}") for i in range(7)
    ] + [reply("e1", "Refunds take 30 days.", at=50, channel="email", case_id="k9")]
    expected = ("c0", "c1", "c2", "c3", "c4", "e1")
    for seed in range(5):
        random.Random(seed).shuffle(replies)
        finding = only(audit_consistency(replies, CATALOG, intents=intents))
        assert finding.interaction_ids == expected
    # At one time, the lower ids.
    same_time = [
        reply(f"c{i}", "Refunds take 14 days.", case_id=f"k{i}") for i in (5, 3, 9, 1)
    ] + [reply("e1", "Refunds take 30 days.", channel="email", case_id="k9")]
    rules = ConsistencyRules(samples=2)
    finding = only(audit_consistency(same_time, CATALOG, rules=rules, intents=intents))
    assert finding.interaction_ids == ("c1", "c3", "e1")


# -- who replies -------------------------------------------------------------------------


def test_bot_replies_are_ignored_unless_asked_for() -> None:
    bot = reply("r1", "PLEASE CALM DOWN RIGHT NOW!!!", actor="bot")
    auditor = ConsistencyAuditor(CATALOG)
    assert auditor.add(bot) is False
    assert auditor.report().replies == 0
    for actors in ({"agent", "bot"}, ["bot"], "bot"):
        rules = ConsistencyRules(actors=actors)
        auditor = ConsistencyAuditor(CATALOG, rules=rules)
        assert auditor.add(bot) is True
        assert sorted(kinds(auditor.report())) == ["forbidden_phrase", "tone", "tone"]
    agent_only_bots = ConsistencyAuditor(CATALOG, rules=ConsistencyRules(actors={"bot"}))
    assert agent_only_bots.add(reply("r2", "PLEASE CALM DOWN RIGHT NOW!!!")) is False


def test_system_messages_when_asked_for() -> None:
    notice = reply("r1", "Your refund of £5 is on its way!!!", actor="system")
    assert audit_consistency([notice], CATALOG).replies == 0
    rules = ConsistencyRules(actors={"system"})
    assert kinds(audit_consistency([notice], CATALOG, rules=rules)) == ["tone"]


def test_inbound_messages_and_other_interactions_are_ignored() -> None:
    auditor = ConsistencyAuditor(CATALOG)
    assert auditor.add(f.message("m1", body="WHY IS MY REFUND LATE!!! CALM DOWN")) is False
    assert auditor.add(f.note("n1", body="CUSTOMER IS VERY ANGRY!!! calm down")) is False
    assert auditor.add(f.status("s1")) is False
    assert auditor.add(f.call("c1")) is False
    report = auditor.report()
    assert report.replies == 0
    assert report.findings == ()
    assert report.per_thousand() is None


def test_what_is_not_an_interaction_is_refused() -> None:
    auditor = ConsistencyAuditor(CATALOG)
    with pytest.raises(InvalidInput) as caught:
        auditor.add({"id": "r1", "body": "Hi"})  # type: ignore[arg-type]
    assert caught.value.field == "interaction"
    with pytest.raises(InvalidInput):
        audit_consistency(["Refunds take 14 days."], CATALOG)  # type: ignore[list-item]


def test_the_report_at_any_moment() -> None:
    intents = {"k1": "refund", "k2": "refund"}
    auditor = ConsistencyAuditor(CATALOG, intents=intents)
    auditor.add(reply("r1", "Refunds take 14 days.", case_id="k1"))
    first = auditor.report()
    assert (first.replies, first.findings) == (1, ())
    auditor.add(reply("r2", "Refunds take 30 days.", at=1, channel="email", case_id="k2"))
    second = auditor.report()
    assert second.replies == 2
    assert kinds(second) == ["cross_channel_conflict"]
    assert auditor.report() == second
    assert first.replies == 1  # a report is a snapshot


def test_a_repeated_id_is_audited_once() -> None:
    auditor = ConsistencyAuditor(CATALOG)
    first = reply("r1", "CALM DOWN!!!")
    assert auditor.add(first) is True
    assert auditor.add(first) is False
    assert auditor.add(reply("r1", "Something else entirely.", at=3)) is False
    report = auditor.report()
    assert report.replies == 1
    assert sorted(kinds(report)) == ["forbidden_phrase", "tone"]


# -- intents ---------------------------------------------------------------------------


def test_intents_from_a_mapping() -> None:
    intents = {"k1": "refund", "k2": "refund"}
    one = reply("r1", "It takes 14 days.", case_id="k1")
    two = reply("r2", "It takes 30 days.", at=2, channel="email", case_id="k2")
    three = reply("r3", "It takes 60 days.", at=3, channel="sms", case_id="k3")  # no intent
    finding = only(audit_consistency([one, two, three], None, intents=intents))
    assert finding.intent == "refund"
    assert finding.channels == ("chat", "email")


def test_intents_from_a_function_called_once_per_case() -> None:
    calls: Counter[str] = Counter()

    def intent_of(case_id: str) -> str | None:
        calls[case_id] += 1
        return "refund" if case_id.startswith("k") else None

    replies = [
        reply("r1", "It takes 14 days.", case_id="k1"),
        reply("r2", "Still 14 days, sorry.", at=1, case_id="k1"),
        reply("r3", "It takes 30 days.", at=2, channel="email", case_id="k2"),
        reply("r4", "That was 30 days.", at=3, channel="email", case_id="k2"),
        reply("r5", "It takes 60 days.", at=4, channel="sms", case_id="x1"),
        reply("r6", "Or 60 days.", at=5, channel="sms", case_id="x1"),
        reply("r7", REFUND_V2, at=6, channel="sms", case_id="x2"),  # matched: its answer's intent
    ]
    auditor = ConsistencyAuditor(CATALOG, intents=intent_of)
    auditor.extend(replies)
    assert calls == {"k1": 1, "k2": 1, "x1": 1}
    finding = only(auditor.report())
    assert finding.evidence == (
        "duration differs: 14 days (chat 2); 30 days (email 2); "
        "3-5 business days + 30 days (sms 1)"
    )


def test_a_reply_without_a_case_has_no_intent() -> None:
    calls: list[str] = []

    def intent_of(case_id: str) -> str | None:
        calls.append(case_id)
        return "refund"

    loose = f.message(
        "r1", direction="outbound", body="It takes 14 days.", customer_id="cus_1", channel="chat"
    )
    assert loose.case_id is None
    report = audit_consistency([loose], CATALOG, intents=intent_of)
    assert report.replies == 1
    assert calls == []


# -- without a catalog -----------------------------------------------------------------


def test_without_a_catalog_tone_and_cross_channel_only() -> None:
    intents = {"k1": "refund", "k2": "refund"}
    replies = [
        reply("r1", "Refunds take 14 days. Calm down!!!", case_id="k1"),
        reply("r2", "Refunds take 30 days.", at=1, channel="email", case_id="k2"),
    ]
    report = audit_consistency(replies, intents=intents)
    assert kinds(report) == ["tone", "cross_channel_conflict"]
    assert report.matched == {}


# -- the report ------------------------------------------------------------------------


def sample_report() -> ConsistencyReport:
    intents = {"k1": "refund", "k2": "refund", "k3": "refund"}
    return audit_consistency(
        [
            reply("r1", "Hi Sam! " + REFUND_V1, case_id="k1"),
            reply("r2", REFUND_V2, at=1, channel="email", case_id="k2"),
            reply("r3", REFUND_SMS, at=2, channel="sms", case_id="k3"),
            reply("r4", "PLEASE CALM DOWN, IT IS NOT OUR PROBLEM!!!", at=3),
            reply("r5", "Your parcel is on its way.", at=4, channel="email"),
        ],
        CATALOG,
        intents=intents,
    )


def test_report_counts() -> None:
    report = sample_report()
    assert report.replies == 5
    assert report.replies_by_channel == {"chat": 2, "email": 2, "sms": 1}
    assert report.matched == {"words": 3}
    assert report.findings_by_kind == {
        "cross_channel_conflict": 1,
        "forbidden_phrase": 2,
        "outdated_version": 1,
        "tone": 2,
    }
    assert report.findings_by_channel == {"chat": 6, "email": 1, "sms": 1}
    assert report.similarity == DEFAULT_THRESHOLD
    assert [x.kind.value for x in report.findings] == [
        "outdated_version",
        "forbidden_phrase",
        "forbidden_phrase",
        "tone",
        "tone",
        "cross_channel_conflict",
    ]


def test_per_thousand() -> None:
    report = sample_report()
    # 6 findings: overall each counts once; the conflict counts on each of
    # its three channels in the per-channel rates.
    assert report.per_thousand() == pytest.approx(1000 * 6 / 5)
    assert report.per_thousand("chat") == pytest.approx(1000 * 6 / 2)
    assert report.per_thousand("email") == pytest.approx(1000 * 1 / 2)
    assert report.per_thousand("sms") == pytest.approx(1000.0)
    assert report.per_thousand("whatsapp") is None
    empty = audit_consistency([], CATALOG)
    assert empty.per_thousand() is None
    assert empty.replies == 0
    clean = audit_consistency([reply("r1", "Your parcel is on its way.")], CATALOG)
    assert clean.per_thousand() == 0.0
    assert clean.per_thousand("chat") == 0.0


def test_to_dict_is_json() -> None:
    report = sample_report()
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["replies"] == 5
    assert data["findings_total"] == 6
    assert len(data["findings"]) == 6
    assert data["per_thousand"] == pytest.approx(1200.0)  # each finding once
    assert data["per_thousand_by_channel"] == {"chat": 3000.0, "email": 500.0, "sms": 1000.0}
    assert data["findings"][0] == {
        "kind": "outdated_version",
        "interaction_ids": ["r1"],
        "channels": ["chat"],
        "evidence": report.findings[0].evidence,
        "answer": "refund-window@1",
        "intent": "refund",
        "rule": report.findings[0].rule,
        "occurred_at": "2026-01-05T09:00:00+00:00",
    }
    assert data["findings"][-1]["occurred_at"] is None
    limited = report.to_dict(limit=2)
    assert len(limited["findings"]) == 2
    assert limited["findings_total"] == 6


def test_describe_and_str() -> None:
    report = sample_report()
    lines = [x.describe() for x in report.findings]
    assert lines[0] == (
        "outdated_version on chat [refund-window@1]: gives duration 14 days of version 1; "
        "version 2 says duration 3-5 business days, duration 30 days (r1)"
    )
    assert lines[1] == "forbidden_phrase on chat: uses 'calm down', forbidden in every reply (r4)"
    assert lines[-1] == (
        "cross_channel_conflict on chat, email, sms [refund]: duration differs: "
        "3-5 business days + 30 days (email 1, sms 1); 14 days (chat 1) (r2, r3, r1)"
    )
    text = str(report)
    assert text.splitlines()[0] == "replies audited   5   findings per 1,000: 1200.0"
    assert "  tone                           2" in text
    assert "  - " + lines[0] in text
    assert str(audit_consistency([], CATALOG)) == "replies audited   0"


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"similarity": 0}, "similarity"),
        ({"similarity": 1.5}, "similarity"),
        ({"similarity": True}, "similarity"),
        ({"similarity": "0.5"}, "similarity"),
        ({"actors": {"agent", "robot"}}, "actors"),
        ({"actors": "robot"}, "actors"),
        ({"tone": [ShoutingRule(), "loud"]}, "tone[1]"),
        ({"samples": 0}, "samples"),
        ({"samples": True}, "samples"),
        ({"samples": 2.5}, "samples"),
    ],
)
def test_rules_validation(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ConsistencyRules(**fields)
    assert [e.field for e in caught.value.errors] == [field]


def test_rules_report_every_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        ConsistencyRules(similarity=2, actors={"robot"}, samples=0)
    assert [e.field for e in caught.value.errors] == ["similarity", "actors", "samples"]


def test_the_similarity_is_the_index_threshold() -> None:
    body = "Hello Priya! " + REFUND_V1 + " Any other questions, just ask. ^JR"
    loose = audit_consistency([reply("r1", body)], CATALOG, rules=ConsistencyRules(similarity=0.3))
    strict = audit_consistency([reply("r1", body)], CATALOG, rules=ConsistencyRules(similarity=1))
    assert loose.matched == {"words": 1}
    assert strict.matched == {}
    assert strict.similarity == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"catalog": {"answers": []}}, "catalog"),
        ({"rules": {"similarity": 0.5}}, "rules"),
        ({"intents": 42}, "intents"),
    ],
)
def test_auditor_validation(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ConsistencyAuditor(**kwargs)
    assert caught.value.field == field


# -- properties --------------------------------------------------------------------------

BODIES = [
    REFUND_V1,
    "Hi! " + REFUND_V2,
    REFUND_SMS,
    REFUND_V2.replace("30 days", "60 days"),
    "You can return any item within 30 days for a full refund.",
    DELIVERY,
    "Standard delivery costs £4.95 and is free on orders over £40.",
    HOURS_V1,
    CLAIM.format(14),
    CLAIM.format(30),
    "Refunds take 14 days.",
    "Refunds take 30 days.",
    "Refunds take two weeks, calm down!!!",
    "PLEASE READ THE EMAIL WE SENT",
    "Your parcel is on its way.",
    "Delivery is £3.95 today.",
]
CHANNELS = ["chat", "email", "sms", "social_public"]
INTENTS = {"k0": "refund", "k1": "refund", "k2": "delivery", "k3": "claims"}


@st.composite
def interactions(draw: st.DrawFn) -> list[Message]:
    """Up to 25 messages, mostly replies, with distinct ids and clashing times."""
    count = draw(st.integers(min_value=0, max_value=25))
    out: list[Message] = []
    for i in range(count):
        direction = draw(st.sampled_from(["outbound", "outbound", "outbound", "inbound"]))
        extra: dict[str, Any] = {}
        if direction == "outbound" and draw(st.integers(0, 5)) == 0:
            extra = {"answer_id": "refund-window", "answer_version": draw(st.sampled_from([1, 2]))}
        out.append(
            f.message(
                f"m{i:02d}",
                at=f.minutes(draw(st.integers(0, 5))),
                channel=draw(st.sampled_from(CHANNELS)),
                case_id=draw(st.sampled_from(["k0", "k1", "k2", "k3", "k4"])),
                direction=direction,
                body=draw(st.sampled_from(BODIES)),
                **extra,
            )
        )
    return out


def _summary(report: ConsistencyReport) -> tuple[Any, ...]:
    return (
        report.replies,
        dict(report.replies_by_channel),
        dict(report.matched),
        dict(report.findings_by_kind),
        dict(report.findings_by_channel),
    )


@settings(max_examples=40, deadline=None)
@given(
    listed=interactions(),
    seed=st.randoms(use_true_random=False),
    samples=st.integers(1, 3),
)
def test_the_order_changes_nothing(
    listed: list[Message], seed: random.Random, samples: int
) -> None:
    rules = ConsistencyRules(samples=samples)
    first = audit_consistency(listed, CATALOG, rules=rules, intents=INTENTS)
    shuffled = list(listed)
    seed.shuffle(shuffled)
    second = audit_consistency(shuffled, CATALOG, rules=rules, intents=INTENTS)
    assert Counter(first.findings) == Counter(second.findings)
    assert _summary(first) == _summary(second)
    assert first.findings == second.findings  # the report's own order is fixed too


@settings(max_examples=30, deadline=None)
@given(listed=interactions())
def test_feeding_twice_changes_nothing(listed: list[Message]) -> None:
    once = audit_consistency(listed, CATALOG, intents=INTENTS)
    auditor = ConsistencyAuditor(CATALOG, intents=INTENTS)
    auditor.extend(listed)
    added = [auditor.add(m) for m in listed]
    assert not any(added)
    assert auditor.report() == once


@settings(max_examples=40, deadline=None)
@given(listed=interactions())
def test_the_counts_add_up(listed: list[Message]) -> None:
    report = audit_consistency(listed, CATALOG, intents=INTENTS)
    assert sum(report.findings_by_kind.values()) == len(report.findings)
    assert sum(report.replies_by_channel.values()) == report.replies
    assert report.replies == sum(1 for m in listed if m.direction.value == "outbound")
    assert sum(report.matched.values()) <= report.replies
    assert sum(report.findings_by_channel.values()) == sum(
        len(x.channels) for x in report.findings
    )
    overall = report.per_thousand()
    if report.replies == 0:
        assert overall is None
    else:
        assert overall is not None
        assert overall >= 0
        assert overall == pytest.approx(1000 * len(report.findings) / report.replies)
    for channel in report.replies_by_channel:
        rate = report.per_thousand(channel)
        assert rate is not None
        assert rate >= 0


# -- scale, counted rather than timed ----------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _word(n: int) -> str:
    """A distinct word of letters for each ``n`` (digits would be dropped)."""
    out = ""
    for _ in range(3):
        out += LETTERS[n % 26]
        n //= 26
    return "w" + out


def scale_catalog(size: int) -> Catalog:
    answers = []
    for i in range(size):
        own = " ".join(_word(i * 7 + k) for k in range(7))
        answers.append(
            {
                "id": f"answer-{i:03d}",
                "intent": f"intent-{i % 40}",
                "text": f"Thanks for getting in touch. {own.capitalize()}. "
                f"It takes {i % 20 + 2} days. Let us know if we can help further.",
            }
        )
    return Catalog.from_dict({"answers": answers})


def scale_replies(size: int, count: int, start: int = 0) -> list[Message]:
    names = ["Sam", "Ann", "Jo", "Priya", "Alex", "Lee", "Kim", "Max", "Noor", "Ola"]
    channels = ["chat", "email", "sms", "social_private"]
    out = []
    for n in range(start, start + count):
        i = (n * 7919) % size
        own = " ".join(_word(i * 7 + k) for k in range(7))
        body = (
            f"Hi {names[n // size % len(names)]}! Thanks for getting in touch. {own}. "
            f"It takes {(n % 3) + 2} days. Order {100000 + n}."
        )
        out.append(
            f.message(
                f"m{n:06d}",
                at=f.minutes(n % 1440),
                channel=channels[n % len(channels)],
                case_id=f"case-{n % 5000}",
                direction="outbound",
                body=body,
            )
        )
    return out


def test_scale_candidate_scorings_stay_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    scorings: list[int] = []
    real = AnswerIndex._score

    def counting(self: AnswerIndex, toks: tuple[str, ...]) -> Match | None:
        before = self._scored
        found = real(self, toks)
        scorings.append(self._scored - before)
        return found

    monkeypatch.setattr(AnswerIndex, "_score", counting)
    catalog = scale_catalog(300)
    auditor = ConsistencyAuditor(catalog)
    replies = scale_replies(300, 20_000)
    auditor.extend(replies)
    report = auditor.report()
    assert report.replies == 20_000
    assert report.matched == {"words": 20_000}
    # One search per distinct text (300 answers x 10 names), never per reply,
    # and a few texts scored in full each, not the 300 answers.
    assert len(scorings) == 3_000
    assert max(scorings) <= 3
    assert sum(scorings) <= 3 * len(scorings)
    # The same texts again, under new ids: nothing is scored.
    before = len(scorings)
    auditor.extend(scale_replies(300, 5_000, start=20_000))
    assert len(scorings) == before
    assert auditor.report().replies == 25_000


def test_scale_the_catalog_size_does_not_change_the_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    per_size: dict[int, list[int]] = {}
    real = AnswerIndex._score
    current: list[int] = []

    def counting(self: AnswerIndex, toks: tuple[str, ...]) -> Match | None:
        before = self._scored
        found = real(self, toks)
        current.append(self._scored - before)
        return found

    monkeypatch.setattr(AnswerIndex, "_score", counting)
    for size in (50, 300):
        current.clear()
        report = audit_consistency(scale_replies(size, 2_000), scale_catalog(size))
        assert report.matched == {"words": 2_000}
        per_size[size] = list(current)
    mean = {size: sum(v) / len(v) for size, v in per_size.items()}
    assert mean[300] <= mean[50] * 1.5
    assert max(per_size[300]) <= 3


def test_a_conflict_lists_its_five_most_given_sets_and_counts_the_rest() -> None:
    # Amounts that differ reply by reply would otherwise make the evidence as
    # long as the history.
    replies = [
        f.message(
            f"r{i}",
            at=f.minutes(i),
            case_id=f"k{i}",
            channel="chat" if i % 2 else "email",
            direction="outbound",
            body=f"The fee is £{i + 1}.",
        )
        for i in range(8)
    ]
    report = audit_consistency(replies, intents=lambda case_id: "fees")
    [conflict] = report.findings
    assert conflict.kind is FindingKind.CROSS_CHANNEL_CONFLICT
    assert conflict.evidence.count("GBP") == 5
    assert conflict.evidence.endswith("; and 3 other sets of values (3)")
    assert len(conflict.interaction_ids) == 5

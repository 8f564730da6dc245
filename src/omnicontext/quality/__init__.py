"""One catalog of approved answers, rendered per channel, and the consistency
audit of what agents actually said.

* :class:`Catalog` holds every version of every approved answer; building it
  checks that each channel's rendering keeps the canonical text's facts and
  disclosures and fits the channel. :meth:`Catalog.render` gives the text to
  send on a channel.
* :func:`extract_facts` pulls the figures out of a text (amounts,
  percentages, durations, clock times, phone numbers, limits), normalised so
  that "two weeks" equals "14 days".
* :class:`AnswerIndex` finds which answer a reply was written from.
* :func:`audit_consistency` (:class:`ConsistencyAuditor`) checks replies for
  outdated versions, wrong figures, missing disclosures, forbidden phrases,
  tone, and figures that differ between channels.

>>> from omnicontext.quality import Catalog
>>> catalog = Catalog.from_dict({"answers": [{"id": "hours", "intent": "opening_hours",
...     "text": "We are open from 9am to 5pm."}]})
>>> catalog.render("hours", "sms")
'We are open from 9am to 5pm.'
"""

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
from omnicontext.quality.catalog import Answer, Catalog, normalize_phrase, rendering_problems
from omnicontext.quality.facts import Fact, FactKind, extract_facts, fact_set
from omnicontext.quality.matching import DEFAULT_THRESHOLD, AnswerIndex, Match, tokens

__all__ = [
    "DEFAULT_THRESHOLD",
    "Answer",
    "AnswerIndex",
    "Catalog",
    "ConsistencyAuditor",
    "ConsistencyReport",
    "ConsistencyRules",
    "ExclamationRule",
    "Fact",
    "FactKind",
    "Finding",
    "FindingKind",
    "Match",
    "ShoutingRule",
    "ToneRule",
    "audit_consistency",
    "extract_facts",
    "fact_set",
    "normalize_phrase",
    "rendering_problems",
    "tokens",
]

"""Context that follows the customer across channels.

- :mod:`~omnicontext.handoff.timeline`: one time-ordered view of a customer or
  a case across channels, and its journey of channel segments;
- :mod:`~omnicontext.handoff.switches`: where a conversation moved channel,
  and why, as far as the data tells;
- :mod:`~omnicontext.handoff.packet`: the handoff packet the next agent sees,
  the takeover checklist, and recording the handoff;
- :mod:`~omnicontext.handoff.access`: who sees which parts of a packet;
- :mod:`~omnicontext.handoff.redaction`: masking personal data;
- :mod:`~omnicontext.handoff.sensitivity` and :mod:`~omnicontext.handoff.advice`:
  sensitive content, and when to suggest a private or a live channel;
- :mod:`~omnicontext.handoff.notices` and :mod:`~omnicontext.handoff.sms`:
  the notices the customer receives, rendered per channel, with consent and
  quiet hours;
- :mod:`~omnicontext.handoff.delivery`, :mod:`~omnicontext.handoff.outbox` and
  :mod:`~omnicontext.handoff.notify`: providers with fallback and circuit
  breakers, and the outbox that delivers each notification exactly once.
"""

from __future__ import annotations

from omnicontext.handoff.access import (
    PACKET_FIELDS,
    AccessPolicy,
    Role,
    Viewer,
)
from omnicontext.handoff.advice import (
    Advice,
    AdviceKind,
    AdviceRules,
    advise,
    advise_case,
)
from omnicontext.handoff.delivery import (
    BreakerState,
    BreakerStatus,
    CircuitBreaker,
    DeliveryResult,
    FallbackChain,
    Notifier,
    OutgoingMessage,
    ProviderAttempt,
    ProviderError,
    ProviderTimeout,
    SendReceipt,
)
from omnicontext.handoff.notices import (
    DeliveryPlan,
    Notice,
    QuietHours,
    compose_move_notice,
    compose_update,
    plan_delivery,
)
from omnicontext.handoff.notify import (
    QueuedNotice,
    queue_move_notice,
    queue_update,
)
from omnicontext.handoff.outbox import (
    EntryOutcome,
    OutboxReport,
    OutboxWorker,
    enqueue,
)
from omnicontext.handoff.packet import (
    CHECKLIST,
    ChecklistItem,
    Clocks,
    CustomerView,
    Flags,
    HandoffPacket,
    HandoffSettings,
    HistoryEntry,
    IdentityView,
    build_packet,
    prepare_handoff,
    record_handoff,
    tick,
)
from omnicontext.handoff.redaction import (
    CardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    PatternRecognizer,
    PersonalDataSpan,
    PhoneRecognizer,
    Recognizer,
    Redaction,
    Redactor,
    default_redactor,
    iban_is_valid,
    luhn_is_valid,
)
from omnicontext.handoff.sensitivity import (
    SensitiveHit,
    SensitiveTopic,
    SensitivityDetector,
    asks_to_go_private,
    default_detector,
)
from omnicontext.handoff.sms import (
    SmsSegments,
    fit_sms,
    gsm7_safe,
    is_gsm7,
    sms_segments,
)
from omnicontext.handoff.switches import (
    ChannelSwitch,
    SwitchReason,
    SwitchRules,
    detect_switches,
    same_matter,
)
from omnicontext.handoff.timeline import (
    Segment,
    Timeline,
    case_timeline,
    customer_timeline,
    is_customer_facing,
)

__all__ = [
    "CHECKLIST",
    "PACKET_FIELDS",
    "AccessPolicy",
    "Advice",
    "AdviceKind",
    "AdviceRules",
    "BreakerState",
    "BreakerStatus",
    "CardRecognizer",
    "ChannelSwitch",
    "ChecklistItem",
    "CircuitBreaker",
    "Clocks",
    "CustomerView",
    "DeliveryPlan",
    "DeliveryResult",
    "EmailRecognizer",
    "EntryOutcome",
    "FallbackChain",
    "Flags",
    "HandoffPacket",
    "HandoffSettings",
    "HistoryEntry",
    "IbanRecognizer",
    "IdentityView",
    "Notice",
    "Notifier",
    "OutboxReport",
    "OutboxWorker",
    "OutgoingMessage",
    "PatternRecognizer",
    "PersonalDataSpan",
    "PhoneRecognizer",
    "ProviderAttempt",
    "ProviderError",
    "ProviderTimeout",
    "QueuedNotice",
    "QuietHours",
    "Recognizer",
    "Redaction",
    "Redactor",
    "Role",
    "Segment",
    "SendReceipt",
    "SensitiveHit",
    "SensitiveTopic",
    "SensitivityDetector",
    "SmsSegments",
    "SwitchReason",
    "SwitchRules",
    "Timeline",
    "Viewer",
    "advise",
    "advise_case",
    "asks_to_go_private",
    "build_packet",
    "case_timeline",
    "compose_move_notice",
    "compose_update",
    "customer_timeline",
    "default_detector",
    "default_redactor",
    "detect_switches",
    "enqueue",
    "fit_sms",
    "gsm7_safe",
    "iban_is_valid",
    "is_customer_facing",
    "is_gsm7",
    "luhn_is_valid",
    "plan_delivery",
    "prepare_handoff",
    "queue_move_notice",
    "queue_update",
    "record_handoff",
    "same_matter",
    "sms_segments",
    "tick",
]

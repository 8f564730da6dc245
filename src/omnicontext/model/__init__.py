"""omnicontext's channel-agnostic vocabulary.

Pydantic v2 models, frozen, validated at the boundary: bad input raises
:class:`omnicontext.errors.InvalidInput` naming the field, the value and why.

>>> from omnicontext.model import Customer, Identity
>>> Customer(id="cus_1", identities=[Identity(kind="phone", value="+442079460958")]).id
'cus_1'
"""

from omnicontext.model.access import AccessRecord
from omnicontext.model.agent import Agent, SkillLevel
from omnicontext.model.case import (
    Case,
    CaseStatus,
    Checkpoint,
    Priority,
    Takeover,
    allowed_transitions,
)
from omnicontext.model.channels import (
    BUILTIN_CHANNELS,
    Assurance,
    Channel,
    ChannelMode,
    ChannelName,
    ChannelProfile,
    ChannelRegistry,
    Visibility,
    current_channels,
    use_channels,
)
from omnicontext.model.customer import ContactConsent, Customer, Identity, IdentityKind
from omnicontext.model.interaction import (
    INTERACTION_TYPES,
    Actor,
    Assignment,
    Call,
    Direction,
    Handoff,
    Interaction,
    InteractionBase,
    Message,
    Note,
    StatusChange,
    Survey,
    interaction_json_schema,
    parse_interaction,
    parse_interaction_json,
)
from omnicontext.model.merge import (
    Evidence,
    EvidenceKind,
    MergeRecord,
    MergeSuggestion,
    SuggestionStatus,
)
from omnicontext.model.notification import (
    AttemptOutcome,
    DeliveryAttempt,
    OutboxEntry,
    OutboxStatus,
)

__all__ = [
    "BUILTIN_CHANNELS",
    "INTERACTION_TYPES",
    "AccessRecord",
    "Actor",
    "Agent",
    "Assignment",
    "Assurance",
    "AttemptOutcome",
    "Call",
    "Case",
    "CaseStatus",
    "Channel",
    "ChannelMode",
    "ChannelName",
    "ChannelProfile",
    "ChannelRegistry",
    "Checkpoint",
    "ContactConsent",
    "Customer",
    "DeliveryAttempt",
    "Direction",
    "Evidence",
    "EvidenceKind",
    "Handoff",
    "Identity",
    "IdentityKind",
    "Interaction",
    "InteractionBase",
    "MergeRecord",
    "MergeSuggestion",
    "Message",
    "Note",
    "OutboxEntry",
    "OutboxStatus",
    "Priority",
    "SkillLevel",
    "StatusChange",
    "SuggestionStatus",
    "Survey",
    "Takeover",
    "Visibility",
    "allowed_transitions",
    "current_channels",
    "interaction_json_schema",
    "parse_interaction",
    "parse_interaction_json",
    "use_channels",
]

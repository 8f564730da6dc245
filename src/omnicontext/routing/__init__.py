"""Routing: the right agent for each piece of work, and nobody over capacity.

* :class:`WorkItem` is what is routed; :class:`Dispatcher` queues it, offers
  it, handles accept / reject / timeout and overflow, and says why
  (:class:`Decision`, :class:`Reasons`).
* :class:`Policy` composes small filters, preferences and rankers;
  :class:`Queue` and :class:`Step` give each queue its policy and overflow.
* :class:`CapacityProfile` says what each channel takes of an agent;
  a :class:`CapacityLedger` (:class:`MemoryLedger`, :class:`SQLiteLedger`)
  reserves it atomically, across processes.
"""

from omnicontext.routing.capacity import (
    CapacityProfile,
    ChannelCapacity,
    Holding,
    Units,
    to_units,
)
from omnicontext.routing.dispatcher import (
    AgentStatus,
    Decision,
    Dispatcher,
    ItemState,
    Offer,
    Reasons,
)
from omnicontext.routing.ledger import CapacityLedger, MemoryLedger, Refused
from omnicontext.routing.policies import (
    DEFAULT_FILTERS,
    BestSkillMatch,
    CapacityFilter,
    ChannelFilter,
    DeclinedFilter,
    Fifo,
    Filter,
    LeastOccupied,
    LongestIdle,
    Policy,
    Preference,
    PresenceFilter,
    PriorityAgeing,
    QueueOrder,
    Ranker,
    RoundRobin,
    SkillFilter,
    Sticky,
    filter_by,
    rank_by,
)
from omnicontext.routing.presence import Presence
from omnicontext.routing.queues import Queue, Step
from omnicontext.routing.sqlite_ledger import JournalEntry, SQLiteLedger
from omnicontext.routing.state import AgentState, Ask
from omnicontext.routing.work import WorkItem

__all__ = [
    "DEFAULT_FILTERS",
    "AgentState",
    "AgentStatus",
    "Ask",
    "BestSkillMatch",
    "CapacityFilter",
    "CapacityLedger",
    "CapacityProfile",
    "ChannelCapacity",
    "ChannelFilter",
    "Decision",
    "DeclinedFilter",
    "Dispatcher",
    "Fifo",
    "Filter",
    "Holding",
    "ItemState",
    "JournalEntry",
    "LeastOccupied",
    "LongestIdle",
    "MemoryLedger",
    "Offer",
    "Policy",
    "Preference",
    "Presence",
    "PresenceFilter",
    "PriorityAgeing",
    "Queue",
    "QueueOrder",
    "Ranker",
    "Reasons",
    "Refused",
    "RoundRobin",
    "SQLiteLedger",
    "SkillFilter",
    "Step",
    "Sticky",
    "Units",
    "WorkItem",
    "filter_by",
    "rank_by",
    "to_units",
]

"""Routing: the right agent for each piece of work, and nobody over capacity."""

from omnicontext.routing.capacity import (
    CapacityProfile,
    ChannelCapacity,
    Holding,
    Units,
    to_units,
)
from omnicontext.routing.ledger import CapacityLedger, MemoryLedger, Refused
from omnicontext.routing.presence import Presence

__all__ = [
    "CapacityLedger",
    "CapacityProfile",
    "ChannelCapacity",
    "Holding",
    "MemoryLedger",
    "Presence",
    "Refused",
    "Units",
    "to_units",
]

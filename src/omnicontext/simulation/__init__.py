"""Try a routing and staffing plan before the customers do: a contact-centre simulator.

:func:`simulate` runs a :class:`Scenario` (traffic per channel, a roster of
agents with shifts and breaks, the dispatcher's queues and policies) through
the real :class:`~omnicontext.routing.Dispatcher`, and measures service
level, waits, abandonment, occupancy and overload.
"""

from omnicontext.simulation.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    distribution_from_dict,
)
from omnicontext.simulation.engine import (
    Arrival,
    ChannelResult,
    Scenario,
    Shift,
    SimulationResult,
    Staff,
    Traffic,
    generate_arrivals,
    simulate,
)

__all__ = [
    "Arrival",
    "ChannelResult",
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "LogNormal",
    "Scenario",
    "Shift",
    "SimulationResult",
    "Staff",
    "Traffic",
    "distribution_from_dict",
    "generate_arrivals",
    "simulate",
]

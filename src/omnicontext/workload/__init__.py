"""Workload: occupancy and utilisation, overload detection, and staffing.

* :class:`WorkSpan` and :class:`PresenceSpan` record who worked what, and
  when; the :class:`~omnicontext.routing.Dispatcher` emits them, and
  :func:`spans_from_interactions` derives them from a store's history.
* :func:`measure_occupancy` gives occupancy, load and utilisation per agent
  and team over a window; :func:`detect_overload` names overloaded agents with
  the evidence.
* :func:`erlang_c` (and :func:`erlang_a`, with customer patience) say how many
  agents a service-level target needs.
"""

from omnicontext.workload.activity import PresenceSpan, WorkSpan, spans_from_interactions
from omnicontext.workload.erlang import (
    DEFAULT_MAX_AGENTS,
    InfeasibleTarget,
    StaffingResult,
    asa,
    erlang_a,
    erlang_a_performance,
    erlang_b,
    erlang_c,
    erlang_c_performance,
    erlang_c_probability,
    service_level,
)
from omnicontext.workload.occupancy import (
    Occupancy,
    OccupancyReport,
    Ratio,
    measure_occupancy,
)
from omnicontext.workload.overload import (
    AlertKind,
    OverloadAlert,
    OverloadRules,
    detect_overload,
)

__all__ = [
    "DEFAULT_MAX_AGENTS",
    "AlertKind",
    "InfeasibleTarget",
    "Occupancy",
    "OccupancyReport",
    "OverloadAlert",
    "OverloadRules",
    "PresenceSpan",
    "Ratio",
    "StaffingResult",
    "WorkSpan",
    "asa",
    "detect_overload",
    "erlang_a",
    "erlang_a_performance",
    "erlang_b",
    "erlang_c",
    "erlang_c_performance",
    "erlang_c_probability",
    "measure_occupancy",
    "service_level",
    "spans_from_interactions",
]

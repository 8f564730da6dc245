"""Support KPIs: CSAT, NPS, first response, resolution and channel effectiveness.

Every metric is a function of interactions (and, for business time, a
calendar): :func:`compute` reads any iterable of them in one pass, in any
order; :class:`KpiAggregator` takes them one at a time for a live dashboard
and gives the same numbers. See the KPI guide for each definition.
"""

from omnicontext.kpi.engine import (
    DIMENSIONS,
    BusinessClock,
    CaseLookup,
    KpiAggregator,
    KpiReport,
    compute,
)
from omnicontext.kpi.occupancy import ALL_AGENTS, agent_occupancy, occupancy_rate
from omnicontext.kpi.reader import fast_reader_available, scan_jsonl
from omnicontext.kpi.results import (
    METRICS,
    Better,
    Count,
    Durations,
    MetricInfo,
    Nps,
    Rate,
    Resolution,
    Result,
    percentile,
)
from omnicontext.kpi.rules import FcrRule, KpiRules, RepeatContactRule, SlaPolicy, SlaTarget
from omnicontext.kpi.scorecard import (
    RootCause,
    Scorecard,
    Tile,
    format_duration,
    format_value,
    judge,
    root_causes,
    scorecard,
)
from omnicontext.kpi.targets import Status, Targets, Threshold, statistic_of

__all__ = [
    "ALL_AGENTS",
    "DIMENSIONS",
    "METRICS",
    "Better",
    "BusinessClock",
    "CaseLookup",
    "Count",
    "Durations",
    "FcrRule",
    "KpiAggregator",
    "KpiReport",
    "KpiRules",
    "MetricInfo",
    "Nps",
    "Rate",
    "RepeatContactRule",
    "Resolution",
    "Result",
    "RootCause",
    "Scorecard",
    "SlaPolicy",
    "SlaTarget",
    "Status",
    "Targets",
    "Threshold",
    "Tile",
    "agent_occupancy",
    "compute",
    "fast_reader_available",
    "format_duration",
    "format_value",
    "judge",
    "occupancy_rate",
    "percentile",
    "root_causes",
    "scan_jsonl",
    "scorecard",
    "statistic_of",
]

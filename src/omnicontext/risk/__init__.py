"""The risk register, measured: how bad data silos, inconsistent messaging,
third-party dependency and agent overload are in a helpdesk's own data, and
the compliance checks.

* :func:`risk_report` reads a store and returns a :class:`RiskReport`: each
  risk's indicators with a severity by :class:`RiskThresholds`, and its
  mitigation; as text, JSON or HTML (``omnicontext audit``).
* :mod:`omnicontext.risk.compliance`: who accessed whose context, access
  outside a role, erasure requests and their completion, retention.
"""

from omnicontext.risk.compliance import (
    AccessSummary,
    AccessViolation,
    ComplianceReport,
    ErasureCheck,
    ErasureRequest,
    ErasureState,
    ErasureStatus,
    RetentionPolicy,
    RetentionReport,
    ViolationKind,
    access_summary,
    access_violations,
    compliance_report,
    erase_customer_recorded,
    erasure_check,
    retention_check,
    who_accessed,
)
from omnicontext.risk.report import (
    RISKS,
    Indicator,
    ProviderStats,
    Risk,
    RiskReport,
    risk_report,
)
from omnicontext.risk.thresholds import DEFAULT_BANDS, Band, RiskThresholds, Severity

__all__ = [
    "DEFAULT_BANDS",
    "RISKS",
    "AccessSummary",
    "AccessViolation",
    "Band",
    "ComplianceReport",
    "ErasureCheck",
    "ErasureRequest",
    "ErasureState",
    "ErasureStatus",
    "Indicator",
    "ProviderStats",
    "RetentionPolicy",
    "RetentionReport",
    "Risk",
    "RiskReport",
    "RiskThresholds",
    "Severity",
    "ViolationKind",
    "access_summary",
    "access_violations",
    "compliance_report",
    "erase_customer_recorded",
    "erasure_check",
    "retention_check",
    "risk_report",
    "who_accessed",
]

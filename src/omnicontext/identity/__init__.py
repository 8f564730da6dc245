"""One customer behind every identifier: normalisation, resolution, safe
merges and unmerges, bulk linking and the silo report.

>>> from omnicontext.identity import normalize
>>> normalize("phone", "+44 (0)20 7946 0958").key
'phone:+442079460958'
"""

from omnicontext.identity.bulk import (
    BulkProblem,
    BulkResolution,
    ResolvedCustomer,
    SourceRecord,
    components,
    resolve_many,
)
from omnicontext.identity.normalize import (
    InvalidIdentity,
    NormalizeOptions,
    normalize,
    normalize_identity,
    same_identifier,
)
from omnicontext.identity.policy import (
    STRONG_KINDS,
    Assessment,
    MergePolicy,
    ProtectionRule,
    same_name,
)
from omnicontext.identity.resolver import (
    AmbiguousIdentity,
    IdentityResolver,
    LinkResult,
    MergeBlocked,
    suggestion_id,
)
from omnicontext.identity.silo import SharedIdentifier, SiloReport, silo_report

__all__ = [
    "STRONG_KINDS",
    "AmbiguousIdentity",
    "Assessment",
    "BulkProblem",
    "BulkResolution",
    "IdentityResolver",
    "InvalidIdentity",
    "LinkResult",
    "MergeBlocked",
    "MergePolicy",
    "NormalizeOptions",
    "ProtectionRule",
    "ResolvedCustomer",
    "SharedIdentifier",
    "SiloReport",
    "SourceRecord",
    "components",
    "normalize",
    "normalize_identity",
    "resolve_many",
    "same_identifier",
    "same_name",
    "silo_report",
    "suggestion_id",
]

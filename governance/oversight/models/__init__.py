"""Oversight records. Findings live in `findings`; monitoring plans, observations and incidents join
them in their own modules."""

from governance.oversight.models.findings import (
    BLOCKING_SEVERITIES,
    UNRESOLVED_STATUSES,
    Finding,
    FindingComment,
    FindingLink,
    FindingSource,
    FindingStatus,
    Severity,
)
from governance.oversight.models.incidents import (
    ACTIVE_INCIDENT_STATUSES,
    Incident,
    IncidentKind,
    IncidentReminder,
    IncidentStatus,
)
from governance.oversight.models.monitoring import (
    Direction,
    MetricKind,
    MonitoringPlan,
    Observation,
    ObservationBatch,
    ObservationStatus,
    WatchedMetric,
)

__all__ = [
    "ACTIVE_INCIDENT_STATUSES",
    "BLOCKING_SEVERITIES",
    "UNRESOLVED_STATUSES",
    "Direction",
    "Finding",
    "FindingComment",
    "FindingLink",
    "FindingSource",
    "FindingStatus",
    "Incident",
    "IncidentKind",
    "IncidentReminder",
    "IncidentStatus",
    "MetricKind",
    "MonitoringPlan",
    "Observation",
    "ObservationBatch",
    "ObservationStatus",
    "Severity",
    "WatchedMetric",
]

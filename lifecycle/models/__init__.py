"""Lifecycle rows: stage transitions, approval policies, requests, decisions, waivers, notifications.

Each aggregate lives in its own module; everything stays importable from `lifecycle.models`.
"""

from lifecycle.models.approvals import ApprovalRequest, Decision, Meaning, RequestStatus, SigningToken
from lifecycle.models.notifications import Notification, NotificationStatus
from lifecycle.models.policies import ApprovalPolicy, PolicyRule, Purpose
from lifecycle.models.transitions import StageTransition
from lifecycle.models.waivers import Waiver

__all__ = [
    "ApprovalPolicy",
    "ApprovalRequest",
    "Decision",
    "Meaning",
    "Notification",
    "NotificationStatus",
    "PolicyRule",
    "Purpose",
    "RequestStatus",
    "SigningToken",
    "StageTransition",
    "Waiver",
]

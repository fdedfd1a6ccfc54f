"""Recommended plays: what a CSM should do when a renewal alert fires."""

PREPARE_PLAY = (
    "confirm the renewal owner, decision maker and exec sponsor",
    "hold a value review (QBR) with usage and outcomes since the last renewal",
    "open the renewal opportunity and agree the timeline to signature",
)
SIGN_PLAY = (
    "send the renewal order form and confirm the signatory",
    "walk procurement and legal steps with the customer now",
    "resolve open escalations before asking for signature",
)
AT_RISK_PLAY = (
    "book an exec sponsor call this week",
    "agree a mutual success plan with dated milestones",
    "review pricing and downsell options before the customer raises them",
)
OVERDUE_PLAY = (
    "escalate to the renewal manager today",
    "confirm signature status with the decision maker",
    "offer a short extension if only the paperwork is late",
)
CHURNED_PLAY = (
    "record the churn reason in the CRM",
    "run a churn review with the account team",
    "plan a win-back touchpoint in 90 days",
)

# Extra steps when a driver contributes to an at-risk renewal.
DRIVER_PLAYS = {
    "champion_lost": "identify a new champion and re-map the buying committee",
    "open_escalations": "close open escalations with the support lead before the renewal call",
    "seat_utilisation": "run an adoption plan for unused seats, or right-size seats proactively",
    "stalled_deal": "agree a dated close plan with the decision maker",
    "health_trend": "review what changed in usage and support over the last 30 days",
}

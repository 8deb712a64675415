"""The fixed words of the domain: themes, inspectorates, event types, topics.

Everything here is plain data so that schemas, rules, the linter and the
sample generator all speak the same vocabulary.
"""

from __future__ import annotations

# The four Local Area Agreement blocks, judged per area.
AREA_THEMES: tuple[str, ...] = (
    "children_and_young_people",
    "healthier_communities_and_older_people",
    "safer_and_stronger_communities",
    "economic_development_and_environment",
)
# The organisational themes, judged per body.
ORGANISATIONAL_THEMES: tuple[str, ...] = ("use_of_resources", "managing_performance")
THEMES: tuple[str, ...] = AREA_THEMES + ORGANISATIONAL_THEMES

THEME_TITLES: dict[str, str] = {
    "children_and_young_people": "Children and young people",
    "healthier_communities_and_older_people": "Healthier communities and older people",
    "safer_and_stronger_communities": "Safer and stronger communities",
    "economic_development_and_environment": "Economic development and the environment",
    "use_of_resources": "Use of resources",
    "managing_performance": "Managing performance",
}

# The seven National Indicator Set themes mapped onto the four LAA blocks
# (the mapping suggested in the reference data's SOURCES.md).
NIS_THEME_TO_AREA_THEME: dict[str, str] = {
    "Stronger communities": "safer_and_stronger_communities",
    "Safer communities": "safer_and_stronger_communities",
    "Children and young people": "children_and_young_people",
    "Adult health and wellbeing": "healthier_communities_and_older_people",
    "Tackling exclusion and promoting equality": "healthier_communities_and_older_people",
    "Local economy": "economic_development_and_environment",
    "Environmental sustainability": "economic_development_and_environment",
}

INSPECTORATES: dict[str, str] = {
    "audit_commission": "Audit Commission",
    "ofsted": "Ofsted",
    "cqc": "Care Quality Commission",
    "hmic": "HM Inspectorate of Constabulary",
    "hmi_probation": "HM Inspectorate of Probation",
    "hmi_prisons": "HM Inspectorate of Prisons",
}

EVENT_TYPES: tuple[str, ...] = (
    "indicator.reported",
    "complaint.received",
    "petition.submitted",
    "ccfa.raised",
    "ccfa.referred",
    "ccfa.information_requested",
    "ccfa.responded",
    "ccfa.recommended",
    "ccfa.published",
    "petition.responded",
    "forum.decided",
    "self_assessment.submitted",
    "inspection.finding",
    "use_of_resources.scored",
    "body.registered",
    "peer_review.completed",
    "laa.agreed",
    "laa.refreshed",
    "laa.annual_report",
)

# Messages the services themselves emit, in the same envelope.
INTERNAL_TYPES: tuple[str, ...] = (
    "risk.judgement",
    "inspection.requested",
    "gatekeeper.decision",
    "inspection.assigned",
    "gatekeeper.override",
    "inspection.updated",
    "inspection.triaged",
    "organisational.assessed",
    "citizens.transition",
)

BODY_KINDS: tuple[str, ...] = (
    "county",
    "district",
    "metropolitan_district",
    "london_borough",
    "unitary",
    "police_authority",
    "primary_care_trust",
    "fire_and_rescue_authority",
    "other_partner",
)

FLAGS: tuple[str, ...] = ("red", "green")

# Inspection requests and inspections: the words the gatekeeper and the contract share.
REQUEST_ORIGINS: tuple[str, ...] = (
    "risk_rule",
    "government_office",
    "department",
    "call_for_action",
    "inspectorate_programme",
    "random_assurance",  # `riskgate draw`: a light-touch check of a body with no red flag
)
# What is to be inspected; only council_services is the gatekeeper's.
SUBJECTS: tuple[str, ...] = (
    "council_services",
    "care_home",
    "school",
    "prison",
    "other_institution",
)
PROGRAMME_GROUNDS: tuple[str, ...] = ("vulnerable_groups", "system_change")
CONCERNS: tuple[str, ...] = ("safeguarding", "fraud")
INSPECTION_STATUSES: tuple[str, ...] = (
    "assigned",
    "accepted",
    "scheduled",
    "on_site",
    "completed",
    "published",
    "declined",
    "cancelled",
)

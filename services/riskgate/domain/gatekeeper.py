"""The gatekeeper's decision: pure policy evaluation over one body's register.

Policies come from `rules/policies.yaml` and run in file order; the first that
decides wins. A decision names the policy ids that decided it, the reasons in
plain words, the ledger figures it used and the policy file's version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskgate.domain.ids import derived_id
from riskgate.domain.rules import POLICY_FILE, RuleError, content_version, read_yaml

CLOSED = ("completed", "published", "declined")


@dataclass(frozen=True)
class Policy:
    id: str
    kind: str
    rationale: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicySet:
    version: str
    policies: tuple[Policy, ...]


def load_policies(directory: Path) -> PolicySet:
    """Read the gatekeeper's policy file; raise RuleError naming file and line."""
    path = directory / POLICY_FILE
    doc = read_yaml(path) or {}
    policies = []
    for raw in doc.get("policies") or []:
        where = f"{POLICY_FILE}:{raw.get('__line__', '?')}"
        if raw.get("kind") not in DECIDERS:
            raise RuleError(
                f"{where}: unknown policy kind {raw.get('kind')!r} (one of {', '.join(DECIDERS)})"
            )
        if not raw.get("id") or not raw.get("rationale"):
            raise RuleError(f"{where}: a policy needs `id` and `rationale`")
        params = {k: v for k, v in (raw.get("parameters") or {}).items() if k != "__line__"}
        policies.append(Policy(raw["id"], raw["kind"], " ".join(raw["rationale"].split()), params))
    if not policies or policies[-1].kind != "approve":
        raise RuleError(
            f"{POLICY_FILE}:1: the last policy must be of kind `approve`, so every request is decided"
        )
    return PolicySet(content_version([path]), tuple(policies))


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reasons: tuple[str, ...]
    inspection: dict[str, Any] | None


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a["window_start"] <= b["window_end"] and b["window_start"] <= a["window_end"]


def _merge(
    policy: Policy, request: Mapping[str, Any], register: Sequence[Mapping[str, Any]]
) -> Outcome | None:
    for inspection in sorted(register, key=lambda i: (i["window_start"], i["inspection_id"])):
        if inspection["status"] in CLOSED or inspection["theme"] != request["theme"]:
            continue
        if not _overlaps(inspection, request):
            continue
        merged = dict(inspection)
        merged["request_ids"] = sorted({*inspection["request_ids"], request["request_id"]})
        merged["evidence"] = sorted({*inspection["evidence"], *request["evidence"]})
        return Outcome(
            "merged",
            (
                f"{request['body']} already has inspection {inspection['inspection_id']} on "
                f"{request['theme']} from {inspection['window_start']} to {inspection['window_end']}, "
                "overlapping the requested window; the request and its evidence were merged into it.",
            ),
            merged,
        )
    return None


def _approve(
    policy: Policy, request: Mapping[str, Any], register: Sequence[Mapping[str, Any]]
) -> Outcome:
    inspection = {
        "inspection_id": derived_id("inspection", request["request_id"]),
        "body": request["body"],
        "area": request["area"],
        "theme": request["theme"],
        "lead_inspectorate": request["inspectorate"],
        "participants": [request["inspectorate"]],
        "window_start": request["window_start"],
        "window_end": request["window_end"],
        "on_site_days": request["on_site_days"],
        "request_ids": [request["request_id"]],
        "evidence": sorted(request["evidence"]),
        "status": "assigned",
    }
    return Outcome(
        "approved",
        (f"No policy stood in the way; approved for {request['inspectorate']}.",),
        inspection,
    )


DECIDERS: dict[
    str, Callable[[Policy, Mapping[str, Any], Sequence[Mapping[str, Any]]], Outcome | None]
] = {
    "merge": _merge,
    "approve": _approve,
}


def decide(
    request: Mapping[str, Any], register: Sequence[Mapping[str, Any]], policies: PolicySet
) -> dict[str, Any]:
    """Decide one inspection request against the body's register of inspections.

    `request` is the request payload plus `body`; `register` the body's inspections.
    """
    open_inspections = [i for i in register if i["status"] not in CLOSED]
    ledger = {
        "open_inspections": len(open_inspections),
        "on_site_days_planned": sum(i["on_site_days"] for i in open_inspections),
    }
    for policy in policies.policies:
        outcome = DECIDERS[policy.kind](policy, request, register)
        if outcome is None:
            continue
        decision_id = derived_id("decision", request["request_id"])
        inspection = dict(outcome.inspection) if outcome.inspection else None
        if inspection is not None:
            inspection["decision_id"] = decision_id
        return {
            "decision_id": decision_id,
            "request_id": request["request_id"],
            "outcome": outcome.outcome,
            "policy_ids": [policy.id],
            "reasons": list(outcome.reasons),
            "inspection_id": inspection["inspection_id"] if inspection else None,
            "deferred_until": None,
            "ledger": ledger,
            "inspectorate": request["inspectorate"],
            "theme": request["theme"],
            "area": request["area"],
            "body": request["body"],
            "policy_version": policies.version,
            "inspection": inspection,
        }
    raise AssertionError("the policy file ends with an approve policy")  # load_policies ensures it

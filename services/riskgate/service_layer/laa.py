"""Local Area Agreements in the risk service: agreements and annual reports kept, each target
observed against its trajectory as indicator values arrive, and the Government Office's review.

The risk service calls `observe_agreement`, `observe_indicator` and `record_report`; the
observations it gets back go through the same rules engine as every other observation
(`rules/laa.yaml`). `review` and `assessment_section` read the same facts for the HTTP views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from riskgate.adapters.store import Store
from riskgate.domain import laa
from riskgate.domain.reference import Reference
from riskgate.domain.rules import RuleSet
from riskgate.service_layer.repositories.laa_facts import LaaFacts
from riskgate.service_layer.unit_of_work import UnitOfWork

Series = dict[str, tuple[float, str]]  # period -> (value, event_id)
SeriesOf = Callable[[str, str], Series]  # (body, indicator) -> series


def tolerance_of(ruleset: RuleSet) -> float:
    """The on-track tolerance, % of the expected value (rules/laa.yaml, or riskgate's default)."""
    return float(
        ruleset.parameters.get("trajectory", {}).get(
            "on_track_tolerance_pct", laa.DEFAULT_TOLERANCE_PCT
        )
    )


class LocalAreaAgreements:
    """The agreements, their annual reports and every target's standing against its trajectory."""

    def __init__(self, store: Store, reference: Reference) -> None:
        self._facts = LaaFacts(store)
        self._reference = reference

    # The risk service's calls ------------------------------------------------------------

    def observe_agreement(
        self,
        work: UnitOfWork,
        event: dict[str, Any],
        area: str,
        series_of: SeriesOf,
        ruleset: RuleSet,
    ) -> list[dict[str, Any]]:
        """Keep a version of the agreement; observe each of its targets on the data already in,
        for every year with data, if this version is in force as of the event."""
        version = self._facts.record_version(work, area, event)
        in_force = laa.agreement_in_force(
            [*self._facts.versions(area), version], event["occurred_at"]
        )
        if in_force is None or in_force["event_id"] != version["event_id"]:
            return []  # a version for later: it applies from its own date
        out = []
        for target in version["targets"]:
            series = series_of(area, target["indicator"])
            for year in sorted({int(p[:4]) for p in series}):
                out.append(self._observation(area, target, version, year, series, ruleset))
        return out

    def observe_indicator(
        self,
        event: dict[str, Any],
        area: str,
        series: Callable[[], Series],
        ruleset: RuleSet,
        in_force: Callable[[str, str], dict[str, Any] | None] | None = None,
    ) -> list[dict[str, Any]]:
        """The target on this indicator, if the area has one in force, against the new value
        (`series` gives the indicator's series with it; read only when there is a target;
        `in_force`: `self.in_force`, or a reader that keeps what it read)."""
        payload = event["payload"]
        if event["body"] != area:
            return []  # a target is the area's: its own series, not a district's
        version = (in_force or self.in_force)(area, event["occurred_at"])
        if version is None:
            return []
        target = version["by_indicator"].get(payload["indicator"])
        if target is None:
            return []
        year = int(payload["period"][:4])
        return [self._observation(area, target, version, year, series(), ruleset)]

    def record_agreement(self, work: UnitOfWork, event: dict[str, Any], area: str) -> None:
        """Keep a version of the agreement, as `observe_agreement` does, observing nothing."""
        self._facts.record_version(work, area, event)

    def record_report(self, work: UnitOfWork, event: dict[str, Any], area: str) -> None:
        """Keep the area's annual report."""
        self._facts.record_report(work, area, event)

    def _observation(
        self,
        area: str,
        target: dict[str, Any],
        version: dict[str, Any],
        year: int,
        series: Series,
        ruleset: RuleSet,
    ) -> dict[str, Any]:
        indicator = self._reference.indicators[target["indicator"]]
        return laa.target_observation(
            area=area,
            target=target,
            agreement=version,
            theme=indicator.theme,
            polarity=indicator.polarity,
            year=year,
            readings=[laa.Reading(p, v, e) for p, (v, e) in series.items()],
            tolerance_pct=tolerance_of(ruleset),
            trajectory=version["trajectories"][target["indicator"]],
        )

    # Views ---------------------------------------------------------------------------------

    def in_force(self, area: str, as_of: str) -> dict[str, Any] | None:
        """The version of the area's agreement in force on `as_of` (an ISO time), or None."""
        return self._facts.in_force(area, as_of)

    def agreement(self, area: str) -> dict[str, Any] | None:
        """The version of the area's agreement in force now (the latest), or None."""
        return self._facts.in_force(area)

    def areas(self) -> list[str]:
        """The areas with an agreement."""
        return self._facts.areas()

    def targets(
        self,
        area: str,
        year: int,
        series_of: SeriesOf,
        ruleset: RuleSet,
        *,
        include_local: bool,
    ) -> list[dict[str, Any]]:
        """Every target of the agreement in force, observed for the year, with the area's own
        report beside it. `local` targets only when `include_local` (the area's own roles)."""
        version = self.agreement(area)
        if version is None:
            return []
        report = self._facts.report(area, year) or {"targets": {}, "event_id": None}
        rows = []
        for target in version["targets"]:
            if target["kind"] == "local" and not include_local:
                continue
            series = series_of(area, target["indicator"])
            observed = self._observation(area, target, version, year, series, ruleset)
            reported = report["targets"].get(target["indicator"])
            rows.append(_target_row(target, observed, reported, report["event_id"]))
        return rows

    def review(
        self,
        area: str,
        year: int,
        series_of: SeriesOf,
        ruleset: RuleSet,
        *,
        include_local: bool,
    ) -> dict[str, Any]:
        """The Government Office's review view (White Paper 6.42): every target with its status,
        gap, partners and risks for future delivery, the annual report beside the data."""
        version = self.agreement(area)
        rows = self.targets(area, year, series_of, ruleset, include_local=include_local)
        report = self._facts.report(area, year)
        polarity_of = {code: i.polarity for code, i in self._reference.indicators.items()}
        shown = [
            t for t in (version or {}).get("targets", []) if include_local or t["kind"] != "local"
        ]
        return {
            "area": area,
            "year": year,
            "agreement": _agreement_summary(version),
            "tolerance_pct": tolerance_of(ruleset),
            "targets": rows,
            "counts": status_counts(rows),
            "annual_report": None
            if report is None
            else {"event_id": report["event_id"], "action_plan": report.get("action_plan")},
            "disagreements": [
                {"indicator": r["indicator"], "says": r["disagreement"]}
                for r in rows
                if r["disagreement"]
            ],
            "warnings": laa.trajectory_warnings(shown, polarity_of),
        }

    def assessment_section(
        self,
        area: str,
        year: int,
        series_of: SeriesOf,
        ruleset: RuleSet,
        *,
        rows: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """What the published assessment shows of the agreement: the reported targets only,
        the area's own status beside the data's, and where they disagree (`rows`: those
        targets as `targets(..., include_local=False)` gives them, if the caller has them)."""
        if rows is None:
            rows = self.targets(area, year, series_of, ruleset, include_local=False)
        keep = ("indicator", "kind", "status", "gap_pct", "reported_status", "disagreement")
        return {
            "agreement": _agreement_summary(self.agreement(area)),
            "counts": status_counts(rows),
            "targets": [{k: r[k] for k in keep} for r in rows],
            "disagreements": [
                f"{r['indicator']}: {r['disagreement']}" for r in rows if r["disagreement"]
            ],
        }


def status_counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Targets by their latest status (`no_data` where nothing was reported in the year), and
    year-end targets missed."""
    counts = {status: 0 for status in (*laa.STATUSES, "no_data")}
    missed = 0
    for row in rows:
        counts[row["status"] or "no_data"] += 1
        missed += row["year_ends_missed"]
    return {**counts, "year_ends_missed": missed}


def _agreement_summary(version: dict[str, Any] | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "event_id": version["event_id"],
        "type": version["type"],
        "effective_from": version["effective_from"],
        "period_start": version["period_start"],
        "period_end": version["period_end"],
        "data_source": version.get("data_source"),
    }


def _risks(observed: dict[str, Any], reported: dict[str, Any] | None) -> list[str]:
    """Risks for future delivery, in words, from the data and the area's own account."""
    risks = []
    if observed.get("status") is None:
        risks.append("no value reported in the year: progress cannot be judged")
        return risks
    if observed["periods_behind_running"]:
        risks.append(
            f"behind the trajectory {observed['periods_behind_running']} quarter(s) running"
        )
    if observed["year_ends_missed"]:
        risks.append("a year's target was missed")
    if observed["direction"] == "worsening":
        risks.append("worse than the quarter before")
    if reported and laa.overstated(reported["status"], observed["status"]):
        risks.append("the area's own report is more optimistic than the data")
    if observed["status"] in ("behind", "missed") and not (
        reported and reported.get("action_plan")
    ):
        risks.append("no action plan reported")
    return risks


def _target_row(
    target: dict[str, Any],
    observed: dict[str, Any],
    reported: dict[str, Any] | None,
    report_id: str | None,
) -> dict[str, Any]:
    reported_status = reported["status"] if reported else None
    return {
        "indicator": target["indicator"],
        "kind": target["kind"],
        "theme": observed["theme"],
        "polarity": observed["polarity"],
        "baseline": target["baseline"],
        "trajectory": target["trajectory"],
        "lead_partner": target["lead_partner"],
        "partners": target.get("partners", []),
        "latest_period": observed.get("latest_period"),
        "actual": observed.get("actual"),
        "expected": observed.get("expected"),
        "gap": observed.get("gap"),
        "gap_pct": observed.get("gap_pct"),
        "status": observed.get("status"),
        "direction": observed.get("direction"),
        "periods_behind_running": observed.get("periods_behind_running", 0),
        "year_ends_missed": observed.get("year_ends_missed", 0),
        "periods": [
            {k: p[k] for k in ("period", "value", "expected", "gap", "gap_pct", "status")}
            for p in observed.get("periods_evidence", [])
        ],
        "reported_status": reported_status,
        "reported_action_plan": (reported or {}).get("action_plan"),
        "annual_report": report_id if reported else None,
        "disagreement": laa.disagreement(reported_status, observed.get("status")),
        "risks": _risks(observed, reported),
    }


def national_counts(
    agreements: LocalAreaAgreements, year: int, series_of: SeriesOf, ruleset: RuleSet
) -> tuple[dict[str, int], int, int]:
    """Over every area's reported targets (never `local`): targets by status, how many
    disagree with the area's own report, and how many areas have an agreement."""
    totals: dict[str, int] = {}
    disagreeing = 0
    areas = agreements.areas()
    for area in areas:
        rows = agreements.targets(area, year, series_of, ruleset, include_local=False)
        for status, n in status_counts(rows).items():
            totals[status] = totals.get(status, 0) + n
        disagreeing += sum(1 for r in rows if r["disagreement"])
    return totals, disagreeing, len(areas)


def agreement_warnings(
    events: Iterable[dict[str, Any]], reference: Reference
) -> list[tuple[int, str]]:
    """(line, warning) for each agreement in a list of events whose trajectories get worse by
    their indicators' polarity: accepted, but worth a second look (`riskgate publish` says so)."""
    polarity_of = {code: i.polarity for code, i in reference.indicators.items()}
    return [
        (line, f"{event['type']} for {event['body']}: {warning}")
        for line, event in enumerate(events, start=1)
        if event.get("type") in laa.AGREEMENT_TYPES
        for warning in laa.trajectory_warnings(event["payload"]["targets"], polarity_of)
    ]

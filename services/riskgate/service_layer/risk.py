"""risk: turn events into observations, run the rules, keep judgements, raise requests.

Order of work for one event, which is what makes redelivery safe: compute
everything from the stored facts plus this event; publish the outputs (ids
derived from their inputs, so a re-publish is recognised downstream); then
store the facts, judgements and the processed marker in one transaction (both through
the `UnitOfWork`, with the facts' keys and JSON in the `RiskFacts` repository). The
consumer commits the offset only after that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from riskgate import topics
from riskgate.adapters.batching import BatchingPublisher, BatchingStore
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import MemoryStore, Read, Store
from riskgate.domain import laa
from riskgate.domain import observations as obs
from riskgate.domain.assessment import organisational_score
from riskgate.domain.ids import derived_id
from riskgate.domain.judgement import combine, managed_concern
from riskgate.domain.reference import Reference
from riskgate.domain.rules import RuleSet, any_rule_fires
from riskgate.domain.self_assessment import answers, finding_after_plan, worse_after_plan
from riskgate.domain.vocabulary import AREA_THEMES
from riskgate.service_layer.common import envelope
from riskgate.service_layer.laa import LocalAreaAgreements, Series
from riskgate.service_layer.repositories import peer_reviews
from riskgate.service_layer.repositories.bodies import BodyRegistry
from riskgate.service_layer.repositories.laa_facts import LaaFacts
from riskgate.service_layer.repositories.processed import Processed
from riskgate.service_layer.repositories.risk_facts import Report, RiskFacts
from riskgate.service_layer.rules_source import RulesSource
from riskgate.service_layer.unit_of_work import PollBatch, UnitOfWork

__all__ = ["SOURCE", "RiskService", "RulesSource"]  # RulesSource: its old import path

log = logging.getLogger(__name__)
SOURCE = "riskgate.risk"
Fired = Callable[[RuleSet, dict[str, Any]], list[str]]


@dataclass(frozen=True)
class Handling:
    """One event (or the annual pass) in hand: the ruleset it meets, the picture it changes."""

    event: dict[str, Any]
    ruleset: RuleSet
    facts: RiskFacts  # bound to `work`: reads see this handling's own writes
    work: UnitOfWork

    def publish(self, topic: str, key: str, message: dict[str, Any]) -> None:
        """Queue a message on the unit of work."""
        self.work.publish(topic, key, message)


class RiskService:
    """Handles every integrator event for the risk picture."""

    GROUP = "risk"

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        reference: Reference,
        rules: RulesSource,
        fired: Fired,
    ) -> None:
        # Everything the service stores and publishes goes through these, so that its consumer
        # can commit a poll as one batch (`poll_batch`); outside a batch they pass straight on.
        self._store = BatchingStore(store)
        self._publisher = BatchingPublisher(publisher)
        self.poll_batch = PollBatch(self.GROUP, self._store, self._publisher)
        self._reference = reference
        self._rules = rules
        self._fired = fired
        self._bodies = BodyRegistry(self._store, reference)
        self._processed = Processed(self._store, self.GROUP)
        self._facts = RiskFacts(self._store)
        self.laa = LocalAreaAgreements(self._store, reference)

    def _handling(self, event: dict[str, Any], ruleset: RuleSet) -> Handling:
        work = UnitOfWork(self.GROUP)
        return Handling(event, ruleset, self._facts.bound_to(work), work)

    def handle(self, event: dict[str, Any]) -> None:
        """Apply one event: at most once in effect, however often it is delivered."""
        if self._processed.seen(event["event_id"]):
            return
        fx = self._handling(event, self._rules.current())
        for observation in self._observe(fx):
            self._judge(observation, fx)
        if event["type"] == "self_assessment.submitted":
            self._rejudge_self_assessed(fx)
        fx.work.consume(event["event_id"])
        fx.work.commit(self._publisher, self._store)

    def _area_of(self, body: str) -> str:
        return self._bodies.area_of(body) or body

    def _observe(self, fx: Handling) -> list[dict[str, Any]]:
        event = fx.event
        kind = event["type"]
        if kind == "self_assessment.submitted":
            self._record_self_assessment(fx)
            return []
        if kind == "peer_review.completed":  # kept for the gatekeeper's peer-review gate
            fx.work.store(peer_reviews.recording(event))
            return []
        if kind == "use_of_resources.scored":
            return self._record_scores(fx)
        if kind == "indicator.reported":
            observation, series = self._indicator(fx)
            return [observation, *self._laa_target(event, lambda: series, fx.ruleset)]
        if kind in laa.AGREEMENT_TYPES:
            area = self._area_of(event["body"])
            return self.laa.observe_agreement(
                fx.work, event, area, fx.facts.indicator_series, fx.ruleset
            )
        if kind == laa.ANNUAL_REPORT:
            self.laa.record_report(fx.work, event, self._area_of(event["body"]))
            return []
        if kind == "complaint.received":
            return [self._complaints(fx)]
        if kind == "inspection.finding":
            return [self._finding(fx)]
        if kind == "body.registered":
            fx.work.store(self._bodies.registration(event["body"], event["payload"]))
            population = event["payload"].get("population")
            return [
                self._complaint_observation(fx, event["body"], theme, population)
                for theme in AREA_THEMES
            ]
        return []  # recorded as processed; later rules may use more types

    def _record_self_assessment(self, fx: Handling) -> None:
        event, payload = fx.event, fx.event["payload"]
        concerns = {
            c["subject"]: {**c, "event_id": event["event_id"], "reported_at": event["occurred_at"]}
            for c in payload["concerns"]
        }
        fx.facts.record_self_assessment(
            self._area_of(event["body"]),
            payload["year"],
            payload["theme"],
            event["event_id"],
            concerns,
        )

    def _record_scores(self, fx: Handling) -> list[dict[str, Any]]:
        payload, body = fx.event["payload"], fx.event["body"]
        scores = {
            "use_of_resources": payload["score"],
            "managing_performance": payload.get("managing_performance"),
            "evidence": [fx.event["event_id"]],
        }
        fx.facts.record_scores(body, payload["year"], scores)
        # The gatekeeper needs each council's organisational assessment (earned autonomy).
        organisational = organisational_score(scores)
        fx.publish(
            topics.JUDGEMENTS,
            self._area_of(body),
            envelope(
                event_id=derived_id("organisational", body, payload["year"], fx.event["event_id"]),
                type="organisational.assessed",
                occurred_at=fx.event["occurred_at"],
                source=SOURCE,
                body=body,
                payload={
                    "year": payload["year"],
                    "score": organisational["score"],
                    "use_of_resources": organisational["use_of_resources"],
                    "managing_performance": organisational["managing_performance"],
                    "evidence": [fx.event["event_id"]],
                },
            ),
        )
        return obs.audit_observations(
            body=body,
            area=self._area_of(body),
            year=payload["year"],
            event_id=fx.event["event_id"],
            scores={
                "use_of_resources": payload["score"],
                "managing_performance": payload.get("managing_performance"),
            },
        )

    def _rejudge_self_assessed(self, fx: Handling) -> None:
        payload = fx.event["payload"]
        area = self._area_of(fx.event["body"])
        year, theme = payload["year"], payload["theme"]
        contributions = fx.facts.contributions(area, year, theme)
        self._emit_judgement(area, theme, year, contributions, fx)

    def _indicator(self, fx: Handling) -> tuple[dict[str, Any], dict[str, tuple[float, str]]]:
        """The indicator's observation for the reported year, and its series with the new value."""
        event, payload = fx.event, fx.event["payload"]
        series = fx.facts.indicator_series(event["body"], payload["indicator"])
        # A resubmission for a period replaces the earlier value.
        series[payload["period"]] = (payload["value"], event["event_id"])
        self._record_indicators(fx.facts, [event])
        values = [obs.IndicatorValue(p, *v) for p, v in series.items()]
        return self._indicator_observation(event, values, fx.ruleset), series

    @staticmethod
    def _record_indicators(facts: RiskFacts, events: Sequence[dict[str, Any]]) -> None:
        """What indicator values leave in the store: the values, and the peers' cue (the
        latest value of each year)."""
        reports: list[Report] = []
        latest: dict[str, str] = {}  # the year's period text -> the latest value's event
        for e in events:
            payload = e["payload"]
            period = payload["period"]
            reports.append(
                (
                    e["body"],
                    payload["indicator"],
                    period,
                    payload["value"],
                    e["event_id"],
                    e["occurred_at"],
                )
            )
            latest[period[:4]] = e["event_id"]
        facts.record_indicators(reports)
        for year, event_id in latest.items():
            facts.record_peers_input(int(year), event_id)

    def _indicator_observation(
        self,
        event: dict[str, Any],
        values: Iterable[obs.IndicatorValue],
        ruleset: RuleSet,
        area: str | None = None,
    ) -> dict[str, Any]:
        """The observation of the reported indicator's year (`values`: its series, the event's
        own value in place; `area`: the reporting body's, when known)."""
        body, payload = event["body"], event["payload"]
        code = payload["indicator"]
        indicator = self._reference.indicators[code]
        return obs.indicator_observation(
            body=body,
            area=area or self._area_of(body),
            indicator=code,
            theme=indicator.theme,
            polarity=indicator.polarity,
            year=int(payload["period"][:4]),
            series=values,
            floor=ruleset.floors.get(code),
        )

    def _laa_target(
        self,
        event: dict[str, Any],
        series: Callable[[], Series],
        ruleset: RuleSet,
        in_force: Callable[[str, str], dict[str, Any] | None] | None = None,
    ) -> list[dict[str, Any]]:
        """The area's LAA target on this indicator, if it has one, against its trajectory
        (`series` gives the indicator's series with the new value; `in_force`, as
        `LocalAreaAgreements.observe_indicator` takes it)."""
        body = event["body"]
        # An area reports its own series: the registry is asked only about other bodies.
        area = body if body in self._reference.areas else self._area_of(body)
        return self.laa.observe_indicator(event, area, series, ruleset, in_force)

    def _finding(self, fx: Handling) -> dict[str, Any]:
        event, payload, body = fx.event, fx.event["payload"], fx.event["body"]
        fact = {
            "occurred_at": event["occurred_at"],
            "inspection_id": payload["inspection_id"],
            "inspectorate": payload["inspectorate"],
            "finding": payload["finding"],
        }
        facts = fx.facts.findings(body, payload["theme"])
        facts[event["event_id"]] = fact
        fx.facts.record_finding(body, payload["theme"], event["event_id"], fact)
        return obs.finding_observation(
            body=body,
            area=self._area_of(body),
            theme=payload["theme"],
            findings=[obs.Finding(event_id=e, **f) for e, f in facts.items()],
        )

    def _complaints(self, fx: Handling) -> dict[str, Any]:
        event, payload, body = fx.event, fx.event["payload"], fx.event["body"]
        fact = {
            "occurred_at": event["occurred_at"],
            "theme": payload["theme"],
            "upheld": payload.get("upheld"),
            "channel": payload["channel"],
            "formal": payload.get("formal", False),
            "partner": payload.get("partner"),
        }
        fx.facts.record_complaint(body, event["event_id"], fact)
        extra = obs.Complaint(event_id=event["event_id"], **fact)
        return self._complaint_observation(
            fx, body, payload["theme"], self._bodies.population(body), extra
        )

    def _complaint_observation(
        self,
        fx: Handling,
        body: str,
        theme: str,
        population: int | None,
        extra: obs.Complaint | None = None,
    ) -> dict[str, Any]:
        # Only the theme's: the observation is of one theme, and reads no other.
        stored = [
            c
            for c in fx.facts.complaints(body)
            if c.theme == theme and (extra is None or c.event_id != extra.event_id)
        ]
        return obs.complaints_observation(
            body=body,
            area=self._area_of(body),
            theme=theme,
            complaints=stored + ([extra] if extra else []),
            population=population,
        )

    def _judge(self, observation: dict[str, Any], fx: Handling) -> None:
        if "year" not in observation:
            return  # nothing to judge yet (no facts for this subject)
        area, theme, year = observation["area"], observation["theme"], observation["year"]
        contributions = fx.facts.contributions(area, year, theme)
        updated, fired = self._contribute(observation, contributions, fx)
        if updated is None:
            return
        # Rules that combine what other rules found read the area and theme as a whole.
        documents = RiskFacts.contribution_documents(updated)
        # Each stored text is read once: the judgement reads those the combining rules leave.
        read = dict(zip(updated.values(), documents, strict=True))
        combined = obs.combined_observation(
            area=area, theme=theme, year=year, contributions=documents
        )
        with_combined, fired_combined = self._contribute(combined, updated, fx)
        if with_combined is not None:
            updated = with_combined
        fx.facts.replace_contributions(area, year, theme, updated)
        self._emit_judgement(area, theme, year, updated, fx, read)
        for rule_id in fired:
            self._emit_request(rule_id, observation, fx)
        for rule_id in fired_combined:
            self._emit_request(rule_id, combined, fx)

    def _contribute(
        self, observation: dict[str, Any], contributions: dict[str, str], fx: Handling
    ) -> tuple[dict[str, str] | None, list[str]]:
        """The contributions with this observation's fired rules in place (None: nothing to do)."""
        fired = self._fired(fx.ruleset, observation)
        prefix = obs.contribution_prefix(observation["body"], observation["subject"])
        stale = [k for k in contributions if k.startswith(prefix) and k[len(prefix) :] not in fired]
        if not fired and not stale:
            return None, []
        updated = {k: v for k, v in contributions.items() if k not in stale}
        for rule_id in fired:
            rule = fx.ruleset.rule(rule_id)
            updated[prefix + rule_id] = RiskFacts.contribution(
                {
                    "rule_id": rule_id,
                    "title": rule.title,
                    "criterion": rule.criterion,
                    "flag": rule.flag,
                    "body": observation["body"],
                    "subject": observation["subject"],
                    "concern": observation.get("concern", observation["subject"]),
                    "evidence": observation.get(rule.evidence, []),
                    "values": obs.observation_values(observation),
                }
            )
        return updated, fired

    def _emit_judgement(
        self,
        area: str,
        theme: str,
        year: int,
        contributions: dict[str, str],
        fx: Handling,
        read: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        """`read`: contributions' documents already read, by their stored text."""
        if not contributions and not fx.facts.is_judged(area, year, theme):
            return  # nothing judged yet and nothing to judge
        documents = RiskFacts.contribution_documents(contributions, read)
        judgement = combine(
            area=area,
            theme=theme,
            year=year,
            contributions=documents,
            ruleset_version=fx.ruleset.version,
            managed=self._challenged(area, year, theme, documents, fx),
        )
        if not fx.facts.record_judgement(area, year, theme, judgement):
            return
        message = envelope(
            event_id=derived_id("judgement", area, theme, year, fx.event["event_id"]),
            type="risk.judgement",
            occurred_at=fx.event["occurred_at"],
            source=SOURCE,
            body=area,
            payload=judgement,
        )
        fx.publish(topics.JUDGEMENTS, area, message)

    def _challenged(
        self,
        area: str,
        year: int,
        theme: str,
        contributions: list[dict[str, Any]],
        fx: Handling,
    ) -> dict[str, dict[str, Any]]:
        """The area's self-assessed concerns, each with `contradicted`: for every red finding
        it answers that later evidence contradicts, why (keyed body|subject|rule id)."""
        managed = fx.facts.managed_concerns(area, year, theme)
        for concern in managed.values():
            found: dict[str, str] = {}
            for c in contributions:
                if c["flag"] != "red" or not answers(concern, c):
                    continue
                why = self._contradiction(concern, c, theme, fx)
                if why:
                    found[obs.contribution_prefix(c["body"], c["subject"]) + c["rule_id"]] = why
            concern["contradicted"] = found
        return managed

    def _contradiction(
        self, concern: dict[str, Any], contribution: dict[str, Any], theme: str, fx: Handling
    ) -> str | None:
        """Why later evidence contradicts the concern on this finding: the indicator worse in a
        quarter reported after the plan, or a poor finding after it; None if nothing does."""
        values = contribution.get("values") or {}
        indicator = values.get("indicator")
        if indicator and indicator in self._reference.indicators:
            reports = fx.facts.indicator_reports(contribution["body"], indicator)
            event = fx.event
            if (
                event["type"] == "indicator.reported"
                and event["body"] == contribution["body"]
                and event["payload"]["indicator"] == indicator
            ):  # this event's own value is not stored yet
                payload = event["payload"]
                reports[payload["period"]] = (payload["value"], event["occurred_at"])
            polarity = self._reference.indicators[indicator].polarity
            why = worse_after_plan(concern, indicator, polarity, reports)
            if why:
                return why
        if "inspection_id" in values:
            findings = fx.facts.findings(contribution["body"], theme)
            return finding_after_plan(concern, findings.values())
        return None

    def _emit_request(self, rule_id: str, observation: dict[str, Any], fx: Handling) -> None:
        rule = fx.ruleset.rule(rule_id)
        if rule.request is None:
            return
        body, theme, year = observation["body"], observation["theme"], observation["year"]
        found = {
            "rule_id": rule_id,
            "flag": rule.flag,
            "body": body,
            "subject": observation["subject"],
            "concern": observation.get("concern", observation["subject"]),
            "values": obs.observation_values(observation),
        }
        managed = self._challenged(observation["area"], year, theme, [found], fx)
        if managed_concern(found, managed):
            return  # known and managed: the area is tackling it, so no triggered inspection
        request_id = derived_id("request", rule_id, body, theme, year)
        if fx.facts.is_requested(request_id):
            return
        fx.facts.record_request(request_id)
        start = datetime.fromisoformat(fx.event["occurred_at"]).date() + timedelta(
            days=rule.request.notice_days
        )
        payload = {
            "request_id": request_id,
            "inspectorate": fx.ruleset.inspectorate_for(theme),
            "theme": theme,
            "area": observation["area"],
            "origin": "risk_rule",
            "reason": f"{rule.title} ({rule_id}): {observation['subject']}. {rule.criterion}",
            "evidence": sorted({e["event_id"] for e in observation.get(rule.evidence, [])}),
            "rule_ids": [rule_id],
            "ruleset_version": fx.ruleset.version,
            "urgency": rule.request.urgency,
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(days=rule.request.window_days)).isoformat(),
            "on_site_days": rule.request.on_site_days,
        }
        message = envelope(
            event_id=request_id,
            type="inspection.requested",
            occurred_at=fx.event["occurred_at"],
            source=SOURCE,
            body=body,
            payload=payload,
        )
        fx.publish(topics.REQUESTS, observation["area"], message)

    # The batch annual pass (service_layer/annual_batch.py) ---------------------------------

    # What `QuietCheck.fires` reads of the store besides the values: the bodies' areas and
    # the agreements' versions, which these events write.
    PLACING = frozenset(("body.registered", *laa.AGREEMENT_TYPES))

    def apply_placing(self, event: dict[str, Any]) -> None:
        """Store what `handle` stores of a `PLACING` event (a body's registration, or a version
        of an area's agreement), judging nothing: for a process that answers
        `QuietCheck.fires` beside the one that handles the events (annual_batch.py)."""
        if event["type"] not in self.PLACING:
            return
        work = UnitOfWork(self.GROUP)
        if event["type"] == "body.registered":
            work.store(self._bodies.registration(event["body"], event["payload"]))
        else:
            self.laa.record_agreement(work, event, self._area_of(event["body"]))
        work.commit(self._publisher, self._store)

    @property
    def in_memory(self) -> bool:
        """Whether the service's store is held in this process's memory alone (so a forked
        copy of it is the same picture, and shares no file or connection)."""
        return isinstance(self._store.base, MemoryStore)

    def applied(self) -> set[str]:
        """The ids of the events applied already: `handle` passes them over."""
        return self._processed.all()

    def quiet_check(self) -> QuietCheck:
        """`QuietCheck.is_quiet` for indicator values, over the picture as it stands: valid
        until `handle` next applies an event."""
        return QuietCheck(self)

    def store_quiet(self, events: Sequence[dict[str, Any]]) -> None:
        """Store, in one transaction, what `handle` would for indicator values that
        `QuietCheck.is_quiet` passed, in their order: each value, the peers' cue and the
        processed marker."""
        if not events:
            return
        work = UnitOfWork(self.GROUP)
        facts = self._facts.bound_to(work)
        self._record_indicators(facts, events)
        for event in events:
            work.consume(event["event_id"])
        work.commit(self._publisher, self._store)

    def assess_peers(self, year: int) -> int:
        """Rank every area against areas of the same kind, indicator by indicator, and judge.

        Peer comparisons need every area's figures for the year, so they are not made as
        events stream in but when `service_layer/peer_comparison.py` says (after a load, once
        the year's figures are quiet, or on demand). The comparison records the latest figure
        it saw, so the live services know when it is due again. Returns how many peer
        observations were judged.
        """
        ruleset = self._rules.current()
        latest = self._facts.peers_latest(year)
        event = {
            "event_id": derived_id("annual assessment", year, ruleset.version, latest),
            "type": "assessment.annual",
            "occurred_at": f"{year}-12-31T00:00:00+00:00",
        }
        fx = self._handling(event, ruleset)
        judged = 0
        # No value of the year taken in (every one sets `latest`): no area to rank, so the
        # series are not read (`rules simulate` compares each year its events touch).
        if latest and any(rule.observation == "peers" for rule in ruleset.rules):
            judged = self._compare_peers(year, fx)
        fx.facts.record_peers_compared(year, latest)
        fx.work.commit(self._publisher, self._store)
        return judged

    def _compare_peers(self, year: int, fx: Handling) -> int:
        kind_of = {code: area.kind for code, area in self._reference.areas.items()}
        # Nearly every peer observation is judged to nothing: no rule fires and no finding
        # stands on it. Where no rule reads the evidence, each is first made without it, and
        # completed only for `_judge` to look at it (the same observation, field for field).
        later = not fx.ruleset.fields_read.get("peers", frozenset()).intersection(obs.PEER_EVIDENCE)
        judged = 0
        for code, indicator in self._reference.indicators.items():
            if indicator.polarity is None:
                continue  # contextual indicators have no better or worse
            series = {
                area: [obs.IndicatorValue(p, *fact) for p, fact in facts.items()]
                for area, facts in fx.facts.indicator_series_by_area(code, kind_of).items()
            }
            for observation in obs.peer_observations(
                indicator=code,
                theme=indicator.theme,
                polarity=indicator.polarity,
                year=year,
                kind_of=kind_of,
                series_by_area=series,
                evidence=not later,
            ):
                judged += 1
                if later:
                    if not self._may_judge(observation, fx):
                        continue  # `_judge` would return having read and written nothing
                    observation = obs.with_peer_evidence(observation, series[observation["area"]])
                self._judge(observation, fx)
        return judged

    @staticmethod
    def _may_judge(observation: dict[str, Any], fx: Handling) -> bool:
        """Whether `_judge` may do anything with the observation: some rule fires on it, by the
        reference semantics (which the engine applies before it is asked), or something found
        earlier stands on its subject (and may go stale)."""
        if any_rule_fires(fx.ruleset, observation):
            return True
        prefix = obs.contribution_prefix(observation["body"], observation["subject"])
        found = fx.facts.contributions(
            observation["area"], observation["year"], observation["theme"]
        )
        return any(key.startswith(prefix) for key in found)

    def peers_due(self) -> dict[int, str]:
        """Years whose figures changed since their areas were last compared with their peers."""
        return self._facts.peers_due()

    def organisations(self, year: int) -> dict[str, dict[str, Any]]:
        """Each scored council's use of resources and managing performance for a year."""
        return self._facts.organisations(year)

    def area_of(self, body: str) -> str:
        """The area a body belongs to (itself, if unknown)."""
        return self._area_of(body)

    def indicator_series(self, body: str, indicator: str) -> dict[str, tuple[float, str]]:
        """A body's reported values of one indicator: period -> (value, event_id)."""
        return self._facts.indicator_series(body, indicator)

    def self_assessed(self, area: str, year: int, theme: str) -> dict[str, dict[str, Any]]:
        """The concerns, with their action plans' status, in the area's self-assessment."""
        return self._facts.managed_concerns(area, year, theme)

    def assessment(self, area: str, year: int) -> dict[str, dict[str, Any]]:
        """The current judgement per theme for one area and year (themes with none are absent)."""
        return self._facts.assessment(area, year)

    def prefetch(self, events: Sequence[dict[str, Any]]) -> None:
        """Read, in one round trip, what a poll's events will read first: whether each was
        applied already and, for an indicator value, a complaint, a body's registration or an
        agreement, the stored facts it adds to or observes. Inside the poll's batch (and only
        there: outside one there is nothing to keep them in) these answer the events' own
        reads, as a first read in the batch would have. The store stays the risk service's own
        by area, so a read a moment earlier is the same read; a complaint's body (its
        population) ingest stored before it published the complaint."""
        if not self._store.holding:
            return
        reads: dict[Read, None] = {}
        areas, indicators = self._reference.areas, self._reference.indicators
        for event in events:
            reads[self._processed.seen_read(event["event_id"])] = None
            kind, body, payload = event["type"], event["body"], event["payload"]
            code, period = payload.get("indicator"), payload.get("period")
            if kind == "indicator.reported" and isinstance(code, str) and code in indicators:
                period = period if isinstance(period, str) else ""
                reads[RiskFacts.series_read(body, code)] = None
                if body in areas:
                    reads[LaaFacts.agreement_read(body)] = None
                if period[:4].isdigit():
                    area = self._area_of(body)
                    theme = indicators[code].theme
                    reads[RiskFacts.contributions_read(area, int(period[:4]), theme)] = None
            elif kind == "complaint.received":
                reads[RiskFacts.complaints_read(body)] = None
                reads[BodyRegistry.get_read(body)] = None  # its population
                theme, moment = payload.get("theme"), event["occurred_at"]
                if isinstance(theme, str) and moment[:4].isdigit():  # the likely window's year
                    area = self._area_of(body)
                    reads[RiskFacts.contributions_read(area, int(moment[:4]), theme)] = None
            elif kind == "body.registered":  # its complaints, observed again per theme
                reads[RiskFacts.complaints_read(body)] = None
            elif kind in laa.AGREEMENT_TYPES:  # every target's series, 45 reads one by one
                area = self._area_of(body)
                reads[LaaFacts.agreement_read(area)] = None
                targets = payload.get("targets")
                for target in targets if isinstance(targets, list) else ():
                    code = target.get("indicator") if isinstance(target, dict) else None
                    if isinstance(code, str) and code in indicators:
                        reads[RiskFacts.series_read(area, code)] = None
        self._store.read_many(list(reads))


# `QuietCheck.fires`: what the rules make of an indicator value's observations.
FIRES = 1  # some rule fires on one of them
TARGET = 2  # the area's LAA target on the indicator is observed for the value's year


class QuietCheck:
    """Whether `RiskService.handle` would only store an indicator value, judging nothing, with
    what that asks of the store read once: the ruleset, the bodies' areas, the agreements in
    force and the earlier findings' keys. Storing values (`store_quiet`) changes none of these;
    an event `handle` applies may change any, so the batch pass takes a new check after each."""

    def __init__(self, risk: RiskService) -> None:
        self._risk = risk
        self._ruleset = risk._rules.current()
        self._areas: dict[str, str] = {}
        self._agreements: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._found: dict[tuple[str, int, str], tuple[str, ...]] = {}

    def is_quiet(self, event: dict[str, Any], verdict: int) -> bool:
        """So it is when, on each of the event's observations (the indicator's year and the
        area's LAA target on it), no rule fires by the reference semantics, which the engine
        applies before it is asked (adapters/durable_engine.py), and no earlier finding on the
        observation's subject is there to go stale: `_judge` then returns before it reads or
        writes anything else. `verdict`: what `fires` answered for the event's value (here,
        or in the batch pass's forked copy)."""
        return not verdict & FIRES and not self._standing(event, bool(verdict & TARGET))

    def fires(
        self,
        event: dict[str, Any],
        values: Iterable[obs.IndicatorValue],
        series: Callable[[], Series],
    ) -> int:
        """`FIRES` when some rule fires on one of the value's observations; `TARGET` when the
        area's LAA target on the indicator is observed for the year (so a finding on it may
        stand: `is_quiet` asks). It reads the ruleset, the reference data, the bodies' areas
        and the agreements in force, never what the rules found: a process that applies only what
        `RiskService.apply_placing` applies gets the same answers (annual_batch.py)."""
        risk, ruleset = self._risk, self._ruleset
        area = self._area(event["body"])
        if any_rule_fires(ruleset, risk._indicator_observation(event, values, ruleset, area)):
            return FIRES
        verdict = 0
        for target in risk._laa_target(event, series, ruleset, self._in_force):
            if "year" in target:  # else nothing to judge: `_judge` returns at once
                verdict |= TARGET
                if any_rule_fires(ruleset, target):
                    return FIRES | TARGET
        return verdict

    def _standing(self, event: dict[str, Any], target: bool) -> bool:
        """Whether an earlier finding stands on the value's indicator (and, `target`, on the
        area's LAA target on it) for the year: `_judge` would look at it again, as the new
        value may leave it stale. The keys are the observations' own: the indicator's is of
        the body's area, the target's of the area, which is the body (`_laa_target`)."""
        body, payload = event["body"], event["payload"]
        code = payload["indicator"]
        year = int(payload["period"][:4])
        theme = self._risk._reference.indicators[code].theme
        indicator = obs.contribution_prefix(body, obs.indicator_subject(code))
        if self._found_on(self._area(body), year, theme, indicator):
            return True
        if not target:
            return False
        on_target = obs.contribution_prefix(body, laa.target_subject(code))
        return self._found_on(body, year, theme, on_target)

    def _area(self, body: str) -> str:
        area = self._areas.get(body)
        if area is None:
            area = self._areas[body] = self._risk._area_of(body)
        return area

    def _in_force(self, area: str, as_of: str) -> dict[str, Any] | None:
        key = (area, as_of[:10])
        if key not in self._agreements:
            self._agreements[key] = self._risk.laa.in_force(area, as_of)
        return self._agreements[key]

    def _found_on(self, area: str, year: int, theme: str, prefix: str) -> bool:
        key = (area, year, theme)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = tuple(self._risk._facts.contributions(*key))
        return any(k.startswith(prefix) for k in found)

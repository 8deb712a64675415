"""risk: turn events into observations, run the rules, keep judgements, raise requests.

Order of work for one event, which is what makes redelivery safe: compute
everything from the stored facts plus this event; publish the outputs (ids
derived from their inputs, so a re-publish is recognised downstream); then
store the facts, judgements and the processed marker in one transaction. The
consumer commits the offset only after that.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from riskgate import failpoints, topics
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain import observations as obs
from riskgate.domain.assessment import organisational_score
from riskgate.domain.ids import derived_id
from riskgate.domain.judgement import combine, managed_concern
from riskgate.domain.reference import Reference
from riskgate.domain.rules import RuleError, RuleSet, content_version, load_ruleset, rule_files
from riskgate.domain.vocabulary import AREA_THEMES
from riskgate.service_layer.common import BodyRegistry, Processed, Write, dumps, envelope

log = logging.getLogger(__name__)
SOURCE = "riskgate.risk"
Fired = Callable[[RuleSet, dict[str, Any]], list[str]]


class RulesSource:
    """The current ruleset, reloaded when the rule files change (no restart needed)."""

    def __init__(self, directory: Path, check_every_s: float = 2.0) -> None:
        self.directory = directory
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._ruleset = load_ruleset(directory)
        self._checked = time.monotonic()

    def current(self) -> RuleSet:
        with self._lock:
            if time.monotonic() - self._checked >= self._check_every_s:
                self._checked = time.monotonic()
                self._reload_if_changed()
            return self._ruleset

    def _reload_if_changed(self) -> None:
        if content_version(rule_files(self.directory)) == self._ruleset.version:
            return
        try:
            candidate = load_ruleset(self.directory)
        except RuleError as exc:
            log.error("rules changed but do not load; keeping %s: %s", self._ruleset.version, exc)
            return
        log.info("ruleset %s replaces %s", candidate.version, self._ruleset.version)
        self._ruleset = candidate


@functools.lru_cache(maxsize=1 << 18)
def _indicator_fact(raw: str) -> tuple[float, str]:
    """A stored indicator value as (value, event_id); each stored text is parsed once."""
    fact = json.loads(raw)
    return fact["value"], fact["event_id"]


@dataclass
class Effects:
    """What handling one event will publish and store, gathered before either happens."""

    event: dict[str, Any]
    ruleset: RuleSet
    outputs: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    pending: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # hashes as this event leaves them

    def publish(self, topic: str, key: str, message: dict[str, Any]) -> None:
        self.outputs.append((topic, key, message))

    def store(self, write: Write) -> None:
        self.writes.append(write)


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
        self._store = store
        self._publisher = publisher
        self._reference = reference
        self._rules = rules
        self._fired = fired
        self._bodies = BodyRegistry(store, reference)
        self._processed = Processed(store, self.GROUP)

    # --- the handler --------------------------------------------------------

    def handle(self, event: dict[str, Any]) -> None:
        """Apply one event: at most once in effect, however often it is delivered."""
        if self._processed.seen(event["event_id"]):
            return
        fx = Effects(event, self._rules.current())
        for observation in self._observe(fx):
            self._judge(observation, fx)
        if event["type"] == "self_assessment.submitted":
            self._rejudge_self_assessed(fx)
        for topic, key, message in fx.outputs:
            self._publisher.publish(topic, key, message)
        if fx.outputs:
            self._publisher.flush()
            failpoints.hit("risk.exit_after_publish")
        with self._store.transaction() as batch:
            for write in fx.writes:
                write(batch)
            self._processed.mark(batch, event["event_id"])

    # --- facts to observations ---------------------------------------------

    def _hash(self, key: str, fx: Effects) -> dict[str, str]:
        """A stored hash as this event leaves it (its own writes are not stored yet)."""
        return fx.pending[key] if key in fx.pending else self._store.hgetall(key)

    def _area_of(self, body: str) -> str:
        return self._bodies.area_of(body) or body

    def _observe(self, fx: Effects) -> list[dict[str, Any]]:
        event = fx.event
        kind = event["type"]
        if kind == "self_assessment.submitted":
            self._record_self_assessment(fx)
            return []
        if kind == "use_of_resources.scored":
            return self._record_scores(fx)
        if kind == "indicator.reported":
            return [self._indicator(fx)]
        if kind == "complaint.received":
            return [self._complaints(fx)]
        if kind == "inspection.finding":
            return [self._finding(fx)]
        if kind == "body.registered":
            fx.store(lambda b: self._bodies.register(b, event["body"], event["payload"]))
            population = event["payload"].get("population")
            return [
                self._complaint_observation(event["body"], theme, population)
                for theme in AREA_THEMES
            ]
        return []  # recorded as processed; later rules may use more types

    def _record_self_assessment(self, fx: Effects) -> None:
        event, payload = fx.event, fx.event["payload"]
        key = f"risk:sa:{self._area_of(event['body'])}:{payload['year']}"
        concerns = {c["subject"]: {**c, "event_id": event["event_id"]} for c in payload["concerns"]}
        value = dumps({"event_id": event["event_id"], "concerns": concerns})
        fx.pending[key] = {**self._hash(key, fx), payload["theme"]: value}
        fx.store(lambda b: b.hset(key, {payload["theme"]: value}))

    def _record_scores(self, fx: Effects) -> list[dict[str, Any]]:
        payload, body = fx.event["payload"], fx.event["body"]
        scores = {
            "use_of_resources": payload["score"],
            "managing_performance": payload.get("managing_performance"),
            "evidence": [fx.event["event_id"]],
        }
        fx.store(lambda b: b.hset(f"risk:org:{payload['year']}", {body: dumps(scores)}))
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

    def _managed(self, area: str, year: int, theme: str, fx: Effects) -> dict[str, dict[str, Any]]:
        """The concerns the area reported in its self-assessment for this theme and year."""
        raw = self._hash(f"risk:sa:{area}:{year}", fx).get(theme)
        return json.loads(raw)["concerns"] if raw else {}

    def _rejudge_self_assessed(self, fx: Effects) -> None:
        payload = fx.event["payload"]
        area = self._area_of(fx.event["body"])
        year, theme = payload["year"], payload["theme"]
        contributions = self._hash(f"risk:contrib:{area}:{year}:{theme}", fx)
        self._emit_judgement(area, theme, year, contributions, fx)

    def _indicator(self, fx: Effects) -> dict[str, Any]:
        event, payload = fx.event, fx.event["payload"]
        body, code = event["body"], payload["indicator"]
        key = f"risk:ind:{body}:{code}"
        fact = {"value": payload["value"], "event_id": event["event_id"]}
        series = {p: _indicator_fact(v) for p, v in self._store.hgetall(key).items()}
        # A resubmission for a period replaces the earlier value.
        series[payload["period"]] = (payload["value"], event["event_id"])
        fx.store(lambda b: b.hset(key, {payload["period"]: dumps(fact)}))
        indicator = self._reference.indicators[code]
        return obs.indicator_observation(
            body=body,
            area=self._area_of(body),
            indicator=code,
            theme=indicator.theme,
            polarity=indicator.polarity,
            year=int(payload["period"][:4]),
            series=[obs.IndicatorValue(p, *v) for p, v in series.items()],
            floor=fx.ruleset.floors.get(code),
        )

    def _finding(self, fx: Effects) -> dict[str, Any]:
        event, payload, body = fx.event, fx.event["payload"], fx.event["body"]
        key = f"risk:finding:{body}:{payload['theme']}"
        fact = {
            "occurred_at": event["occurred_at"],
            "inspection_id": payload["inspection_id"],
            "inspectorate": payload["inspectorate"],
            "finding": payload["finding"],
        }
        facts = {e: json.loads(v) for e, v in self._store.hgetall(key).items()}
        facts[event["event_id"]] = fact
        fx.store(lambda b: b.hset(key, {event["event_id"]: dumps(fact)}))
        return obs.finding_observation(
            body=body,
            area=self._area_of(body),
            theme=payload["theme"],
            findings=[obs.Finding(event_id=e, **f) for e, f in facts.items()],
        )

    def _complaints(self, fx: Effects) -> dict[str, Any]:
        event, payload, body = fx.event, fx.event["payload"], fx.event["body"]
        fact = {
            "occurred_at": event["occurred_at"],
            "theme": payload["theme"],
            "upheld": payload.get("upheld"),
            "channel": payload["channel"],
            "formal": payload.get("formal", False),
            "partner": payload.get("partner"),
        }
        fx.store(lambda b: b.hset(f"risk:cmp:{body}", {event["event_id"]: dumps(fact)}))
        extra = obs.Complaint(event_id=event["event_id"], **fact)
        return self._complaint_observation(
            body, payload["theme"], self._bodies.population(body), extra
        )

    def _complaint_observation(
        self, body: str, theme: str, population: int | None, extra: obs.Complaint | None = None
    ) -> dict[str, Any]:
        stored = [
            obs.Complaint(event_id=eid, **json.loads(v))
            for eid, v in self._store.hgetall(f"risk:cmp:{body}").items()
            if extra is None or eid != extra.event_id
        ]
        return obs.complaints_observation(
            body=body,
            area=self._area_of(body),
            theme=theme,
            complaints=stored + ([extra] if extra else []),
            population=population,
        )

    # --- observations to judgements and requests ---------------------------

    def _judge(self, observation: dict[str, Any], fx: Effects) -> None:
        if "year" not in observation:
            return  # nothing to judge yet (no facts for this subject)
        area, theme, year = observation["area"], observation["theme"], observation["year"]
        ckey = f"risk:contrib:{area}:{year}:{theme}"
        contributions = self._hash(ckey, fx)
        updated, fired = self._contribute(observation, contributions, fx)
        if updated is None:
            return
        # Rules that combine what other rules found read the area and theme as a whole.
        combined = obs.combined_observation(
            area=area,
            theme=theme,
            year=year,
            contributions=[json.loads(v) for v in updated.values()],
        )
        with_combined, fired_combined = self._contribute(combined, updated, fx)
        if with_combined is not None:
            updated = with_combined
        fx.pending[ckey] = updated
        final = updated

        def replace_contributions(batch: WriteBatch) -> None:
            batch.delete(ckey)
            batch.hset(ckey, final)

        fx.store(replace_contributions)
        self._emit_judgement(area, theme, year, updated, fx)
        for rule_id in fired:
            self._emit_request(rule_id, observation, fx)
        for rule_id in fired_combined:
            self._emit_request(rule_id, combined, fx)

    def _contribute(
        self, observation: dict[str, Any], contributions: dict[str, str], fx: Effects
    ) -> tuple[dict[str, str] | None, list[str]]:
        """The contributions with this observation's fired rules in place (None: nothing to do)."""
        fired = self._fired(fx.ruleset, observation)
        prefix = f"{observation['body']}|{observation['subject']}|"
        stale = [k for k in contributions if k.startswith(prefix) and k[len(prefix) :] not in fired]
        if not fired and not stale:
            return None, []
        updated = {k: v for k, v in contributions.items() if k not in stale}
        for rule_id in fired:
            rule = fx.ruleset.rule(rule_id)
            updated[prefix + rule_id] = dumps(
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
        self, area: str, theme: str, year: int, contributions: dict[str, str], fx: Effects
    ) -> None:
        jkey = f"risk:judgement:{area}:{year}"
        stored = self._store.hget(jkey, theme)
        if stored is None and not contributions:
            return  # nothing judged yet and nothing to judge
        judgement = combine(
            area=area,
            theme=theme,
            year=year,
            contributions=[json.loads(v) for v in contributions.values()],
            ruleset_version=fx.ruleset.version,
            managed=self._managed(area, year, theme, fx),
        )
        if stored == dumps(judgement):
            return
        fx.store(lambda b: b.hset(jkey, {theme: dumps(judgement)}))
        message = envelope(
            event_id=derived_id("judgement", area, theme, year, fx.event["event_id"]),
            type="risk.judgement",
            occurred_at=fx.event["occurred_at"],
            source=SOURCE,
            body=area,
            payload=judgement,
        )
        fx.publish(topics.JUDGEMENTS, area, message)

    def _emit_request(self, rule_id: str, observation: dict[str, Any], fx: Effects) -> None:
        rule = fx.ruleset.rule(rule_id)
        if rule.request is None:
            return
        body, theme, year = observation["body"], observation["theme"], observation["year"]
        managed = self._managed(observation["area"], year, theme, fx)
        concern = {"flag": rule.flag, "subject": observation.get("concern", observation["subject"])}
        if managed_concern(concern, managed):
            return  # known and managed: the area is tackling it, so no triggered inspection
        request_id = derived_id("request", rule_id, body, theme, year)
        if self._store.sismember("risk:requested", request_id):
            return
        fx.store(lambda b: b.sadd("risk:requested", request_id))
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

    # --- the annual pass ----------------------------------------------------------

    def assess_peers(self, year: int) -> int:
        """Rank every area against areas of the same kind, indicator by indicator, and judge.

        Peer comparisons need every area's figures for the year, so they are made
        here, in the annual assessment, not as events stream in. Returns how many
        peer observations were judged.
        """
        ruleset = self._rules.current()
        if not any(rule.observation == "peers" for rule in ruleset.rules):
            return 0
        event = {
            "event_id": derived_id("annual assessment", year, ruleset.version),
            "type": "assessment.annual",
            "occurred_at": f"{year}-12-31T00:00:00+00:00",
        }
        fx = Effects(event, ruleset)
        kind_of = {code: area.kind for code, area in self._reference.areas.items()}
        judged = 0
        for code, indicator in self._reference.indicators.items():
            if indicator.polarity is None:
                continue  # contextual indicators have no better or worse
            series = {
                area: [obs.IndicatorValue(p, *_indicator_fact(raw)) for p, raw in facts.items()]
                for area in kind_of
                if (facts := self._store.hgetall(f"risk:ind:{area}:{code}"))
            }
            for observation in obs.peer_observations(
                indicator=code,
                theme=indicator.theme,
                polarity=indicator.polarity,
                year=year,
                kind_of=kind_of,
                series_by_area=series,
            ):
                self._judge(observation, fx)
                judged += 1
        for topic, key, message in fx.outputs:
            self._publisher.publish(topic, key, message)
        self._publisher.flush()
        with self._store.transaction() as batch:
            for write in fx.writes:
                write(batch)
        return judged

    # --- reads ----------------------------------------------------------------

    def organisations(self, year: int) -> dict[str, dict[str, Any]]:
        """Each scored council's use of resources and managing performance for a year."""
        return {b: json.loads(v) for b, v in self._store.hgetall(f"risk:org:{year}").items()}

    def assessment(self, area: str, year: int) -> dict[str, dict[str, Any]]:
        """The current judgement per theme for one area and year (themes with none are absent)."""
        stored = self._store.hgetall(f"risk:judgement:{area}:{year}")
        return {theme: json.loads(v) for theme, v in sorted(stored.items())}

"""The bus contract (tests/bus_contract.py) on `KafkaBus` against a real Tansu broker."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from riskgate.adapters.kafka_bus import KafkaBus, KafkaSubscription
from tests.bus_contract import (  # noqa: F401 - the shared bus tests, collected here
    TOPIC,
    test_a_group_resumes_after_its_last_commit,
    test_a_poll_does_not_deliver_the_same_records_twice_to_one_member,
    test_max_records_limits_a_poll_and_the_rest_follow,
    test_read_all_returns_the_whole_topic_with_keys_and_offsets,
    test_rewind_redelivers_from_that_record_on,
    test_two_groups_read_independently,
    test_uncommitted_records_are_redelivered_to_a_new_member_of_the_group,
)

pytestmark = pytest.mark.integration


class _TidyKafkaBus(KafkaBus):
    """A KafkaBus that closes every member it made, so none outlives the test's broker."""

    def __init__(self, bootstrap_servers: str) -> None:
        super().__init__(bootstrap_servers)
        self.members: list[KafkaSubscription] = []

    def subscribe(self, group: str, topics: Iterable[str]) -> KafkaSubscription:
        member = super().subscribe(group, topics)
        self.members.append(member)
        return member


@pytest.fixture
def bus(kafka: str) -> Iterator[KafkaBus]:
    tidy = _TidyKafkaBus(kafka)
    tidy.ensure_topics([TOPIC])
    yield tidy
    for member in tidy.members:
        member.close()
    tidy.close()

"""The fast paths of issue 16 keep behaviour: what each one must leave unchanged."""

from __future__ import annotations


def test_kafka_python_computes_record_crcs_with_the_c_extension() -> None:
    # kafka-python falls back to a pure-Python CRC-32C when the `crc32c` package is missing.
    from kafka.record import util

    assert util.crc32c_c is not None
    assert util.calc_crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value

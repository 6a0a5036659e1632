"""Prometheus' naming conventions (https://prometheus.io/docs/practices/naming/) held by every
family PriceBridge counts, and no shop among the labels."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric

from app.observability import metrics  # noqa: F401 - registers the families

TIME_WORDS = ("duration", "latency", "age")


def families() -> list[Metric]:
    return [family for family in REGISTRY.collect() if family.name.startswith("pricebridge_")]


def test_counters_end_in_total_and_times_are_in_seconds() -> None:
    found = families()
    assert len(found) == 13  # every family counted in-process (the rest are read when scraped)
    for family in found:
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), family.name
        if any(word in family.name for word in TIME_WORDS):
            assert family.name.endswith("_seconds"), family.name
        if family.type == "histogram" and "ratio" not in family.name:
            assert family.name.endswith("_seconds"), family.name


def test_no_family_is_labelled_by_shop() -> None:
    for family in families():
        for sample in family.samples:
            assert not {"shop", "shop_id", "domain"} & set(sample.labels), family.name

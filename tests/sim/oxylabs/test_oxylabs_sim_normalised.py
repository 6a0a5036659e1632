"""The simulator's pages in every marketplace language normalise to the state it meant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.ingest.normalize import normalize_result
from app.ingest.reading import Availability
from simulators.oxylabs.catalogue import MARKETPLACE_CURRENCY, Catalogue, StockState
from simulators.oxylabs.content import format_timestamp, product_content
from tests.sim.oxylabs.support import START

ASINS = [f"B0{n:08d}" for n in range(12)]


@pytest.mark.parametrize("domain", sorted(MARKETPLACE_CURRENCY))
def test_every_simulated_page_reads_back_as_its_state(domain: str) -> None:
    catalogue = Catalogue(seed=3)
    seen = set()
    for asin in ASINS:
        for hours in range(0, 240, 7):
            at = START + timedelta(hours=hours)
            offer = catalogue.offer(asin, domain, None, at)
            content = product_content(catalogue, asin, domain, None, False, at)
            result = {"content": content, "created_at": format_timestamp(at), "status_code": 200}
            observation = normalize_result(result, asked_asin=asin, marketplace=domain)
            assert observation.availability is Availability(offer.state.value), content["stock"]
            if offer.state is not StockState.OUT_OF_STOCK and offer.state.value != "unavailable":
                assert observation.delivery_earliest is not None, content["delivery"]
                assert observation.delivery_earliest >= at.date()
            seen.add(offer.state)
    assert len(seen) >= 3

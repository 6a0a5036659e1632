"""The browser tests' stack starts Amazon's clock where every listing they link can be bought:
the dashboard tests once failed at some hours of the day (a listing the simulator had made
unavailable showed "Held", or never got a price)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulators.oxylabs.catalogue import Catalogue, StockState
from tests.e2e.stack import LISTINGS, STEADY_PERIODS, steady_start

BUYABLE = {StockState.IN_STOCK, StockState.LOW_STOCK}


def test_every_listing_is_buyable_for_every_period_a_test_moves_through() -> None:
    catalogue = Catalogue(seed=0, price_period_seconds=60.0)
    start = steady_start(catalogue, LISTINGS)
    for period in range(STEADY_PERIODS):
        at = start + timedelta(seconds=60 * period)
        states = {asin: catalogue.offer(asin, market, None, at).state for asin, market in LISTINGS}
        assert set(states.values()) <= BUYABLE, (period, states)


def test_a_listing_that_is_never_buyable_is_named_not_waited_for() -> None:
    catalogue = Catalogue(seed=0, price_period_seconds=3600.0, dead_asins=frozenset({"B0E2E00001"}))
    with pytest.raises(LookupError, match="buyable"):
        steady_start(catalogue, LISTINGS)

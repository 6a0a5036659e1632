"""The provider against the live Oxylabs simulator: batch, resume by ticket, realtime."""

from __future__ import annotations

from datetime import timedelta

from app.ingest.asin import Listing
from app.ingest.provider import ListingQuery, OxylabsProvider
from tests.integration.ingest.support import DEAD_ASIN, NOW, LiveSim, sim_provider


def query(asin: str) -> ListingQuery:
    return ListingQuery(Listing(asin, "com"), "90210", "USD")


def test_tickets_are_answered_after_the_latency(live_sim: LiveSim) -> None:
    live_sim.configure(job_latency_seconds=30)
    provider = sim_provider(live_sim)
    tickets = provider.submit([query("B0CYVN8CCQ"), query(DEAD_ASIN)])
    listing = Listing("B0CYVN8CCQ", "com")
    assert provider.collect(tickets[0].ticket_id, listing, received_at=NOW) is None
    live_sim.clock.advance(31)
    later = NOW + timedelta(seconds=31)
    poll = sim_provider(live_sim).collect(tickets[0].ticket_id, listing, received_at=later)
    assert poll is not None
    assert not poll.reading.quarantined
    assert poll.reading.price is not None
    assert poll.reading.currency == "USD"
    dead = provider.collect(tickets[1].ticket_id, Listing(DEAD_ASIN, "com"), received_at=later)
    assert dead is not None
    assert dead.reading.quarantined
    assert dead.reading.quarantine_reason == "not_found"
    assert live_sim.stats()["jobs_submitted"] == 2


def test_realtime_answers_at_once(provider: OxylabsProvider, live_sim: LiveSim) -> None:
    poll = provider.poll_now(query("B0CYVN8CCQ"), received_at=NOW)
    assert poll.reading.asin == "B0CYVN8CCQ"
    assert poll.reading.observed_at == NOW
    assert live_sim.stats()["results_billed"] == 1

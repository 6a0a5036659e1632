"""The Oxylabs provider over HTTP mocked with `responses`: batches, tickets, polls."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses

from app.config import Settings
from app.ingest.asin import Listing
from app.ingest.oxylabs import OxylabsClient
from app.ingest.provider import (
    AuthError,
    ListingQuery,
    OxylabsProvider,
    PermanentError,
    UnconfirmedError,
    provider_from_settings,
)

DATA = "https://data.test"
REALTIME = "https://realtime.test/v1/queries"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "oxylabs"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def provider() -> OxylabsProvider:
    client = OxylabsClient(
        username="user",
        password="pass",
        realtime_url=REALTIME,
        data_url=DATA,
        max_retries=1,
        sleep=lambda seconds: None,
    )
    return OxylabsProvider(client)


def query(asin: str, marketplace: str = "com", geo: str | None = "90210") -> ListingQuery:
    listing = Listing(asin, marketplace)
    return ListingQuery(listing, geo, listing.currency)


@responses.activate
def test_a_batch_becomes_one_ticket_per_query_in_order() -> None:
    asins = ["B0CYVN8CCQ", "B084Y7CHX5"]
    responses.post(
        f"{DATA}/v1/queries/batch",
        json={"queries": [{"id": "111", "query": asins[0]}, {"id": "222", "query": asins[1]}]},
    )
    tickets = provider().submit([query(asin) for asin in asins])
    assert [(t.ticket_id, t.asin) for t in tickets] == [("111", asins[0]), ("222", asins[1])]
    body = json.loads(responses.calls[0].request.body or b"{}")
    assert body["query"] == asins
    assert body["domain"] == "com"
    assert body["geo_location"] == "90210"
    assert {"key": "currency", "value": "USD"} in body["context"]
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_a_reordered_batch_answer_is_refused_rather_than_mixing_products() -> None:
    """Oxylabs took the batch (and bills it), so the refusal is an unconfirmed submit."""
    responses.post(
        f"{DATA}/v1/queries/batch",
        json={"queries": [{"id": "1", "query": "B084Y7CHX5"}, {"id": "2", "query": "B0CYVN8CCQ"}]},
    )
    with pytest.raises(UnconfirmedError, match="another order") as raised:
        provider().submit([query("B0CYVN8CCQ"), query("B084Y7CHX5")])
    assert raised.value.results == 2


def test_a_batch_must_share_marketplace_geo_and_currency() -> None:
    with pytest.raises(ValueError, match="must share"):
        provider().submit([query("B0CYVN8CCQ"), query("B084Y7CHX5", "de", "10115")])
    assert provider().submit([]) == []


@responses.activate
def test_a_ticket_not_ready_yet_collects_nothing() -> None:
    responses.get(f"{DATA}/v1/queries/123/results", status=204)
    assert provider().collect("123", Listing("B0CYVN8CCQ", "com"), received_at=NOW) is None


@responses.activate
def test_a_ready_ticket_collects_a_normalised_poll_with_its_raw_payload() -> None:
    document = fixture("real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json")
    responses.get(f"{DATA}/v1/queries/123/results", json=document)
    poll = provider().collect("123", Listing("B0CYVN8CCQ", "com"), received_at=NOW)
    assert poll is not None
    assert poll.raw == document["results"][0]
    assert poll.reading.asin == "B0CYVN8CCQ"
    assert not poll.reading.quarantined
    assert poll.reading.price is not None


@responses.activate
def test_a_result_for_another_asin_is_quarantined() -> None:
    document = fixture("real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json")
    responses.get(f"{DATA}/v1/queries/123/results", json=document)
    poll = provider().collect("123", Listing("B084Y7CHX5", "com"), received_at=NOW)
    assert poll is not None
    assert poll.reading.quarantined
    assert poll.reading.price is None


@responses.activate
def test_realtime_polls_now() -> None:
    document = fixture("real_amazon_product_unavailable_no_buybox_B084Y7CHX5.json")
    responses.post(REALTIME, json=document)
    poll = provider().poll_now(query("B084Y7CHX5"), received_at=NOW)
    assert poll.reading.asin == "B084Y7CHX5"
    assert poll.reading.price is None
    assert json.loads(responses.calls[0].request.body or b"{}")["query"] == "B084Y7CHX5"


@responses.activate
@pytest.mark.parametrize(
    ("status", "error"),
    [(400, PermanentError), (401, AuthError), (403, AuthError), (422, PermanentError)],
)
def test_refusals_are_never_retried(status: int, error: type[Exception]) -> None:
    responses.post(REALTIME, status=status, json={"message": "no"})
    with pytest.raises(error):
        provider().poll_now(query("B084Y7CHX5"), received_at=NOW)
    assert len(responses.calls) == 1


def test_listing_queries_validate_their_currency() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        ListingQuery(Listing("B084Y7CHX5", "com"), None, "usd")
    assert query("B084Y7CHX5", "co.uk", None).group == ("co.uk", None, "GBP")


def test_without_credentials_there_is_no_provider(tmp_path: Path) -> None:
    settings = Settings.from_env({"PRICEBRIDGE_ENV": "test"}, instance_path=str(tmp_path))
    with pytest.raises(AuthError, match="OXYLABS_USERNAME"):
        provider_from_settings(settings)
    configured = Settings.from_env(
        {"PRICEBRIDGE_ENV": "test", "OXYLABS_USERNAME": "u", "OXYLABS_PASSWORD": "p"},
        instance_path=str(tmp_path),
    )
    assert isinstance(provider_from_settings(configured), OxylabsProvider)

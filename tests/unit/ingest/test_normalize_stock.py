from __future__ import annotations

import pytest

from app.ingest.normalize_stock import classify_stock
from app.ingest.reading import Availability


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In Stock", Availability.IN_STOCK),
        ("In stock.", Availability.IN_STOCK),
        ("  IN STOCK  ", Availability.IN_STOCK),
        ("Only 7 left in stock - order soon.", Availability.LOW_STOCK),
        ("Only 1 left in stock (more on the way).", Availability.LOW_STOCK),
        ("Usually ships within 8 to 9 days", Availability.DELAYED),
        ("Usually ships within 24 hours", Availability.DELAYED),
        ("Usually dispatched within 1 to 2 months.", Availability.DELAYED),
        ("In stock on July 1, 2025.", Availability.DELAYED),
        ("In Stock soon. Order it now.", Availability.DELAYED),
        ("Available to ship in 1-2 days.", Availability.DELAYED),
        ("Pre-order now.", Availability.DELAYED),
        ("Temporarily out of stock.", Availability.OUT_OF_STOCK),
        (
            "Temporarily out of stock. We are working hard to be back in stock.",
            Availability.OUT_OF_STOCK,
        ),
        ("Out of Stock", Availability.OUT_OF_STOCK),
        ("Currently unavailable.", Availability.UNAVAILABLE),
        (
            "Currently unavailable. We don't know when or if this item will be back in stock.",
            Availability.UNAVAILABLE,
        ),
        ("Auf Lager.", Availability.IN_STOCK),
        ("Nur noch 3 auf Lager", Availability.LOW_STOCK),
        ("Derzeit nicht verfügbar.", Availability.UNAVAILABLE),
        ("Derzeit nicht auf Lager.", Availability.OUT_OF_STOCK),
        ("En stock", Availability.IN_STOCK),
        ("Il ne reste plus que 2 exemplaire(s) en stock.", Availability.LOW_STOCK),
        ("Actuellement indisponible.", Availability.UNAVAILABLE),
        ("Disponible", Availability.IN_STOCK),
        ("No disponible.", Availability.UNAVAILABLE),
        ("Available from these sellers.", Availability.UNKNOWN),
        ("", Availability.UNKNOWN),
        ("   ", Availability.UNKNOWN),
        ("Something Amazon has never said", Availability.UNKNOWN),
    ],
)
def test_stock_text_maps_to_availability(text: str, expected: Availability) -> None:
    assert classify_stock(text) is expected

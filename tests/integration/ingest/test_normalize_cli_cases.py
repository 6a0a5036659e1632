"""`flask normalize PATH` gives each data-truth instance its right value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from tests.unit.ingest.data_truth import (
    BR_EM_ESTOQUE,
    BR_NAO_DISPONIVEL,
    CA_SHIPPING,
    DATA_TRUTH,
    JP_YEN,
    NL_TIJDELIJK,
    PRICE_RANGE,
    UK_PARTIAL_PARSE,
    case,
)


def normalized(runner: FlaskCliRunner, path: Path) -> dict[str, Any]:
    result = runner.invoke(args=["normalize", str(path)])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    observation: dict[str, Any] = json.loads(line)
    return observation


def derived(tmp_path: Path, name: str, **fields: Any) -> Path:
    """The case with ``fields`` of its content (and ``created_at``) changed, as a file."""
    document = case(name)
    result = document["results"][0]
    result["created_at"] = fields.pop("created_at", result["created_at"])
    result["content"].update(fields)
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (NL_TIJDELIJK, {"availability": "out_of_stock", "marketplace": "nl"}),
        (BR_EM_ESTOQUE, {"availability": "in_stock", "price": "4499.00", "currency": "BRL"}),
        (BR_NAO_DISPONIVEL, {"availability": "unavailable", "price": None, "quarantined": False}),
        (PRICE_RANGE, {"price": None, "quarantined": True, "quarantine_reason": "price_range"}),
        (JP_YEN, {"price": "1100", "currency": "JPY", "availability": "in_stock"}),
        (CA_SHIPPING, {"price": "34.99", "shipping_price": "9.99", "currency": "CAD"}),
        (NL_TIJDELIJK, {"shipping_price": "0", "price": "799.00"}),
        (
            UK_PARTIAL_PARSE,
            {
                "availability": "unknown",
                "price": None,
                "parse_status": 12005,
                "title": "Samsung AU7100 50 Inch (2021) \u2013 Crystal 4K Smart TV With HDR10+ "
                "Image Quality",
            },
        ),
    ],
)
def test_each_case_normalises_to_its_right_value(
    runner: FlaskCliRunner, name: str, expected: dict[str, Any]
) -> None:
    observation = normalized(runner, DATA_TRUTH / name)
    assert {key: observation[key] for key in expected} == expected


def test_a_portuguese_delivery_date_across_new_year(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = derived(
        tmp_path,
        BR_EM_ESTOQUE,
        created_at="2026-12-28 09:00:00",
        delivery=[{"date": {"by": "terça-feira, 5 de janeiro"}, "type": "Entrega GRÁTIS"}],
    )
    observation = normalized(runner, path)
    assert (observation["delivery_earliest"], observation["delivery_latest"]) == (
        "2027-01-05",
        "2027-01-05",
    )


def test_money_text_in_a_buy_box_row(runner: FlaskCliRunner, tmp_path: Path) -> None:
    row = {"price": ",89 €", "stock": "Op voorraad", "condition": "Nieuw"}
    path = derived(tmp_path, NL_TIJDELIJK, stock="", buybox=[row], price=0, price_upper=0)
    observation = normalized(runner, path)
    assert (observation["price"], observation["availability"]) == ("0.89", "in_stock")
    row = {"price": "279 00 €", "condition": "Nieuw"}
    path = derived(tmp_path, NL_TIJDELIJK, buybox=[row], price=0, price_upper=0)
    assert normalized(runner, path)["price"] == "279.00"

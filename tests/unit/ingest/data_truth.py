"""Loads the data-truth cases kept in ``tests/fixtures/data_truth`` (see its README)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_TRUTH = Path(__file__).resolve().parents[2] / "fixtures" / "data_truth"
NL_TIJDELIJK = "C01_nl_tijdelijk_niet_op_voorraad.json"
BR_EM_ESTOQUE = "C02_br_em_estoque.json"
BR_NAO_DISPONIVEL = "C02b_br_nao_disponivel.json"
PRICE_RANGE = "C04_price_range_variation.json"
JP_YEN = "C05_jp_yen_listing.json"
UK_PARTIAL_PARSE = "C15_oxylabs_doc_co_uk_no_price.json"
CA_SHIPPING = "C17_ca_third_party_plus_shipping.json"


@cache
def _read(name: str) -> Any:
    return json.loads((DATA_TRUTH / name).read_text(encoding="utf-8"))


def case(name: str) -> Any:
    """A fresh deep copy of one case document, safe to change in a test."""
    return copy.deepcopy(_read(name))

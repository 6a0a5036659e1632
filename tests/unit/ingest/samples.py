"""Loads the real Oxylabs samples kept in ``tests/fixtures/oxylabs``."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError("no pyproject.toml above the tests")


OXYLABS_FIXTURES = _repo_root() / "tests" / "fixtures" / "oxylabs"
IN_STOCK = "real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json"
UNAVAILABLE = "real_amazon_product_unavailable_no_buybox_B084Y7CHX5.json"
FAULTED_404 = "real_amazon_product_faulted_404_B0846G5N74.json"
PRICING = "real_amazon_pricing_results.json"
JOB_SUBMIT = "real_push_pull_job_submit_response.json"
BATCH_SUBMIT = "real_batch_push_pull_submit_response.json"


@cache
def _read(name: str) -> Any:
    return json.loads((OXYLABS_FIXTURES / name).read_text(encoding="utf-8"))


def load(name: str) -> Any:
    """A fresh deep copy of a fixture document, safe to mutate in a test."""
    return copy.deepcopy(_read(name))

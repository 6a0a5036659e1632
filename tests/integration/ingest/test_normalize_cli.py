"""`flask normalize PATH` on the real recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.support import FIXTURES

OXYLABS = FIXTURES / "oxylabs"


def test_prints_one_observation_per_result(runner: FlaskCliRunner) -> None:
    path = OXYLABS / "real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json"
    result = runner.invoke(args=["normalize", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    document = json.loads(path.read_text())
    assert len(lines) == len(document["results"])
    observation = json.loads(lines[0])
    assert observation["asin"] == "B0CYVN8CCQ"
    assert observation["quarantined"] is False
    assert isinstance(observation["price"], str)


def test_a_faulted_result_prints_a_quarantined_observation(runner: FlaskCliRunner) -> None:
    path = OXYLABS / "real_amazon_product_faulted_404_B0846G5N74.json"
    result = runner.invoke(args=["normalize", str(path)])
    assert result.exit_code == 0, result.output
    observation = json.loads(result.output.splitlines()[0])
    assert observation["quarantined"] is True
    assert observation["price"] is None


def test_a_missing_file_is_a_clear_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["normalize", str(tmp_path / "nope.json")])
    assert result.exit_code != 0
    assert "cannot read" in result.output


def test_a_file_that_is_not_json_is_a_clear_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"results": [')
    result = runner.invoke(args=["normalize", str(path)])
    assert result.exit_code != 0
    assert "is not JSON" in result.output


def test_a_bad_asin_option_is_a_usage_error(runner: FlaskCliRunner) -> None:
    path = OXYLABS / "real_amazon_product_in_stock_3p_seller_B0CYVN8CCQ.json"
    result = runner.invoke(args=["normalize", str(path), "--asin", "nope"])
    assert result.exit_code == 2
    assert "not an ASIN" in result.output

"""Fixtures for the API tests: a merchant's whole world (app and simulated Shopify)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.integration.api.merchant_world import World, open_world


@pytest.fixture
def world(app: Flask, make_app: Callable[..., Flask]) -> Iterator[World]:
    yield from open_world(app, make_app)

"""Whatever JSON arrives, normalisation answers with an observation and never a bad price."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.normalize import normalize_document, normalize_result
from app.ingest.normalize_delivery import parse_window
from app.ingest.normalize_money import parse_money
from app.ingest.reading import Reading

from .samples import FAULTED_404, IN_STOCK, PRICING, UNAVAILABLE, load

PROPERTY = settings(max_examples=200, deadline=None)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "0", "-1", "$1,299.99", "1.299,99 €", "In Stock", "June 25", "12000"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
# Keys that matter to the normaliser, so random objects reach its deeper branches.
KEYS = st.sampled_from(
    [
        "content",
        "created_at",
        "updated_at",
        "status_code",
        "job_id",
        "url",
        "asin",
        "asin_in_url",
        "price",
        "price_buybox",
        "price_initial",
        "price_strikethrough",
        "buybox",
        "stock",
        "currency",
        "delivery",
        "delivery_details",
        "date",
        "from",
        "by",
        "condition",
        "featured_merchant",
        "images",
        "title",
        "description",
        "bullet_points",
        "parse_status_code",
        "page_type",
        "pricing",
        "results",
        "job",
        "status",
    ]
)
shaped_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)
SAMPLES = [load(name) for name in (IN_STOCK, UNAVAILABLE, FAULTED_404, PRICING)]


def _assert_sound(observation: Reading) -> None:
    assert isinstance(observation, Reading)
    if observation.price is not None:
        assert observation.price > 0
        assert observation.currency is not None
        assert not observation.quarantined
    if observation.list_price is not None:
        assert observation.price is not None
        assert observation.list_price > observation.price
    assert observation.quarantined == (observation.quarantine_reason is not None)
    observation.to_json_dict()


@PROPERTY
@given(result=json_values | shaped_values)
def test_any_json_result_gives_an_observation(result: Any) -> None:
    _assert_sound(normalize_result(result, asked_asin="B0CYVN8CCQ", marketplace="com"))


@PROPERTY
@given(document=json_values | shaped_values)
def test_any_json_document_gives_observations(document: Any) -> None:
    for observation in normalize_document(document):
        _assert_sound(observation)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> None:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new


@PROPERTY
@given(data=st.data())
def test_mutated_real_samples_give_sound_observations(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(SAMPLES) - 1), label="sample")
    document = load([IN_STOCK, UNAVAILABLE, FAULTED_404, PRICING][index])
    paths = _paths(document)
    for _ in range(data.draw(st.integers(1, 5), label="mutations")):
        path = data.draw(st.sampled_from(paths), label="path")
        try:
            _replace(document, path, data.draw(json_values, label="value"))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    observations = normalize_document(document)
    for observation in observations:
        _assert_sound(observation)
    results = document.get("results")
    result = results[0] if isinstance(results, list) and results else None
    if isinstance(result, dict):
        _assert_sound(normalize_result(result, asked_asin="B0CYVN8CCQ", marketplace="com"))


@PROPERTY
@given(value=json_values)
def test_money_is_positive_cents_or_none(value: Any) -> None:
    price = parse_money(value)
    if price is not None:
        assert price > 0
        assert price.as_tuple().exponent == -2


@PROPERTY
@given(
    text=st.text(max_size=40) | st.sampled_from(["June 25 - 26", "Tomorrow", "Dec 31 - Jan 3"]),
    reference=st.dates(min_value=date.min, max_value=date.max),
)
def test_delivery_windows_are_ordered_or_none(text: str, reference: date) -> None:
    window = parse_window(text, reference)
    if window is not None:
        assert window[0] <= window[1]


def test_received_time_is_kept_for_results_without_one() -> None:
    received = datetime(2025, 6, 23, tzinfo=UTC)

    observation = normalize_result(
        {}, asked_asin="B0CYVN8CCQ", marketplace="com", received_at=received
    )

    assert observation.observed_at == received
    assert observation.quarantined is True

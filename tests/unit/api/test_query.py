"""app/api/query.py: the row-id route converter's bound, as a regular expression."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.api.query import BIGINT_MAX, at_most_regex


@given(limit=st.integers(0, 2**64), number=st.integers(0, 2**65))
def test_at_most_regex_matches_exactly_0_to_limit(limit: int, number: int) -> None:
    pattern = re.compile(at_most_regex(limit))
    assert bool(pattern.fullmatch(str(number))) == (number <= limit)
    assert pattern.fullmatch(str(limit))


def test_the_bigint_edges() -> None:
    pattern = re.compile(at_most_regex(BIGINT_MAX))
    assert pattern.fullmatch("9223372036854775807")
    assert not pattern.fullmatch("9223372036854775808")
    assert not pattern.fullmatch("18446744073709551616")
    assert not pattern.fullmatch("-1")

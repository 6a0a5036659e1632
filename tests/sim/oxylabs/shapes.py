"""Compare the key structure of two JSON documents, the way a parser written against one sees it.

Lists are summarised by the union of their elements' shapes; an empty list matches any list.
Scalars compare by kind (string, number, bool); null matches anything.
"""

from __future__ import annotations

from typing import Any

Shape = Any


def shape(value: Any) -> Shape:
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: Shape = None
        for item in value:
            merged = _merge(merged, shape(item))
        return ("list", merged)
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _merge(left: Shape, right: Shape) -> Shape:
    if left is None:
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        return {key: _merge(left.get(key), right.get(key)) for key in left.keys() | right.keys()}
    if isinstance(left, tuple) and isinstance(right, tuple):
        return ("list", _merge(left[1], right[1]))
    return left


def mismatches(simulated: Any, real: Any) -> list[str]:
    """Where the simulated document's keys or kinds differ from the real one's."""
    return _compare(shape(simulated), shape(real), "content")


def _compare(sim: Shape, real: Shape, path: str) -> list[str]:
    if sim is None or real is None:
        return []
    if isinstance(sim, dict) and isinstance(real, dict):
        problems = []
        if real.keys() - sim.keys():
            problems.append(f"{path}: missing {sorted(real.keys() - sim.keys())}")
        if sim.keys() - real.keys():
            problems.append(f"{path}: extra {sorted(sim.keys() - real.keys())}")
        for key in sim.keys() & real.keys():
            problems += _compare(sim[key], real[key], f"{path}.{key}")
        return problems
    if isinstance(sim, tuple) and isinstance(real, tuple):
        return _compare(sim[1], real[1], f"{path}[]")
    return [] if sim == real else [f"{path}: {sim!r} where real has {real!r}"]

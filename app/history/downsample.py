"""Downsampling a price series for a chart, keeping every step (pure; no I/O).

A price series is a step function: a price holds until the next observation changes it. So a
run of equal prices carries no information past its first point, and dropping the repeats is
lossless. Only when the steps themselves outnumber `points` are some dropped: the range is cut
into equal time buckets and each keeps its first step and its largest move, so the chart keeps
the shape and every big jump. `Series.complete` says whether every step survived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

Point = tuple[datetime, Decimal]


@dataclass(frozen=True)
class Series:
    points: list[Point]
    complete: bool  # every change of price is among the points


def steps(points: Sequence[Point]) -> list[Point]:
    """The points where the price changed (the first point included), in time order."""
    kept: list[Point] = []
    for at, price in sorted(points, key=lambda point: point[0]):
        if not kept or price != kept[-1][1]:
            kept.append((at, price))
    return kept


def downsample(points: Sequence[Point], limit: int) -> Series:
    """At most `limit` points (limit >= 2) of the step function `points`. ValueError below 2."""
    if limit < 2:
        raise ValueError(f"limit must be at least 2, got {limit}")
    changes = steps(points)
    if len(changes) <= limit:
        return Series(changes, complete=True)
    buckets = limit // 2
    start, end = changes[0][0], changes[-1][0]
    width = (end - start) / buckets
    first: dict[int, Point] = {}
    biggest: dict[int, tuple[Decimal, Point]] = {}
    for index, (at, price) in enumerate(changes):
        bucket = min(buckets - 1, int((at - start) / width)) if width else 0
        if bucket not in first:
            first[bucket] = (at, price)
            continue
        move = abs(price - changes[index - 1][1])
        if bucket not in biggest or move > biggest[bucket][0]:
            biggest[bucket] = (move, (at, price))
    kept = sorted({*first.values(), *(point for _, point in biggest.values())}, key=lambda p: p[0])
    if kept[-1] != changes[-1]:
        kept = [*kept[: limit - 1], changes[-1]]  # the price that holds now is always shown
    return Series(kept[:limit], complete=False)

"""Figures a benchmark hands to the runner (`python -m bench`) for the report.

    from bench.report import figure
    figure("observations per second, end to end", 256.0, "obs/s", target=">= 300")

Each call appends one JSON line to the file named by BENCH_FIGURES, which the runner sets;
run by hand (no runner), a figure is only printed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

FIGURES_ENV = "BENCH_FIGURES"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str | None = None  # as the design states it, e.g. "p95 < 200 ms", ">= 300"
    met: bool | None = None  # whether the value meets the target, when there is one

    def __post_init__(self) -> None:
        if not self.name or not self.unit:
            raise ValueError(f"a figure needs a name and a unit, got {self!r}")


def figure(
    name: str, value: float, unit: str, *, target: str | None = None, met: bool | None = None
) -> Figure:
    """Record one figure (for the report) and print it (for whoever watches)."""
    made = Figure(name, float(value), unit, target, met)
    print(f"FIGURE {name}: {made.value:g} {unit}" + (f" (target {target})" if target else ""))
    path = os.environ.get(FIGURES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(made)) + "\n")
    return made


def read_figures(path: str) -> list[Figure]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as lines:
        return [Figure(**json.loads(line)) for line in lines if line.strip()]

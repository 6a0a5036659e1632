"""The figures every reliability scenario prints, in one format (issue 14, part 3).

    sigkill mid-push: lost 0, duplicated 0, 5xx 0, converged in 15.2 s; worker 812 + horse 845

- lost: items that never arrived where they must (a price never written to Shopify, a product
  never observed, a genuine webhook never handled);
- duplicated: items that arrived more than once (a second price write, a second observation
  of one poll, a webhook handled twice);
- 5xx: answers from 500 to 599 to the scenario's own requests, bad input included; a 503 with
  Retry-After while a dependency is down is the right answer and is not counted;
- converged in: seconds from the fault (or the last request) until everything arrived.

bench/reliability/run.py reads these lines back (`LINE`) for its report and README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONVERGE_SECONDS = 60
LINE = re.compile(
    r"^(?P<scenario>[^:\n]+): lost (?P<lost>\d+), duplicated (?P<duplicated>\d+), "
    r"5xx (?P<server_errors>\d+), converged in (?P<seconds>[0-9.]+|inf) s(?:; (?P<notes>.*))?$"
)


@dataclass(frozen=True)
class Figures:
    scenario: str
    lost: int
    duplicated: int
    server_errors: int
    converged: float
    notes: str = ""

    def line(self) -> str:
        figures = (
            f"{self.scenario}: lost {self.lost}, duplicated {self.duplicated}, "
            f"5xx {self.server_errors}, converged in {self.converged:.1f} s"
        )
        return f"{figures}; {self.notes}" if self.notes else figures

    @property
    def met(self) -> bool:
        return (self.lost, self.duplicated, self.server_errors) == (0, 0, 0) and (
            self.converged < CONVERGE_SECONDS
        )


def report(figures: Figures) -> Figures:
    """Print the scenario's line (pytest -s shows it; bench/reliability collects it), then
    fail unless nothing was lost or duplicated, no 5xx was answered, and it converged in time."""
    print(f"\n{figures.line()}", flush=True)
    assert figures.met, f"issue 14's figures not met: {figures.line()}"
    return figures

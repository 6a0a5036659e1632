"""The figures every reliability scenario prints, in one format (issue 14, part 3).

    sigkill mid-push: lost 0, duplicated 0, 5xx 0, converged in 15.2 s; worker 812 + horse 845

- lost: items that never arrived where they must (a price never written to Shopify, a product
  never observed, a genuine webhook never handled);
- duplicated: items that arrived more than once (a second price write, a second observation
  of one poll, a webhook handled twice);
- 5xx: answers from 500 to 599 to the scenario's own requests, bad input included; a 503 with
  Retry-After while a dependency is down is the right answer and is not counted;
- converged in: seconds from the fault (or the last request) until everything arrived;
- usage recorded, billed (the scenarios that poll): once nothing is in flight, the Oxylabs
  results the shops' counters hold (`shop.oxylabs_results_used`, summed) and those the Oxylabs
  simulator billed (`/_sim/stats` `results_billed`); they must be equal. A batch Oxylabs took
  from a horse killed before its tickets were committed is billed, and counted, twice: its
  attempt was committed before sending, and its products are claimed (and counted) again.

bench/reliability/run.py reads these lines back (`LINE`) for its report and README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONVERGE_SECONDS = 60
LINE = re.compile(
    r"^(?P<scenario>[^:\n]+): lost (?P<lost>\d+), duplicated (?P<duplicated>\d+), "
    r"5xx (?P<server_errors>\d+), converged in (?P<seconds>[0-9.]+|inf) s"
    r"(?:, usage recorded (?P<recorded>\d+) billed (?P<billed>\d+))?(?:; (?P<notes>.*))?$"
)


@dataclass(frozen=True)
class Figures:
    scenario: str
    lost: int
    duplicated: int
    server_errors: int
    converged: float
    notes: str = ""
    #: (recorded, billed) Oxylabs results once settled, for a scenario that polls.
    usage: tuple[int, int] | None = None

    def line(self) -> str:
        figures = (
            f"{self.scenario}: lost {self.lost}, duplicated {self.duplicated}, "
            f"5xx {self.server_errors}, converged in {self.converged:.1f} s"
        )
        if self.usage is not None:
            figures += f", usage recorded {self.usage[0]} billed {self.usage[1]}"
        return f"{figures}; {self.notes}" if self.notes else figures

    @property
    def met(self) -> bool:
        usage_met = self.usage is None or self.usage[0] == self.usage[1]
        return (
            (self.lost, self.duplicated, self.server_errors) == (0, 0, 0)
            and self.converged < CONVERGE_SECONDS
            and usage_met
        )


def report(figures: Figures) -> Figures:
    """Print the scenario's line (pytest -s shows it; bench/reliability collects it), then
    fail unless nothing was lost or duplicated, no 5xx was answered, it converged in time, and
    the shops recorded exactly the Oxylabs results the simulator billed."""
    print(f"\n{figures.line()}", flush=True)
    assert figures.met, f"issue 14's figures not met: {figures.line()}"
    return figures

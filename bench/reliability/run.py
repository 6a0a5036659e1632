"""The reliability suite at full size (not a test): tests/reliability/ with the issue's numbers.

    .venv/bin/python -m bench.reliability.run [--webhooks 1000] [--examples 200]

`make test` runs the same scenarios smaller (150 webhooks, 10 schemathesis examples per
operation and mode). Here: 1,000 signed webhooks with 10 % duplicates and 5 % tampered, and
schemathesis with `--examples` cases per operation and mode, besides the SIGKILL (worker and
work horse, mid-push and mid-ingest), Redis and PostgreSQL restarts under load, each on a
private redis-server and PostgreSQL cluster the suite starts itself. Each scenario prints its
figures (lost, duplicated, 5xx to bad input, seconds to converge); they are collected into
the report. `scenarios/` holds those that do not pass yet (Redis and PostgreSQL restarts),
kept out of `make test` until they do.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from bench.report import figure

ROOT = Path(__file__).resolve().parents[2]
FIGURE_LINE = re.compile(r"converged in ([0-9.]+) s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()
    env = {
        **os.environ,
        "WEBHOOK_STORM_DELIVERIES": str(args.webhooks),
        "SCHEMATHESIS_EXAMPLES": str(args.examples),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/reliability",
            "bench/reliability/scenarios",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in run.stdout.splitlines() if not line.startswith('{"ts"')]
    for line in lines:
        match = FIGURE_LINE.search(line)
        if match:
            scenario = line.split(":", 1)[0].strip()
            seconds = float(match.group(1))
            figure(f"{scenario}: time to converge", seconds, "s", target="< 60", met=seconds < 60)
        print(line)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())

"""The reliability suite at full size (not a test): tests/reliability/ with the issue's numbers.

    .venv/bin/python -m bench.reliability.run [--webhooks 1000] [--examples 200] [--outage 20]

`make test` runs the same scenarios smaller (60 webhooks, 10 schemathesis examples per
operation and mode, a 6 s outage). Here: 1,000 signed webhooks with 10 % duplicates and 5 %
tampered, schemathesis with `--examples` cases per operation and mode, Redis and PostgreSQL
each down `--outage` seconds under load, besides the SIGKILL of worker and work horse
mid-push, mid-submit and mid-collect, each on a private redis-server and PostgreSQL cluster
the suite starts itself. Each scenario prints its figures in one line
(tests/reliability/figures.py: lost, duplicated, 5xx, seconds to converge, Oxylabs usage
recorded against billed where the scenario polls); they go to the
report and, with the machine's load before and after (`uptime`), into this folder's
README.md, between its FIGURES markers.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.report import figure
from tests.reliability.figures import CONVERGE_SECONDS, LINE

ROOT = Path(__file__).resolve().parents[2]
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- FIGURES BEGIN -->", "<!-- FIGURES END -->"
# tests/reliability/test_schemathesis.py's own line (no stack: nothing is lost or converges).
SCHEMATHESIS_LINE = re.compile(
    r"^schemathesis: (?P<requests>\d+) requests, (?P<failing>\d+) failing"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument(
        "--outage", type=float, default=20.0, help="seconds Redis, then PostgreSQL, stay down"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    args = parser.parse_args()
    env = {
        **os.environ,
        "WEBHOOK_STORM_DELIVERIES": str(args.webhooks),
        "SCHEMATHESIS_EXAMPLES": str(args.examples),
        "RESTART_OUTAGE_SECONDS": f"{args.outage:g}",
    }
    load_before = uptime()
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/reliability", "-q", "-s", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    minutes = (time.monotonic() - started) / 60
    load_after = uptime()
    rows = []
    for line in run.stdout.splitlines():
        if line.startswith('{"'):
            continue  # an app log line that reached pytest's output
        print(line)
        match = LINE.match(line.strip())
        if match:
            rows.append(match.groupdict())
            _figures(match.groupdict())
        fuzzed = SCHEMATHESIS_LINE.match(line.strip())
        if fuzzed:
            failing = int(fuzzed["failing"])
            figure(
                "schemathesis: failing operations",
                failing,
                "operations",
                target="0",
                met=failing == 0,
            )
            rows.append(
                {
                    "scenario": "schemathesis, every operation",
                    "lost": "-",
                    "duplicated": "-",
                    "server_errors": "-",
                    "seconds": "-",
                    "notes": f"{fuzzed['requests']} requests, {failing} failing operation(s)"
                    + (" (their checks are in the run's output)" if failing else ""),
                }
            )
    if not args.no_readme:
        write_readme(rows, args, load_before, load_after, minutes, run.returncode)
    return run.returncode


def _figures(row: dict[str, str]) -> None:
    scenario = row["scenario"]
    for name in ("lost", "duplicated", "server_errors"):
        value = int(row[name])
        label = "5xx" if name == "server_errors" else name
        figure(f"{scenario}: {label}", value, "items", target="0", met=value == 0)
    if row.get("recorded") is not None:
        difference = int(row["recorded"]) - int(row["billed"])
        figure(
            f"{scenario}: Oxylabs usage recorded - billed",
            difference,
            "results",
            target="0",
            met=difference == 0,
        )
    seconds = float(row["seconds"])
    figure(
        f"{scenario}: time to converge",
        seconds,
        "s",
        target=f"< {CONVERGE_SECONDS}",
        met=seconds < CONVERGE_SECONDS,
    )


def uptime() -> str:
    """`uptime`'s line: the load averages over 1, 5 and 15 minutes, on a shared machine."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def write_readme(
    rows: list[dict[str, str]],
    args: argparse.Namespace,
    load_before: str,
    load_after: str,
    minutes: float,
    exit_code: int,
) -> None:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    lines = [
        BEGIN,
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit}`, "
        f"{len(os.sched_getaffinity(0))} usable cores, {minutes:.1f} min, pytest exit {exit_code}; "
        f"{args.webhooks} webhooks, {args.examples} schemathesis examples per operation and mode, "
        f"{args.outage:g} s outages.",
        "",
        f"- load before: `{load_before}`",
        f"- load after: `{load_after}`",
        "",
        "| scenario | lost | duplicated | 5xx | converged in | details |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        notes = (row.get("notes") or "").replace("|", "/")
        if row.get("recorded") is not None:
            notes = f"Oxylabs usage recorded {row['recorded']}, billed {row['billed']}; {notes}"
        lines.append(
            f"| {row['scenario']} | {row['lost']} | {row['duplicated']} | "
            f"{row['server_errors']} | {row['seconds']} s | {notes} |".replace("| - s |", "| - |")
        )
    if not rows:
        lines.append("| (no scenario printed its figures: see the run's output) | | | | | |")
    lines.append(END)
    text = README.read_text()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    README.write_text(pattern.sub(lambda _: "\n".join(lines), text, count=1))


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark and write one markdown report: `make bench` or `python -m bench`.

    python -m bench [--only ingest,push] [--output bench/results/report.md] [--timeout 1800]

A benchmark is a folder bench/<name>/ with a run.py (bench/README.md says more). Each one is
run in a process of its own, one after the other (they would skew each other's figures on a
shared machine), as `python -m bench.<name>.run ARGS` for every ARGS in its REPORT_RUNS
(one run without arguments when it has none). The report gives each benchmark's figures
(bench.report.figure), its exit status, time taken and the tail of its output, after the
machine's description: CPU, cores, memory, load, Python, PostgreSQL, Redis, commit.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import describe_machine
from bench.report import Figure, read_figures

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TAIL_LINES = 40


@dataclass
class Outcome:
    name: str
    args: list[str]
    exit_code: int
    seconds: float
    figures: list[Figure] = field(default_factory=list)
    tail: str = ""


def discover(only: set[str] | None = None) -> list[str]:
    """Every bench/<name>/run.py, by name; `only` keeps those named (unknown names fail)."""
    found = sorted(path.parent.name for path in BENCH.glob("*/run.py"))
    if only:
        unknown = only - set(found)
        if unknown:
            raise SystemExit(f"no benchmark named {', '.join(sorted(unknown))}; have {found}")
        found = [name for name in found if name in only]
    return found


def report_runs(name: str) -> list[list[str]]:
    """REPORT_RUNS from bench/<name>/run.py, read without importing it; default one bare run."""
    tree = ast.parse((BENCH / name / "run.py").read_text())
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "REPORT_RUNS" for t in targets):
            assert node.value is not None
            runs = ast.literal_eval(node.value)
            if not (isinstance(runs, list) and all(isinstance(r, list) for r in runs)):
                raise SystemExit(f"bench/{name}/run.py: REPORT_RUNS must be a list of lists")
            return [[str(arg) for arg in run] for run in runs]
    return [[]]


def run_one(name: str, args: list[str], timeout: float) -> Outcome:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        figures_file = os.path.join(scratch, "figures.jsonl")
        env = {**os.environ, "BENCH_FIGURES": figures_file, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", f"bench.{name}.run", *args]
        print(f"== {' '.join(command[2:])}", flush=True)
        started = time.monotonic()
        try:
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
            )
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:
            code = -1
            output = (
                _text(expired.stdout) + _text(expired.stderr) + f"\n(timed out after {timeout:g} s)"
            )
        seconds = time.monotonic() - started
        tail = "\n".join(output.rstrip().splitlines()[-TAIL_LINES:])
        print(tail, flush=True)
        return Outcome(name, args, code, seconds, read_figures(figures_file), tail)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def render(outcomes: list[Outcome], machine: list[tuple[str, str]], began: datetime) -> str:
    lines = [
        "# PriceBridge benchmark report",
        "",
        f"Run {began:%Y-%m-%d %H:%M} UTC with `python -m bench`; every figure below came from"
        " this machine, in this run.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in machine),
        "",
        "## Summary",
        "",
        "| Benchmark | Run | Status | Time |",
        "|---|---|---|---|",
    ]
    for outcome in outcomes:
        status = "ok" if outcome.exit_code == 0 else f"**failed** (exit {outcome.exit_code})"
        run = " ".join(outcome.args) or "(defaults)"
        lines.append(f"| {outcome.name} | `{run}` | {status} | {outcome.seconds:.0f} s |")
    for outcome in outcomes:
        lines += ["", f"## {outcome.name} `{' '.join(outcome.args) or '(defaults)'}`", ""]
        if outcome.figures:
            lines += ["| Figure | Value | Target | Met |", "|---|---|---|---|"]
            for fig in outcome.figures:
                met = "" if fig.met is None else ("yes" if fig.met else "**no**")
                lines.append(
                    f"| {fig.name} | {fig.value:,.4g} {fig.unit} | {fig.target or ''} | {met} |"
                )
        else:
            lines.append("No figures recorded (the benchmark does not call bench.report.figure).")
        lines += [
            "",
            "<details><summary>output (last lines)</summary>",
            "",
            "```",
            outcome.tail,
            "```",
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--output", default=None, help="default bench/results/report-<time>.md")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = parser.parse_args()
    began = datetime.now(UTC)
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    names = discover(only)
    machine_before = describe_machine()
    outcomes = [run_one(name, run, args.timeout) for name in names for run in report_runs(name)]
    machine = [*machine_before, ("load average after", _load())]
    output = Path(args.output or BENCH / "results" / f"report-{began:%Y%m%dT%H%M}Z.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(outcomes, machine, began))
    print(f"report: {output}")
    if any(outcome.exit_code != 0 for outcome in outcomes):
        raise SystemExit(1)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()

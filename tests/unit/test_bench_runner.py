"""The benchmark runner's convention (bench/README.md): discovery, REPORT_RUNS, the report.
Nothing here times anything: benchmarks are never tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.__main__ import Outcome, discover, render, report_runs
from bench.machine import describe_machine
from bench.report import FIGURES_ENV, Figure, figure, read_figures


def test_every_folder_with_a_run_py_is_a_benchmark() -> None:
    names = discover()
    assert {"ingest", "push"} <= set(names)
    assert names == sorted(names)
    assert discover({"push"}) == ["push"]
    with pytest.raises(SystemExit, match="no benchmark named nope"):
        discover({"nope"})


def test_report_runs_are_read_without_importing_the_benchmark() -> None:
    assert report_runs("ingest")[0][0] == "throughput"
    assert all(isinstance(arg, str) for run in report_runs("ingest") for arg in run)


def test_figures_go_to_the_runners_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "figures.jsonl"
    monkeypatch.setenv(FIGURES_ENV, str(path))
    figure("restore rate used", 0.93, "ratio", target=">= 0.9", met=True)
    figure("wall time", 61.2, "s")
    assert read_figures(str(path)) == [
        Figure("restore rate used", 0.93, "ratio", ">= 0.9", True),
        Figure("wall time", 61.2, "s"),
    ]
    with pytest.raises(ValueError, match="a name and a unit"):
        figure("unitless", 1, "")


def test_the_report_names_the_machine_then_each_runs_figures() -> None:
    outcomes = [
        Outcome("push", [], 0, 70.4, [Figure("restore rate used", 0.93, "ratio", ">= 0.9", True)]),
        Outcome("ingest", ["claim"], 1, 3.0, [], "Traceback: boom"),
    ]
    machine = describe_machine()
    text = render(outcomes, machine, datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    assert "| CPU |" in text
    assert f"| cores (usable) | {len(os.sched_getaffinity(0))} of" in text
    assert "| push | `(defaults)` | ok | 70 s |" in text
    assert "| ingest | `claim` | **failed** (exit 1) | 3 s |" in text
    assert "| restore rate used | 0.93 ratio | >= 0.9 | yes |" in text
    assert "Traceback: boom" in text

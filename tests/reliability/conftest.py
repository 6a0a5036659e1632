"""The reliability suite's stack: one per module, on a private Redis and PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.secrets_scan import scan
from tests.reliability.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    # Kept after the run (pytest prunes its own tmp folders): the logs are the evidence.
    name = request.module.__name__.rsplit(".", 1)[-1]
    folder = Path(tempfile.mkdtemp(prefix=f"pricebridge-reliability-{name}-"))
    print(f"\n{name}: stack logs in {folder}")
    with running_stack(folder) as running:
        yield running
        dump = running.postgres.dump()
    lines, findings = scan(dump, folder, running.env)
    print(f"\n{name}: secrets scan of {lines} lines (dump and app logs): {len(findings)} found")
    assert not findings, "\n".join(f"{f.where}:{f.line}: {f.what}" for f in findings[:20])

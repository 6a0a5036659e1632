"""Jobs used by the job tests; they live in an importable module as real jobs do."""

from __future__ import annotations

from flask import current_app

from app.extensions import current_settings
from app.jobs.decorators import job
from app.observability.logging import log_context


@job("default", timeout=30, retry_intervals=(), job_id=lambda key: f"sample-{key}")
def record_context(key: str) -> dict[str, str]:
    """Proves the job ran inside the app's context and with its job id bound to logs."""
    return {
        "key": key,
        "app": current_app.name,
        "api_version": current_settings().shopify_api_version,
        "job_id": log_context().get("job_id", ""),
        "event": log_context().get("event", ""),
    }


@job("push", timeout=30, retry_intervals=(0, 0))
def always_fails() -> None:
    raise RuntimeError("upstream said no")

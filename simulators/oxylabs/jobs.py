"""Scraping jobs of the simulator and the JSON envelopes Oxylabs wraps them in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulators.oxylabs.catalogue import Catalogue
from simulators.oxylabs.content import (
    amazon_url,
    format_timestamp,
    not_found_content,
    product_content,
)

JSON = dict[str, Any]
_CLIENT_ID = 118513
# The real samples show ids of this size (snowflake-like); the simulator counts up from here.
_JOB_ID_BASE = 7_342_973_874_281_147_393


@dataclass(frozen=True)
class QuerySpec:
    """One validated `amazon_product` request, shared by every ASIN of a batch."""

    source: str
    domain: str
    geo_location: str | None
    parse: bool
    autoselect_variant: bool
    currency: str | None


@dataclass(frozen=True)
class Job:
    id: str
    asin: str
    spec: QuerySpec
    created_at: datetime
    done_at: datetime
    dead: bool
    faulted: bool

    def status(self, now: datetime) -> str:
        if now < self.done_at:
            return "pending"
        return "faulted" if self.dead or self.faulted else "done"


def job_id(seed: int, sequence: int) -> str:
    return str(_JOB_ID_BASE + (seed % 1000) * 1_000_000_000 + sequence)


def job_json(job: Job, status: str, base_url: str) -> JSON:
    """The job object exactly as in real_push_pull_job_submit_response.json."""
    updated = job.created_at if status == "pending" else job.done_at
    spec = job.spec
    return {
        "callback_url": None,
        "client_id": _CLIENT_ID,
        "context": [
            {"key": "force_headers", "value": False},
            {"key": "force_cookies", "value": False},
            {"key": "hc_policy", "value": True},
            {"key": "autoselect_variant", "value": spec.autoselect_variant},
            {"key": "check_empty_geo", "value": None},
            {"key": "safe_search", "value": True},
            {"key": "currency", "value": spec.currency},
        ],
        "created_at": format_timestamp(job.created_at),
        "domain": spec.domain,
        "geo_location": spec.geo_location,
        "id": job.id,
        "limit": 10,
        "locale": None,
        "pages": 1,
        "parse": spec.parse,
        "parser_type": None,
        "parser_preset": None,
        "parsing_instructions": None,
        "browser_instructions": None,
        "render": None,
        "xhr": False,
        "markdown": False,
        "url": None,
        "query": job.asin,
        "source": spec.source,
        "start_page": 1,
        "status": status,
        "storage_type": None,
        "storage_url": None,
        "subdomain": "www",
        "content_encoding": "utf-8",
        "updated_at": format_timestamp(updated),
        "user_agent_type": "desktop",
        "session_info": None,
        "statuses": [],
        "proxy_plan": None,
        "client_notes": None,
        "_links": _links(job.id, base_url),
    }


def _links(identifier: str, base_url: str) -> list[JSON]:
    root = f"{base_url.rstrip('/')}/v1/queries/{identifier}"
    return [
        {"rel": "self", "href": root, "method": "GET"},
        {"rel": "results", "href": f"{root}/results", "method": "GET"},
        {"rel": "results-content", "href_list": [f"{root}/results/1/content"], "method": "GET"},
        {"rel": "results-html", "href": f"{root}/results?type=raw", "method": "GET"},
        {
            "rel": "results-content-html",
            "href_list": [f"{root}/results/1/content?type=raw"],
            "method": "GET",
        },
        {"rel": "results-parsed", "href": f"{root}/results?type=parsed", "method": "GET"},
        {
            "rel": "results-content-parsed",
            "href_list": [f"{root}/results/1/content?type=parsed"],
            "method": "GET",
        },
    ]


def result_item(job: Job, catalogue: Catalogue) -> JSON:
    """One entry of `results`, computed at the moment the job finished."""
    spec = job.spec
    url = amazon_url(job.asin, spec.domain, spec.autoselect_variant)
    if job.dead:
        content, status_code = not_found_content(), 404
    else:
        content = product_content(
            catalogue, job.asin, spec.domain, spec.currency, spec.autoselect_variant, job.done_at
        )
        status_code = 200
    return {
        "content": content,
        "created_at": format_timestamp(job.created_at),
        "updated_at": format_timestamp(job.done_at),
        "page": 1,
        "url": url,
        "job_id": job.id,
        "is_render_forced": False,
        "status_code": status_code,
        "type": "parsed",
        "parser_type": "",
        "parser_preset": None,
    }


def results_envelope(job: Job, catalogue: Catalogue, base_url: str, now: datetime) -> JSON:
    status = job.status(now)
    # A job that faulted without reaching Amazon has no page to show.
    results = [] if job.faulted else [result_item(job, catalogue)]
    return {"results": results, "job": job_json(job, status, base_url)}

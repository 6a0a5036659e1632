"""The envelope of an Oxylabs result: its status, times and job, and whether to trust it."""

from __future__ import annotations

from datetime import UTC, datetime

from app.ingest.asin import ListingError, marketplace_of_url, normalize_asin
from app.ingest.normalize_fields import JsonMap, text
from app.ingest.reading import QuarantineReason

#: Oxylabs parse status codes whose content can be used. 12004 and 12005 are partial parses
#: (some fields missing or defaulted); what they lack is caught by later checks.
PARSED_OK = frozenset({12000, 12004, 12005})
PARSE_PRODUCT_NOT_FOUND = 12009
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
_PRODUCT_SOURCE = "amazon_product"


def refusal(
    result: JsonMap,
    content: JsonMap | None,
    parse_status: int | None,
    job: JsonMap | None,
    asin: str,
    marketplace: str,
) -> QuarantineReason | None:
    """Why this result cannot be trusted as a reading of the asked listing, if it cannot."""
    status_code = as_int(result.get("status_code"))
    if not asin or not marketplace:
        return QuarantineReason.UNPARSEABLE
    if status_code == 404 or parse_status == PARSE_PRODUCT_NOT_FOUND:
        return QuarantineReason.NOT_FOUND
    job_status = text(job.get("status")).lower() if job is not None else ""
    if job_status == "faulted" or (status_code is not None and not 200 <= status_code < 300):
        return QuarantineReason.JOB_FAULTED
    if content is None or parse_status not in PARSED_OK:
        return QuarantineReason.UNPARSEABLE
    if not _is_product_page(content, job):
        return QuarantineReason.UNSUPPORTED_PAGE
    returned = asin_or_none(content.get("asin")) or asin_or_none(content.get("asin_in_url"))
    if returned is None:
        return QuarantineReason.UNPARSEABLE
    if returned != asin:
        return QuarantineReason.ASIN_MISMATCH
    shown_on = marketplace_of_url(content.get("url")) or marketplace_of_url(result.get("url"))
    if shown_on is not None and shown_on != marketplace:
        return QuarantineReason.MARKETPLACE_MISMATCH
    return None


def _is_product_page(content: JsonMap, job: JsonMap | None) -> bool:
    """False for other Oxylabs sources (an ``amazon_pricing`` offer list looks similar)."""
    source = text(job.get("source")) if job is not None else ""
    if source and source != _PRODUCT_SOURCE:
        return False
    page_type = text(content.get("page_type")).lower()
    if page_type and page_type != "product":
        return False
    return not ("pricing" in content and "price" not in content and "buybox" not in content)


def timestamp(value: object) -> datetime | None:
    """Oxylabs times (``2025-06-23 17:56:37``, UTC) or ISO 8601; None when unreadable."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    parsed = None
    for layout in _TIME_FORMATS:
        try:
            parsed = datetime.strptime(value.strip(), layout)  # noqa: DTZ007 - UTC, set below
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_status_of(content: JsonMap | None) -> int | None:
    status = as_int(content.get("parse_status_code")) if content is not None else None
    # Reading stores it in an INTEGER column; absurd codes are as good as none.
    return status if status is not None and -(2**31) <= status < 2**31 else None


def job_id_of(result: JsonMap, job: JsonMap | None) -> str | None:
    for value in (result.get("job_id"), job.get("id") if job is not None else None):
        if isinstance(value, str) and value.strip():
            return value.strip()
        if as_int(value) is not None:
            return str(value)
    return None


def asin_or_none(value: object) -> str | None:
    try:
        return normalize_asin(value) if isinstance(value, str) else None
    except ListingError:
        return None

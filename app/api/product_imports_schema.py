"""JSON schemas of the CSV import routes (/api/products/imports), for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from app.ingest.link_import import MAX_BYTES, MAX_ROWS
from app.models.link_import import LINK_IMPORT_STATES

_TIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}

ROW_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["line", "column", "code", "reason"],
    "properties": {
        "line": {
            "type": "integer",
            "description": "physical line in the file; the header's counts",
        },
        "column": {
            "type": ["string", "null"],
            "description": "the header as written; null: the row",
        },
        "code": {"type": "string"},
        "reason": {"type": "string", "description": "for the merchant"},
    },
}
_SUMMARY_REQUIRED = ["id", "state", "row_count", "checked", "imported", "error_count"]
IMPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [*_SUMMARY_REQUIRED, "errors"],
    "properties": {
        "id": {"type": "integer"},
        "state": {"type": "string", "enum": list(LINK_IMPORT_STATES)},
        "filename": {"type": ["string", "null"]},
        "byte_size": {"type": "integer"},
        "row_count": {"type": "integer", "description": "rows, header and blank lines aside"},
        "checked": {"type": "integer", "description": "rows checked so far"},
        "imported": {"type": "integer", "description": "links written (all, or none)"},
        "error_count": {"type": "integer"},
        "errors": {"type": "array", "items": ROW_ERROR_SCHEMA},
        "ignored_columns": {"type": "array", "items": {"type": "string"}},
        "failure": {
            "type": ["object", "null"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
        "created_at": _TIME,
        "commit_requested_at": _TIME,
        "finished_at": _TIME,
        "expires_at": {
            **_TIME,
            "description": (
                "when an import not committed expires (its file dropped; a commit is then 410"
                " import_expired); null once committed"
            ),
        },
    },
}
#: An import in the shop's list: where it stands, its counts and times, without the report.
IMPORT_SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [*_SUMMARY_REQUIRED, "created_at", "finished_at", "expires_at"],
    "properties": {
        name: schema
        for name, schema in IMPORT_SCHEMA["properties"].items()
        if name not in ("errors", "ignored_columns")
    },
}
IMPORT_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": IMPORT_SUMMARY_SCHEMA},
        "next_cursor": {"type": ["string", "null"]},
    },
}
UPLOAD_SCHEMA: dict[str, Any] = {
    "x-media-type": "multipart/form-data",
    "type": "object",
    "required": ["file"],
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "string",
            "contentMediaType": "text/csv",
            "description": (
                f"UTF-8 CSV, at most {MAX_BYTES // (1024 * 1024)} MiB and {MAX_ROWS:,} rows;"
                " columns Variant ID or SKU, Amazon URL or ASIN, optional Marketplace and"
                " Markup % (GET .../template.csv)"
            ),
        }
    },
}

"""/api/products/imports: link many variants at once from a CSV file (issue 11).

Upload the file (`POST`, multipart field ``file``): every row is checked (the dry run) and
the import answers with its report. A file of up to `INLINE_ROWS` (500) rows is checked in the
request (201); a bigger one in a job (202), with ``import`` events on the live stream and the
report at `GET /api/products/imports/{id}`. A ``validated`` import is then committed (`POST
.../commit`): every row is checked again and every link written in one transaction, or none.
`GET /api/products/imports` lists the shop's imports, newest first, so a page opened again
finds one still running or waiting to be committed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.auth import current_session, session_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.openapi import ERROR_SCHEMA, operation
from app.api.product_imports_schema import IMPORT_LIST_SCHEMA, IMPORT_SCHEMA, UPLOAD_SCHEMA
from app.api.query import (
    CURSOR_PARAMETER,
    LIMIT_PARAMETER,
    decode_cursor,
    encode_cursor,
    page_limit,
    query_args,
)
from app.clock import utcnow
from app.extensions import db
from app.ingest.link_csv import TEMPLATE, LinkFileError
from app.ingest.link_import import (
    MAX_BYTES,
    ImportStateError,
    check_import,
    check_link_import,
    commit_import,
    commit_link_import,
    publish_state,
    request_commit,
    runs_inline,
    start_import,
)
from app.ingest.link_import_retention import expire_if_due, expires_at
from app.models import LinkImport
from app.shopify.graphql.errors import ShopifyError

_ID = {"name": "import_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SHOPIFY_STATUS = {"shopify_access_lost": 409, "shopify_query_failed": 502}
# A refused commit: the rows are bad (422), the file is gone (410), or the state is wrong (409).
_COMMIT_REFUSED = {"import_invalid": 422, "import_expired": 410}
#: Imports in a page of the list unless `limit` says otherwise.
DEFAULT_LIMIT = 20
# The multipart envelope around the file: boundaries and part headers.
_ENVELOPE_BYTES = 64 * 1024


def _summary_json(item: Any, error_count: int) -> dict[str, Any]:
    """Where an import stands (a LinkImport, or a row of the list's columns)."""
    failure = None
    if item.failure_code is not None:
        failure = {"code": item.failure_code, "message": item.failure_message}
    return {
        "id": item.id,
        "state": item.state,
        "filename": item.filename,
        "byte_size": item.byte_size,
        "row_count": item.row_count,
        "checked": item.checked,
        "imported": item.imported,
        "error_count": error_count,
        "failure": failure,
        "created_at": item.created_at.isoformat(),
        "commit_requested_at": _iso(item.commit_requested_at),
        "finished_at": _iso(item.finished_at),
        "expires_at": _iso(expires_at(item.state, item.created_at)),
    }


def import_json(link_import: LinkImport) -> dict[str, Any]:
    return {
        **_summary_json(link_import, len(link_import.errors)),
        "errors": link_import.errors,
        "ignored_columns": link_import.ignored_columns,
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _import_or_404(import_id: int, *, lock: bool = False) -> LinkImport:
    statement = select(LinkImport).where(
        LinkImport.id == import_id, LinkImport.shop_id == current_session().shop.id
    )
    found = db.session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise ApiError(404, "import_not_found", f"No import {import_id} in this shop.")
    return found


def _answer(link_import: LinkImport, status: int) -> ResponseReturnValue:
    headers = {"Location": f"/api/products/imports/{link_import.id}"}
    return jsonify(import_json(link_import)), status, headers


def _uploaded() -> tuple[str | None, bytes]:
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            415, "unsupported_media_type", "Send the CSV as multipart/form-data, field file."
        )
    request.max_content_length = MAX_BYTES + _ENVELOPE_BYTES
    request.max_form_memory_size = MAX_BYTES  # the file sent as a plain field (no filename)
    request.max_form_parts = 8
    too_large = ApiError(
        413,
        "file_too_large",
        f"The file is over {MAX_BYTES // (1024 * 1024)} MiB; split it into smaller files.",
        {"max_bytes": MAX_BYTES},
    )
    try:
        fields = set(request.files) | set(request.form)
    except RequestEntityTooLarge:
        # Over the size, or over max_form_parts: a form of more fields than it may have.
        if request.content_length is not None and request.content_length <= MAX_BYTES:
            raise _unknown_fields() from None
        raise too_large from None
    if "file" in fields and fields - {"file"}:
        raise _unknown_fields(sorted(str(name) for name in fields - {"file"}))
    upload = request.files.get("file")
    field = request.form.get("file")
    if upload is not None:
        filename, data = upload.filename, upload.stream.read(MAX_BYTES + 1)
    elif field is not None:
        filename, data = None, field.encode()
    else:
        raise ApiError(422, "missing_file", "Attach the CSV file in the form field named file.")
    if len(data) > MAX_BYTES:
        raise too_large
    return filename, data


def _unknown_fields(names: list[str] | None = None) -> ApiError:
    return ApiError(
        422,
        "unknown_fields",
        "Send the CSV in the form field named file, and nothing else.",
        {"unknown": names} if names else None,
    )


def _run_inline(run: Any, import_id: int) -> LinkImport:
    """Run a step in the request; Shopify failing answers its error (the import is failed)."""
    try:
        run(import_id)
    except ShopifyError:
        failed = db.session.get(LinkImport, import_id)
        assert failed is not None
        assert failed.failure_code is not None
        code = failed.failure_code
        raise ApiError(
            _SHOPIFY_STATUS.get(code, 503),
            code,
            failed.failure_message or code,
            {"import_id": import_id},
            headers={} if code in _SHOPIFY_STATUS else {"Retry-After": "5"},
        ) from None
    done = db.session.get(LinkImport, import_id)
    assert done is not None
    return done


@bp.get("/products/imports/template.csv")
@operation(
    summary="The CSV template for importing links (UTF-8 with a BOM, two example rows)",
    tags=["imports"],
    responses={200: {"type": "string", "x-media-type": "text/csv"}, 422: ERROR_SCHEMA},
)
@session_required
def import_template() -> ResponseReturnValue:
    query_args(set())
    return Response(
        TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="pricebridge-links.csv"'},
    )


@bp.post("/products/imports")
@operation(
    summary="Upload a CSV of links and check every row (the dry run); nothing is linked yet",
    tags=["imports"],
    request=UPLOAD_SCHEMA,
    responses={
        201: IMPORT_SCHEMA,
        202: IMPORT_SCHEMA,
        409: ERROR_SCHEMA,
        413: ERROR_SCHEMA,
        415: ERROR_SCHEMA,
        422: ERROR_SCHEMA,
        502: ERROR_SCHEMA,
    },
)
@session_required
def create_import() -> ResponseReturnValue:
    query_args(set())
    filename, data = _uploaded()
    try:
        link_import = start_import(current_session().shop, filename, data, utcnow())
    except LinkFileError as error:
        raise ApiError(422, error.code, error.message, error.details) from None
    db.session.commit()
    if runs_inline(link_import):
        return _answer(_run_inline(check_import, link_import.id), 201)
    publish_state(link_import)
    check_link_import.enqueue(link_import.id)
    return _answer(link_import, 202)


# The list reads no report and no file: the number of problems is counted in the database.
_SUMMARY_COLUMNS = (
    LinkImport.id,
    LinkImport.state,
    LinkImport.filename,
    LinkImport.byte_size,
    LinkImport.row_count,
    LinkImport.checked,
    LinkImport.imported,
    LinkImport.failure_code,
    LinkImport.failure_message,
    LinkImport.created_at,
    LinkImport.commit_requested_at,
    LinkImport.finished_at,
    func.json_array_length(LinkImport.errors).label("error_count"),
)


def _before_id(raw: str) -> int:
    tag, last_id = decode_cursor(raw, (str, int))
    if tag != "li":
        raise ApiError(422, "invalid_cursor", "The cursor is not one this API gave out.")
    return int(last_id)


@bp.get("/products/imports")
@operation(
    summary=(
        "The shop's CSV imports, newest first: state, counts and times (the report of one:"
        " GET .../{import_id})"
    ),
    tags=["imports"],
    parameters=[LIMIT_PARAMETER, CURSOR_PARAMETER],
    responses={200: IMPORT_LIST_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def list_imports() -> ResponseReturnValue:
    args = query_args({"limit", "cursor"})
    limit = page_limit(args.get("limit"), DEFAULT_LIMIT)
    statement = (
        select(*_SUMMARY_COLUMNS)
        .where(LinkImport.shop_id == current_session().shop.id)
        .order_by(LinkImport.id.desc())
        .limit(limit + 1)
    )
    if "cursor" in args:
        statement = statement.where(LinkImport.id < _before_id(args["cursor"]))
    rows = list(db.session.execute(statement))
    page = rows[:limit]
    cursor = encode_cursor(["li", page[-1].id]) if len(rows) > limit else None
    return jsonify(
        items=[_summary_json(row, int(row.error_count or 0)) for row in page],
        next_cursor=cursor,
    )


@bp.get("/products/imports/<int:import_id>")
@operation(
    summary="Where an import stands: its state, progress and every bad row",
    tags=["imports"],
    parameters=[_ID],
    responses={200: IMPORT_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA},
)
@session_required
def get_import(import_id: int) -> ResponseReturnValue:
    query_args(set())
    return jsonify(import_json(_import_or_404(import_id)))


@bp.post("/products/imports/<int:import_id>/commit")
@operation(
    summary="Import a checked file: every row checked again, then every link written, or none",
    tags=["imports"],
    parameters=[_ID],
    responses={
        200: IMPORT_SCHEMA,
        202: IMPORT_SCHEMA,
        404: ERROR_SCHEMA,
        409: ERROR_SCHEMA,
        410: ERROR_SCHEMA,
        422: ERROR_SCHEMA,
        502: ERROR_SCHEMA,
    },
)
@session_required
def commit_import_route(import_id: int) -> ResponseReturnValue:
    query_args(set())
    link_import = _import_or_404(import_id, lock=True)
    now = utcnow()
    if expire_if_due(link_import, now):
        db.session.commit()  # past its deadline: expired here, whether the sweep came or not
        publish_state(link_import)
        link_import = _import_or_404(import_id, lock=True)
    try:
        request_commit(link_import, now)
    except ImportStateError as error:
        state = link_import.state
        db.session.rollback()  # the row lock goes now, not at the request's teardown
        status = _COMMIT_REFUSED.get(error.code, 409)
        raise ApiError(status, error.code, error.message, {"state": state}) from None
    db.session.commit()
    if not runs_inline(link_import):
        publish_state(link_import)
        commit_link_import.enqueue(link_import.id)
        return _answer(link_import, 202)
    done = _run_inline(commit_import, link_import.id)
    if done.state != "imported":
        count = len(done.errors)
        raise ApiError(
            422,
            "import_invalid",
            f"{count} row{'s' if count != 1 else ''} stopped the import; nothing was linked.",
            {"import": import_json(done)},
        )
    return _answer(done, 200)

"""A CSV import of links, from upload to an all-or-nothing commit.

1. `start_import` reads the file (`LinkFileError` for a file that cannot be read: nothing is
   stored) and stores the import, ``validating``. `check_import` (inline for a small file, as
   the job `check_link_import` for a big one) checks every row (`app.ingest.link_check`) and
   leaves it ``validated`` or ``invalid`` with its report.
2. `request_commit` moves a ``validated`` import to ``importing``; `commit_import` (inline or
   the job `commit_link_import`) checks every row again (Shopify and the shop's links may have
   changed since) and then, in ONE transaction, writes every link and marks the import
   ``imported``. Any bad row, or a link made meanwhile by someone else, and nothing is written:
   the import is ``invalid`` with the rows that stopped it.

Shopify failing (unreachable, access lost) leaves the import ``failed`` with the reason; a job
failing otherwise marks it ``failed`` too and lands in RQ's failed registry. A step killed
with its process is resumed by the periodic `enqueue_stalled_imports`. An import not
committed within `EXPIRES_AFTER` is ``expired`` and its file dropped
(`app.ingest.link_import_retention`). Each state and each Shopify batch of a job is published
on the shop's live stream as an ``import`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from app.clock import utcnow
from app.extensions import db
from app.ingest.link import link_values
from app.ingest.link_check import CheckedLinks, check_links, linked_variants
from app.ingest.link_csv import LinkFile, RowProblem, read_links
from app.jobs.decorators import job
from app.models import LinkImport, Product, Shop
from app.models.link_import import FINISHED_STATES
from app.realtime.events import publish_event
from app.shopify.graphql.errors import ShopifyAuthError, ShopifyError, ShopifyQueryError
from app.shopify.graphql.shop_client import RECONNECT, admin_client

MAX_BYTES: Final = 4 * 1024 * 1024
MAX_ROWS: Final = 10_000
#: Files of up to this many rows are checked and committed inside the request.
INLINE_ROWS: Final = 500
#: Shopify attempts of a check the merchant waits for in the request (a job keeps the default).
INLINE_ATTEMPTS: Final = 3
#: An import with no progress for this long is handed to its job again (see the sweep).
STALLED_AFTER: Final = timedelta(minutes=2)
#: An import not committed within this time of its upload expires and its file is dropped
#: (`app.ingest.link_import_retention`).
EXPIRES_AFTER: Final = timedelta(hours=24)


class _ImportGone(Exception):
    """The import's row went while it ran (shop/redact erased the shop, and it with it)."""


class ImportStateError(ValueError):
    """The import is not in a state that allows what was asked (commit twice, commit invalid)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def start_import(shop: Shop, filename: str | None, data: bytes, now: datetime) -> LinkImport:
    """Read the file and store the import, ``validating``; LinkFileError (nothing stored) when
    the file cannot be read. The caller commits."""
    links = read_links(data, max_rows=MAX_ROWS)
    link_import = LinkImport(
        shop_id=shop.id,
        state="validating",
        filename=filename[:255] if filename else None,
        byte_size=len(data),
        row_count=len(links.rows),
        checked=0,
        imported=0,
        content=data,
        errors=[],
        ignored_columns=links.columns.ignored,
        created_at=now,
        updated_at=now,
    )
    db.session.add(link_import)
    return link_import


def runs_inline(link_import: LinkImport) -> bool:
    return link_import.row_count <= INLINE_ROWS


def import_event(link_import: LinkImport) -> dict[str, Any]:
    """The ``import`` event's data: where the import stands."""
    return {
        "import_id": link_import.id,
        "state": link_import.state,
        "row_count": link_import.row_count,
        "checked": link_import.checked,
        "imported": link_import.imported,
        "error_count": len(link_import.errors or []),
    }


def _publish(link_import: LinkImport) -> None:
    publish_event(link_import.shop_id, "import", import_event(link_import))


def _commit(link_import: LinkImport) -> None:
    db.session.commit()
    _publish(link_import)


def _loaded(import_id: int) -> tuple[LinkImport, Shop] | None:
    link_import = db.session.scalar(
        select(LinkImport).where(LinkImport.id == import_id).with_for_update()
    )
    if link_import is None:
        return None
    shop = db.session.get(Shop, link_import.shop_id)
    assert shop is not None  # the import's foreign key
    return link_import, shop


def _progress(link_import: LinkImport, live: bool) -> Callable[[int], None]:
    def report(done: int) -> None:
        link_import.checked = done
        if live:  # a job: the merchant follows it on the live stream
            _commit(link_import)

    return report


def _finish(link_import: LinkImport, state: str, problems: list[RowProblem], now: datetime) -> None:
    link_import.state = state
    link_import.errors = [problem.to_json() for problem in problems]
    link_import.checked = link_import.row_count
    if state in FINISHED_STATES:
        link_import.content = None
        link_import.finished_at = now
    _commit(link_import)


def _fail(link_import: LinkImport, code: str, message: str, now: datetime) -> None:
    link_import.state = "failed"
    link_import.failure_code = code
    link_import.failure_message = message
    link_import.content = None
    link_import.finished_at = now
    _commit(link_import)


def _failure(error: ShopifyError) -> tuple[str, str]:
    if isinstance(error, ShopifyAuthError):
        return "shopify_access_lost", RECONNECT
    if isinstance(error, ShopifyQueryError):
        return "shopify_query_failed", f"Shopify refused to look the variants up: {error}"
    return (
        "shopify_unavailable",
        "Shopify did not answer, so the variants could not be checked; try the import again.",
    )


def _checked(link_import: LinkImport, shop: Shop, live: bool) -> CheckedLinks:
    assert link_import.content is not None  # kept until the import is finished
    links: LinkFile = read_links(link_import.content, max_rows=MAX_ROWS)
    client = admin_client(shop)
    if not live:
        client.max_attempts = INLINE_ATTEMPTS
    return check_links(shop.id, client, links, _progress(link_import, live))


def _guarded(import_id: int, live: bool, step: Callable[[LinkImport, Shop], None]) -> None:
    """Run one step of the import; Shopify failing fails it with the reason, anything else
    fails it too and is raised (RQ's failed registry, or the API's 500)."""
    loaded = _loaded(import_id)
    if loaded is None:
        return  # the shop uninstalled meanwhile: its imports went with it
    link_import, shop = loaded
    try:
        step(link_import, shop)
    except (_ImportGone, ObjectDeletedError, StaleDataError, InvalidRequestError):
        # A job's progress commits free the import's row: shop/redact may erase the shop, and
        # the import with it, between two of them (its row then fails to load, refresh or
        # update). Then nothing is left to finish or report; any other such error is raised.
        db.session.rollback()
        if db.session.get(LinkImport, import_id) is None:
            return
        raise
    except ShopifyError as error:
        db.session.rollback()
        failed = db.session.get(LinkImport, import_id)
        assert failed is not None  # nothing deletes an import but its shop's uninstall
        _fail(failed, *_failure(error), utcnow())
        if live:
            return
        raise
    except BaseException:
        db.session.rollback()
        again = db.session.get(LinkImport, import_id)
        if again is not None and again.state not in FINISHED_STATES:
            _fail(again, "internal_error", "The import stopped on an error of ours.", utcnow())
        raise


def check_import(import_id: int, *, live: bool = False) -> None:
    """``validating`` -> ``validated`` (no problem) or ``invalid`` (the report says why)."""

    def step(link_import: LinkImport, shop: Shop) -> None:
        if link_import.state != "validating":
            db.session.rollback()
            return  # checked already (a retried job)
        checked = _checked(link_import, shop, live)
        # A job's progress commits let the row lock go: look again under the lock, since the
        # retention sweep may have expired an import whose check had stalled (its worker died).
        db.session.refresh(link_import, with_for_update=True)
        if link_import.state != "validating":
            db.session.rollback()
            return
        state = "invalid" if checked.problems else "validated"
        _finish(link_import, state, checked.problems, utcnow())

    _guarded(import_id, live, step)


def request_commit(link_import: LinkImport, now: datetime) -> None:
    """``validated`` -> ``importing`` (the caller holds the row lock and commits); raises
    ImportStateError: ``import_in_progress``, ``import_done``, ``import_expired`` (the file is
    gone) or ``import_invalid``."""
    if link_import.state in ("importing", "validating"):
        raise ImportStateError("import_in_progress", "This import is still running.")
    if link_import.state == "imported":
        raise ImportStateError("import_done", "This file is imported already.")
    if link_import.state == "expired":
        hours = int(EXPIRES_AFTER.total_seconds() // 3600)
        raise ImportStateError(
            "import_expired",
            f"This file was checked more than {hours} hours ago and not imported, so PriceBridge"
            " no longer keeps it: choose the file again to check and import it.",
        )
    if link_import.state != "validated":
        raise ImportStateError(
            "import_invalid",
            "Only a file whose every row is good can be imported: fix the rows and upload it"
            " again.",
        )
    link_import.state = "importing"
    link_import.checked = 0
    link_import.commit_requested_at = now


def commit_import(import_id: int, *, live: bool = False) -> None:
    """``importing`` -> ``imported`` with every link written, or ``invalid`` with nothing."""

    def step(link_import: LinkImport, shop: Shop) -> None:
        if link_import.state != "importing":
            db.session.rollback()
            return  # done already (a retried job)
        checked = _checked(link_import, shop, live)
        if checked.problems:
            _finish(link_import, "invalid", checked.problems, utcnow())
            return
        _write(import_id, link_import, shop, checked)

    _guarded(import_id, live, step)


def _write(import_id: int, link_import: LinkImport, shop: Shop, checked: CheckedLinks) -> None:
    now = utcnow()
    # The shop FOR SHARE until the links are committed: an uninstall (or an erase) that came
    # while the rows were checked is seen here, and one coming now waits, then pauses them.
    installed = db.session.execute(
        select(Shop.installed_at, Shop.uninstalled_at)
        .where(Shop.id == link_import.shop_id)
        .with_for_update(read=True)
    ).first()
    if installed is None:
        raise _ImportGone
    if installed.installed_at is None or installed.uninstalled_at is not None:
        # As Shopify refusing the shop's token would have ended it: nothing is written.
        raise ShopifyAuthError(shop.domain, RECONNECT, detail="uninstalled during the import")
    values = []
    for link in checked.links:
        row = link_values(shop.id, link.variant, link.listing, now)
        values.append(
            {**row, "markup_override_percent": link.markup, "polling_tier": shop.polling_tier}
        )
    try:
        db.session.execute(insert(Product), values)
        link_import.imported = len(values)
        _finish(link_import, "imported", [], now)
    except IntegrityError:
        # Someone linked one of these variants since the check: nothing of this file is kept.
        db.session.rollback()
        taken = linked_variants(shop.id, (link.variant.variant_gid for link in checked.links))
        problems = [
            RowProblem(
                link.line,
                None,
                "already_linked",
                "This variant was linked while the file was being imported; leave the row out.",
            )
            for link in checked.links
            if link.variant.variant_gid in taken
        ]
        again = db.session.get(LinkImport, import_id)
        assert again is not None
        _finish(again, "invalid", problems, utcnow())


@job(
    "default",
    timeout=1800,
    retry_intervals=(),
    job_id=lambda import_id: f"link-import-{import_id}-check",
)
def check_link_import(import_id: int) -> None:
    """The check of a big file, in the background, with progress on the live stream."""
    check_import(import_id, live=True)


@job(
    "default",
    timeout=1800,
    retry_intervals=(),
    job_id=lambda import_id: f"link-import-{import_id}-commit",
)
def commit_link_import(import_id: int) -> None:
    """The commit of a big file, in the background, with progress on the live stream."""
    commit_import(import_id, live=True)


def enqueue_stalled_imports(now: datetime) -> int:
    """Periodic: an import still checking or importing with no progress for `STALLED_AFTER`
    (its worker, or the request checking it, was killed) gets its job again; a job still
    queued or running makes that a no-op, and a finished step returns at once."""
    stalled = list(
        db.session.execute(
            select(LinkImport.id, LinkImport.state).where(
                LinkImport.state.in_(("validating", "importing")),
                LinkImport.updated_at < now - STALLED_AFTER,
            )
        )
    )
    db.session.rollback()
    for import_id, state in stalled:
        (check_link_import if state == "validating" else commit_link_import).enqueue(import_id)
    return len(stalled)


def publish_state(link_import: LinkImport) -> None:
    """Tell the live stream where an import stands (after the commit that stored it: it began,
    or it expired)."""
    _publish(link_import)

"""Pushing approved changes to Shopify: claim, commit ``pushing``, mutate, confirm.

A claimed change is committed as ``pushing`` BEFORE the HTTP call, so a worker killed at
any moment leaves a row that says a write may have happened; ``reconcile`` finishes
it exactly once by reading the variant's price back before deciding to send again.

No transaction is held across a call to Shopify, so the merchant may unlink a product, and
Shopify may uninstall the app (or erase the shop), at any moment of a push. Each chunk is
checked just before it is sent: a change whose row is gone is not sent, and nothing is sent
for a shop that is no longer installed (its claimed changes fail, saying so). Shopify's answer
is then recorded only on the rows that still exist, locked afresh, so a row deleted while
Shopify answered is simply not written (no StaleDataError, no retry).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select

from app.broker import current_broker
from app.clock import Clock, utcnow
from app.extensions import db
from app.models import Observation, PriceChange, Product, Shop
from app.observability import metrics
from app.price_changes.ledger import commit_and_publish, move
from app.price_changes.override import ECHO_MARKER_SECONDS, echo_key
from app.price_changes.quote import latest_observation
from app.price_changes.state import AUTO_ACTOR, ChangeState, is_pushable, is_stale
from app.price_changes.withdraw import mark_variant_deleted
from app.realtime.events import publish_event
from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.errors import ShopifyAuthError, ShopifyError
from app.shopify.graphql.operations import VariantPrice, bulk_update_prices
from app.shopify.graphql.shop_client import RECONNECT, admin_client

S = ChangeState
BATCH = 250
MAX_ATTEMPTS = 5
# userError codes that mean the variant is gone for good (a products/delete may come later).
GONE_CODES = frozenset({"PRODUCT_VARIANT_DOES_NOT_EXIST", "PRODUCT_DOES_NOT_EXIST"})

Claimed = tuple[PriceChange, Product]


@dataclass
class PushReport:
    pushed: int = 0
    failed: int = 0
    skipped: int = 0
    retrying: int = 0


def push_shop(shop_id: int, *, clock: Clock = utcnow) -> PushReport:
    """Push every approved change of the shop, 250 at a time, grouped per Shopify product."""
    report = PushReport()
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return report
    client = admin_client(shop)
    while True:
        claimed = claim(shop_id, now=clock(), report=report)
        if not claimed:
            return report
        send(client, shop, claimed, clock=clock, report=report)


def claim(shop_id: int, *, now: datetime, report: PushReport) -> list[Claimed]:
    """Lock up to 250 approved changes; move each to pushing (or away when it must not go).
    Nothing for a shop that is not installed: its changes stay approved until it is again.
    The shop row is read FOR SHARE, so an uninstall waits for this claim's commit and is
    then seen by `send` before anything goes to Shopify."""
    if not _installed(shop_id, lock=True):
        db.session.rollback()
        return []
    rows = db.session.execute(
        select(PriceChange, Product)
        .join(Product, Product.id == PriceChange.product_id)
        .where(PriceChange.shop_id == shop_id, PriceChange.state == S.APPROVED.value)
        .order_by(PriceChange.id)
        .limit(BATCH)
        .with_for_update(of=PriceChange, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    claimed: list[Claimed] = []
    for change, product in rows:
        if not is_pushable(S(change.state)):
            continue
        reason = _must_not_push(change, product)
        if reason is None:
            move(change, S.PUSHING, actor=AUTO_ACTOR, now=now)
            change.attempts += 1
            claimed.append((change, product))
            continue
        report.skipped += 1
        target = S.HELD if reason == "manual_override" else S.SUPERSEDED
        if target is S.HELD:
            change.held_reason = reason
        move(change, target, actor=AUTO_ACTOR, now=now, detail={"reason": reason})
    commit_and_publish()  # pushing is on record before any HTTP call
    return claimed


def _must_not_push(change: PriceChange, product: Product) -> str | None:
    if product.status == "variant_deleted":
        return "variant_deleted"
    if product.manual_override_at is not None:
        return "manual_override"
    latest = latest_observation(product.id)
    source = db.session.get(Observation, change.observation_id) if change.observation_id else None
    if (
        latest is not None
        and source is not None
        and is_stale(source.observed_at, latest.observed_at)
    ):
        return "stale"
    return None


@dataclass(frozen=True)
class _Sent:
    """One variant's price in a call to Shopify, by ids: the rows may vanish meanwhile."""

    change_id: int
    product_id: int
    entry: VariantPrice


def send(
    client: AdminClient, shop: Shop, claimed: Iterable[Claimed], *, clock: Clock, report: PushReport
) -> None:
    """One productVariantsBulkUpdate per Shopify product (at most 250 variants each), for the
    claimed changes still pushing and linked when their chunk goes (see the module doc)."""
    shop_id = _identity(shop)
    rows = _pushing([_identity(change) for change, _product in claimed])
    groups: dict[str, list[_Sent]] = defaultdict(list)
    for change, product in rows:
        groups[product.shopify_product_gid].append(
            _Sent(change.id, product.id, _entry(change, product))
        )
    db.session.rollback()  # a read only: no transaction is held across the calls below
    redis = current_broker().redis
    chunks = [
        (product_gid, group[start : start + BATCH])
        for product_gid, group in groups.items()
        for start in range(0, len(group), BATCH)
    ]
    for number, (product_gid, chunk) in enumerate(chunks):
        if not _installed(shop_id):
            # Uninstalled or erased meanwhile: this chunk and the rest fail, unsent.
            rest = [sent for _gid, later in chunks[number:] for sent in later]
            _still_to_send(shop_id, rest, now=clock(), report=report)
            return
        for sent in chunk:
            redis.set(
                echo_key(shop_id, sent.entry.variant_gid),
                f"{sent.entry.price:.2f}",
                ex=ECHO_MARKER_SECONDS,
            )
        _send_chunk(client, shop_id, product_gid, chunk, clock=clock, report=report)


def _identity(row: PriceChange | Shop) -> int:
    """A row's id without loading it (an expired row may have been deleted since)."""
    identity: tuple[Any, ...] | None = inspect(row).identity
    assert identity is not None, "a row that was never flushed"
    return int(identity[0])


def _pushing(change_ids: list[int]) -> list[Claimed]:
    """The changes of `change_ids` still pushing with their products, as committed now."""
    if not change_ids:
        return []
    return [
        (change, product)
        for change, product in db.session.execute(
            select(PriceChange, Product)
            .join(Product, Product.id == PriceChange.product_id)
            .where(PriceChange.id.in_(change_ids), PriceChange.state == S.PUSHING.value)
            .order_by(PriceChange.id)
            .execution_options(populate_existing=True)
        ).all()
    ]


def _installed(shop_id: int, *, lock: bool = False) -> bool:
    statement = select(Shop.installed_at, Shop.uninstalled_at).where(Shop.id == shop_id)
    if lock and db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(read=True)
    row = db.session.execute(statement).first()
    return row is not None and row.installed_at is not None and row.uninstalled_at is None


def present_rows(pairs: Iterable[tuple[int, int]]) -> dict[int, Claimed]:
    """Of (price change id, product id) `pairs`, by change id: the changes still pushing with
    their products, locked (products first, as every writer of both locks them) and current;
    a row deleted meanwhile (unlinked, or the shop erased) is absent."""
    pairs = list(pairs)
    product_ids = sorted({product_id for _, product_id in pairs})
    products = {
        product.id: product
        for product in db.session.scalars(
            select(Product)
            .where(Product.id.in_(product_ids))
            .order_by(Product.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    changes = {
        change.id: change
        for change in db.session.scalars(
            select(PriceChange)
            .where(
                PriceChange.id.in_(sorted(change_id for change_id, _ in pairs)),
                PriceChange.state == S.PUSHING.value,
            )
            .order_by(PriceChange.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    return {
        change_id: (changes[change_id], products[product_id])
        for change_id, product_id in pairs
        if change_id in changes and product_id in products
    }


def _present(sent: list[_Sent]) -> dict[int, Claimed]:
    return present_rows((s.change_id, s.product_id) for s in sent)


def _still_to_send(
    shop_id: int,
    sent: list[_Sent],
    *,
    now: datetime,
    report: PushReport,
    outcomes: dict[str, list[int]] | None = None,
) -> list[_Sent]:
    """The part of `sent` that may go to Shopify now: the rows still there, pushing, of a
    shop still installed. An uninstalled (or erased) shop gets nothing: its changes fail."""
    if _installed(shop_id):
        ids = set(
            db.session.scalars(
                select(PriceChange.id).where(
                    PriceChange.id.in_([s.change_id for s in sent]),
                    PriceChange.state == S.PUSHING.value,
                )
            )
        )
        db.session.rollback()
        return [s for s in sent if s.change_id in ids]
    # Uninstalled (Shopify refused the token, or app/uninstalled came) or erased: the
    # changes fail as an auth refusal would have failed them, and nothing is sent.
    present = _present(sent)
    failed = [(change.id, change.product_id) for change, _product in present.values()]
    for change, _product in present.values():
        fail(change, {"message": RECONNECT, "uninstalled": True}, now=now, report=report)
    commit_and_publish()
    if failed:
        _publish_failure(shop_id, failed, "shopify_auth", RECONNECT)
        if outcomes is not None:
            outcomes["failed"] += [change_id for change_id, _ in failed]
    return []


def _entry(change: PriceChange, product: Product) -> VariantPrice:
    sets_compare_at = bool((change.rule or {}).get("compare_at_from_list_price"))
    return VariantPrice(
        variant_gid=product.shopify_variant_gid,
        price=change.proposed_price,
        compare_at_price=change.compare_at_price,
        set_compare_at=sets_compare_at,
        currency=_currency(change, product),
    )


def _currency(change: PriceChange, product: Product) -> str:
    """The currency the change was quoted in (stored with its rules), else the shop's now."""
    quoted = (change.rule or {}).get("currency")
    if isinstance(quoted, str) and quoted != "XXX":
        return quoted
    shop = db.session.get(Shop, product.shop_id)
    return shop.currency if shop is not None and shop.currency else "XXX"


def _send_chunk(
    client: AdminClient,
    shop_id: int,
    product_gid: str,
    chunk: list[_Sent],
    *,
    clock: Clock,
    report: PushReport,
) -> None:
    outcomes: dict[str, list[int]] = {"pushed": [], "failed": [], "retrying": []}
    _write_chunk(client, shop_id, product_gid, chunk, clock=clock, report=report, outcomes=outcomes)
    if any(outcomes.values()):  # nothing was sent or recorded for a chunk whose rows are gone
        publish_event(
            shop_id,
            "push",
            {
                "shopify_product_gid": product_gid,
                "product_ids": sorted({sent.product_id for sent in chunk}),
                **outcomes,
            },
        )


def _write_chunk(
    client: AdminClient,
    shop_id: int,
    product_gid: str,
    chunk: list[_Sent],
    *,
    clock: Clock,
    report: PushReport,
    outcomes: dict[str, list[int]],
) -> None:
    """One product's variants to Shopify, checked before each call (the rows still there,
    the shop still installed); each change's id lands in outcomes["pushed"], ["failed"] or
    ["retrying"] (left pushing for the recovery), all committed."""
    remaining = list(chunk)
    while remaining:
        remaining = _still_to_send(
            shop_id, remaining, now=clock(), report=report, outcomes=outcomes
        )
        if not remaining:
            return
        try:
            outcome = bulk_update_prices(client, product_gid, [s.entry for s in remaining])
        except ShopifyError as error:
            now = clock()
            present = _present(remaining)
            failed = [
                (change.id, change.product_id)
                for change, _product in present.values()
                if _after_error(change, error, now=now, report=report)
            ]
            commit_and_publish()
            outcomes["failed"] += [change_id for change_id, _ in failed]
            outcomes["retrying"] += [
                change_id for change_id in present if change_id not in dict(failed)
            ]
            if failed:
                publish_push_error(shop_id, failed, error)
            return
        present = _present(remaining)
        still: list[_Sent] = []
        for index, sent in enumerate(remaining):
            row = present.get(sent.change_id)
            if row is None:
                continue  # unlinked (or erased) while Shopify answered: nothing to record
            change, product = row
            if index in outcome.errors:
                fail(change, outcome.errors[index], now=clock(), report=report)
                _if_gone(change, product, outcome.errors[index])
                outcomes["failed"].append(change.id)
            elif index in outcome.confirmed:
                confirm(change, product, outcome.confirmed[index], now=clock(), how="mutation")
                report.pushed += 1
                outcomes["pushed"].append(change.id)
            else:
                still.append(sent)  # refused with the rest: all-or-nothing
        if not (outcome.errors or outcome.confirmed):
            for sent in still:
                change, _product = present[sent.change_id]
                fail(change, {"message": "Shopify applied nothing"}, now=clock(), report=report)
                outcomes["failed"].append(change.id)
            still = []
        commit_and_publish()
        remaining = still


def _if_gone(change: PriceChange, product: Product, error: dict[str, object]) -> None:
    """Shopify says the variant (or its product) no longer exists: the product stops."""
    code = error.get("code")
    if code in GONE_CODES:
        reason = (
            f"Shopify answered {code} when PriceBridge pushed {change.proposed_price:.2f}"
            f" {change.currency}: the variant was deleted in Shopify."
        )
        mark_variant_deleted(product, reason)


def confirm(
    change: PriceChange, product: Product, confirmed: Decimal, *, now: datetime, how: str
) -> None:
    change.confirmed_price = confirmed
    change.shopify_response = {"price": f"{confirmed:.2f}", "via": how}
    change.error = None
    move(change, S.PUSHED, actor=AUTO_ACTOR, now=now, detail={"confirmed_price": str(confirmed)})
    product.shopify_price = confirmed
    product.shopify_price_at = now
    product.price_drift_at = None
    observation = (
        db.session.get(Observation, change.observation_id) if change.observation_id else None
    )
    metrics.price_pushed(observation.observed_at if observation else None, now)


def fail(
    change: PriceChange, error: dict[str, object], *, now: datetime, report: PushReport
) -> None:
    """Mark the change ``failed`` with Shopify's (or our) error, shaped like a userError."""
    change.shopify_response = {"userErrors": [error]}
    change.error = str(error.get("message", error))
    move(change, S.FAILED, actor=AUTO_ACTOR, now=now, detail={"error": error})
    report.failed += 1
    metrics.price_push_failed()


def _after_error(
    change: PriceChange, error: ShopifyError, *, now: datetime, report: PushReport
) -> bool:
    """Record ``error`` on the change; True when it failed for good (not left to recovery)."""
    change.error = str(error)
    if error.retryable and change.attempts < MAX_ATTEMPTS:
        # The write may or may not have landed: leave it pushing for the recovery to read back.
        change.updated_at = now
        report.retrying += 1
        return False
    fail(change, {"message": str(error), "retryable": error.retryable}, now=now, report=report)
    return True


def _error_code(error: ShopifyError) -> str:
    if isinstance(error, ShopifyAuthError):
        return "shopify_auth"
    return "shopify_unavailable" if error.retryable else "shopify_refused"


def publish_push_error(shop_id: int, changes: list[tuple[int, int]], error: ShopifyError) -> None:
    """Tell the dashboard a push failed for a reason no single change explains (after commit);
    `changes`: (price change id, product id)."""
    _publish_failure(shop_id, changes, _error_code(error), str(error))


def _publish_failure(shop_id: int, changes: list[tuple[int, int]], code: str, message: str) -> None:
    publish_event(
        shop_id,
        "error",
        {
            "code": code,
            "message": message,
            "price_change_ids": [change_id for change_id, _ in changes],
            "product_ids": [product_id for _, product_id in changes],
        },
    )

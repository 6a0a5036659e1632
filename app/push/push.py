"""Pushing approved changes to Shopify: claim, commit ``pushing``, mutate, confirm.

A claimed change is committed as ``pushing`` BEFORE the HTTP call, so a worker killed at
any moment leaves a row that says a write may have happened; ``reconcile`` finishes
it exactly once by reading the variant's price back before deciding to send again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

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
from app.shopify.graphql.shop_client import admin_client

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
    """Lock up to 250 approved changes; move each to pushing (or away when it must not go)."""
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


def send(
    client: AdminClient, shop: Shop, claimed: Iterable[Claimed], *, clock: Clock, report: PushReport
) -> None:
    """One productVariantsBulkUpdate per Shopify product (at most 250 variants each)."""
    groups: dict[str, list[Claimed]] = defaultdict(list)
    for change, product in claimed:
        groups[product.shopify_product_gid].append((change, product))
    redis = current_broker().redis
    for product_gid, group in groups.items():
        for start in range(0, len(group), BATCH):
            chunk = group[start : start + BATCH]
            for change, product in chunk:
                redis.set(
                    echo_key(shop.id, product.shopify_variant_gid),
                    f"{change.proposed_price:.2f}",
                    ex=ECHO_MARKER_SECONDS,
                )
            _send_chunk(client, product_gid, chunk, clock=clock, report=report)


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
    client: AdminClient, product_gid: str, chunk: list[Claimed], *, clock: Clock, report: PushReport
) -> None:
    outcomes: dict[str, list[int]] = {"pushed": [], "failed": [], "retrying": []}
    _write_chunk(client, product_gid, chunk, clock=clock, report=report, outcomes=outcomes)
    change, _product = chunk[0]
    publish_event(
        change.shop_id,
        "push",
        {
            "shopify_product_gid": product_gid,
            "product_ids": sorted({product.id for _change, product in chunk}),
            **outcomes,
        },
    )


def _write_chunk(
    client: AdminClient,
    product_gid: str,
    chunk: list[Claimed],
    *,
    clock: Clock,
    report: PushReport,
    outcomes: dict[str, list[int]],
) -> None:
    """One product's variants to Shopify; each change's id lands in outcomes["pushed"],
    ["failed"] or ["retrying"] (left pushing for the recovery), all committed."""
    remaining = list(chunk)
    while remaining:
        try:
            outcome = bulk_update_prices(client, product_gid, [_entry(c, p) for c, p in remaining])
        except ShopifyError as error:
            now = clock()
            failed = [c for c, _p in remaining if _after_error(c, error, now=now, report=report)]
            commit_and_publish()
            outcomes["failed"] += [c.id for c in failed]
            outcomes["retrying"] += [c.id for c, _p in remaining if c not in failed]
            if failed:
                publish_push_error(failed, error)
            return
        still: list[Claimed] = []
        for index, (change, product) in enumerate(remaining):
            if index in outcome.errors:
                fail(change, outcome.errors[index], now=clock(), report=report)
                _if_gone(change, product, outcome.errors[index])
                outcomes["failed"].append(change.id)
            elif index in outcome.confirmed:
                confirm(change, product, outcome.confirmed[index], now=clock(), how="mutation")
                report.pushed += 1
                outcomes["pushed"].append(change.id)
            else:
                still.append((change, product))  # refused with the rest: all-or-nothing
        commit_and_publish()
        if len(still) == len(remaining):
            for change, _product in still:
                fail(change, {"message": "Shopify applied nothing"}, now=clock(), report=report)
                outcomes["failed"].append(change.id)
            commit_and_publish()
            return
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


def publish_push_error(changes: list[PriceChange], error: ShopifyError) -> None:
    """Tell the dashboard a push failed for a reason no single change explains (after commit)."""
    publish_event(
        changes[0].shop_id,
        "error",
        {
            "code": _error_code(error),
            "message": str(error),
            "price_change_ids": [c.id for c in changes],
            "product_ids": [c.product_id for c in changes],
        },
    )

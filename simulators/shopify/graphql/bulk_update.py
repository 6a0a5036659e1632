"""productVariantsBulkUpdate: prices of one product's variants, with Shopify's userErrors.

Answers follow recorded answers of the real Admin API (2026-10): a negative amount is
`GREATER_THAN_OR_EQUAL_TO` "Price must be greater than or equal to 0"; a variant of another
product is `PRODUCT_VARIANT_DOES_NOT_EXIST`, like a variant that does not exist at all; and a
refused update still lists the product's variants it named in `productVariants`, unchanged, so
a client that reads `productVariants` without `userErrors` would take them as confirmed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from simulators.shopify.graphql.context import ExecContext, user_error
from simulators.shopify.graphql.errors import TopLevelError
from simulators.shopify.graphql.paging import parse_gid
from simulators.shopify.graphql.rest import product_update_payload
from simulators.shopify.graphql.store import Product, ShopState
from simulators.shopify.graphql.views import product_view, variant_view

MAX_VARIANTS = 250
SUPPORTED_INPUT = {"id", "price", "compareAtPrice"}
GREATER_OR_EQUAL = "GREATER_THAN_OR_EQUAL_TO"
Change = tuple[int, dict[str, Decimal | None]]


def _check_entry(
    state: ShopState, product: Product, index: int, entry: dict[str, Any]
) -> tuple[Change | None, list[dict[str, Any]]]:
    path = ["variants", str(index)]
    unsupported = set(entry) - SUPPORTED_INPUT
    if unsupported:
        raise TopLevelError(
            f"ProductVariantsBulkInput fields {sorted(unsupported)} are not supported by the"
            " simulator",
            "NOT_IMPLEMENTED_BY_SIMULATOR",
        )
    if entry.get("id") is None:
        return None, [
            user_error(
                [*path, "id"],
                "Product variant is missing ID attribute",
                "PRODUCT_VARIANT_ID_MISSING",
            )
        ]
    variant_id = parse_gid(entry["id"], "ProductVariant")
    variant = state.variants.get(variant_id) if variant_id is not None else None
    if variant is None or variant.product_id != product.id:
        return None, [
            user_error(
                [*path, "id"], "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST"
            )
        ]
    errors = [
        user_error([*path, name], f"{label} must be greater than or equal to 0", GREATER_OR_EQUAL)
        for name, label in (("price", "Price"), ("compareAtPrice", "Compare at price"))
        if isinstance(entry.get(name), Decimal) and entry[name] < 0
    ]
    if entry.get("price", 0) is None:
        errors.append(user_error([*path, "price"], "Price can't be blank", "BLANK"))
    fields: dict[str, Decimal | None] = {
        name: entry[name] for name in ("price", "compareAtPrice") if name in entry
    }
    return (None if errors else (variant.id, fields)), errors


def _apply(ctx: ExecContext, product: Product, changes: list[Change]) -> None:
    for variant_id, fields in changes:
        variant = ctx.state.variants[variant_id]
        if "price" in fields and fields["price"] is not None:
            variant.price = fields["price"]
        if "compareAtPrice" in fields:
            variant.compare_at_price = fields["compareAtPrice"]
        variant.updated_at = ctx.now
    product.updated_at = ctx.now
    ctx.product_updates.append(product_update_payload(ctx.state, product))


def bulk_update(
    ctx: ExecContext,
    info: GraphQLResolveInfo,
    productId: str,
    variants: list[dict[str, Any]],
    allowPartialUpdates: bool | None = False,
    **extra: Any,
) -> dict[str, Any]:
    if extra.get("media"):
        raise TopLevelError(
            "media is not supported by the simulator", "NOT_IMPLEMENTED_BY_SIMULATOR"
        )
    if len(variants) > MAX_VARIANTS:
        raise TopLevelError(
            f"The input array size of {len(variants)} is greater than the maximum allowed of"
            f" {MAX_VARIANTS}.",
            "MAX_INPUT_SIZE_EXCEEDED",
        )
    state = ctx.state
    product_id = parse_gid(productId, "Product")
    product = state.products.get(product_id) if product_id is not None else None
    if product is None:
        missing = user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
        return {"product": None, "productVariants": None, "userErrors": [missing]}
    fault = ctx.faults.take_user_error(state.domain, {str(v.get("id")) for v in variants})
    changes: list[Change] = []
    errors: list[dict[str, Any]] = []
    for index, entry in enumerate(variants):
        change, entry_errors = _check_entry(state, product, index, entry)
        if fault is not None and entry.get("id") == fault.variant_id:
            entry_errors.append(user_error(["variants", str(index)], fault.message, fault.code))
            change = None
        errors.extend(entry_errors)
        if change is not None:
            changes.append(change)
    if errors and not allowPartialUpdates:
        changes = []
    if changes:
        _apply(ctx, product, changes)
    return {
        "product": product_view(state, product),
        "productVariants": _named_variants(state, product, variants),
        "userErrors": errors,
    }


def _named_variants(
    state: ShopState, product: Product, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The product's variants the input named, once each, as they are now (changed or not)."""
    seen: list[int] = []
    for entry in entries:
        variant_id = parse_gid(entry.get("id"), "ProductVariant")
        if variant_id is not None and variant_id in product.variant_ids and variant_id not in seen:
            seen.append(variant_id)
    return [variant_view(state, state.variants[variant_id]) for variant_id in seen]

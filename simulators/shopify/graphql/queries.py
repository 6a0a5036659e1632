"""QueryRoot fields the simulator serves, over one shop's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulators.shopify.graphql.errors import TopLevelError
from simulators.shopify.graphql.paging import (
    Search,
    Term,
    check_gid,
    connection,
    parse_gid,
    parse_search,
    term_matches,
)
from simulators.shopify.graphql.store import Product, ShopState, Variant
from simulators.shopify.graphql.views import (
    item_view,
    location_view,
    node_view,
    product_view,
    shop_view,
    variant_view,
)

MAX_IDS = 250


def _product_field(state: ShopState, product: Product, field: str) -> Any:
    values: dict[str, Callable[[], Any]] = {
        "id": lambda: product.id,
        "title": lambda: product.title,
        "handle": lambda: product.handle,
        "status": lambda: product.status,
        "vendor": lambda: product.vendor,
        "updated_at": lambda: product.updated_at,
        "created_at": lambda: product.created_at,
        "sku": lambda: [state.variants[v].sku for v in product.variant_ids],
    }
    if field not in values:
        raise TopLevelError(
            f"search field {field!r} is not supported by the simulator",
            "NOT_IMPLEMENTED_BY_SIMULATOR",
        )
    return values[field]()


def _variant_field(state: ShopState, variant: Variant, field: str) -> Any:
    values: dict[str, Callable[[], Any]] = {
        "id": lambda: variant.id,
        "product_id": lambda: variant.product_id,
        "sku": lambda: variant.sku,
        "title": lambda: variant.title,
        "updated_at": lambda: variant.updated_at,
        "created_at": lambda: variant.created_at,
        "price": lambda: variant.price,
    }
    if field not in values:
        raise TopLevelError(
            f"search field {field!r} is not supported by the simulator",
            "NOT_IMPLEMENTED_BY_SIMULATOR",
        )
    return values[field]()


def _variant_text(state: ShopState, variant: Variant) -> str:
    # Free text over variants matches the variant title, the product title and the SKU.
    product = state.products[variant.product_id]
    return " ".join([variant.title, product.title, variant.sku or ""])


def _matches(search: Search, lookup: Callable[[str], Any], title: str) -> bool:
    """Whether any alternative of `search` matches; `title` is what free text searches (for
    variants, Shopify's default fields together)."""
    return any(_all_match(terms, lookup, title) for terms in search)


def _all_match(terms: list[Term], lookup: Callable[[str], Any], title: str) -> bool:
    for field, comparator, wanted in terms:
        if field is None:
            if wanted not in title.lower():
                return False
            continue
        actual = lookup(field)
        candidates = actual if isinstance(actual, list) else [actual]
        if not any(c is not None and term_matches(c, comparator, wanted) for c in candidates):
            return False
    return True


def _variant_matches(state: ShopState, search: Search, variant: Variant) -> bool:
    def lookup(field: str) -> Any:
        return _variant_field(state, variant, field)

    return _matches(search, lookup, _variant_text(state, variant))


def _exact_values(search: Search) -> tuple[str, set[str]] | None:
    """(field, values) when `search` is one field's equality terms joined by OR (no prefix `*`):
    a record matches when that field equals one of the values, whatever the case (as
    `term_matches` reads ``:``; shopify.dev leaves word-by-word matching unsaid)."""
    fields = {terms[0][0] for terms in search if len(terms) == 1}
    if len(fields) != 1 or any(len(terms) != 1 for terms in search):
        return None
    (field,) = fields
    if field is None or any(t[0][1] != "=" or t[0][2].endswith("*") for t in search):
        return None
    return field, {terms[0][2].lower() for terms in search}


def _check_sort(args: dict[str, Any]) -> None:
    if args.get("sortKey", "ID") != "ID":
        raise TopLevelError(
            f"sortKey {args['sortKey']} is not supported by the simulator",
            "NOT_IMPLEMENTED_BY_SIMULATOR",
        )


def query_root(state: ShopState) -> dict[str, Any]:
    """The root value for a query: QueryRoot fields keyed by name."""

    def products(**args: Any) -> dict[str, Any]:
        _check_sort(args)
        terms = parse_search(args.get("query"))
        rows = [
            p
            for p in state.products.values()
            if _matches(terms, lambda f, p=p: _product_field(state, p, f), p.title)  # type: ignore[misc]
        ]
        return connection(
            sorted(rows, key=lambda p: p.id), lambda p: p.id, lambda p: product_view(state, p), args
        )

    def product_variants(**args: Any) -> dict[str, Any]:
        _check_sort(args)
        terms = parse_search(args.get("query"))
        exact = _exact_values(terms)
        if exact is not None:  # `sku:A OR sku:B ...`: the same answer, without a scan per term
            field, wanted = exact
            values = ((v, _variant_field(state, v, field)) for v in state.variants.values())
            rows = [v for v, value in values if value is not None and str(value).lower() in wanted]
        else:
            rows = [v for v in state.variants.values() if _variant_matches(state, terms, v)]
        return connection(
            sorted(rows, key=lambda v: v.id), lambda v: v.id, lambda v: variant_view(state, v), args
        )

    def locations(**args: Any) -> dict[str, Any]:
        rows = sorted(state.locations.values(), key=lambda loc: loc.id)
        return connection(rows, lambda loc: loc.id, lambda loc: location_view(state, loc), args)

    def one(kind: str) -> Callable[..., dict[str, Any] | None]:
        def resolve(id: str, **_: Any) -> dict[str, Any] | None:
            check_gid(id)
            return node_view(state, id) if parse_gid(id, kind) is not None else None

        return resolve

    def nodes(ids: list[str], **_: Any) -> list[dict[str, Any] | None]:
        if len(ids) > MAX_IDS:
            raise TopLevelError(
                f"The input array size of {len(ids)} is greater than the maximum allowed of"
                f" {MAX_IDS}.",
                "MAX_INPUT_SIZE_EXCEEDED",
            )
        for value in ids:
            check_gid(value)
        return [node_view(state, value) for value in ids]

    def node(id: str, **_: Any) -> dict[str, Any] | None:
        check_gid(id)
        return node_view(state, id)

    def products_count(**args: Any) -> dict[str, Any]:
        if args.get("query"):
            raise TopLevelError(
                "productsCount(query:) is not supported by the simulator",
                "NOT_IMPLEMENTED_BY_SIMULATOR",
            )
        return {"count": len(state.products), "precision": "EXACT"}

    def inventory_item(id: str, **_: Any) -> dict[str, Any] | None:
        check_gid(id)
        item_id = parse_gid(id, "InventoryItem")
        if item_id is None or state.variant_by_item(item_id) is None:
            return None
        return item_view(state, item_id)

    return {
        "shop": lambda **_: shop_view(state),
        "products": products,
        "product": one("Product"),
        "productVariants": product_variants,
        "productVariant": one("ProductVariant"),
        "locations": locations,
        "location": one("Location"),
        "nodes": nodes,
        "node": node,
        "inventoryItem": inventory_item,
        "productsCount": products_count,
    }

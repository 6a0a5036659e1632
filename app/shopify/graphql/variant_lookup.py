"""Many variants at once, for a CSV import: by id through `nodes(ids:)` (250 a call) and by
SKU through `productVariants(query: "sku:A OR sku:B ...")`, every call through the client's
shared cost throttle.

What Shopify documents about that search, and what it leaves open (read 2026-11-30):

- shopify.dev, "Shopify API search syntax" (https://shopify.dev/docs/api/usage/search-syntax):
  a query is terms joined by ``AND`` or ``OR`` (``AND`` implied between two terms); a term's
  value is "any name, or any quoted string (single or double quotes are both permitted)"; the
  ``:`` comparator is "equality"; special characters are escaped with a backslash, and a
  trailing ``*`` asks for a prefix query (these two as the page is quoted in Shopify's
  community forum, community.shopify.com/t/49653; the stored copy shows the grammar).
- shopify.dev, ``productVariants`` (Admin GraphQL 2026-10, its ``query`` argument; the same
  text is in the Admin schema kept in simulators/shopify/data/admin_2026-10.json.gz): ``sku``
  "Filter by the product variant `sku` field", example ``sku:XYZ-12345``. Only the field-less
  ``default`` search is said to be case-insensitive.
- shopify.dev, "Paginating results with GraphQL": at most 250 nodes a page.

Neither page says whether a quoted ``sku:"..."`` value is compared with the whole SKU or with
its words (tokens), nor whether case matters, and neither gives a limit on the number of terms
or the length of a query. So nothing here relies on the search being exact: Shopify may answer
variants sharing a word or a prefix with a SKU, or spelled in another case, and
`variants_by_sku` keeps only those whose SKU equals one asked for, compared by `sku_key`
(tests/integration/shopify/graphql/test_variant_lookup.py answers it every looser reading at
once). `SKUS_PER_QUERY` is PriceBridge's own bound, not a documented one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.documents import document
from app.shopify.graphql.errors import ShopifyQueryError
from app.shopify.graphql.operations import MAX_VARIANTS, LinkedVariant, linked_variant

#: SKUs per search query. Shopify documents no limit on terms or query length (see above), so
#: this is a cautious bound of ours: 100 quoted terms keep the query a few kilobytes for common
#: SKUs, one page of 250 holds their variants unless a SKU is on several, and 10,000 rows
#: still take at most 100 calls.
SKUS_PER_QUERY: Final = 100
#: Pages followed for one batch of SKUs before Shopify's answer is taken as runaway.
_MAX_PAGES: Final = 40


def sku_key(sku: str) -> str:
    """How two SKUs are compared: without regard to case or to runs of spaces (Shopify's search
    may match either way, the docs do not say, so two variants differing only so make the SKU
    ambiguous rather than one of them picked)."""
    return " ".join(sku.split()).casefold()


def variants_by_id(client: AdminClient, variant_gids: Sequence[str]) -> dict[str, LinkedVariant]:
    """Each of up to 250 ProductVariant GIDs the shop has, with what Shopify holds for it; an
    id the shop does not have is left out. Raises the client's ShopifyError taxonomy."""
    if len(variant_gids) > MAX_VARIANTS:
        raise ValueError(f"at most {MAX_VARIANTS} ids a call, got {len(variant_gids)}")
    if not variant_gids:
        return {}
    answer = client.execute(document("VariantsByIds"), {"ids": list(variant_gids)})
    nodes = answer.data.get("nodes")
    if not isinstance(nodes, list):
        raise ShopifyQueryError(client.shop, "nodes(ids:) answered without a list")
    found: dict[str, LinkedVariant] = {}
    for node in nodes:
        if isinstance(node, dict) and node.get("id"):
            variant = linked_variant(node)
            found[variant.variant_gid] = variant
    return found


def sku_search(skus: Sequence[str]) -> str:
    """`sku:"A" OR sku:"B"`: each SKU a quoted value, backslash and quote escaped."""
    terms = []
    for sku in skus:
        escaped = sku.strip().replace("\\", "\\\\").replace('"', '\\"')
        terms.append(f'sku:"{escaped}"')
    return " OR ".join(terms)


def variants_by_sku(client: AdminClient, skus: Sequence[str]) -> dict[str, list[LinkedVariant]]:
    """The shop's variants for up to ``SKUS_PER_QUERY`` SKUs: ``sku_key(sku)`` -> every variant
    with exactly that SKU (none: the SKU is unknown; several: it is ambiguous), in id order.
    Whatever else Shopify's search answers (a word or prefix of a SKU) is left out. Raises
    ValueError past ``SKUS_PER_QUERY``, ShopifyQueryError when the answer runs past 40 pages,
    and the client's ShopifyError taxonomy."""
    if len(skus) > SKUS_PER_QUERY:
        raise ValueError(f"at most {SKUS_PER_QUERY} SKUs a call, got {len(skus)}")
    wanted = {sku_key(sku) for sku in skus if sku.strip()}
    found: dict[str, list[LinkedVariant]] = {key: [] for key in wanted}
    if not wanted:
        return found
    variables: dict[str, Any] = {"query": sku_search(skus), "first": MAX_VARIANTS, "after": None}
    for _ in range(_MAX_PAGES):
        answer = client.execute(document("VariantsBySku"), variables)
        connection = answer.data.get("productVariants")
        if not isinstance(connection, dict):
            raise ShopifyQueryError(client.shop, "productVariants answered without a connection")
        for node in connection.get("nodes") or []:
            variant = linked_variant(node)
            key = sku_key(variant.sku or "")
            if key in found:
                found[key].append(variant)
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage") or not isinstance(page.get("endCursor"), str):
            return found
        variables["after"] = page["endCursor"]
    raise ShopifyQueryError(
        client.shop, f"productVariants for {len(skus)} SKUs ran past {_MAX_PAGES} pages"
    )

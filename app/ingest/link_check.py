"""Checking a CSV of links against Shopify and the shop's links, every row, before any write.

`check_links` resolves the file's variants in batches through the shop's Admin client (and so
its shared cost throttle): ids through `nodes(ids:)`, 250 a call, SKUs through
`productVariants(query: "sku:A OR sku:B ...")`, 100 a call; never one call per row. Then each
row is checked against the others (a variant linked twice in the file) and against the shop's
links (a variant already linked), and its markup against the settings' bounds. Every problem
of every row is reported, with its line and column; the good rows come back ready to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.ingest.asin import Listing
from app.ingest.link_csv import LinkFile, LinkRow, RowProblem
from app.models import Product
from app.price_changes.settings import InvalidSetting, markup_override
from app.shopify.graphql.client import AdminClient
from app.shopify.graphql.operations import MAX_VARIANTS, LinkedVariant
from app.shopify.graphql.variant_lookup import (
    SKUS_PER_QUERY,
    sku_key,
    variants_by_id,
    variants_by_sku,
)

_IN_CHUNK = 1000  # variant GIDs per IN (...) when looking up the shop's links


@dataclass(frozen=True)
class GoodLink:
    line: int
    variant: LinkedVariant
    listing: Listing
    markup: Decimal | None


@dataclass
class CheckedLinks:
    """The outcome of a check: every problem (in line order) and the rows free of any."""

    problems: list[RowProblem] = field(default_factory=list)
    links: list[GoodLink] = field(default_factory=list)


def check_links(
    shop_id: int,
    client: AdminClient,
    links: LinkFile,
    progress: Callable[[int], None] = lambda done: None,
) -> CheckedLinks:
    """Every row of ``links`` checked; ``progress(rows checked so far)`` after each Shopify
    batch. Raises the client's ShopifyError taxonomy when Shopify cannot answer."""
    rows = links.rows
    by_id, by_sku = _resolve(client, rows, progress)
    problems = list(links.problems)
    resolved: dict[int, LinkedVariant] = {}
    for row in rows:
        variant = _variant_of(row, by_id, by_sku, links, problems)
        if variant is not None:
            resolved[row.line] = variant
    _duplicates(rows, resolved, links, problems)
    _already_linked(shop_id, rows, resolved, links, problems)
    markups = _markups(rows, links, problems)
    problems.sort(key=lambda p: p.line)
    bad = {problem.line for problem in problems}
    good = [
        GoodLink(row.line, resolved[row.line], row.listing, markups.get(row.line))
        for row in rows
        if row.line not in bad and row.listing is not None and row.line in resolved
    ]
    return CheckedLinks(problems, good)


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _resolve(
    client: AdminClient, rows: list[LinkRow], progress: Callable[[int], None]
) -> tuple[dict[str, LinkedVariant], dict[str, list[LinkedVariant]]]:
    """Shopify's answers for every id and SKU the rows name (a row naming both: the id)."""
    rows_per_id: dict[str, int] = {}
    rows_per_sku: dict[str, int] = {}
    for row in rows:
        if row.variant_gid is not None:
            rows_per_id[row.variant_gid] = rows_per_id.get(row.variant_gid, 0) + 1
        elif row.sku is not None:
            rows_per_sku[sku_key(row.sku)] = rows_per_sku.get(sku_key(row.sku), 0) + 1
    done = len(rows) - sum(rows_per_id.values()) - sum(rows_per_sku.values())
    by_id: dict[str, LinkedVariant] = {}
    for ids in _batches(list(rows_per_id), MAX_VARIANTS):
        by_id.update(variants_by_id(client, ids))
        done += sum(rows_per_id[gid] for gid in ids)
        progress(done)
    by_sku: dict[str, list[LinkedVariant]] = {}
    for skus in _batches(list(rows_per_sku), SKUS_PER_QUERY):
        by_sku.update(variants_by_sku(client, skus))
        done += sum(rows_per_sku[key] for key in skus)
        progress(done)
    return by_id, by_sku


def _number(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def _variant_of(
    row: LinkRow,
    by_id: dict[str, LinkedVariant],
    by_sku: dict[str, list[LinkedVariant]],
    links: LinkFile,
    problems: list[RowProblem],
) -> LinkedVariant | None:
    variant_column, sku_column = links.columns.header("variant"), links.columns.header("sku")
    if row.variant_gid is not None:
        variant = by_id.get(row.variant_gid)
        if variant is None:
            number = _number(row.variant_gid)
            reason = f"Shopify has no variant {number} in this shop."
            problems.append(RowProblem(row.line, variant_column, "variant_not_found", reason))
            return None
        if row.sku is not None and sku_key(variant.sku or "") != sku_key(row.sku):
            has = f'SKU "{variant.sku}"' if variant.sku else "no SKU"
            reason = f'Variant {_number(variant.variant_gid)} has {has}, not "{row.sku}".'
            problems.append(RowProblem(row.line, sku_column, "sku_mismatch", reason))
            return None
        return variant
    if row.sku is None:
        return None  # the reader reported it (no variant id nor SKU, or an unreadable id)
    matches = by_sku.get(sku_key(row.sku), [])
    if not matches:
        reason = f'No variant in this shop has SKU "{row.sku}".'
        problems.append(RowProblem(row.line, sku_column, "sku_not_found", reason))
        return None
    if len(matches) > 1:
        numbers = ", ".join(_number(v.variant_gid) for v in matches[:5])
        reason = (
            f'SKU "{row.sku}" is on {len(matches)} variants ({numbers}); give the variant id'
            " instead."
        )
        problems.append(RowProblem(row.line, sku_column, "sku_ambiguous", reason))
        return None
    return matches[0]


def _column_naming(row: LinkRow, links: LinkFile) -> str | None:
    return links.columns.header("variant" if row.variant_gid is not None else "sku")


def _duplicates(
    rows: list[LinkRow],
    resolved: dict[int, LinkedVariant],
    links: LinkFile,
    problems: list[RowProblem],
) -> None:
    first_line: dict[str, int] = {}
    for row in rows:
        variant = resolved.get(row.line)
        if variant is None:
            continue
        first = first_line.setdefault(variant.variant_gid, row.line)
        if first != row.line:
            reason = f"This variant is also on line {first}; a variant is linked once."
            column = _column_naming(row, links)
            problems.append(RowProblem(row.line, column, "duplicate_variant", reason))


def linked_variants(shop_id: int, variant_gids: Iterable[str]) -> dict[str, Product]:
    """The shop's links among ``variant_gids``: variant GID -> its product."""
    gids = sorted(set(variant_gids))
    found: dict[str, Product] = {}
    for start in range(0, len(gids), _IN_CHUNK):
        statement = select(Product).where(
            Product.shop_id == shop_id,
            Product.shopify_variant_gid.in_(gids[start : start + _IN_CHUNK]),
        )
        found.update((p.shopify_variant_gid, p) for p in db.session.scalars(statement))
    return found


def _already_linked(
    shop_id: int,
    rows: list[LinkRow],
    resolved: dict[int, LinkedVariant],
    links: LinkFile,
    problems: list[RowProblem],
) -> None:
    existing = linked_variants(shop_id, (v.variant_gid for v in resolved.values()))
    for row in rows:
        variant = resolved.get(row.line)
        product = existing.get(variant.variant_gid) if variant is not None else None
        if product is not None:
            reason = (
                f"This variant is already linked (to ASIN {product.asin} on amazon."
                f"{product.marketplace}); unlink it first or leave the row out."
            )
            column = _column_naming(row, links)
            problems.append(RowProblem(row.line, column, "already_linked", reason))


def _markups(
    rows: list[LinkRow], links: LinkFile, problems: list[RowProblem]
) -> dict[int, Decimal]:
    markups: dict[int, Decimal] = {}
    column = links.columns.header("markup")
    for row in rows:
        if row.markup is None:
            continue
        try:
            markups[row.line] = markup_override(row.markup)
        except InvalidSetting as error:
            problem = str(error).removeprefix(f"{error.field} ")
            reason = f"The markup {problem} (a percent, such as 30 or 12.5)."
            problems.append(RowProblem(row.line, column, "invalid_markup", reason))
    return markups

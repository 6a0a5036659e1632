/** One row of the products index table, rebuilt whole when its product changes. */
import { linkTo, type Context } from "../context";
import { h } from "../dom";
import { ago, money, percent, shopCurrency, shortDate, signedPercent } from "../format";
import { canPush, rowStatus } from "../status";
import type { Product } from "../types";

const AVAILABILITY: Record<string, [string, string]> = {
  in_stock: ["In stock", "success"],
  low_stock: ["Low stock", "warning"],
  delayed: ["Delayed", "warning"],
  out_of_stock: ["Out of stock", "critical"],
  unavailable: ["Unavailable", "critical"],
  unknown: ["Unknown", "neutral"],
};

export interface RowActions {
  selected: boolean;
  onSelect(selected: boolean): void;
  onPush(button: HTMLElement): void;
}

/** Amazon's move since the price before (a fraction), or null when there is none to show. */
export function amazonChange(product: Product, previous: string | null): number | null {
  const before = Number(previous);
  const now = Number(product.amazon_price);
  if (!previous || !product.amazon_price || !before || before === now) return null;
  return (now - before) / before;
}

function delivery(product: Product): string {
  if (!product.delivery_earliest) return "";
  const latest = product.delivery_latest;
  return latest && latest !== product.delivery_earliest
    ? `${shortDate(product.delivery_earliest)} – ${shortDate(latest)}`
    : shortDate(product.delivery_earliest);
}

export function renderRow(context: Context, product: Product, previous: string | null, actions: RowActions): HTMLElement {
  const status = rowStatus(product);
  const markup = product.pricing.markup_override_percent ?? context.settings?.markup_percent ?? null;
  const [availability, availabilityTone] = AVAILABILITY[product.availability] ?? [product.availability, "neutral"];
  const change = amazonChange(product, previous);
  const title = product.title || `Amazon ${product.asin}`;
  const check = h("s-checkbox", {
    accessibilityLabel: `Select ${title}`, label: "", checked: actions.selected,
    onchange: (event: Event) => actions.onSelect((event.currentTarget as HTMLInputElement).checked),
  });
  const push = h("s-button", {
    variant: canPush(product) ? "primary" : "secondary", disabled: !canPush(product),
    accessibilityLabel: `Update Shopify for ${title}`, "data-action": "push",
    onclick: () => actions.onPush(push),
  }, "Update Shopify");
  return h("s-table-row", { "data-product-id": product.id, "data-status": status.key, "data-observed-at": product.observed_at ?? "", "data-polled-at": product.last_polled_at ?? "" },
    h("s-table-cell", {}, check),
    h("s-table-cell", {},
      h("div", { class: "pb-product-cell" },
        product.image_url ? h("s-thumbnail", { src: product.image_url, alt: "", size: "small" }) : h("span", { class: "pb-no-image", "aria-hidden": "true" }),
        h("div", { class: "pb-product-text" },
          linkTo(context, `/app/products/${product.id}`, title, { class: "pb-title" }),
          h("div", { class: "pb-sub" }, h("span", { class: "pb-mono" }, product.asin), ` · amazon.${product.marketplace}`)))),
    h("s-table-cell", { "data-cell": "amazon" },
      money(product.amazon_price, product.amazon_currency),
      change === null ? null : h("s-text", { tone: change > 0 ? "critical" : "success", class: "pb-change" }, ` ${signedPercent(change)}`)),
    h("s-table-cell", {}, h("s-badge", { tone: availabilityTone }, availability), h("div", { class: "pb-sub" }, delivery(product))),
    h("s-table-cell", {}, percent(markup)),
    h("s-table-cell", { "data-cell": "proposed" }, money(product.pricing.proposed_price, shopCurrency(product))),
    h("s-table-cell", { "data-cell": "shopify" }, money(product.pricing.shopify_price ?? product.shopify_price, shopCurrency(product))),
    h("s-table-cell", { "data-cell": "status" },
      h("s-badge", { tone: status.tone }, status.label),
      status.detail ? h("div", { class: "pb-status-detail" }, h("s-text", { color: "subdued" }, status.detail)) : null),
    h("s-table-cell", { "data-cell": "checked" }, ago(product.last_polled_at)),
    h("s-table-cell", {}, push),
  );
}

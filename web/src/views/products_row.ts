/**
 * One row of the products index table. The row element and its checkbox and button live as
 * long as the row; `update` redraws only the cells whose content changed, so a live event
 * re-renders one or two cells, never the table, and nothing on the page moves.
 */
import { linkTo, type Context } from "../context";
import { h, replace, type Child } from "../dom";
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
  onSelect(selected: boolean): void;
  onPush(button: HTMLElement): void;
}

/** Amazon's move from its price before (a fraction), or null when there is none to show. */
export function amazonChange(product: Product): number | null {
  const previous = product.previous_amazon_price;
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

/** Each cell's content and the key it was drawn from: a cell is redrawn when its key moves. */
type CellSpec = [key: string, content: () => Child[]];

export class ProductRow {
  readonly element: HTMLElement;
  private readonly check: HTMLElement;
  private readonly push: HTMLElement;
  private readonly cells: HTMLElement[];
  private keys: string[] = [];
  product: Product;

  constructor(private readonly context: Context, product: Product, selected: boolean, actions: RowActions) {
    this.product = product;
    this.check = h("s-checkbox", {
      label: "", checked: selected,
      onchange: (event: Event) => actions.onSelect((event.currentTarget as HTMLInputElement).checked),
    });
    this.push = h("s-button", { "data-action": "push", onclick: () => actions.onPush(this.push) }, "Update Shopify");
    const named = (cell: string) => h("s-table-cell", { "data-cell": cell });
    this.cells = [
      named("product"), named("amazon"), named("stock"), named("proposed"), named("shopify"),
      named("status"), named("checked"),
    ];
    this.element = h("s-table-row", { "data-product-id": product.id },
      h("s-table-cell", { "data-cell": "select" }, this.check), ...this.cells,
      h("s-table-cell", { "data-cell": "action" }, this.push));
    this.update(product);
  }

  set selected(on: boolean) {
    (this.check as unknown as { checked: boolean }).checked = on;
  }

  /** Draw `product` into the row, touching only what changed. */
  update(product: Product): void {
    this.product = product;
    const title = product.title || `Amazon ${product.asin}`;
    const status = rowStatus(product);
    const row = this.element;
    row.dataset.status = status.key;
    row.dataset.observedAt = product.observed_at ?? "";
    row.dataset.polledAt = product.last_polled_at ?? "";
    setIfChanged(this.check, "accessibilityLabel", `Select ${title}`);
    const pushable = canPush(product);
    setIfChanged(this.push, "variant", pushable ? "primary" : "secondary");
    setIfChanged(this.push, "accessibilityLabel", `Update Shopify for ${title}`);
    if (this.push.hasAttribute("disabled") === pushable) this.push.toggleAttribute("disabled", !pushable);
    const specs = this.specs(product, title, status);
    specs.forEach(([key, content], index) => {
      if (this.keys[index] === key) return;
      replace(this.cells[index], content());
    });
    this.keys = specs.map(([key]) => key);
  }

  private specs(product: Product, title: string, status: ReturnType<typeof rowStatus>): CellSpec[] {
    const context = this.context;
    const currency = shopCurrency(product);
    const markup = product.pricing.markup_override_percent ?? context.settings?.markup_percent ?? null;
    const [availability, availabilityTone] = AVAILABILITY[product.availability] ?? [product.availability, "neutral"];
    const change = amazonChange(product);
    const shopifyPrice = product.pricing.shopify_price ?? product.shopify_price;
    const polled = ago(product.last_polled_at, Date.now(), "narrow");
    return [
      [`${title}|${product.image_url}|${product.asin}|${product.marketplace}`, () => [
        h("div", { class: "pb-product-cell" },
          product.image_url
            ? h("s-thumbnail", { src: product.image_url, alt: "", size: "small" })
            : h("span", { class: "pb-no-image", "aria-hidden": "true" }),
          h("div", { class: "pb-product-text" },
            linkTo(context, `/app/products/${product.id}`, title, { class: "pb-title" }),
            h("div", { class: "pb-sub" }, h("span", { class: "pb-mono" }, product.asin), ` · amazon.${product.marketplace}`)))]],
      [`${product.amazon_price}|${product.amazon_currency}|${product.previous_amazon_price}`, () => [
        h("div", { "data-money": "" }, money(product.amazon_price, product.amazon_currency)),
        change === null
          ? h("div", { class: "pb-sub" }, "")
          : h("div", { class: "pb-sub pb-wrap", "data-amazon-change": "" },
            h("s-text", { tone: change > 0 ? "critical" : "success" }, `${change > 0 ? "▲" : "▼"} ${signedPercent(change)}`),
            ` from ${money(product.previous_amazon_price, product.amazon_currency)}`)]],
      [`${product.availability}|${delivery(product)}`, () => [
        h("s-badge", { tone: availabilityTone }, availability), h("div", { class: "pb-sub" }, delivery(product))]],
      [`${product.pricing.proposed_price}|${currency}|${markup}`, () => [
        h("div", { "data-money": "" }, money(product.pricing.proposed_price, currency)),
        h("div", { class: "pb-sub" }, markup === null ? "" : `${percent(markup)} markup`)]],
      [`${shopifyPrice}|${currency}`, () => [h("div", { "data-money": "" }, money(shopifyPrice, currency))]],
      [`${status.key}|${status.label}|${status.detail}`, () => [
        h("s-badge", { tone: status.tone }, status.label),
        status.detail ? h("div", { class: "pb-status-detail" }, h("s-text", { color: "subdued" }, status.detail)) : null]],
      [polled, () => [polled]],
    ];
  }
}

function setIfChanged(element: HTMLElement, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

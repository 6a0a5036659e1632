/**
 * Products (home): the summary bar, search/filter/sort, the index table with one row per
 * linked variant, bulk actions, and the setup guide when nothing is linked yet. Rows update in
 * place from live events (one GET of the product per event burst), so nothing reloads.
 */
import { api, plainMessage } from "../api";
import { linkTo, type Context, type View } from "../context";
import { h, replace, type Child } from "../dom";
import { ago, money, shopCurrency, number, percent, shortDate, signedPercent } from "../format";
import { expectOutcome, settle } from "../outcomes";
import { canPush, rowStatus } from "../status";
import type { LiveEvent, Product, ProductList, Usage } from "../types";
import { setupGuide } from "./setup";

const PAGE_LIMIT = 100;
const MAX_ROWS = 2000;

interface Row {
  product: Product;
  element: HTMLElement;
  previousAmazon: string | null;
}

const FILTERS: [string, string][] = [
  ["all", "All"],
  ["needs_approval", "Needs approval"],
  ["held", "Held"],
  ["failed", "Failed"],
  ["manual_override", "Manually overridden"],
  ["paused", "Paused"],
  ["in_sync", "In sync"],
];

const SORTS: [string, string][] = [
  ["title", "Title"],
  ["last_checked", "Last checked"],
  ["amazon_change", "Amazon price change"],
  ["status", "Status"],
];

const AVAILABILITY: Record<string, [string, string]> = {
  in_stock: ["In stock", "success"],
  low_stock: ["Low stock", "warning"],
  delayed: ["Delayed", "warning"],
  out_of_stock: ["Out of stock", "critical"],
  unavailable: ["Unavailable", "critical"],
  unknown: ["Unknown", "neutral"],
};

export function productsView(root: HTMLElement, context: Context): View {
  const rows = new Map<number, Row>();
  const selected = new Set<number>();
  let usage: Usage | null = null;
  let query = "";
  let filter = "all";
  let sort = "title";
  const pending = new Set<number>();
  let flushTimer: number | undefined;

  const summary = h("s-grid", { gridTemplateColumns: "repeat(auto-fit, minmax(140px, 1fr))", gap: "base", class: "pb-summary" });
  const body = h("s-table-body");
  const bulkBar = h("div", { class: "pb-bulk", role: "region", "aria-label": "Bulk actions" });
  const message = h("div", { class: "pb-message", "aria-live": "polite" });
  const selectAll = h("s-checkbox", { accessibilityLabel: "Select every product shown", label: "" , onchange: () => toggleAll() });
  const table = h("s-table", { variant: "table", "aria-label": "Linked products" },
    h("s-table-header-row", {},
      h("s-table-header", { class: "pb-col-select" }, selectAll),
      h("s-table-header", { listSlot: "primary", class: "pb-col-product" }, "Product"),
      h("s-table-header", { class: "pb-col-asin" }, "ASIN"),
      h("s-table-header", { format: "currency", class: "pb-col-money" }, "Amazon price"),
      h("s-table-header", { class: "pb-col-avail" }, "Availability"),
      h("s-table-header", { class: "pb-col-delivery" }, "Delivery"),
      h("s-table-header", { format: "numeric", class: "pb-col-markup" }, "Markup"),
      h("s-table-header", { format: "currency", class: "pb-col-money" }, "Proposed"),
      h("s-table-header", { format: "currency", class: "pb-col-money" }, "Shopify price"),
      h("s-table-header", { listSlot: "secondary", class: "pb-col-status" }, "Status"),
      h("s-table-header", { class: "pb-col-checked" }, "Last checked"),
      h("s-table-header", { class: "pb-col-action" }, h("span", { class: "pb-visually-hidden" }, "Actions")),
    ),
    body,
  );
  const search = h("s-search-field", {
    label: "Search products", labelAccessibilityVisibility: "exclusive", placeholder: "Search by title or ASIN",
    oninput: (event: Event) => { query = (event.currentTarget as HTMLInputElement).value.trim().toLowerCase(); applyView(); },
  });
  const filterSelect = h("s-select", { label: "Show", onchange: (event: Event) => { filter = (event.currentTarget as HTMLSelectElement).value; applyView(); } },
    FILTERS.map(([value, label]) => h("s-option", { value }, label)));
  const sortSelect = h("s-select", { label: "Sort by", onchange: (event: Event) => { sort = (event.currentTarget as HTMLSelectElement).value; applyView(); } },
    SORTS.map(([value, label]) => h("s-option", { value }, label)));
  const listSection = h("s-section", { padding: "none", accessibilityLabel: "Linked products" },
    h("div", { class: "pb-toolbar" },
      h("s-grid", { gridTemplateColumns: "2fr 1fr 1fr", gap: "base", alignItems: "end" }, search, filterSelect, sortSelect)),
    bulkBar, message, h("div", { class: "pb-table-wrap" }, table));
  const content = h("div", { class: "pb-products" }, skeleton());
  const page = h("s-page", { heading: "Products", inlineSize: "large" },
    h("s-button", { slot: "primary-action", variant: "primary", href: "/app/link", onclick: (event: Event) => { event.preventDefault(); context.navigate("/app/link"); } }, "Link products"),
    content);
  replace(root, page);

  async function load(): Promise<void> {
    try {
      const [items, latestUsage] = await Promise.all([loadAll(), context.ready]);
      void latestUsage;
      rows.clear();
      for (const product of items.products) settle(product, context.toast);
      for (const product of items.products) rows.set(product.id, { product, element: renderRow(product, null), previousAmazon: product.previous_amazon_price ?? null });
      usage = items.usage;
      render();
    } catch (error) {
      replace(content, h("s-banner", { tone: "critical", heading: "Products could not be loaded" }, plainMessage(error),
        h("s-button", { slot: "secondary-actions", onclick: () => void load() }, "Try again")));
    }
  }

  async function loadAll(): Promise<{ products: Product[]; usage: Usage }> {
    let cursor: string | null = null;
    const products: Product[] = [];
    let lastUsage: Usage | null = null;
    do {
      const path = `/api/products?limit=${PAGE_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page: ProductList = await api<ProductList>("GET", path);
      products.push(...page.items);
      lastUsage = page.usage;
      cursor = page.next_cursor;
    } while (cursor && products.length < MAX_ROWS);
    return { products, usage: lastUsage as Usage };
  }

  function render(): void {
    if (rows.size === 0) {
      replace(content, setupGuide(context, { linked: 0 }));
      return;
    }
    if (summary.parentNode !== content) replace(content, summary, listSection);
    renderSummary();
    applyView();
  }

  function renderSummary(): void {
    const all = [...rows.values()].map((r) => rowStatus(r.product).key);
    const count = (key: string) => all.filter((k) => k === key).length;
    const lastPoll = [...rows.values()].map((r) => r.product.last_polled_at).filter(Boolean).sort().pop() ?? null;
    const metric = (label: string, value: string, id: string) =>
      h("s-box", { padding: "base", background: "base", borderRadius: "base", border: "base", "data-metric": id },
        h("s-text", { color: "subdued" }, label), h("div", { class: "pb-metric" }, value));
    replace(summary,
      metric("Linked", number(rows.size), "linked"),
      metric("In sync", number(count("in_sync")), "in_sync"),
      metric("Needs approval", number(count("needs_approval")), "needs_approval"),
      metric("Held", number(count("held")), "held"),
      metric("Failed", number(count("failed")), "failed"),
      metric("Budget used", usage ? `${number(usage.used)} / ${number(usage.budget)}` : "—", "budget"),
      metric("Last poll", ago(lastPoll), "last_poll"),
    );
  }

  function visibleRows(): Row[] {
    const list = [...rows.values()].filter((row) => {
      const p = row.product;
      if (query && !`${p.title ?? ""} ${p.asin}`.toLowerCase().includes(query)) return false;
      return filter === "all" || rowStatus(p).key === filter;
    });
    const key: Record<string, (r: Row) => string | number> = {
      title: (r) => (r.product.title ?? r.product.asin).toLowerCase(),
      last_checked: (r) => -(Date.parse(r.product.last_polled_at ?? "") || 0),
      amazon_change: (r) => -Math.abs(changeFraction(r) ?? 0),
      status: (r) => rowStatus(r.product).label,
    };
    const by = key[sort] ?? key.title;
    return list.sort((a, b) => (by(a) < by(b) ? -1 : by(a) > by(b) ? 1 : a.product.id - b.product.id));
  }

  function applyView(): void {
    const visible = visibleRows();
    body.replaceChildren(...visible.map((r) => r.element));
    if (visible.length === 0) {
      body.append(h("s-table-row", {}, h("s-table-cell", {}, ""), h("s-table-cell", {}, "No product matches this search or filter.")));
    }
    renderBulk();
  }

  function changeFraction(row: Row): number | null {
    const now = Number(row.product.amazon_price);
    const before = Number(row.previousAmazon);
    if (!row.previousAmazon || !row.product.amazon_price || !before) return null;
    return (now - before) / before;
  }

  function renderRow(product: Product, previousAmazon: string | null): HTMLElement {
    const status = rowStatus(product);
    const markup = product.pricing.markup_override_percent ?? context.settings?.markup_percent ?? null;
    const [availability, availabilityTone] = AVAILABILITY[product.availability] ?? [product.availability, "neutral"];
    const before = Number(previousAmazon);
    const now = Number(product.amazon_price);
    const change = previousAmazon && product.amazon_price && before && before !== now ? (now - before) / before : null;
    const title = product.title || `Amazon ${product.asin}`;
    const check = h("s-checkbox", {
      accessibilityLabel: `Select ${title}`, label: "", checked: selected.has(product.id),
      onchange: (event: Event) => {
        if ((event.currentTarget as HTMLInputElement).checked) selected.add(product.id);
        else selected.delete(product.id);
        renderBulk();
      },
    });
    const push = h("s-button", {
      variant: canPush(product) ? "primary" : "secondary", disabled: !canPush(product),
      accessibilityLabel: `Update Shopify for ${title}`, "data-action": "push",
      onclick: () => void pushOne(product.id, push),
    }, "Update Shopify");
    const delivery = product.delivery_earliest
      ? product.delivery_latest && product.delivery_latest !== product.delivery_earliest
        ? `${shortDate(product.delivery_earliest)} – ${shortDate(product.delivery_latest)}`
        : shortDate(product.delivery_earliest)
      : "—";
    return h("s-table-row", { "data-product-id": product.id, "data-status": status.key, "data-observed-at": product.observed_at ?? "" },
      h("s-table-cell", {}, check),
      h("s-table-cell", {},
        h("div", { class: "pb-product-cell" },
          product.image_url ? h("s-thumbnail", { src: product.image_url, alt: "", size: "small" }) : h("span", { class: "pb-no-image", "aria-hidden": "true" }),
          linkTo(context, `/app/products/${product.id}`, title, { class: "pb-title" }))),
      h("s-table-cell", {}, h("span", { class: "pb-mono" }, product.asin), h("s-text", { color: "subdued" }, ` amazon.${product.marketplace}`)),
      h("s-table-cell", { "data-cell": "amazon" },
        money(product.amazon_price, product.amazon_currency),
        change === null ? null : h("s-text", { tone: change > 0 ? "critical" : "success", class: "pb-change" }, ` ${signedPercent(change)}`)),
      h("s-table-cell", {}, h("s-badge", { tone: availabilityTone }, availability)),
      h("s-table-cell", {}, delivery),
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

  function updateRow(product: Product): void {
    settle(product, context.toast);
    const existing = rows.get(product.id);
    const previous = existing && existing.product.amazon_price !== product.amazon_price ? existing.product.amazon_price : existing?.previousAmazon ?? null;
    const element = renderRow(product, product.previous_amazon_price ?? previous);
    if (existing?.element.isConnected) existing.element.replaceWith(element);
    rows.set(product.id, { product, element, previousAmazon: product.previous_amazon_price ?? previous });
    if (!existing) render();
    else renderSummary();
  }

  async function pushOne(id: number, button: HTMLElement): Promise<void> {
    button.setAttribute("loading", "");
    try {
      await api("POST", `/api/products/${id}/push`);
      expectOutcome([id]);
      await reloadProduct(id);
    } catch (error) {
      context.toast(plainMessage(error), true);
      button.removeAttribute("loading");
    }
  }

  async function reloadProduct(id: number): Promise<void> {
    try {
      const product = await api<Product>("GET", `/api/products/${id}?history_limit=1`);
      updateRow(product);
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        rows.get(id)?.element.remove();
        rows.delete(id);
        selected.delete(id);
        renderSummary();
      }
    }
  }

  function toggleAll(): void {
    const visible = visibleRows();
    const all = visible.every((r) => selected.has(r.product.id));
    for (const r of visible) {
      if (all) selected.delete(r.product.id);
      else selected.add(r.product.id);
      (r.element.querySelector("s-checkbox") as unknown as { checked: boolean }).checked = !all;
    }
    renderBulk();
  }

  function renderBulk(): void {
    const count = selected.size;
    bulkBar.hidden = count === 0;
    if (count === 0) return;
    const action = (label: string, run: () => Promise<string>, tone?: string) =>
      h("s-button", { tone, onclick: (event: Event) => void bulk(event.currentTarget as HTMLElement, run) }, label);
    replace(bulkBar,
      h("s-stack", { direction: "inline", gap: "base", alignItems: "center" },
        h("s-text", { type: "strong" }, `${number(count)} selected`),
        action("Update Shopify", bulkPush),
        action("Approve", () => bulkChange("approve")),
        action("Reject", () => bulkChange("reject"), "critical"),
        action("Pause", () => bulkPause(true)),
        action("Resume", () => bulkPause(false)),
        h("s-button", { variant: "tertiary", onclick: () => { selected.clear(); applyView(); } }, "Clear selection")));
  }

  async function bulk(button: HTMLElement, run: () => Promise<string>): Promise<void> {
    button.setAttribute("loading", "");
    try {
      context.toast(await run());
    } catch (error) {
      context.toast(plainMessage(error), true);
    } finally {
      button.removeAttribute("loading");
      for (const id of [...selected]) void reloadProduct(id);
    }
  }

  async function bulkPush(): Promise<string> {
    const answer = await api<{ approved: { product_id: number }[]; skipped: unknown[] }>("POST", "/api/push", { product_ids: [...selected] });
    expectOutcome(answer.approved.map((change) => change.product_id));
    return `${number(answer.approved.length)} sent to Shopify, ${number(answer.skipped.length)} had nothing to push`;
  }

  async function bulkChange(verb: "approve" | "reject"): Promise<string> {
    const open = [...selected].map((id) => ({ id, change: rows.get(id)?.product.pricing.change }))
      .filter(({ change }) => change && ["proposed", "held", "failed"].includes(change.state));
    let done = 0;
    const failures: string[] = [];
    for (const { id, change } of open) {
      try {
        await api("POST", `/api/price-changes/${change!.id}/${verb}`);
        if (verb === "approve") expectOutcome([id]);
        done += 1;
      } catch (error) {
        failures.push(plainMessage(error));
      }
    }
    const verbed = verb === "approve" ? "approved" : "rejected";
    if (failures.length) throw new Error(`${done} ${verbed}; ${failures.length} refused: ${failures[0]}`);
    return `${number(done)} price changes ${verbed}`;
  }

  async function bulkPause(paused: boolean): Promise<string> {
    for (const id of selected) await api("PATCH", `/api/products/${id}`, { paused });
    return `${number(selected.size)} products ${paused ? "paused" : "resumed"}`;
  }

  function scheduleReload(ids: number[]): void {
    for (const id of ids) pending.add(id);
    if (flushTimer !== undefined) return;
    flushTimer = window.setTimeout(() => {
      flushTimer = undefined;
      const batch = [...pending];
      pending.clear();
      for (const id of batch) void reloadProduct(id);
    }, 30);
  }

  void load();

  return {
    onEvent(event: LiveEvent) {
      const data = event.data as { product_id?: number; product_ids?: number[] };
      const ids = data.product_ids ?? (typeof data.product_id === "number" ? [data.product_id] : []);
      if (ids.length) scheduleReload(ids);
      if (event.type === "usage" && usage) {
        usage = { ...usage, ...(event.data as Partial<Usage>) };
        renderSummary();
      }
    },
    refresh() {
      void load();
    },
  };
}

function skeleton(): Child {
  return h("s-section", { padding: "none" },
    h("div", { class: "pb-skeleton-table", "aria-busy": "true", "aria-label": "Loading products" },
      Array.from({ length: 8 }, () => h("div", { class: "pb-skeleton-row" }))));
}

/**
 * Products (home): the summary bar, search/filter/sort (server side, GET /api/products with q,
 * filter and sort, 50 rows a page with cursors), the index table, bulk actions, and the setup
 * guide when nothing is linked yet. Rows update in place from live events (one GET of the
 * product per event burst), so nothing reloads and nothing else on the page moves.
 */
import { api, plainMessage } from "../api";
import type { Context, View } from "../context";
import { attr, h, replace, type Child } from "../dom";
import { expectOutcome, settle } from "../outcomes";
import type { LiveEvent, Product, ProductList } from "../types";
import { renderBulk, type Selection } from "./products_bulk";
import { renderRow } from "./products_row";
import { loadSummary, renderSummary, type Summary } from "./products_summary";
import { setupGuide } from "./setup";

const PAGE_SIZE = 50;

/** The list views: [label, query parameters]. */
const VIEWS: [string, string, string][] = [
  ["all", "All", ""],
  ["needs_approval", "Needs approval", "filter=needs_approval"],
  ["held", "Held", "filter=held"],
  ["failed", "Failed", "filter=failed"],
  ["overridden", "Manually overridden", "filter=overridden"],
  ["paused", "Paused", "status=paused"],
];

const SORTS: [string, string][] = [
  ["id", "Date linked"],
  ["-last_checked", "Last checked"],
  ["-price_changed", "Amazon price change"],
  ["status", "Status"],
];

interface Row {
  product: Product;
  element: HTMLElement;
  previousAmazon: string | null;
}

export function productsView(root: HTMLElement, context: Context): View {
  const rows = new Map<number, Row>();
  const selected = new Set<number>();
  let summaryData: Summary | null = null;
  let query = "";
  let view = "all";
  let sort = "id";
  let cursors: (string | null)[] = [null]; // the cursor of each page seen; the last is this page
  let nextCursor: string | null = null;
  let generation = 0;
  let searchTimer: number | undefined;
  const pending = new Set<number>();
  let flushTimer: number | undefined;
  let summaryTimer: number | undefined;

  const summary = h("s-grid", { gridTemplateColumns: "repeat(auto-fit, minmax(120px, 1fr))", gap: "base", class: "pb-summary" });
  const body = h("s-table-body");
  const bulkBar = h("div", { class: "pb-bulk", role: "region", "aria-label": "Bulk actions", hidden: true });
  const selectAll = h("s-checkbox", { accessibilityLabel: "Select every product shown", label: "", onchange: () => toggleAll() });
  const table = h("s-table", { variant: "table", paginate: true, "aria-label": "Linked products",
    onnextpage: () => void turn(1), onpreviouspage: () => void turn(-1) },
    h("s-table-header-row", {},
      h("s-table-header", { class: "pb-col-select" }, selectAll),
      h("s-table-header", { listSlot: "primary", class: "pb-col-product" }, "Product"),
      h("s-table-header", { format: "currency", class: "pb-col-money" }, "Amazon price"),
      h("s-table-header", { class: "pb-col-avail" }, "Stock and delivery"),
      h("s-table-header", { format: "numeric", class: "pb-col-markup" }, "Markup"),
      h("s-table-header", { format: "currency", class: "pb-col-money" }, "Proposed"),
      h("s-table-header", { format: "currency", class: "pb-col-money" }, "Shopify price"),
      h("s-table-header", { listSlot: "secondary", class: "pb-col-status" }, "Status"),
      h("s-table-header", { class: "pb-col-checked" }, "Last checked"),
      h("s-table-header", { class: "pb-col-action" }, h("span", { class: "pb-visually-hidden" }, "Actions"))),
    body);
  const search = h("s-search-field", {
    label: "Search products", labelAccessibilityVisibility: "exclusive", placeholder: "Search by title or ASIN",
    oninput: (event: Event) => {
      window.clearTimeout(searchTimer);
      const value = (event.currentTarget as HTMLInputElement).value.trim();
      searchTimer = window.setTimeout(() => { query = value; restart(); }, 250);
    },
  });
  const viewSelect = h("s-select", { label: "Show", onchange: (event: Event) => { view = (event.currentTarget as HTMLSelectElement).value; restart(); } },
    VIEWS.map(([value, label]) => h("s-option", { value }, label)));
  const sortSelect = h("s-select", { label: "Sort by", onchange: (event: Event) => { sort = (event.currentTarget as HTMLSelectElement).value; restart(); } },
    SORTS.map(([value, label]) => h("s-option", { value }, label)));
  const listSection = h("s-section", { padding: "none", accessibilityLabel: "Linked products" },
    h("div", { class: "pb-toolbar" },
      h("s-grid", { gridTemplateColumns: "2fr 1fr 1fr", gap: "base", alignItems: "end" }, search, viewSelect, sortSelect)),
    bulkBar, h("div", { class: "pb-table-wrap" }, table));
  const content = h("div", { class: "pb-products" }, skeleton());
  replace(root, h("s-page", { heading: "Products", inlineSize: "large" },
    h("s-button", { slot: "primary-action", variant: "primary", href: "/app/link", onclick: (event: Event) => { event.preventDefault(); context.navigate("/app/link"); } }, "Link products"),
    content));

  const selection: Selection = {
    ids: selected,
    product: (id) => rows.get(id)?.product,
    clear: () => { selected.clear(); showRows(); },
    done: (ids) => { for (const id of ids) void reloadProduct(id); refreshSummarySoon(); },
  };

  function listPath(cursor: string | null): string {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (sort !== "id") params.set("sort", sort); // the default order needs no parameter
    const filter = VIEWS.find(([value]) => value === view)?.[2];
    if (filter) for (const [name, value] of new URLSearchParams(filter)) params.set(name, value);
    if (query) params.set("q", query);
    if (cursor) params.set("cursor", cursor);
    return `/api/products?${params}`;
  }

  async function load(): Promise<void> {
    const mine = ++generation;
    attr(table, "loading", true);
    try {
      const [page, counts] = await Promise.all([api<ProductList>("GET", listPath(cursors.at(-1) ?? null)), loadSummary().catch(() => null), context.ready]);
      if (mine !== generation) return;
      summaryData = counts ?? pageSummary(page);
      nextCursor = page.next_cursor;
      rows.clear();
      for (const product of page.items) {
        settle(product, context.toast);
        rows.set(product.id, { product, element: rowElement(product, null), previousAmazon: null });
      }
      render();
    } catch (error) {
      if (mine !== generation) return;
      replace(content, h("s-banner", { tone: "critical", heading: "Products could not be loaded" }, plainMessage(error),
        h("s-button", { slot: "secondary-actions", onclick: () => void load() }, "Try again")));
    } finally {
      if (mine === generation) attr(table, "loading", false);
    }
  }

  function restart(): void {
    cursors = [null];
    selected.clear();
    void load();
  }

  async function turn(step: 1 | -1): Promise<void> {
    if (step === 1 && nextCursor) cursors.push(nextCursor);
    else if (step === -1 && cursors.length > 1) cursors.pop();
    else return;
    await load();
  }

  function render(): void {
    if (summaryData && summaryData.products === 0) {
      replace(content, setupGuide(context, { linked: 0 }));
      return;
    }
    if (summary.parentNode !== content) replace(content, summary, listSection);
    if (summaryData) renderSummary(summary, summaryData);
    showRows();
  }

  function showRows(): void {
    body.replaceChildren(...[...rows.values()].map((r) => r.element));
    if (rows.size === 0) body.append(h("s-table-row", {}, h("s-table-cell", {}, ""), h("s-table-cell", {}, "No product matches this search or view.")));
    attr(table, "hasNextPage", Boolean(nextCursor));
    attr(table, "hasPreviousPage", cursors.length > 1);
    for (const row of rows.values()) (row.element.querySelector("s-checkbox") as unknown as { checked: boolean }).checked = selected.has(row.product.id);
    renderBulk(bulkBar, context, selection);
  }

  function rowElement(product: Product, previous: string | null): HTMLElement {
    return renderRow(context, product, previous, {
      selected: selected.has(product.id),
      onSelect: (on) => { if (on) selected.add(product.id); else selected.delete(product.id); renderBulk(bulkBar, context, selection); },
      onPush: (button) => void pushOne(product.id, button),
    });
  }

  function updateRow(product: Product): void {
    settle(product, context.toast);
    const existing = rows.get(product.id);
    if (!existing) return; // not on this page: the summary tells its story
    const previous = existing.product.amazon_price !== product.amazon_price ? existing.product.amazon_price : existing.previousAmazon;
    const element = rowElement(product, previous);
    if (existing.element.isConnected) existing.element.replaceWith(element);
    rows.set(product.id, { product, element, previousAmazon: previous });
  }

  async function pushOne(id: number, button: HTMLElement): Promise<void> {
    button.setAttribute("loading", "");
    try {
      await api("POST", `/api/products/${id}/push`);
      expectOutcome([id]);
      await reloadProduct(id);
      refreshSummarySoon();
    } catch (error) {
      context.toast(plainMessage(error), true);
      button.removeAttribute("loading");
    }
  }

  async function reloadProduct(id: number): Promise<void> {
    try {
      updateRow(await api<Product>("GET", `/api/products/${id}?history_limit=1`));
    } catch (error) {
      if ((error as { status?: number }).status !== 404) return;
      rows.get(id)?.element.remove();
      rows.delete(id);
      selected.delete(id);
    }
  }

  function toggleAll(): void {
    const all = [...rows.keys()].every((id) => selected.has(id));
    for (const id of rows.keys()) {
      if (all) selected.delete(id);
      else selected.add(id);
    }
    showRows();
  }

  function refreshSummarySoon(): void {
    window.clearTimeout(summaryTimer);
    summaryTimer = window.setTimeout(async () => {
      try {
        const was = summaryData?.products ?? 0;
        summaryData = await loadSummary().catch(() => summaryData);
        if (!summaryData) return;
        if (was === 0 && summaryData.products > 0) void load(); // the first link: show the table
        else if (summaryData.products === 0 || summary.parentNode !== content) render();
        else renderSummary(summary, summaryData);
      } catch {
        // The summary stays as it was; the next event or reload tries again.
      }
    }, 300);
  }

  function scheduleReload(ids: number[]): void {
    for (const id of ids) if (rows.has(id)) pending.add(id);
    if (flushTimer !== undefined || pending.size === 0) return;
    flushTimer = window.setTimeout(() => {
      flushTimer = undefined;
      const batch = [...pending];
      pending.clear();
      for (const id of batch) void reloadProduct(id);
    }, 30);
  }

  void load();
  /** An observation event carries Amazon's new price: show it at once, then refetch the row
   * for what pricing made of it (proposed price, status). */
  function applyObservation(data: Record<string, unknown>): void {
    const row = rows.get(Number(data.product_id));
    if (!row || data.quarantined) return;
    updateRow({
      ...row.product,
      amazon_price: (data.price as string | null) ?? row.product.amazon_price,
      amazon_currency: (data.currency as string | null) ?? row.product.amazon_currency,
      availability: (data.availability as string) ?? row.product.availability,
      observed_at: (data.observed_at as string) ?? row.product.observed_at,
      last_polled_at: (data.observed_at as string) ?? row.product.last_polled_at,
    });
  }

  return {
    onEvent(event: LiveEvent) {
      if (event.type === "observation") applyObservation(event.data);
      const data = event.data as { product_id?: number; product_ids?: number[] };
      const ids = data.product_ids ?? (typeof data.product_id === "number" ? [data.product_id] : []);
      scheduleReload(ids);
      refreshSummarySoon();
      // A product this page does not show yet, and this is the last page: it may belong here.
      if (ids.some((id) => !rows.has(id)) && !nextCursor && event.type === "product") void load();
    },
    refresh() {
      void load();
    },
  };
}

/** Counts from the page itself, for a server without GET /api/summary (they cover this page). */
function pageSummary(page: ProductList): Summary {
  const views: Record<string, number> = { needs_approval: 0, held: 0, failed: 0, overridden: 0 };
  for (const product of page.items) {
    const state = product.pricing.change_state;
    if (state === "proposed") views.needs_approval += 1;
    if (state === "held" || product.pricing.price_hold) views.held += 1;
    if (state === "failed") views.failed += 1;
    if (product.pricing.manual_override) views.overridden += 1;
  }
  const polled = page.items.map((p) => p.last_polled_at).filter((t): t is string => Boolean(t)).sort();
  return { products: page.items.length, by_status: {}, views, changes: {}, last_poll_at: polled.at(-1) ?? null, pushes_today: null, usage: page.usage };
}

function skeleton(): Child {
  return h("s-section", { padding: "none" },
    h("div", { class: "pb-skeleton-table", "aria-busy": "true", "aria-label": "Loading products" },
      Array.from({ length: 8 }, () => h("div", { class: "pb-skeleton-row" }))));
}

/**
 * Products (home): the summary bar, search/filter/sort (server side, GET /api/products with q,
 * filter and sort, 50 rows a page with cursors), the index table, bulk actions, and the setup
 * guide when nothing is linked yet. The first page comes embedded in /app (initial.ts), so the
 * table draws without a round trip. Rows update in place from live events: an observation's
 * price at once, then one GET of the product per event burst; only the cells that changed are
 * redrawn, so nothing else on the page moves.
 */
import { api, plainMessage } from "../api";
import type { Context, View } from "../context";
import { attr, h, replace, type Child } from "../dom";
import { takeInitial } from "../initial";
import { expectOutcome, settle } from "../outcomes";
import type { LiveEvent, Product, ProductList } from "../types";
import { bulkBar, type Selection } from "./products_bulk";
import { ProductRow } from "./products_row";
import { loadSummary, renderSummary, type Summary } from "./products_summary";
import { setupGuide } from "./setup";

const PAGE_SIZE = 50;
const KEPT_ROWS = 300;

/** The list views: [value, label, query parameters]. */
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

export function productsView(root: HTMLElement, context: Context): View {
  const rows = new Map<number, ProductRow>(); // this page's rows, in order
  // Every row drawn and still in the table, shown or hidden: a search, view or page that
  // shows a row again unhides it instead of drawing it anew (at most KEPT_ROWS kept).
  const drawn = new Map<number, ProductRow>();
  const emptyRow = h("s-table-row", { hidden: true }, h("s-table-cell", {}, ""),
    h("s-table-cell", { "data-empty": "" }, "No product matches this search or view."));
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

  const summary = h("s-grid", { gridTemplateColumns: "repeat(auto-fit, minmax(118px, 1fr))", gap: "base", class: "pb-summary" });
  const body = h("s-table-body");
  const selectAll = h("s-checkbox", { accessibilityLabel: "Select every product shown", label: "", onchange: () => toggleAll() });
  const table = h("s-table", { variant: "table", paginate: true, "aria-label": "Linked products",
    onnextpage: () => void turn(1), onpreviouspage: () => void turn(-1) },
    h("s-table-header-row", {},
      h("s-table-header", { class: "pb-col-select" }, selectAll),
      h("s-table-header", { listSlot: "primary", class: "pb-col-product" }, "Product"),
      h("s-table-header", { class: "pb-col-money" }, "Amazon price"),
      h("s-table-header", { class: "pb-col-avail" }, "Stock and delivery"),
      h("s-table-header", { class: "pb-col-money" }, "Proposed"),
      h("s-table-header", { class: "pb-col-money" }, "Shopify price"),
      h("s-table-header", { listSlot: "secondary", class: "pb-col-status" }, "Status"),
      h("s-table-header", { class: "pb-col-checked" }, "Checked"),
      h("s-table-header", { class: "pb-col-action" }, h("span", { class: "pb-visually-hidden" }, "Actions"))),
    body);
  const search = h("s-search-field", {
    label: "Search products", labelAccessibilityVisibility: "exclusive", placeholder: "Search by title, SKU or ASIN",
    oninput: (event: Event) => {
      window.clearTimeout(searchTimer);
      const value = (event.currentTarget as HTMLInputElement).value.trim();
      searchTimer = window.setTimeout(() => { if (value !== query) { query = value; restart(); } }, 250);
    },
  });
  const viewSelect = h("s-select", { label: "Show", onchange: (event: Event) => { view = (event.currentTarget as HTMLSelectElement).value; restart(); } },
    VIEWS.map(([value, label]) => h("s-option", { value }, label)));
  const sortSelect = h("s-select", { label: "Sort by", onchange: (event: Event) => { sort = (event.currentTarget as HTMLSelectElement).value; restart(); } },
    SORTS.map(([value, label]) => h("s-option", { value }, label)));

  const selection: Selection = {
    ids: selected,
    product: (id) => rows.get(id)?.product,
    clear: () => { selected.clear(); syncSelection(); },
    done: (ids) => { for (const id of ids) void reloadProduct(id); refreshSummarySoon(); },
  };
  const bulk = bulkBar(context, selection);
  // The bulk bar covers the toolbar while rows are selected (as Polaris' index table puts its
  // bulk actions over its header): nothing moves, the table is not laid out again.
  const listSection = h("s-section", { padding: "none", accessibilityLabel: "Linked products" },
    h("div", { class: "pb-toolbar-wrap" },
      h("div", { class: "pb-toolbar" },
        h("s-grid", { gridTemplateColumns: "2fr 1fr 1fr", gap: "base", alignItems: "end" }, search, viewSelect, sortSelect)),
      bulk.element),
    h("div", { class: "pb-table-wrap" }, table));
  const content = h("div", { class: "pb-products" }, skeleton());
  replace(root, h("s-page", { heading: "Products", inlineSize: "large" },
    h("s-button", { slot: "primary-action", variant: "primary", href: "/app/link", onclick: (event: Event) => { event.preventDefault(); context.navigate("/app/link"); } }, "Link products"),
    content));

  function listPath(cursor: string | null): string {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (sort !== "id") params.set("sort", sort); // the default order needs no parameter
    const filter = VIEWS.find(([value]) => value === view)?.[2];
    if (filter) for (const [name, value] of new URLSearchParams(filter)) params.set(name, value);
    if (query) params.set("q", query);
    if (cursor) params.set("cursor", cursor);
    return `/api/products?${params}`;
  }

  /** The page as /app embedded it, when this is that page (default order, no search). */
  function embedded(): [ProductList, Summary] | null {
    const page = takeInitial("products") as ProductList | undefined;
    const counts = takeInitial("summary") as Summary | undefined;
    const first = cursors.length === 1 && !query && view === "all" && sort === "id";
    return page && counts && first ? [page, counts] : null;
  }

  async function load(): Promise<void> {
    const mine = ++generation;
    const ready = embedded();
    if (ready) {
      show(ready[0], ready[1]);
      return;
    }
    attr(table, "loading", true);
    try {
      const [page, counts] = await Promise.all([api<ProductList>("GET", listPath(cursors.at(-1) ?? null)), loadSummary().catch(() => null), context.ready]);
      if (mine !== generation) return;
      show(page, counts ?? pageSummary(page));
    } catch (error) {
      if (mine !== generation) return;
      replace(content, h("s-banner", { tone: "critical", heading: "Products could not be loaded" }, plainMessage(error),
        h("s-button", { slot: "secondary-actions", onclick: () => void load() }, "Try again")));
    } finally {
      if (mine === generation) attr(table, "loading", false);
    }
  }

  function show(page: ProductList, counts: Summary): void {
    summaryData = counts;
    nextCursor = page.next_cursor;
    const shown = new Map<number, ProductRow>();
    for (const product of page.items) {
      settle(product, context.toast);
      let row = drawn.get(product.id);
      if (row) row.update(product);
      else drawn.set(product.id, (row = newRow(product)));
      shown.set(product.id, row);
    }
    rows.clear();
    for (const [id, row] of shown) rows.set(id, row);
    for (const id of [...selected]) if (!rows.has(id)) selected.delete(id);
    render();
  }

  function restart(): void {
    cursors = [null];
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

  /** Put this page's rows in the table, moving and drawing as little as possible: rows in
   * place stay (a custom element put back in the document draws itself again), rows of other
   * pages are hidden, and only rows never drawn are added. */
  function showRows(): void {
    const wanted = [...rows.values()].map((r) => r.element);
    const wantedSet = new Set<Element>(wanted);
    const present = [...body.children].filter((element) => wantedSet.has(element));
    const placed = wanted.filter((element) => element.parentNode === body);
    const inOrder = present.every((element, index) => element === placed[index]);
    if (!inOrder) {
      // Another order (a new sort): put this page's rows in it, the rest go.
      for (const id of [...drawn.keys()]) if (!rows.has(id)) drawn.delete(id);
      body.replaceChildren(emptyRow, ...wanted);
    } else {
      if (emptyRow.parentNode !== body) body.prepend(emptyRow);
      let next: Element | null = null;
      for (let index = wanted.length - 1; index >= 0; index--) {
        if (wanted[index].parentNode !== body) body.insertBefore(wanted[index], next);
        next = wanted[index];
      }
    }
    for (const child of body.children) {
      const hide = child === emptyRow ? wanted.length > 0 : !wantedSet.has(child);
      if ((child as HTMLElement).hidden !== hide) (child as HTMLElement).hidden = hide;
    }
    if (drawn.size > KEPT_ROWS) {
      for (const [id, row] of drawn) {
        if (drawn.size <= KEPT_ROWS) break;
        if (!rows.has(id)) { row.element.remove(); drawn.delete(id); }
      }
    }
    attr(table, "hasNextPage", Boolean(nextCursor));
    attr(table, "hasPreviousPage", cursors.length > 1);
    syncSelection();
  }

  function syncSelection(): void {
    for (const row of rows.values()) row.selected = selected.has(row.product.id);
    (selectAll as unknown as { checked: boolean }).checked = rows.size > 0 && [...rows.keys()].every((id) => selected.has(id));
    bulk.update();
  }

  function newRow(product: Product): ProductRow {
    return new ProductRow(context, product, selected.has(product.id), {
      onSelect: (on) => {
        if (on) selected.add(product.id);
        else selected.delete(product.id);
        (selectAll as unknown as { checked: boolean }).checked = [...rows.keys()].every((id) => selected.has(id));
        bulk.update();
      },
      onPush: (button) => void pushOne(product.id, button),
    });
  }

  function updateRow(product: Product): void {
    settle(product, context.toast);
    drawn.get(product.id)?.update(product); // not drawn: the summary tells its story
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
    } finally {
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
      drawn.delete(id);
      selected.delete(id);
      syncSelection();
    }
  }

  function toggleAll(): void {
    const all = [...rows.keys()].every((id) => selected.has(id));
    for (const id of rows.keys()) {
      if (all) selected.delete(id);
      else selected.add(id);
    }
    syncSelection();
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

  /** An observation event carries Amazon's new price: show it at once, then refetch the row
   * for what pricing made of it (proposed price, status). */
  function applyObservation(data: Record<string, unknown>): void {
    const row = rows.get(Number(data.product_id));
    if (!row || data.quarantined) return;
    const product = row.product;
    const price = (data.price as string | null) ?? product.amazon_price;
    const currency = (data.currency as string | null) ?? product.amazon_currency;
    const moved = price !== product.amazon_price && currency === product.amazon_currency;
    updateRow({
      ...product,
      amazon_price: price,
      amazon_currency: currency,
      previous_amazon_price: moved ? product.amazon_price : product.previous_amazon_price,
      availability: (data.availability as string) ?? product.availability,
      delivery_earliest: "delivery_earliest" in data ? (data.delivery_earliest as string | null) : product.delivery_earliest,
      delivery_latest: "delivery_latest" in data ? (data.delivery_latest as string | null) : product.delivery_latest,
      observed_at: (data.observed_at as string) ?? product.observed_at,
      last_polled_at: (data.observed_at as string) ?? product.last_polled_at,
    });
  }

  void load();
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

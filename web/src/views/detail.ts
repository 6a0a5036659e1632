/**
 * One product: price history chart (Amazon, PriceBridge, Shopify; range selectable), the
 * observations, the timeline of price changes (who or what proposed, approved, pushed, held or
 * rejected each, why, by which rule, and Shopify's answer), and the product's controls.
 */
import { api, ApiError, plainMessage } from "../api";
import { linkTo, type Context, type View } from "../context";
import { h, replace } from "../dom";
import { ago, dateTime, money, shopCurrency, percent, shortDate, signedPercent } from "../format";
import { expectOutcome, settle } from "../outcomes";
import { canPush, holdWords, rowStatus } from "../status";
import type { LiveEvent, Observation, PriceChange, ProductDetail } from "../types";
import { drawChart, visibleWindow, type Series } from "./chart";
import { amazonChange } from "./products_row";

const RANGES: [string, string, number][] = [
  ["1d", "24 hours", 86400],
  ["7d", "7 days", 7 * 86400],
  ["30d", "30 days", 30 * 86400],
  ["1y", "12 months", 365 * 86400],
];

export function detailView(root: HTMLElement, context: Context, params: Record<string, string>): View {
  const id = Number(params.id);
  let product: ProductDetail | null = null;
  let changes: PriceChange[] = [];
  let range = "7d";
  let reloadTimer: number | undefined;
  // Kept across re-renders, so a live update never throws away what the merchant is typing.
  let markupDirty = false;
  const markupField = h("s-number-field", { label: "Markup for this product (%)", min: 0, step: 0.5,
    details: "Leave empty to use the store-wide markup.", oninput: () => { markupDirty = true; } });
  const heading = h("s-page", { heading: "Product", inlineSize: "large" });
  const controls = h("div");
  const chartBox = h("div", { class: "pb-chart", role: "img", "aria-label": "Price history chart" });
  const observations = h("div");
  const timeline = h("div");
  const rangeSelect = h("s-select", { label: "Range", value: range, onchange: (event: Event) => { range = (event.currentTarget as HTMLSelectElement).value; void renderChart(); } },
    RANGES.map(([value, label]) => h("s-option", { value }, label)));

  // Until the product arrives one skeleton holds the page's place; then every section comes in
  // at once, so nothing already drawn moves (the chart's box has its final height).
  const sections = [
    h("s-section", { heading: "Price history", class: "pb-history-section" }, h("s-grid", { gridTemplateColumns: "1fr 200px", gap: "base" }, h("div"), rangeSelect), chartBox),
    h("s-section", { heading: "Price changes" }, timeline),
    h("s-section", { heading: "Amazon observations" }, observations),
  ];
  const skeleton = h("div", { class: "pb-skeleton-detail", "aria-busy": "true", "aria-label": "Loading the product" },
    h("div", { class: "pb-skeleton-block pb-skeleton-summary" }), h("div", { class: "pb-skeleton-block pb-skeleton-chart" }));
  replace(root, heading);
  heading.append(
    h("s-link", { slot: "breadcrumb-actions", href: "/app", onclick: (event: Event) => { event.preventDefault(); context.navigate("/app"); } }, "Products"),
    controls, skeleton);

  async function load(): Promise<void> {
    try {
      const [detail, list] = await Promise.all([
        api<ProductDetail>("GET", `/api/products/${id}?history_limit=100`),
        api<{ items: PriceChange[] }>("GET", `/api/price-changes?product_id=${id}&limit=50`),
        context.ready,
      ]);
      product = detail;
      changes = list.items;
      settle(detail, context.toast);
      render();
    } catch (error) {
      skeleton.remove();
      replace(controls, h("s-banner", { tone: "critical", heading: error instanceof ApiError && error.status === 404 ? "This product is not linked" : "The product could not be loaded" },
        plainMessage(error), h("div", {}, linkTo(context, "/app", "Back to products"))));
    }
  }

  function render(): void {
    if (!product) return;
    if (skeleton.isConnected) skeleton.replaceWith(...sections);
    const p = product;
    const status = rowStatus(p);
    heading.setAttribute("heading", p.title || `Amazon ${p.asin}`);
    if (!markupDirty) (markupField as unknown as { value: string }).value = p.pricing.markup_override_percent ?? "";
    markupField.setAttribute("placeholder", `Store-wide: ${context.settings?.markup_percent ?? "—"}`);
    const act = (label: string, run: () => Promise<unknown>, attrs: Record<string, string | boolean> = {}) =>
      h("s-button", { ...attrs, onclick: (event: Event) => void action(event.currentTarget as HTMLElement, label, run) }, label);
    replace(controls, h("s-section", { heading: "Summary", class: "pb-summary-section" },
      h("s-grid", { gridTemplateColumns: "repeat(auto-fit, minmax(160px, 1fr))", gap: "base" },
        fact("Status", h("s-badge", { tone: status.tone }, status.label), status.detail),
        fact("Amazon price", money(p.amazon_price, p.amazon_currency), amazonNote(p)),
        fact("Proposed", money(p.pricing.proposed_price, shopCurrency(p)), markupNote(p, context)),
        fact("Shopify", money(p.pricing.shopify_price ?? p.shopify_price, shopCurrency(p)), null),
        fact("Last checked", ago(p.last_polled_at, Date.now(), "short"), p.last_polled_at ? dateTime(p.last_polled_at) : null)),
      h("s-divider"),
      h("s-grid", { gridTemplateColumns: "1fr auto", gap: "base", alignItems: "end" }, markupField,
        act("Save markup", () => {
          const raw = String((markupField as unknown as { value: string }).value ?? "").trim();
          markupDirty = false;
          return api("PATCH", `/api/products/${id}`, { markup_override_percent: raw === "" ? null : raw });
        })),
      h("s-stack", { direction: "inline", gap: "base", class: "pb-actions" },
        act("Update Shopify", async () => { await api("POST", `/api/products/${id}/push`); expectOutcome([id]); }, { variant: "primary", disabled: !canPush(p) }),
        act("Refresh now", () => api("POST", `/api/products/${id}/refresh`)),
        p.pricing.paused
          ? act("Resume", () => api("PATCH", `/api/products/${id}`, { paused: false }))
          : act("Pause", () => api("PATCH", `/api/products/${id}`, { paused: true })),
        // The words the server's hold message names ("Use PriceBridge's price").
        p.pricing.manual_override
          ? act("Use PriceBridge's price", () => api("DELETE", `/api/products/${id}/manual-override`), { "data-action": "clear-override" })
          : null,
        h("s-link", { href: p.amazon_url, target: "_blank" }, "View on Amazon"))));
    renderObservations(p.history);
    renderTimeline();
    void renderChart();
  }

  async function action(button: HTMLElement, label: string, run: () => Promise<unknown>): Promise<void> {
    button.setAttribute("loading", "");
    try {
      await run();
      const said: Record<string, string> = {
        "Refresh now": "Asking Amazon now", "Update Shopify": "Sent to Shopify", "Save markup": "Markup saved",
        Pause: "Paused: PriceBridge stops checking Amazon and proposing prices for this product",
        Resume: "Resumed: PriceBridge checks Amazon for this product again",
        "Use PriceBridge's price": "Manual override cleared: PriceBridge manages this price again",
      };
      context.toast(said[label] ?? `${label}: done`);
      await load();
    } catch (error) {
      context.toast(plainMessage(error), true);
    } finally {
      button.removeAttribute("loading");
    }
  }

  function renderObservations(history: Observation[]): void {
    if (history.length === 0) { replace(observations, h("s-paragraph", {}, "No observation yet: the first check is on its way.")); return; }
    replace(observations, h("s-table", { variant: "table", "aria-label": "Amazon observations" },
      h("s-table-header-row", {}, ["Checked", "Price", "Availability", "Delivery", "Seller", "Note"].map((t) => h("s-table-header", {}, t))),
      h("s-table-body", {}, history.map((o) => h("s-table-row", { "data-observation-id": o.id },
        h("s-table-cell", {}, dateTime(o.observed_at)),
        h("s-table-cell", {}, money(o.price, o.currency)),
        h("s-table-cell", {}, o.stock_text || o.availability.replace(/_/g, " ")),
        h("s-table-cell", {}, o.delivery_earliest ? `${shortDate(o.delivery_earliest)}${o.delivery_latest && o.delivery_latest !== o.delivery_earliest ? ` – ${shortDate(o.delivery_latest)}` : ""}` : "—"),
        h("s-table-cell", {}, o.seller ?? "—"),
        h("s-table-cell", {}, o.quarantined ? `Not used: ${o.quarantine_reason ?? "untrusted"}` : ""))))));
  }

  function renderTimeline(): void {
    if (changes.length === 0) { replace(timeline, h("s-paragraph", {}, "No price change yet.")); return; }
    replace(timeline, h("ul", { class: "pb-timeline" }, changes.map((c) => h("li", { "data-change-id": c.id },
      h("s-stack", { direction: "inline", gap: "small", alignItems: "center" },
        h("s-badge", { tone: c.state === "pushed" ? "success" : c.state === "failed" ? "critical" : c.state === "held" ? "warning" : "neutral" }, c.state),
        h("s-text", { type: "strong" }, `${money(c.previous_price, c.currency)} → ${money(c.proposed_price, c.currency)}`),
        c.confirmed_price ? h("s-text", { color: "subdued" }, `Shopify confirmed ${money(c.confirmed_price, c.currency)}`) : null),
      h("div", {}, h("s-text", { color: "subdued" }, ruleWords(c))),
      c.error ? h("div", {}, h("s-text", { tone: "critical" }, `Shopify: ${c.error}`)) : null,
      c.held_reason ? h("div", {}, h("s-text", { tone: "warning" }, `Held: ${c.held_message ?? holdWords(c.held_reason)}`)) : null,
      h("ol", { class: "pb-transitions" }, c.transitions.map((t) => h("li", {},
        `${dateTime(t.at)}: ${t.from ? `${t.from} → ` : ""}${t.to} by ${actorWords(t.actor, t.to)}${detailWords(t.detail)}`)))))));
  }

  let chartGeneration = 0;
  async function renderChart(): Promise<void> {
    if (!product) return;
    const mine = ++chartGeneration;
    const seconds = RANGES.find(([value]) => value === range)?.[2] ?? 7 * 86400;
    const to = new Date();
    const from = new Date(to.getTime() - seconds * 1000);
    const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), points: "500" });
    try {
      const body = await api<SeriesAnswer>("GET", `/api/products/${id}/series?${query}`);
      if (mine !== chartGeneration || !product) return;
      const series = normaliseSeries(body);
      const window = { from: Date.parse(body.from) / 1000, to: Date.parse(body.to) / 1000 };
      const shopifyNow = product.pricing.shopify_price ?? product.shopify_price;
      if (series.shopify.length === 0 && shopifyNow) {
        // No push yet: Shopify has held the price PriceBridge read when linking (or the one
        // set by hand since, which is the override's).
        const since = Date.parse(product.pricing.manual_override?.at ?? product.created_at) / 1000;
        series.shopify = [[Math.max(window.from, since), Number(shopifyNow)]];
      }
      await drawChart(chartBox, series, window, context.settings?.currency ?? product.amazon_currency);
      const shown = visibleWindow(series, window);
      chartBox.dataset.range = range;
      chartBox.dataset.from = new Date(shown.from * 1000).toISOString();
      chartBox.dataset.to = new Date(shown.to * 1000).toISOString();
    } catch (error) {
      if (mine === chartGeneration) replace(chartBox, h("s-banner", { tone: "critical" }, plainMessage(error)));
    }
  }

  void load();
  return {
    onEvent(event: LiveEvent) {
      const data = event.data as { product_id?: number; product_ids?: number[] };
      if (data.product_id === id || data.product_ids?.includes(id)) {
        window.clearTimeout(reloadTimer);
        reloadTimer = window.setTimeout(() => void load(), 50);
      }
    },
    refresh() { void load(); },
  };
}

/** One fact of the summary: label, value, and a one-line note (its whole text in the title). */
function fact(label: string, value: string | HTMLElement, note: string | null): HTMLElement {
  return h("s-box", { "data-fact": label.toLowerCase().replace(/\s+/g, "_") }, h("s-text", { color: "subdued" }, label), h("div", { class: "pb-metric" }, value),
    h("div", { class: "pb-fact-note", title: note ?? "" }, note ?? ""));
}

function actorWords(actor: string, to: string): string {
  if (actor === "auto") return to === "approved" ? "PriceBridge (within your auto-push tolerance)" : "PriceBridge";
  if (actor === "system" || actor === "pricebridge") return "PriceBridge";
  if (actor === "webhook") return "Shopify";
  if (/^\d+$/.test(actor)) return `staff member ${actor}`;
  return actor;
}

/** Which rule made the price, in words: cost (Amazon's price and shipping), the markup and
 * whose it is, the add-on, the rounding and the margin floor (the change's rule snapshot). */
function ruleWords(change: PriceChange): string {
  const rule = change.rule ?? {};
  const currency = change.currency;
  const breakdown = rule.breakdown as Record<string, string | boolean> | undefined;
  const parts: string[] = [];
  if (breakdown) {
    const cost = money(String(breakdown.cost), currency);
    parts.push(breakdown.cost === breakdown.landed_cost
      ? `cost ${cost} (Amazon ${money(String(breakdown.item_price), currency)} + shipping ${money(String(breakdown.shipping), currency)})`
      : `cost ${cost} (Amazon's price alone)`);
    parts.push(`markup ${percent(String(breakdown.markup_percent))}${breakdown.markup_from_product ? " (this product's)" : " (store-wide)"}`);
    if (Number(breakdown.fixed_addon)) parts.push(`plus ${money(String(breakdown.fixed_addon), currency)}`);
  } else if (rule.markup_percent !== undefined) {
    parts.push(`markup ${percent(String(rule.markup_percent))}`);
    if (Number(rule.fixed_addon)) parts.push(`plus ${money(String(rule.fixed_addon), currency)}`);
  }
  if (rule.rounding && rule.rounding !== "none") parts.push(rule.rounding === "whole" ? "rounded up to a whole amount" : `rounded up to .${String(rule.rounding)}`);
  if (rule.min_margin_percent !== undefined) parts.push(`margin floor ${percent(String(rule.min_margin_percent))}`);
  return parts.length ? `Rule: ${parts.join(", ")}` : "";
}

function detailWords(detail: Record<string, unknown> | null): string {
  if (!detail) return "";
  const words = ["reason", "message", "error", "shopify"].map((k) => detail[k]).filter((v) => typeof v === "string");
  return words.length ? ` — ${words.join("; ")}` : "";
}

function amazonNote(p: ProductDetail): string {
  const where = `ASIN ${p.asin} · amazon.${p.marketplace}`;
  const change = amazonChange(p);
  if (change === null) return where;
  return `${change > 0 ? "▲" : "▼"} ${signedPercent(change)} from ${money(p.previous_amazon_price, p.amazon_currency)} · ${where}`;
}

function markupNote(p: ProductDetail, context: Context): string | null {
  const own = p.pricing.markup_override_percent;
  const markup = own ?? context.settings?.markup_percent ?? null;
  if (markup === null) return null;
  return own === null ? `${percent(markup)} markup (store-wide)` : `${percent(markup)} markup (this product)`;
}

/** GET /api/products/{id}/series: the window (from, to) and each of amazon, proposed and
 * shopify as {points: [[ISO time, decimal price], ...], complete}; a price holds until the
 * next point. */
interface SeriesAnswer {
  from: string;
  to: string;
  series?: Record<string, { points?: [string, string][] } | undefined>;
}

function normaliseSeries(body: SeriesAnswer): Series {
  const series = body.series ?? {};
  const pick = (name: string): [number, number][] =>
    (series[name]?.points ?? []).map(([at, price]) => [Date.parse(at) / 1000, Number(price)] as [number, number]);
  return { amazon: pick("amazon"), proposed: pick("proposed"), shopify: pick("shopify") };
}

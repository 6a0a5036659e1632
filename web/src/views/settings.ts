/**
 * Settings: the store-wide pricing rules, the polling tier and the monthly Oxylabs budget, with
 * App Bridge's save bar while anything is unsaved and a live preview (PATCH ?preview=true) of
 * how many prices change and by how much, product by product (title, money in the shop's
 * currency and locale). Fields the server does not report are not shown.
 */
import { api, ApiError, plainMessage } from "../api";
import type { Context, View } from "../context";
import { h, replace } from "../dom";
import { money, number, signedPercent } from "../format";
import { holdWords } from "../status";
import type { Settings } from "../types";

const SAVE_BAR = "pb-settings-save-bar";

interface FieldSpec {
  name: string;
  label: string;
  kind: "number" | "money" | "select" | "switch" | "count";
  details: string;
  options?: [string, string][];
  optional?: boolean;
}

const FIELDS: FieldSpec[] = [
  { name: "markup_percent", label: "Markup (%)", kind: "number", details: "Added to Amazon's price. 25 means Amazon's price × 1.25." },
  { name: "fixed_addon", label: "Fixed add-on", kind: "money", details: "Added after the markup, in your store's currency." },
  { name: "rounding", label: "Rounding", kind: "select", details: "Prices are only ever rounded up.", options: [["none", "None"], ["99", "To .99"], ["95", "To .95"], ["whole", "To a whole amount"]] },
  { name: "compare_at_from_list_price", label: "Show Amazon's list price as the compare-at price", kind: "switch", details: "When Amazon shows a higher list price." },
  { name: "min_margin_percent", label: "Margin floor (%)", kind: "number", details: "No price is ever pushed below cost plus this margin; such prices are held." },
  { name: "auto_push_tolerance_percent", label: "Auto-push tolerance (%)", kind: "number", optional: true, details: "Changes within this percentage go to Shopify without approval. Empty: approve every change." },
  { name: "out_of_stock_action", label: "When Amazon is out of stock", kind: "select", details: "", options: [["none", "Do nothing"], ["zero_inventory", "Set Shopify inventory to zero"]] },
  { name: "cost_basis", label: "Cost basis", kind: "select", details: "What the markup applies to. The margin floor always counts Amazon's shipping.",
    options: [["landed_cost", "Amazon price plus shipping (landed cost)"], ["item_price", "Amazon price alone"]] },
  { name: "polling_tier", label: "Polling tier", kind: "select", details: "How often PriceBridge checks Amazon for products without a tier of their own; a price that moves is checked twice as often.",
    options: [["hot", "Hot: every 15 minutes"], ["normal", "Normal: every hour"], ["cold", "Cold: every 6 hours"]] },
  { name: "oxylabs_monthly_budget", label: "Monthly Oxylabs budget (results)", kind: "count", optional: true,
    details: "Each check of Amazon uses one result; checks stop for the month when it is used up." },
];

interface PreviewRow {
  product_id: number;
  title: string | null;
  asin: string;
  before: { proposed_price: string | null; held_reason: string | null };
  after: { proposed_price: string | null; held_reason: string | null; held_message: string | null };
}

export function settingsView(root: HTMLElement, context: Context): View {
  let saved: Settings | null = null;
  const values: Record<string, unknown> = {};
  const controls = new Map<string, HTMLElement>();
  const preview = h("div", { "aria-live": "polite", "data-settings-preview": "" });
  const form = h("div", { class: "pb-settings-form" }, h("div", { class: "pb-skeleton-block" }));
  let previewTimer: number | undefined;
  let previewGeneration = 0;

  const saveBar = h("ui-save-bar", { id: SAVE_BAR },
    h("button", { variant: "primary", id: "pb-settings-save", onclick: () => void save() }, "Save"),
    h("button", { id: "pb-settings-discard", onclick: () => discard() }, "Discard"));
  replace(root, h("s-page", { heading: "Settings", inlineSize: "base" },
    h("s-section", { heading: "Pricing rules" }, form),
    h("s-section", { heading: "Preview", slot: "aside" }, preview)), saveBar);
  replace(preview, h("s-paragraph", { color: "subdued" }, "Change a rule to see which prices would move before you save."));

  async function load(): Promise<void> {
    try {
      saved = await api<Settings>("GET", "/api/shop/settings");
      renderForm();
    } catch (error) {
      replace(form, h("s-banner", { tone: "critical", heading: "Settings could not be loaded" }, plainMessage(error)));
    }
  }

  function renderForm(): void {
    if (!saved) return;
    controls.clear();
    const currency = saved.currency;
    const fields = FIELDS.filter((f) => f.name in (saved as Settings)).map((spec) => {
      const value = (saved as Settings)[spec.name];
      const onchange = (event: Event) => edited(spec, event.currentTarget as HTMLElement);
      let control: HTMLElement;
      if (spec.kind === "select") {
        control = h("s-select", { label: spec.label, details: spec.details || null, name: spec.name, value: String(value ?? ""), onchange },
          (spec.options ?? []).map(([v, label]) => h("s-option", { value: v, selected: v === value }, label)));
      } else if (spec.kind === "switch") {
        control = h("s-switch", { label: spec.label, details: spec.details, name: spec.name, checked: Boolean(value), onchange });
      } else if (spec.kind === "count") {
        const fallback = (saved as Settings).oxylabs_monthly_budget_default;
        const own = !(saved as Settings).oxylabs_monthly_budget_is_default;
        control = h("s-number-field", {
          label: spec.label, details: `${spec.details} Empty: the default, ${number(fallback)}.`, name: spec.name,
          value: own ? String(value) : "", placeholder: `${number(fallback)} (default)`, min: 0, step: 1, oninput: onchange, onchange,
        });
      } else {
        control = h(spec.kind === "money" ? "s-money-field" : "s-number-field", {
          label: spec.kind === "money" && currency ? `${spec.label} (${currency})` : spec.label, details: spec.details,
          name: spec.name, value: value === null || value === undefined ? "" : String(value), min: 0, step: spec.kind === "money" ? 0.01 : 0.1,
          oninput: onchange, onchange,
        });
      }
      controls.set(spec.name, control);
      return control;
    });
    replace(form, h("s-stack", { direction: "block", gap: "base" }, fields));
  }

  function readValue(spec: FieldSpec, control: HTMLElement): unknown {
    if (spec.kind === "switch") return (control as unknown as { checked: boolean }).checked;
    const raw = String((control as unknown as { value: string }).value ?? "").trim();
    if (spec.kind === "select") return raw;
    if (raw === "") return spec.optional ? null : "";
    if (spec.kind === "count") return /^-?\d+$/.test(raw) ? Number(raw) : raw; // the server names a bad one
    return raw;
  }

  /** What the server holds for the field, as the form reads it back. */
  function original(spec: FieldSpec): unknown {
    if (spec.kind === "count") return saved?.oxylabs_monthly_budget_is_default ? null : saved?.[spec.name];
    return saved?.[spec.name];
  }

  function edited(spec: FieldSpec, control: HTMLElement): void {
    const value = readValue(spec, control);
    const original_ = original(spec);
    if (String(value ?? "") === String(original_ ?? "")) delete values[spec.name];
    else values[spec.name] = value;
    control.removeAttribute("error");
    if (Object.keys(values).length) void shopify.saveBar.show(SAVE_BAR);
    else void shopify.saveBar.hide(SAVE_BAR);
    window.clearTimeout(previewTimer);
    if (preview.querySelector("s-banner")) replace(preview, h("s-paragraph", { color: "subdued" }, "Working out the preview…"));
    previewTimer = window.setTimeout(() => void runPreview(), 250);
  }

  async function runPreview(): Promise<void> {
    const mine = ++previewGeneration;
    if (!Object.keys(values).length) {
      replace(preview, h("s-paragraph", { color: "subdued" }, "No unsaved change."));
      return;
    }
    try {
      const answer = await api<{ changes: PreviewRow[] }>("PATCH", "/api/shop/settings?preview=true", values);
      if (mine === previewGeneration) showPreview(answer.changes);
    } catch (error) {
      if (mine === previewGeneration) showError(error);
    }
  }

  function showPreview(rows: PreviewRow[]): void {
    const currency = saved?.currency ?? null;
    const moved = rows.filter((r) => r.before.proposed_price !== r.after.proposed_price || r.before.held_reason !== r.after.held_reason);
    const deltas = moved.map((r) => {
      const before = Number(r.before.proposed_price);
      const after = Number(r.after.proposed_price);
      return before && after ? (after - before) / before : null;
    }).filter((d): d is number => d !== null);
    const average = deltas.length ? deltas.reduce((a, b) => a + b, 0) / deltas.length : 0;
    const held = moved.filter((r) => r.after.held_reason && !r.before.held_reason).length;
    replace(preview, h("s-stack", { direction: "block", gap: "small" },
      h("s-text", { type: "strong", "data-preview-count": moved.length },
        moved.length === 0 ? "No price would change." :
        `${number(moved.length)} of ${number(rows.length)} prices would change, by ${signedPercent(average)} on average.`),
      held ? h("s-text", { tone: "warning" }, `${number(held)} would be held (below the margin floor or otherwise unsafe).`) : null,
      moved.length ? h("ul", { class: "pb-preview" }, moved.slice(0, 8).map((r) => h("li", { "data-preview-product": r.product_id },
        h("span", { class: "pb-title" }, r.title || `Amazon ${r.asin}`), h("br"),
        `${money(r.before.proposed_price, currency)} → ${r.after.held_reason ? `held (${r.after.held_message ?? holdWords(r.after.held_reason)})` : money(r.after.proposed_price, currency)}`))) : null,
      moved.length > 8 ? h("s-text", { color: "subdued" }, `and ${number(moved.length - 8)} more`) : null));
  }

  function showError(error: unknown): void {
    const field = error instanceof ApiError ? (error.details as { field?: string } | null)?.field : undefined;
    const control = field ? controls.get(field) : undefined;
    // The server names the field as the API does ("oxylabs_monthly_budget must be ..."): the
    // merchant reads the label they see instead.
    const label = FIELDS.find((spec) => spec.name === field)?.label;
    const message = plainMessage(error);
    const words = field && label && message.startsWith(`${field} `) ? `${label}: ${message.slice(field.length + 1)}` : message;
    if (control) control.setAttribute("error", words);
    replace(preview, h("s-banner", { tone: "critical" }, words));
  }

  async function save(): Promise<void> {
    try {
      const answer = await api<{ settings: Settings; repricing: string }>("PATCH", "/api/shop/settings", values);
      saved = answer.settings;
      context.settings = answer.settings;
      for (const key of Object.keys(values)) delete values[key];
      await shopify.saveBar.hide(SAVE_BAR);
      context.toast(answer.repricing === "queued" ? "Settings saved; prices are being recalculated" : "Settings saved");
      renderForm();
      replace(preview, h("s-paragraph", { color: "subdued" }, "Saved. Change a rule to preview again."));
    } catch (error) {
      showError(error);
      context.toast(plainMessage(error), true);
    }
  }

  function discard(): void {
    for (const key of Object.keys(values)) delete values[key];
    void shopify.saveBar.hide(SAVE_BAR);
    renderForm();
    replace(preview, h("s-paragraph", { color: "subdued" }, "Change a rule to see which prices would move before you save."));
  }

  void load();
  return {
    unmount() {
      void shopify.saveBar.hide(SAVE_BAR);
      saveBar.remove();
    },
    refresh() {
      if (!Object.keys(values).length) void load();
    },
  };
}

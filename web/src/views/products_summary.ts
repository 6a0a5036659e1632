/** The summary bar: products, the list views' counts, pushes today, budget used, last poll. */
import { api } from "../api";
import { h, replace } from "../dom";
import { ago, number } from "../format";
import type { Usage } from "../types";

export interface Summary {
  products: number;
  by_status: Record<string, number>;
  views: Record<string, number>;
  changes: Record<string, number>;
  last_poll_at: string | null;
  pushes_today: number | null;
  usage: Usage;
}

export function loadSummary(): Promise<Summary> {
  return api<Summary>("GET", "/api/summary");
}

export function renderSummary(container: HTMLElement, summary: Summary): void {
  const metric = (label: string, value: string, id: string) =>
    h("s-box", { padding: "base", background: "base", borderRadius: "base", border: "base", "data-metric": id },
      h("s-text", { color: "subdued" }, label), h("div", { class: "pb-metric" }, value));
  const views = summary.views;
  replace(container,
    metric("Linked", number(summary.products), "linked"),
    metric("Needs approval", number(views.needs_approval ?? 0), "needs_approval"),
    metric("Held", number(views.held ?? 0), "held"),
    metric("Failed", number(views.failed ?? 0), "failed"),
    metric("Overridden", number(views.overridden ?? 0), "overridden"),
    metric("Pushed today", summary.pushes_today === null ? "—" : number(summary.pushes_today), "pushes_today"),
    metric("Budget used", `${number(summary.usage.used)} / ${number(summary.usage.budget)}`, "budget"),
    metric("Last poll", ago(summary.last_poll_at), "last_poll"),
  );
}

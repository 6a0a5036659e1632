/**
 * The summary bar: products, the list views' counts, pushes today, budget used, last poll.
 * The cards are drawn once; a new summary changes only the values that moved. Values are kept
 * short enough for a card ("0.2%", "5 min. ago") with the full words in their title.
 */
import { api } from "../api";
import { h } from "../dom";
import { ago, dateTime, number, share } from "../format";
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

const METRICS: [id: string, label: string][] = [
  ["linked", "Linked"],
  ["needs_approval", "To approve"],
  ["held", "Held"],
  ["failed", "Failed"],
  ["overridden", "Overridden"],
  ["pushes_today", "Pushed today"],
  ["budget", "Budget used"],
  ["last_poll", "Last poll"],
];

/** Each metric's value and its full words: [shown, title]. */
function values(summary: Summary): Record<string, [string, string]> {
  const views = summary.views;
  const count = (value: number) => [number(value), number(value)] as [string, string];
  const { used, budget } = summary.usage;
  return {
    linked: count(summary.products),
    needs_approval: count(views.needs_approval ?? 0),
    held: count(views.held ?? 0),
    failed: count(views.failed ?? 0),
    overridden: count(views.overridden ?? 0),
    pushes_today: summary.pushes_today === null ? ["—", "not known"] : count(summary.pushes_today),
    // A share fits the card at any size ("154 / 100K" did not); the title has the counts.
    budget: [share(used, budget), `${number(used)} of ${number(budget)} Oxylabs results this month`],
    last_poll: [ago(summary.last_poll_at, Date.now(), "narrow"), summary.last_poll_at ? dateTime(summary.last_poll_at) : "never"],
  };
}

export function renderSummary(container: HTMLElement, summary: Summary): void {
  if (container.childElementCount !== METRICS.length) {
    container.replaceChildren(...METRICS.map(([id, label]) =>
      h("s-box", { padding: "base", background: "base", borderRadius: "base", border: "base", "data-metric": id },
        h("s-text", { color: "subdued" }, label), h("div", { class: "pb-metric" }))));
  }
  const shown = values(summary);
  for (const card of container.children) {
    const [value, title] = shown[(card as HTMLElement).dataset.metric ?? ""] ?? ["", ""];
    const metric = card.querySelector(".pb-metric") as HTMLElement;
    if (metric.textContent !== value) metric.textContent = value;
    if (metric.title !== title) metric.title = title;
  }
}

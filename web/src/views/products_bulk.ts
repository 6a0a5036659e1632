/**
 * Bulk actions on the selected rows: Update Shopify, approve, reject, pause, resume. The bar is
 * drawn once; a selection change only updates its count and whether it shows.
 */
import { api, plainMessage } from "../api";
import type { Context } from "../context";
import { h } from "../dom";
import { number } from "../format";
import { expectOutcome } from "../outcomes";
import type { Product } from "../types";

export interface Selection {
  ids: Set<number>;
  product(id: number): Product | undefined;
  clear(): void;
  /** After an action: reload these rows. */
  done(ids: number[]): void;
}

export interface BulkBar {
  element: HTMLElement;
  /** Show the bar and its count for the current selection (hidden when nothing is selected). */
  update(): void;
}

export function bulkBar(context: Context, selection: Selection): BulkBar {
  const count = h("s-text", { type: "strong", "data-selected-count": "" });
  const bulk = async (button: HTMLElement, run: () => Promise<string>) => {
    const ids = [...selection.ids];
    button.setAttribute("loading", "");
    try {
      context.toast(await run());
    } catch (error) {
      context.toast(error instanceof Error && !("status" in error) ? error.message : plainMessage(error), true);
    } finally {
      button.removeAttribute("loading");
      selection.done(ids);
    }
  };
  const action = (label: string, run: () => Promise<string>, tone?: string) =>
    h("s-button", { tone, "data-bulk": label, onclick: (event: Event) => void bulk(event.currentTarget as HTMLElement, run) }, label);
  const element = h("div", { class: "pb-bulk", role: "region", "aria-label": "Bulk actions", hidden: true },
    h("s-stack", { direction: "inline", gap: "base", alignItems: "center" },
      count,
      action("Update Shopify", () => bulkPush(selection)),
      action("Approve", () => bulkChange(selection, "approve")),
      action("Reject", () => bulkChange(selection, "reject"), "critical"),
      action("Pause", () => bulkPause(selection, true)),
      action("Resume", () => bulkPause(selection, false)),
      h("s-button", { variant: "tertiary", onclick: () => selection.clear() }, "Clear selection")));
  return {
    element,
    update() {
      const selected = selection.ids.size;
      element.hidden = selected === 0;
      const words = `${number(selected)} selected`;
      if (count.textContent !== words) count.textContent = words;
    },
  };
}

async function bulkPush(selection: Selection): Promise<string> {
  const answer = await api<{ approved: { product_id: number }[]; skipped: unknown[] }>("POST", "/api/push", { product_ids: [...selection.ids] });
  expectOutcome(answer.approved.map((change) => change.product_id));
  return `${number(answer.approved.length)} sent to Shopify, ${number(answer.skipped.length)} had nothing to push`;
}

async function bulkChange(selection: Selection, verb: "approve" | "reject"): Promise<string> {
  const open = [...selection.ids].map((id) => ({ id, change: selection.product(id)?.pricing.change }))
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
  if (failures.length) throw new Error(`${number(done)} ${verbed}; ${number(failures.length)} refused: ${failures[0]}`);
  return open.length === 0 ? "No selected product has a price change to decide on" : `${changes(done)} ${verbed}`;
}

async function bulkPause(selection: Selection, paused: boolean): Promise<string> {
  const ids = [...selection.ids];
  const answers = await Promise.allSettled(ids.map((id) => api("PATCH", `/api/products/${id}`, { paused })));
  const refused = answers.filter((a): a is PromiseRejectedResult => a.status === "rejected");
  const verbed = paused ? "paused" : "resumed";
  const done = ids.length - refused.length;
  if (refused.length) throw new Error(`${number(done)} ${verbed}; ${refused.length} refused: ${plainMessage(refused[0].reason)}`);
  return `${number(done)} ${done === 1 ? "product" : "products"} ${verbed}`;
}

function changes(count: number): string {
  return `${number(count)} price ${count === 1 ? "change" : "changes"}`;
}

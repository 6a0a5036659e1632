/** Bulk actions on the selected rows: Update Shopify, approve, reject, pause, resume. */
import { api, plainMessage } from "../api";
import type { Context } from "../context";
import { h, replace } from "../dom";
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

export function renderBulk(bar: HTMLElement, context: Context, selection: Selection): void {
  const count = selection.ids.size;
  bar.hidden = count === 0;
  if (count === 0) return;
  const action = (label: string, run: () => Promise<string>, tone?: string) =>
    h("s-button", { tone, onclick: (event: Event) => void bulk(event.currentTarget as HTMLElement, run) }, label);
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
  replace(bar,
    h("s-stack", { direction: "inline", gap: "base", alignItems: "center" },
      h("s-text", { type: "strong" }, `${number(count)} selected`),
      action("Update Shopify", () => bulkPush(selection)),
      action("Approve", () => bulkChange(selection, "approve")),
      action("Reject", () => bulkChange(selection, "reject"), "critical"),
      action("Pause", () => bulkPause(selection, true)),
      action("Resume", () => bulkPause(selection, false)),
      h("s-button", { variant: "tertiary", onclick: () => selection.clear() }, "Clear selection")));
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
  if (failures.length) throw new Error(`${done} ${verbed}; ${failures.length} refused: ${failures[0]}`);
  return open.length === 0 ? "No selected product has a price change to decide on" : `${number(done)} price changes ${verbed}`;
}

async function bulkPause(selection: Selection, paused: boolean): Promise<string> {
  for (const id of selection.ids) await api("PATCH", `/api/products/${id}`, { paused });
  return `${number(selection.ids.size)} products ${paused ? "paused" : "resumed"}`;
}

/**
 * What each row's status badge says, from the product and its pricing summary, most urgent
 * first: variant gone, paused, manually overridden, pushing, failed (Shopify's message), held
 * (with its reason), needs approval, rejected, in sync.
 */
import type { Product } from "./types";

export type Tone = "success" | "info" | "warning" | "critical" | "caution" | "neutral";

export interface RowStatus {
  key: string;
  label: string;
  tone: Tone;
  detail: string | null;
}

const HOLD_WORDS: Record<string, string> = {
  below_margin_floor: "below your margin floor",
  no_cost: "no Amazon price yet",
  unknown_currency: "Amazon's currency is unknown",
  currency_mismatch: "Amazon's currency differs from your store's",
  product_paused: "product paused",
  manual_override: "price set by hand in Shopify",
  shop_currency_unknown: "store currency not known yet",
};

export function holdWords(reason: string | null | undefined): string {
  if (!reason) return "held";
  return HOLD_WORDS[reason] ?? reason.replace(/_/g, " ");
}

export function rowStatus(product: Product): RowStatus {
  const pricing = product.pricing;
  const change = pricing.change;
  const state = pricing.change_state;
  if (product.status === "variant_deleted") {
    return { key: "variant_gone", label: "Variant gone", tone: "critical", detail: product.status_reason ?? "The Shopify variant no longer exists." };
  }
  if (pricing.paused || product.status === "paused") {
    return { key: "paused", label: "Paused", tone: "neutral", detail: product.status_reason };
  }
  if (pricing.manual_override) {
    return { key: "manual_override", label: "Manually overridden", tone: "warning", detail: "Price edited in Shopify; PriceBridge leaves it alone until you clear the override." };
  }
  if (state === "approved" || state === "pushing") {
    return { key: "pushing", label: "Pushing", tone: "info", detail: null };
  }
  if (state === "failed") {
    return { key: "failed", label: "Failed", tone: "critical", detail: change?.error ?? "Shopify refused the price." };
  }
  if (state === "held" || pricing.price_hold) {
    const reason = change?.held_message || pricing.price_hold?.message || holdWords(change?.held_reason ?? pricing.price_hold?.reason);
    return { key: "held", label: "Held", tone: "warning", detail: reason };
  }
  if (state === "proposed") {
    return { key: "needs_approval", label: "Needs approval", tone: "caution", detail: null };
  }
  if (state === "rejected") {
    return { key: "rejected", label: "Rejected", tone: "neutral", detail: null };
  }
  if (product.status === "needs_attention") {
    return { key: "needs_attention", label: "Needs attention", tone: "critical", detail: product.status_reason };
  }
  if (product.status === "dead") {
    return { key: "dead", label: "Amazon listing gone", tone: "critical", detail: product.status_reason };
  }
  if (!product.amazon_price) {
    return { key: "waiting", label: "Waiting for Amazon", tone: "neutral", detail: "The first check is on its way." };
  }
  return { key: "in_sync", label: "In sync", tone: "success", detail: null };
}

/** Whether "Update Shopify" has something to push for this row. */
export function canPush(product: Product): boolean {
  const state = product.pricing.change_state;
  return (state === "proposed" || state === "failed") && !product.pricing.manual_override && !product.pricing.paused;
}

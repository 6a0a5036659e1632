/**
 * A push's outcome as a toast, once: "Update Shopify" marks the products it sent; the first
 * view of each one afterwards that is no longer approved or pushing (from a live event or a
 * reload) says what Shopify answered.
 */
import { money, shopCurrency } from "./format";
import type { Product } from "./types";

const awaiting = new Set<number>();

export function expectOutcome(ids: Iterable<number>): void {
  for (const id of ids) awaiting.add(id);
}

export function settle(product: Product, toast: (message: string, isError?: boolean) => void): void {
  if (!awaiting.has(product.id)) return;
  const change = product.pricing.change;
  const state = product.pricing.change_state;
  if (state === "approved" || state === "pushing") return;
  awaiting.delete(product.id);
  const name = product.title || `ASIN ${product.asin}`;
  if (state === "failed") {
    toast(`Shopify refused the price for ${name}: ${change?.error ?? "no reason given"}`, true);
  } else if (state === "pushed") {
    const price = change?.confirmed_price ?? product.pricing.shopify_price;
    toast(`Shopify price updated: ${name} is now ${money(price, shopCurrency(product))}`);
  }
}

/** The JSON shapes of PriceBridge's /api this page reads (see GET /api/openapi.json). */
export interface ChangeBrief {
  id: number;
  state: string;
  proposed_price: string | null;
  compare_at_price: string | null;
  confirmed_price: string | null;
  held_reason: string | null;
  held_message: string | null;
  error: string | null;
  updated_at: string | null;
}

export interface Pricing {
  proposed_price: string | null;
  shopify_price: string | null;
  change_state: string | null;
  change: ChangeBrief | null;
  manual_override: { at: string; price: string | null } | null;
  price_hold: { reason: string; message: string | null } | null;
  markup_override_percent: string | null;
  paused: boolean;
}

export interface Product {
  id: number;
  asin: string;
  marketplace: string;
  amazon_url: string;
  shopify_product_gid: string;
  shopify_variant_gid: string;
  status: string;
  status_reason: string | null;
  last_polled_at: string | null;
  observed_at: string | null;
  amazon_price: string | null;
  amazon_currency: string | null;
  availability: string;
  title: string | null;
  image_url: string | null;
  shopify_price: string | null;
  created_at: string;
  pricing: Pricing;
  /** Amazon's price before its last move (same currency), and when it moved. */
  previous_amazon_price: string | null;
  amazon_price_changed_at: string | null;
  delivery_earliest: string | null;
  delivery_latest: string | null;
}

export interface Observation {
  id: number;
  observed_at: string;
  price: string | null;
  list_price: string | null;
  currency: string | null;
  availability: string;
  stock_text: string;
  delivery_earliest: string | null;
  delivery_latest: string | null;
  seller: string | null;
  quarantined: boolean;
  quarantine_reason: string | null;
}

export interface ProductDetail extends Product {
  history: Observation[];
  history_next_cursor: string | null;
}

export interface Usage {
  month: string;
  used: number;
  budget: number;
  remaining: number;
}

export interface ProductList {
  items: Product[];
  next_cursor: string | null;
  usage: Usage;
}

export interface Settings {
  currency: string | null;
  markup_percent: string;
  fixed_addon: string | null;
  rounding: "none" | "99" | "95" | "whole";
  compare_at_from_list_price: boolean;
  min_margin_percent: string;
  auto_push_tolerance_percent: string | null;
  out_of_stock_action: "none" | "zero_inventory";
  cost_basis: "landed_cost" | "item_price";
  polling_tier: "hot" | "normal" | "cold";
  oxylabs_monthly_budget: number;
  oxylabs_monthly_budget_default: number;
  oxylabs_monthly_budget_is_default: boolean;
  [name: string]: unknown;
}

export interface Transition {
  from: string | null;
  to: string;
  actor: string;
  at: string;
  detail: Record<string, unknown> | null;
}

export interface PriceChange {
  id: number;
  product_id: number;
  state: string;
  proposed_price: string | null;
  previous_price: string | null;
  confirmed_price: string | null;
  currency: string | null;
  held_reason: string | null;
  held_message: string | null;
  error: string | null;
  rule: Record<string, unknown> | null;
  created_at: string | null;
  transitions: Transition[];
}

export interface LiveEvent {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

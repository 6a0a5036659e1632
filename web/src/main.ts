/**
 * PriceBridge's embedded dashboard: boot, routing under /app, the live stream and its banner.
 *
 * Runs inside the Shopify admin: App Bridge (window.shopify) gives session tokens, toasts, the
 * save bar, the resource picker and the loading bar; Polaris web components (s-*) draw the UI.
 * Views are plain functions that build DOM with `h` and update rows in place on live events.
 */
import "./styles.css";
import { api } from "./api";
import type { Context, View, ViewFactory } from "./context";
import { h, replace } from "./dom";
import { configureFormats } from "./format";
import { takeInitial } from "./initial";
import { LiveStream, type Connection } from "./live";
import type { LiveEvent, Settings } from "./types";
import { productsView } from "./views/products";

const root = document.getElementById("pricebridge") as HTMLElement;
const shop = root.dataset.shop ?? "";

interface Route {
  pattern: RegExp;
  load: () => Promise<ViewFactory>;
}

const ROUTES: Route[] = [
  { pattern: /^\/app\/?$/, load: async () => productsView },
  { pattern: /^\/app\/link\/?$/, load: async () => (await import("./views/link")).linkView },
  { pattern: /^\/app\/settings\/?$/, load: async () => (await import("./views/settings")).settingsView },
  { pattern: /^\/app\/products\/(?<id>\d+)\/?$/, load: async () => (await import("./views/detail")).detailView },
];

let current: View = {};
let generation = 0;

const context: Context = {
  shop,
  settings: null,
  ready: Promise.resolve(null),
  navigate(path: string) {
    const url = new URL(path, location.href);
    // Keep App Bridge's query (host, shop, ...) so a reload lands in the same place.
    for (const [name, value] of new URLSearchParams(location.search)) {
      if (name !== "id_token" && !url.searchParams.has(name)) url.searchParams.set(name, value);
    }
    history.pushState(null, "", url.pathname + url.search);
    void route();
  },
  toast(message: string, isError = false) {
    shopify.toast.show(message, { isError, duration: isError ? 8000 : 4000 });
  },
};

async function route(): Promise<void> {
  const mine = ++generation;
  current.unmount?.();
  current = {};
  const path = location.pathname;
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  if (!match || !match.m) {
    replace(root, h("s-page", { heading: "Not found" }, h("s-section", {}, h("s-paragraph", {}, "This page does not exist in PriceBridge."))));
    return;
  }
  shopify.loading(true);
  try {
    const factory = await match.r.load();
    if (mine !== generation) return;
    const container = h("div", { class: "pb-view" });
    current = factory(container, context, (match.m.groups ?? {}) as Record<string, string>);
    replace(root, container);
  } finally {
    shopify.loading(false);
  }
}

// The sequence numbers delivered to the views, in order (the last 1,000): what the browser
// tests and the bench read to check that nothing was lost or repeated.
const delivered: number[] = [];
(window as unknown as { __pbDelivered: number[] }).__pbDelivered = delivered;

function onEvent(event: LiveEvent): void {
  delivered.push(event.seq);
  if (delivered.length > 1000) delivered.shift();
  current.onEvent?.(event);
}

const banner = h("div", { class: "pb-offline", role: "status", "aria-live": "polite", hidden: true },
  h("s-banner", { tone: "warning", heading: "You are offline" }, "Live updates are paused. PriceBridge reconnects by itself and catches up."));
document.body.append(banner);

// While the socket is down the banner says so (after a moment, so a quick reconnect does not
// flicker) and the view reloads its data every few seconds, so nothing goes stale meanwhile.
const OFFLINE_GRACE_MS = 1500;
const OFFLINE_REFRESH_MS = 5000;
let everOnline = false;
let offlineTimer: number | undefined;
let pollTimer: number | undefined;
function onConnection(state: Connection): void {
  document.documentElement.dataset.live = state;
  if (state === "online") {
    window.clearTimeout(offlineTimer);
    window.clearInterval(pollTimer);
    offlineTimer = pollTimer = undefined;
    banner.hidden = true;
    if (everOnline) current.refresh?.();
    everOnline = true;
    return;
  }
  if (state === "offline" && offlineTimer === undefined) {
    offlineTimer = window.setTimeout(() => {
      banner.hidden = false;
      pollTimer = window.setInterval(() => current.refresh?.(), OFFLINE_REFRESH_MS);
    }, OFFLINE_GRACE_MS);
  }
}

async function boot(): Promise<void> {
  configureFormats(shopify.config.locale, null);
  window.addEventListener("popstate", () => void route());
  // App Bridge's navigation (s-app-nav in the admin) arrives as shopify:navigate on the link.
  document.addEventListener("shopify:navigate", (event) => {
    const href = (event.target as Element | null)?.getAttribute("href");
    if (href) context.navigate(href);
  });
  // The settings /app embedded, else from the API: money waits for the shop's currency.
  const embedded = takeInitial("settings");
  context.ready = (embedded ? Promise.resolve(embedded) : api<Settings>("GET", "/api/shop/settings"))
    .catch(() => null)
    .then((settings) => {
      context.settings = settings;
      configureFormats(shopify.config.locale, settings?.currency ?? null);
      return settings;
    });
  if (embedded) {
    context.settings = embedded;
    configureFormats(shopify.config.locale, embedded.currency);
  }
  // Events after the embedded data was read are caught up from its sequence number.
  const since = takeInitial("seq");
  await route();
  const live = new LiveStream({ onEvent, onConnection, onResync: () => current.refresh?.() }, since ?? null);
  (window as unknown as { __pbLive?: LiveStream }).__pbLive = live;
  live.start();
}

void boot();

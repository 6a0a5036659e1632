/*
 * App Bridge stand-in served by the Shopify simulator at /cdn/app-bridge.js.
 *
 * Like Shopify's CDN script it reads the API key from <meta name="shopify-api-key"> (or the
 * script's data-api-key), defines window.shopify (idToken, toast, config, environment, modal),
 * adds "Authorization: Bearer <session token>" to the app's own fetches and retries once when
 * the app answers 401 with X-Shopify-Retry-Invalid-Session-Request, and performs the
 * "patch ID token" bounce for pages loaded with ?shopify-reload=<path>.
 * Session tokens come from the parent admin page over postMessage; the admin page mints them
 * at POST /store/<name>/session-token (same origin as the admin and as this script).
 */
(function () {
  "use strict";
  if (window.shopify && window.shopify.__simulated) return;

  const script =
    document.currentScript ||
    Array.from(document.getElementsByTagName("script")).find((s) => /app-bridge\.js(\?|$)/.test(s.src));
  const ADMIN_ORIGIN = script ? new URL(script.src, location.href).origin : location.origin;
  const meta = document.querySelector('meta[name="shopify-api-key"]');
  const API_KEY = (meta && meta.content) || (script && script.dataset.apiKey) || "";
  const params = new URLSearchParams(location.search);
  const host = params.get("host") || "";
  const embedded = window.top !== window.self;
  const TOKEN_TIMEOUT_MS = 10000;

  function shopFromHost(value) {
    try {
      const decoded = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
      const match = /\/store\/([a-z0-9][a-z0-9-]*)/.exec(decoded);
      return match ? `${match[1]}.myshopify.com` : "";
    } catch (error) {
      return "";
    }
  }

  const shop = params.get("shop") || shopFromHost(host);
  const shopName = shop.replace(/\.myshopify\.com$/, "");

  if (!API_KEY) console.error("[App Bridge simulator] missing <meta name=\"shopify-api-key\">");

  // Outside the admin, App Bridge sends the merchant to the app inside the admin.
  if (!embedded) {
    if (shopName && API_KEY) {
      location.replace(`${ADMIN_ORIGIN}/store/${shopName}/apps/${encodeURIComponent(API_KEY)}`);
    } else {
      console.error("[App Bridge simulator] not embedded and no shop to redirect to");
    }
  }

  let sequence = 0;
  const pending = new Map();

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== ADMIN_ORIGIN) return;
    const message = event.data || {};
    if (message.type !== "shopify-sim:idToken:reply") {
      handleAdminMessage(message);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.token) waiter.resolve(message.token);
    else waiter.reject(new Error(`App Bridge: no session token (${message.error || "unknown error"})`));
  });

  function tellAdmin(message) {
    if (embedded) window.parent.postMessage(message, ADMIN_ORIGIN);
  }

  // Like App Bridge, a token (one-minute expiry) is reused until shortly before it expires.
  const TOKEN_REUSE_MARGIN_MS = 10000;
  let cachedToken = null;

  function expiryMs(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const exp = JSON.parse(atob(payload + "=".repeat((4 - (payload.length % 4)) % 4))).exp;
      return typeof exp === "number" ? exp * 1000 : 0;
    } catch (error) {
      return 0; // not a JWT we can read: never reused
    }
  }

  /** A session token: the cached one while it has more than ten seconds left, else a new one. */
  function idToken() {
    if (cachedToken && cachedToken.expires - Date.now() > TOKEN_REUSE_MARGIN_MS) return Promise.resolve(cachedToken.token);
    return freshIdToken().then((token) => {
      cachedToken = { token, expires: expiryMs(token) };
      return token;
    });
  }

  function freshIdToken() {
    if (!embedded) return Promise.reject(new Error("App Bridge: the app is not embedded in the admin"));
    return new Promise((resolve, reject) => {
      const id = ++sequence;
      const timer = setTimeout(() => {
        if (pending.delete(id)) reject(new Error("App Bridge: session token request timed out"));
      }, TOKEN_TIMEOUT_MS);
      const settle = (action) => (value) => { clearTimeout(timer); action(value); };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      tellAdmin({ type: "shopify-sim:idToken", id });
    });
  }

  const nativeFetch = window.fetch.bind(window);

  async function fetchWithToken(request) {
    const headers = new Headers(request.headers);
    headers.set("Authorization", `Bearer ${await idToken()}`);
    return nativeFetch(new Request(request, { headers }));
  }

  async function authenticatedFetch(input, init) {
    const request = new Request(input instanceof Request ? input : new URL(String(input), location.href).href, init);
    const url = new URL(request.url, location.href);
    if (!embedded || url.origin !== location.origin || request.headers.has("Authorization")) {
      return nativeFetch(request);
    }
    const retry = request.clone();
    const response = await fetchWithToken(request);
    if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
      cachedToken = null; // the app refused it: the retry carries a new one
      return fetchWithToken(retry);
    }
    return response;
  }

  window.fetch = authenticatedFetch;

  const nativeOpen = window.open.bind(window);
  window.open = function (url, target, features) {
    if (embedded && (target === "_top" || target === "_parent")) {
      tellAdmin({ type: "shopify-sim:navigate", url: new URL(String(url), location.href).href });
      return null;
    }
    return nativeOpen(url, target, features);
  };

  let toastSequence = 0;
  const toast = {
    show(message, options) {
      const id = `toast-${++toastSequence}`;
      tellAdmin({
        type: "shopify-sim:toast", id, message: String(message),
        isError: Boolean(options && options.isError), duration: (options && options.duration) || 5000,
      });
      return id;
    },
    hide(id) { tellAdmin({ type: "shopify-sim:toast:hide", id: String(id) }); },
  };

  /* ---- resource picker: the admin draws the picker and answers with the selection ------- */
  const pickers = new Map();
  function resourcePicker(options) {
    const opts = options || {};
    if (!["product", "variant", "collection"].includes(opts.type)) {
      return Promise.reject(new Error("resourcePicker: type must be product, variant or collection"));
    }
    return new Promise((resolve) => {
      const id = ++sequence;
      pickers.set(id, resolve);
      tellAdmin({
        type: "shopify-sim:resourcePicker", id, resourceType: opts.type, action: opts.action || "add",
        multiple: opts.multiple || false, query: opts.query || "",
      });
    });
  }

  /* ---- save bar: <ui-save-bar id> with <button variant="primary"> and <button> children -- */
  function saveBarButtons(bar) {
    return Array.from(bar.querySelectorAll("button")).map((button, index) => ({
      index, label: button.textContent.trim(), primary: button.getAttribute("variant") === "primary",
      disabled: button.hasAttribute("disabled"), loading: button.hasAttribute("loading"),
    }));
  }
  const saveBar = {
    show(id) { return setSaveBar(id, true); },
    hide(id) { return setSaveBar(id, false); },
    toggle(id) { const bar = document.getElementById(id); return setSaveBar(id, !(bar && bar.showing)); },
    leaveConfirmation() {
      const open = Array.from(document.querySelectorAll("ui-save-bar")).some((bar) => bar.showing);
      if (open) tellAdmin({ type: "shopify-sim:saveBar:shake" });
      return open ? Promise.reject(new Error("leave confirmation: unsaved changes")) : Promise.resolve();
    },
  };
  function setSaveBar(id, showing) {
    const bar = document.getElementById(id);
    if (!bar || bar.tagName !== "UI-SAVE-BAR") return Promise.reject(new Error(`saveBar: no <ui-save-bar id="${id}">`));
    bar.showing = showing;
    tellAdmin({ type: "shopify-sim:saveBar", id, showing, buttons: showing ? saveBarButtons(bar) : [] });
    bar.dispatchEvent(new Event(showing ? "show" : "hide"));
    return Promise.resolve();
  }
  const elements = typeof customElements !== "undefined" ? customElements : null;
  if (elements && !elements.get("ui-save-bar")) {
    elements.define("ui-save-bar", class extends HTMLElement {
      constructor() { super(); this.showing = false; }
      connectedCallback() { this.style.display = "none"; }
      disconnectedCallback() { if (this.showing && this.id) tellAdmin({ type: "shopify-sim:saveBar", id: this.id, showing: false, buttons: [] }); }
      show() { return setSaveBar(this.id, true); }
      hide() { return setSaveBar(this.id, false); }
      toggle() { return setSaveBar(this.id, !this.showing); }
    });
  }

  /* ---- s-app-nav: the admin draws the links; a click comes back as shopify:navigate ------ */
  function navLinks() {
    const nav = document.querySelector("s-app-nav");
    if (!nav) return [];
    return Array.from(nav.querySelectorAll("s-link, a")).map((link) => ({
      href: link.getAttribute("href") || "", label: link.textContent.trim(), home: link.getAttribute("rel") === "home",
    }));
  }
  function announceNav() { if (typeof location.pathname === "string") tellAdmin({ type: "shopify-sim:nav", items: navLinks(), path: location.pathname }); }
  if (elements && !elements.get("s-app-nav")) {
    elements.define("s-app-nav", class extends HTMLElement {
      connectedCallback() {
        this.style.display = "none";
        // Parsed before its links: announce again once the document (or a change) is complete.
        if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", announceNav, { once: true });
        else queueMicrotask(announceNav);
        new MutationObserver(announceNav).observe(this, { childList: true, subtree: true, characterData: true });
      }
    });
  }
  // Address bar sync: the admin follows the app's pushState/replaceState (as App Bridge does).
  for (const method of typeof history !== "undefined" ? ["pushState", "replaceState"] : []) {
    const native = history[method].bind(history);
    history[method] = function (state, unused, url) {
      native(state, unused, url);
      announceNav();
    };
  }
  window.addEventListener("popstate", announceNav);

  /* ---- web vitals: LCP, CLS and INP from PerformanceObserver, reported to onReport ------- */
  const vitals = { LCP: null, CLS: 0, INP: null };
  const vitalsCallbacks = new Set();
  function observe(type, handle, extra) {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(handle)).observe({ type, buffered: true, ...(extra || {}) });
    } catch (error) { /* an entry type this browser does not support */ }
  }
  observe("largest-contentful-paint", (entry) => { vitals.LCP = entry.startTime; });
  observe("layout-shift", (entry) => { if (!entry.hadRecentInput) vitals.CLS += entry.value; });
  observe("event", (entry) => {
    if (entry.interactionId) vitals.INP = Math.max(vitals.INP || 0, entry.duration);
  }, { durationThreshold: 16 });
  function reportVitals() {
    const metrics = Object.entries(vitals).filter(([, value]) => value !== null)
      .map(([name, value]) => ({ id: `${name}-sim`, name, value, version: "simulator" }));
    for (const callback of vitalsCallbacks) callback({ metrics });
  }
  if (typeof document.addEventListener === "function") document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") reportVitals(); });
  const webVitals = {
    onReport(callback) {
      if (callback === null) vitalsCallbacks.clear(); else vitalsCallbacks.add(callback);
      return Promise.resolve();
    },
    __current() { return { ...vitals }; },
    __report: reportVitals,
  };

  function handleAdminMessage(message) {
    if (message.type === "shopify-sim:resourcePicker:reply") {
      const resolve = pickers.get(message.id);
      if (!resolve) return;
      pickers.delete(message.id);
      if (!message.selection) { resolve(undefined); return; }
      const selection = message.selection.slice();
      selection.selection = message.selection; // the deprecated alias the real payload keeps
      resolve(selection);
    } else if (message.type === "shopify-sim:saveBar:click") {
      const bar = document.getElementById(message.id);
      const button = bar && bar.querySelectorAll("button")[message.index];
      if (button) button.click();
    } else if (message.type === "shopify-sim:nav:click") {
      const nav = document.querySelector("s-app-nav");
      const link = nav && Array.from(nav.querySelectorAll("s-link, a")).find((l) => l.getAttribute("href") === message.href);
      if (link) link.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true, composed: true }));
    }
  }

  function overlay(id, method) {
    const element = document.getElementById(id);
    if (element && typeof element[method] === "function") element[method]();
    return Promise.resolve();
  }

  window.shopify = {
    __simulated: true,
    origin: ADMIN_ORIGIN,
    config: { apiKey: API_KEY, shop, host, locale: params.get("locale") || "en" },
    environment: { embedded, mobile: false, pos: false },
    idToken,
    toast,
    modal: {
      show: (id) => overlay(id, "showOverlay"),
      hide: (id) => overlay(id, "hideOverlay"),
      toggle: (id) => overlay(id, "toggleOverlay"),
    },
    loading(isLoading) {
      const on = isLoading === undefined ? true : Boolean(isLoading);
      document.documentElement.toggleAttribute("data-shopify-loading", on);
      tellAdmin({ type: "shopify-sim:loading", loading: on });
    },
    resourcePicker,
    saveBar,
    webVitals,
    ready: Promise.resolve(),
  };

  // The "patch ID token" bounce page: get a token, then reload the app page with it.
  const reload = params.get("shopify-reload");
  if (reload && embedded) {
    idToken()
      .then((token) => {
        const target = new URL(reload, location.href);
        if (target.origin !== location.origin) throw new Error("shopify-reload must stay on the app's origin");
        target.searchParams.set("id_token", token);
        location.replace(target.href);
      })
      .catch((error) => console.error("[App Bridge simulator]", error));
  }
})();

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
    if (message.type !== "shopify-sim:idToken:reply") return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.token) waiter.resolve(message.token);
    else waiter.reject(new Error(`App Bridge: no session token (${message.error || "unknown error"})`));
  });

  function tellAdmin(message) {
    if (embedded) window.parent.postMessage(message, ADMIN_ORIGIN);
  }

  /** A fresh session token (one-minute expiry) for every call. */
  function idToken() {
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
      tellAdmin({ type: "shopify-sim:toast", id, message: String(message), isError: Boolean(options && options.isError) });
      return id;
    },
    hide() {},
  };

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
      document.documentElement.toggleAttribute("data-shopify-loading", Boolean(isLoading));
    },
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

// Runs the App Bridge stand-in in a fake embedded window (node, no browser) and checks its
// contract: idToken over postMessage, Bearer tokens on same-origin fetches, one retry on
// X-Shopify-Retry-Invalid-Session-Request, and the shopify-reload bounce. Prints "ok" or throws.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const vm = require("node:vm");

const [scriptPath, search] = process.argv.slice(2);
const ADMIN = "http://sim.test";
const APP = "http://app.test";

function makeWindow() {
  const listeners = [];
  const posted = [];
  const fetched = [];
  const replaced = [];
  const answers = [];
  const parent = {
    postMessage(message, origin) {
      posted.push({ message, origin });
      if (message.type === "shopify-sim:idToken") {
        setTimeout(() => dispatch({ source: parent, origin: ADMIN, data: { type: "shopify-sim:idToken:reply", id: message.id, token: `tok-${message.id}` } }), 0);
      }
    },
  };
  function dispatch(event) { for (const listener of listeners) listener(event); }
  const window = {
    parent,
    top: parent,
    addEventListener(type, listener) { if (type === "message") listeners.push(listener); },
    open() { return "native"; },
    fetch: async (request) => {
      fetched.push({ url: request.url, authorization: request.headers.get("Authorization") });
      return answers.shift() || new Response("ok", { status: 200 });
    },
  };
  window.self = window;
  const url = new URL(`${APP}/app${search}`);
  const location = { href: url.href, search: url.search, origin: url.origin, pathname: url.pathname, replace(target) { replaced.push(target); } };
  const document = {
    currentScript: { src: `${ADMIN}/cdn/app-bridge.js`, dataset: {} },
    querySelector: (selector) => (selector.includes("shopify-api-key") ? { content: "test-client-id" } : null),
    getElementsByTagName: () => [],
    getElementById: () => null,
    documentElement: { toggleAttribute() {} },
  };
  const context = { window, document, location, console, setTimeout, clearTimeout, URL, URLSearchParams, Request, Response, Headers, atob, Promise, Error };
  return { window, context, posted, fetched, replaced, answers, dispatch };
}

(async () => {
  const fake = makeWindow();
  vm.runInNewContext(fs.readFileSync(scriptPath, "utf8"), fake.context);
  const shopify = fake.window.shopify;

  if (search.includes("shopify-reload")) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fake.replaced.length, 1);
    const target = new URL(fake.replaced[0]);
    assert.equal(target.origin, APP);
    assert.equal(target.pathname, "/app");
    assert.equal(target.searchParams.get("id_token"), "tok-1");
    assert.equal(target.searchParams.get("shop"), "demo.myshopify.com");
    console.log("ok");
    return;
  }

  assert.equal(shopify.config.apiKey, "test-client-id");
  assert.equal(shopify.config.shop, "demo.myshopify.com");
  assert.equal(shopify.environment.embedded, true);
  assert.equal(await shopify.idToken(), "tok-1");
  assert.equal(JSON.stringify(fake.posted[0]), JSON.stringify({ message: { type: "shopify-sim:idToken", id: 1 }, origin: ADMIN }));
  // A message from anyone but the admin parent is ignored.
  fake.dispatch({ source: {}, origin: "http://evil.test", data: { type: "shopify-sim:idToken:reply", id: 2, token: "forged" } });
  assert.equal(await shopify.idToken(), "tok-2");

  await fake.window.fetch("/api/products");
  assert.equal(fake.fetched.at(-1).authorization, "Bearer tok-3");
  await fake.window.fetch("https://elsewhere.test/x");
  assert.equal(fake.fetched.at(-1).authorization, null);

  fake.answers.push(new Response("", { status: 401, headers: { "X-Shopify-Retry-Invalid-Session-Request": "1" } }));
  const retried = await fake.window.fetch(`${APP}/api/products`, { method: "POST", body: "{}" });
  assert.equal(retried.status, 200);
  assert.deepEqual(fake.fetched.slice(-2).map((f) => f.authorization), ["Bearer tok-4", "Bearer tok-5"]);

  assert.equal(shopify.toast.show("Saved"), "toast-1");
  assert.equal(fake.posted.at(-1).message.message, "Saved");
  assert.equal(fake.window.open("/auth/install", "_top"), null);
  assert.equal(fake.posted.at(-1).message.url, `${APP}/auth/install`);

  // The resource picker asks the admin, and resolves with what the admin answers (or undefined).
  const picking = shopify.resourcePicker({ type: "variant", action: "select" });
  const ask = fake.posted.at(-1).message;
  assert.equal(ask.type, "shopify-sim:resourcePicker");
  assert.equal(ask.resourceType, "variant");
  const chosen = [{ id: "gid://shopify/ProductVariant/1", product: { id: "gid://shopify/Product/1" } }];
  fake.dispatch({ source: fake.window.parent, origin: ADMIN, data: { type: "shopify-sim:resourcePicker:reply", id: ask.id, selection: chosen } });
  const picked = await picking;
  assert.equal(picked[0].id, chosen[0].id);
  assert.equal(picked.selection[0].id, chosen[0].id);
  const cancelled = shopify.resourcePicker({ type: "product" });
  fake.dispatch({ source: fake.window.parent, origin: ADMIN, data: { type: "shopify-sim:resourcePicker:reply", id: fake.posted.at(-1).message.id } });
  assert.equal(await cancelled, undefined);
  await assert.rejects(shopify.resourcePicker({ type: "order" }));
  // A save bar the page does not have is an error, as App Bridge's is.
  await assert.rejects(shopify.saveBar.show("missing"));
  shopify.loading(true);
  assert.equal(JSON.stringify(fake.posted.at(-1).message), JSON.stringify({ type: "shopify-sim:loading", loading: true }));
  console.log("ok");
})().catch((error) => { console.error(error); process.exit(1); });

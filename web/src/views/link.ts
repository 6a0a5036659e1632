/**
 * Link products: pick a Shopify variant (App Bridge's resource picker, or the variant search),
 * paste an Amazon URL or ASIN, see the parsed ASIN and marketplace, save. Then the CSV import
 * (dry run first, per-row errors, progress) and the CSV export.
 */
import { api, ApiError, plainMessage } from "../api";
import type { Context, View } from "../context";
import { h, replace } from "../dom";
import { money } from "../format";
import { parseListing, MARKETPLACES } from "../listing";
import type { LiveEvent, Product } from "../types";
import { csvSection } from "./csv";

interface Picked {
  variantId: string;
  productId: string;
  label: string;
  image: string | null;
  price: string | null;
}

/** One answer of GET /api/shopify/variants. */
interface VariantHit {
  variant_gid: string;
  product_gid: string;
  product_title: string;
  variant_title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  image_url: string | null;
  linked_product_id: number | null;
}

export function linkView(root: HTMLElement, context: Context): View {
  let picked: Picked | null = null;
  const chosen = h("div", { "data-chosen-variant": "" });
  const preview = h("div", { "aria-live": "polite", "data-listing-preview": "" });
  const result = h("div", { "aria-live": "polite" });
  const marketplace = h("s-select", { label: "Marketplace (for a bare ASIN)", value: "com", onchange: () => showPreview() },
    Object.keys(MARKETPLACES).map((code) => h("s-option", { value: code }, `amazon.${code}`)));
  const listing = h("s-text-field", {
    label: "Amazon product URL or ASIN", placeholder: "https://www.amazon.com/dp/B0C1234567",
    oninput: () => showPreview(), onchange: () => showPreview(),
  });
  const save = h("s-button", { variant: "primary", disabled: true, onclick: () => void submit() }, "Link product");
  const searchResults = h("div", { "aria-live": "polite" });
  let searchTimer: number | undefined;
  const search = h("s-search-field", {
    label: "Or search your variants", placeholder: "Title, SKU or barcode",
    oninput: (event: Event) => {
      window.clearTimeout(searchTimer);
      const value = (event.currentTarget as HTMLInputElement).value.trim();
      searchTimer = window.setTimeout(() => void searchVariants(value), 250);
    },
  });

  const csv = csvSection(context);
  replace(root, h("s-page", { heading: "Link products", inlineSize: "base" },
    h("s-section", { heading: "1. Choose the Shopify variant" },
      h("s-stack", { direction: "block", gap: "base" },
        h("div", {}, h("s-button", { onclick: () => void pick(), "data-action": "pick" }, "Choose from your products")),
        search, searchResults, chosen)),
    h("s-section", { heading: "2. Say where it comes from on Amazon" },
      h("s-grid", { gridTemplateColumns: "3fr 1fr", gap: "base", alignItems: "start" }, listing, marketplace),
      preview),
    h("s-section", {}, h("s-stack", { direction: "inline", gap: "base", alignItems: "center" }, save), result),
    csv.element));
  renderChosen();

  async function pick(): Promise<void> {
    const selection = await shopify.resourcePicker({ type: "variant", action: "select", multiple: false });
    const variant = selection?.[0] as unknown as { id: string; title?: string; displayName?: string; price?: string; product?: { id?: string; title?: string }; image?: { originalSrc?: string; url?: string } | null } | undefined;
    if (!variant || !variant.product?.id) return;
    picked = {
      variantId: variant.id, productId: variant.product.id,
      label: variant.displayName ?? [variant.product.title, variant.title].filter(Boolean).join(" – "),
      image: variant.image?.url ?? variant.image?.originalSrc ?? null, price: variant.price ?? null,
    };
    renderChosen();
  }

  async function searchVariants(query: string): Promise<void> {
    if (!query) { replace(searchResults); return; }
    try {
      const answer = await api<{ items: VariantHit[] }>("GET", `/api/shopify/variants?query=${encodeURIComponent(query)}&limit=10`);
      const hits = answer.items;
      replace(searchResults, hits.length === 0 ? h("s-text", { color: "subdued" }, "No variant matches.") :
        h("s-stack", { direction: "block", gap: "small-200", "data-variant-results": "" }, hits.map((hit) => {
          const label = hit.variant_title && hit.variant_title !== "Default Title" ? `${hit.product_title} – ${hit.variant_title}` : hit.product_title;
          const linked = hit.linked_product_id !== null;
          return h("s-button", {
            variant: "tertiary", disabled: linked,
            onclick: () => { picked = { variantId: hit.variant_gid, productId: hit.product_gid, label, image: hit.image_url, price: hit.price }; renderChosen(); },
          }, `${label}${hit.sku ? ` (SKU ${hit.sku})` : ""} · ${money(hit.price)}${linked ? " — already linked" : ""}`);
        })));
    } catch (error) {
      const missing = error instanceof ApiError && error.status === 404;
      replace(searchResults, h("s-text", { tone: "critical" }, missing ? "Variant search is not available on this server; use \"Choose from your products\"." : plainMessage(error)));
    }
  }

  function renderChosen(): void {
    replace(chosen, picked
      ? h("s-stack", { direction: "inline", gap: "base", alignItems: "center" },
          picked.image ? h("s-thumbnail", { src: picked.image, alt: "", size: "small" }) : null,
          h("s-text", { type: "strong" }, picked.label),
          picked.price ? h("s-text", { color: "subdued" }, `Shopify price ${money(picked.price)}`) : null)
      : h("s-text", { color: "subdued" }, "No variant chosen yet."));
    updateSave();
  }

  function parsed() {
    return parseListing((listing as unknown as { value: string }).value ?? "", (marketplace as unknown as { value: string }).value || "com");
  }

  function showPreview(): void {
    const value = ((listing as unknown as { value: string }).value ?? "").trim();
    listing.removeAttribute("error");
    if (!value) { replace(preview); updateSave(); return; }
    const answer = parsed();
    if (answer.ok) {
      replace(preview, h("s-banner", { tone: "info" },
        `ASIN ${answer.asin} on amazon.${answer.marketplace} (prices in ${MARKETPLACES[answer.marketplace]}).`));
    } else {
      listing.setAttribute("error", answer.error);
      replace(preview);
    }
    updateSave();
  }

  function updateSave(): void {
    const ok = picked !== null && parsed().ok;
    if (ok) save.removeAttribute("disabled");
    else save.setAttribute("disabled", "");
  }

  async function submit(): Promise<void> {
    const answer = parsed();
    if (!picked || !answer.ok) return;
    save.setAttribute("loading", "");
    replace(result);
    try {
      const body: Record<string, string> = { shopify_variant_gid: picked.variantId, shopify_product_gid: picked.productId, asin: answer.asin, marketplace: answer.marketplace };
      const product = await api<Product>("POST", "/api/products", body);
      context.toast(`Linked to ASIN ${product.asin}`);
      context.navigate(`/app/products/${product.id}`);
    } catch (error) {
      replace(result, h("s-banner", { tone: "critical", heading: "Not linked" }, plainMessage(error)));
    } finally {
      save.removeAttribute("loading");
    }
  }

  return {
    onEvent(event: LiveEvent) {
      if (event.type === "import") csv.onImportEvent(event.data);
    },
    unmount() {
      csv.stop();
    },
  };
}

/** The empty state: a setup guide in three steps (link a product, set a markup, push). */
import { linkTo, type Context } from "../context";
import { h } from "../dom";
import { percent } from "../format";

export function setupGuide(context: Context, progress: { linked: number }): HTMLElement {
  const markup = context.settings?.markup_percent;
  const step = (done: boolean, title: string, text: string, action: HTMLElement) =>
    h("s-box", { padding: "base", border: "base", borderRadius: "base" },
      h("s-stack", { direction: "block", gap: "small" },
        h("s-stack", { direction: "inline", gap: "small", alignItems: "center" },
          h("s-badge", { tone: done ? "success" : "neutral" }, done ? "Done" : "To do"),
          h("s-heading", {}, title)),
        h("s-paragraph", {}, text),
        h("div", {}, action)));
  return h("s-section", { heading: "Set up PriceBridge", "data-setup-guide": "" },
    h("s-paragraph", {}, "Three steps, and your prices follow Amazon with your markup, never below your margin floor."),
    h("s-stack", { direction: "block", gap: "base" },
      step(progress.linked > 0, "1. Link your first product",
        "Pick a Shopify variant and paste the Amazon URL or ASIN you source it from.",
        h("s-button", { variant: "primary", onclick: () => context.navigate("/app/link") }, "Link a product")),
      step(false, "2. Set your markup",
        `Your store-wide markup is ${percent(markup ?? null)}. Add a fixed amount, rounding and a margin floor if you like.`,
        linkTo(context, "/app/settings", "Open settings")),
      step(false, "3. Update Shopify",
        "When Amazon's price arrives, PriceBridge proposes your price. Click \"Update Shopify\" on the row to publish it.",
        h("s-text", { color: "subdued" }, "Available once a product is linked."))));
}

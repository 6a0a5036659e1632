/** What every view is given: navigation, toasts, and the shop's settings. */
import type { LiveEvent, Settings } from "./types";

export interface Context {
  shop: string;
  settings: Settings | null;
  /** Resolves once the shop's settings (its currency) are known: await before showing money. */
  ready: Promise<Settings | null>;
  navigate(path: string): void;
  toast(message: string, isError?: boolean): void;
}

export interface View {
  /** A live event for this shop, in order, each once. */
  onEvent?(event: LiveEvent): void;
  /** Reload the view's data (after a gap in the live stream). */
  refresh?(): void;
  /** Leaving the view (for example: hide its save bar). */
  unmount?(): void;
}

export type ViewFactory = (root: HTMLElement, context: Context, params: Record<string, string>) => View;

/** An in-app link: a real <a href> (keyboard and middle-click work) routed without a reload. */
export function linkTo(context: Context, path: string, label: string, attrs: Record<string, string> = {}): HTMLElement {
  const link = document.createElement("s-link");
  link.setAttribute("href", path);
  for (const [name, value] of Object.entries(attrs)) link.setAttribute(name, value);
  link.textContent = label;
  link.addEventListener("click", (event) => {
    const mouse = event as MouseEvent;
    if (mouse.metaKey || mouse.ctrlKey || mouse.shiftKey) return;
    event.preventDefault();
    context.navigate(path);
  });
  return link;
}

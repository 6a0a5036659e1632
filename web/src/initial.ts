/**
 * What the /app page embeds for its first paint (app/api/page_data.py), so the products page
 * draws without waiting for a session token and three API calls: the live stream's sequence
 * number when the data was read, the shop's settings, and on the home page the summary and the
 * first page of products in the default order. Each part is taken once: a later load asks the
 * API, as every refresh does.
 */
import type { Settings } from "./types";

export interface Initial {
  seq?: number;
  settings?: Settings;
  summary?: unknown;
  products?: unknown;
}

let initial: Initial | null = null;

function read(): Initial {
  if (initial) return initial;
  const script = document.getElementById("pb-initial");
  try {
    initial = script?.textContent ? (JSON.parse(script.textContent) as Initial) : {};
  } catch {
    initial = {};
  }
  script?.remove();
  return initial;
}

/** The embedded part `name`, once; undefined when absent or already taken. */
export function takeInitial<K extends keyof Initial>(name: K): Initial[K] | undefined {
  const data = read();
  const value = data[name];
  delete data[name];
  return value;
}

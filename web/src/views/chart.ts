/**
 * The price history chart with uPlot (about 50 KB, canvas, no framework): Amazon's price,
 * PriceBridge's proposed price and Shopify's price as step lines (a price holds until it
 * changes), on one time axis. Loaded only when a product page opens.
 *
 * The time axis runs from the range's start (or the first price, for a product younger than
 * the range, showing at least an hour) to its end, ticks in minutes, hours or days as the span
 * asks, and every line carries its last price to the end (it still holds). The legend sits above
 * the plot (styles.css).
 */
import { h, replace } from "../dom";
import { money, timeTicks } from "../format";

export interface Series {
  amazon: [number, number][];
  proposed: [number, number][];
  shopify: [number, number][];
}

/** The window shown, in seconds since the epoch. */
export interface Window {
  from: number;
  to: number;
}

const MIN_SPAN_SECONDS = 3600;

/** The part of `window` worth showing: from the first price that changed inside it (if later
 * than its start, with at least MIN_SPAN_SECONDS shown) to its end. A price holding since
 * before the window arrives at the window's start and is not a change. */
export function visibleWindow(series: Series, window: Window): Window {
  const inside = [series.amazon, series.proposed, series.shopify].flatMap((points) => points.map(([t]) => t)).filter((t) => t > window.from);
  const first = Math.min(...inside);
  if (!Number.isFinite(first)) return window;
  const from = Math.max(window.from, Math.min(first, window.to - MIN_SPAN_SECONDS));
  return { from, to: window.to };
}

export async function drawChart(box: HTMLElement, series: Series, window: Window, currency: string | null): Promise<void> {
  const lines = [series.amazon, series.proposed, series.shopify].map((points) => carried(points, window.to));
  const times = [...new Set(lines.flatMap((points) => points.map(([t]) => t)))].filter(Number.isFinite).sort((a, b) => a - b);
  if (times.length === 0) {
    replace(box, h("s-paragraph", {}, "No prices in this range yet."));
    return;
  }
  const [{ default: uPlot }] = await Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]);
  const column = (points: [number, number][]) => {
    const at = new Map(points);
    return times.map((t) => (at.has(t) ? (at.get(t) as number) : null));
  };
  const data = [times, ...lines.map(column)];
  const shown = visibleWindow(series, window);
  const width = Math.max(320, box.clientWidth || 640);
  const step = uPlot.paths.stepped?.({ align: 1 });
  const line = (label: string, stroke: string, dash?: number[]) => ({
    label, stroke, width: 2, dash, spanGaps: true, paths: step,
    value: (_u: unknown, v: number | null) => (v === null ? "—" : money(v, currency)),
  });
  replace(box);
  new uPlot({
    width, height: 300,
    series: [
      { value: (_u: unknown, v: number | null) => (v === null ? "—" : timeTicks([v], 60)[0].replace("\n", " ")) },
      line("Amazon", "#8e1f0b"), line("PriceBridge proposed", "#005bd3", [6, 4]), line("Shopify", "#0c5132"),
    ],
    axes: [
      {
        // The labels drawn (on the canvas) are also kept on the box, for tests and tools.
        values: (_u: unknown, ticks: number[], _axis: number, _space: number, step: number) => {
          const labels = timeTicks(ticks, step);
          box.dataset.ticks = labels.join(" | ").replace(/\n/g, " ");
          return labels;
        },
        size: 56,
      },
      { values: (_u: unknown, ticks: number[]) => ticks.map((v) => money(v, currency)), size: 80 },
    ],
    scales: { x: { time: true, range: () => [shown.from, shown.to] } },
    // The names and colours only: the facts above the chart say the prices now.
    legend: { live: false },
  }, data as unknown as uPlot.AlignedData, box);
}

/** The points with the last price carried to `end` (it holds until it changes). */
function carried(points: [number, number][], end: number): [number, number][] {
  const last = points.at(-1);
  return last && last[0] < end ? [...points, [end, last[1]]] : points;
}

/**
 * The price history chart with uPlot (about 50 KB, canvas, no framework): Amazon's price,
 * PriceBridge's proposed price and Shopify's price as step lines (a price holds until it
 * changes), on one time axis. Loaded only when a product page opens.
 */
import { h, replace } from "../dom";
import { money } from "../format";

export interface Series {
  amazon: [number, number][];
  proposed: [number, number][];
  shopify: [number, number][];
}

export async function drawChart(box: HTMLElement, series: Series, currency: string | null): Promise<void> {
  const times = [...new Set([...series.amazon, ...series.proposed, ...series.shopify].map(([t]) => t))].filter(Number.isFinite).sort((a, b) => a - b);
  if (times.length === 0) {
    replace(box, h("s-paragraph", {}, "No prices in this range yet."));
    return;
  }
  const [{ default: uPlot }] = await Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]);
  const column = (points: [number, number][]) => {
    const at = new Map(points);
    return times.map((t) => (at.has(t) ? (at.get(t) as number) : null));
  };
  const data = [times, column(series.amazon), column(series.proposed), column(series.shopify)];
  const width = Math.max(320, box.clientWidth || 640);
  const step = uPlot.paths.stepped?.({ align: 1 });
  const line = (label: string, stroke: string, dash?: number[]) => ({ label, stroke, width: 2, dash, spanGaps: true, paths: step, value: (_u: unknown, v: number | null) => (v === null ? "—" : money(v, currency)) });
  replace(box);
  new uPlot({
    width, height: 300,
    series: [{}, line("Amazon", "#8e1f0b"), line("PriceBridge proposed", "#005bd3", [6, 4]), line("Shopify", "#0c5132")],
    axes: [{}, { values: (_u: unknown, ticks: number[]) => ticks.map((v) => money(v, currency)), size: 80 }],
    scales: { x: { time: true } },
  }, data as unknown as uPlot.AlignedData, box);
}

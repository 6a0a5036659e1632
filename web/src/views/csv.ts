/**
 * CSV import of links (dry run, then an all-or-nothing commit, with progress for big files and
 * every bad row with its line and reason) and CSV export. Downloads go through fetch, since
 * App Bridge's session token travels in a header a plain link cannot carry.
 */
import { ApiError, plainMessage, postForm } from "../api";
import type { Context } from "../context";
import { h, replace } from "../dom";
import { number } from "../format";

export const IMPORT_PATH = "/api/products/import";
export const EXPORT_PATH = "/api/export/products.csv";
export const CHANGES_EXPORT_PATH = "/api/export/price-changes.csv";

interface RowError {
  line: number;
  reason?: string;
  message?: string;
  column?: string | null;
}

interface ImportReport {
  dry_run?: boolean;
  rows?: number;
  valid?: number;
  imported?: number;
  errors?: RowError[];
  job_id?: string;
}

export function csvSection(context: Context): HTMLElement {
  let file: File | null = null;
  const report = h("div", { "aria-live": "polite", "data-import-report": "" });
  const progress = h("div", { "aria-live": "polite", "data-import-progress": "" });
  const input = h("input", { type: "file", accept: ".csv,text/csv", id: "pb-csv-file", class: "pb-file",
    onchange: (event: Event) => { file = (event.currentTarget as HTMLInputElement).files?.[0] ?? null; void dryRun(); } });
  const commit = h("s-button", { variant: "primary", disabled: true, onclick: () => void runImport() }, "Import");

  async function send(dry: boolean): Promise<ImportReport> {
    const form = new FormData();
    form.append("file", file as File);
    return postForm<ImportReport>(`${IMPORT_PATH}${dry ? "?dry_run=true" : ""}`, form);
  }

  async function dryRun(): Promise<void> {
    commit.setAttribute("disabled", "");
    replace(progress);
    if (!file) { replace(report); return; }
    replace(report, h("s-spinner", { accessibilityLabel: "Checking the file" }));
    try {
      showReport(await send(true), true);
    } catch (error) {
      showError(error);
    }
  }

  function showReport(answer: ImportReport, dry: boolean): void {
    const errors = answer.errors ?? [];
    const rows = answer.rows ?? (answer.valid ?? 0) + errors.length;
    if (errors.length) {
      replace(report, h("s-banner", { tone: "critical", heading: `${number(errors.length)} of ${number(rows)} rows have problems; nothing was imported` },
        h("s-paragraph", {}, "Fix these rows and choose the file again:"),
        h("div", { class: "pb-errors" }, h("s-unordered-list", {}, errors.slice(0, 200).map((e) =>
          h("s-list-item", { "data-line": e.line }, `Line ${e.line}: ${e.reason ?? e.message ?? "invalid"}`))))));
      return;
    }
    if (dry) {
      replace(report, h("s-banner", { tone: "success", heading: `${number(rows)} rows are ready to import` }, "Nothing is linked until you click Import."));
      commit.removeAttribute("disabled");
    } else {
      replace(report, h("s-banner", { tone: "success", heading: `${number(answer.imported ?? rows)} products linked` }));
      context.toast(`${number(answer.imported ?? rows)} products linked`);
    }
  }

  function showError(error: unknown): void {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 405);
    const details = error instanceof ApiError ? (error.details as { errors?: RowError[] } | null) : null;
    if (details?.errors?.length) { showReport({ errors: details.errors }, true); return; }
    replace(report, h("s-banner", { tone: "critical", heading: "The file was not imported" },
      missing ? "CSV import is not available on this server." : plainMessage(error)));
  }

  async function runImport(): Promise<void> {
    commit.setAttribute("loading", "");
    try {
      const answer = await send(false);
      if (answer.job_id) replace(progress, h("s-text", {}, "Importing… progress appears here."));
      else showReport(answer, false);
    } catch (error) {
      showError(error);
    } finally {
      commit.removeAttribute("loading");
      commit.setAttribute("disabled", "");
    }
  }

  async function download(path: string, name: string): Promise<void> {
    try {
      const response = await fetch(path);
      if (!response.ok) throw new ApiError(response.status, "download", response.status === 404 ? "This export is not available on this server." : `The export failed (${response.status}).`);
      const url = URL.createObjectURL(await response.blob());
      const link = h("a", { href: url, download: name }) as HTMLAnchorElement;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      context.toast(plainMessage(error), true);
    }
  }

  const section = h("s-section", { heading: "Import or export a CSV" },
    h("s-stack", { direction: "block", gap: "base" },
      h("s-paragraph", {}, "Columns: variant id or SKU, Amazon URL or ASIN, and optionally marketplace and markup. Every row is checked first; nothing is linked unless every row is good."),
      h("div", {}, h("label", { for: "pb-csv-file" }, "CSV file "), input),
      report, progress,
      h("s-stack", { direction: "inline", gap: "base" }, commit,
        h("s-button", { onclick: () => void download(`${IMPORT_PATH}/template`, "pricebridge-template.csv") }, "Download the template"),
        h("s-button", { onclick: () => void download(EXPORT_PATH, "pricebridge-products.csv"), "data-action": "export" }, "Export products"),
        h("s-button", { onclick: () => void download(CHANGES_EXPORT_PATH, "pricebridge-price-changes.csv") }, "Export price changes"))));
  (section as unknown as { onImportEvent: (data: Record<string, unknown>) => void }).onImportEvent = (data) => {
    const done = Number(data.done ?? data.processed ?? 0);
    const total = Number(data.total ?? 0);
    replace(progress, h("s-text", {}, total ? `Imported ${number(done)} of ${number(total)} rows` : `Imported ${number(done)} rows`));
  };
  return section;
}

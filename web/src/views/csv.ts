/**
 * CSV import of links and CSV export (issue 11's /api/products/imports):
 * choose a file -> every row is checked (the dry run: nothing is linked) -> the report, with
 * every bad row's line, column and reason -> "Import" -> every row checked again and every
 * link written, or none. A big file is checked and imported by a job: its progress comes as
 * `import` events on the live stream (and by asking, every few seconds, when the socket is
 * down). A merchant who leaves the page and comes back finds an import still running, or
 * checked and waiting for "Import", where it stands (GET /api/products/imports when the page
 * opens), its progress following the import events again. Downloads go through fetch, since
 * App Bridge's session token travels in a header a plain link cannot carry.
 */
import { api, ApiError, plainMessage, postForm } from "../api";
import type { Context } from "../context";
import { h, replace } from "../dom";
import { dateTime, number } from "../format";

export const IMPORTS_PATH = "/api/products/imports";
export const TEMPLATE_PATH = `${IMPORTS_PATH}/template.csv`;
export const EXPORT_PATH = "/api/export/products.csv";
export const CHANGES_EXPORT_PATH = "/api/export/price-changes.csv";
/** Bad rows listed on the page; the count says how many more there are. */
const SHOWN_ERRORS = 100;
const POLL_MS = 3000;
/** Imports looked at when the page opens, newest first, for one still open. */
const RESUME_LOOKBACK = 20;

export interface RowError {
  line: number;
  column: string | null;
  code: string;
  reason: string;
}

/** An import in GET /api/products/imports (newest first): where it stands, no report. */
export interface ImportSummary {
  id: number;
  state: LinkImport["state"];
}

/** GET /api/products/imports/{id}. */
export interface LinkImport {
  id: number;
  state: "validating" | "validated" | "invalid" | "importing" | "imported" | "failed" | "expired";
  filename: string | null;
  row_count: number;
  checked: number;
  imported: number;
  error_count: number;
  errors: RowError[];
  ignored_columns: string[];
  failure: { code: string; message: string } | null;
  created_at: string;
  finished_at: string | null;
  /** When an import not committed expires (its file dropped); null once committed. */
  expires_at: string | null;
}

/** One CSV cell, quoted as Excel quotes; a formula start defused (OWASP "CSV Injection"). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export interface CsvSection {
  element: HTMLElement;
  /** An `import` event of the live stream (data: import_id, state, checked, row_count, ...). */
  onImportEvent(data: Record<string, unknown>): void;
  /** Leaving the page: stop asking for progress. */
  stop(): void;
}

const RUNNING = new Set(["validating", "importing"]);
/** States in which an import still needs the merchant's page: running, or ready to import. */
const OPEN = new Set([...RUNNING, "validated"]);

export function csvSection(context: Context): CsvSection {
  let current: LinkImport | null = null;
  let pollTimer: number | undefined;
  /** Files chosen on this page: an import found later than a choice does not replace it. */
  let choices = 0;
  /** The merchant left the page: nothing asks for progress any more. */
  let stopped = false;
  const report = h("div", { "aria-live": "polite", "data-import-report": "" });
  const progress = h("div", { "aria-live": "polite", "data-import-progress": "" });
  const input = h("input", {
    type: "file", accept: ".csv,text/csv", id: "pb-csv-file", class: "pb-file", "data-import-file": "",
    onchange: (event: Event) => {
      const file = (event.currentTarget as HTMLInputElement).files?.[0];
      if (file) void check(file);
    },
  }) as HTMLInputElement;
  const commit = h("s-button", { variant: "primary", disabled: true, "data-action": "import", onclick: () => void runImport() }, "Import");

  function show(found: LinkImport): void {
    const was = current?.state;
    current = found;
    window.clearTimeout(pollTimer);
    if (RUNNING.has(found.state)) {
      showProgress(found.state, found.checked, found.row_count);
      schedulePoll(found.id);
      return;
    }
    replace(progress);
    if (found.state === "validated") {
      commit.removeAttribute("disabled");
      replace(report, h("s-banner", { tone: "success", heading: `${rows(found.row_count)} ready to import` },
        h("s-paragraph", {}, `${found.filename ? `${found.filename}: every` : "Every"} row is good. Nothing is linked until you click Import.`),
        found.expires_at ? h("s-paragraph", {}, `A checked file is kept until ${dateTime(found.expires_at)}.`) : null,
        ignored(found)));
      return;
    }
    commit.setAttribute("disabled", "");
    if (found.state === "imported") {
      if (was !== "imported") context.toast(`${number(found.imported)} products linked`);
      replace(report, h("s-banner", { tone: "success", heading: `${number(found.imported)} products linked` },
        h("s-paragraph", {}, "PriceBridge reads their Amazon prices from now on.")));
      return;
    }
    if (found.state === "expired") {
      showExpired();
      return;
    }
    if (found.state === "failed") {
      replace(report, h("s-banner", { tone: "critical", heading: "The file was not imported" },
        found.failure?.message ?? "The import stopped."));
      return;
    }
    showErrors(found);
  }

  /** The import was not committed within a day of its upload: its file is gone (410). */
  function showExpired(): void {
    commit.setAttribute("disabled", "");
    replace(report, h("s-banner", { tone: "warning", heading: "This file was not imported in time" },
      "PriceBridge keeps a checked file for 24 hours. Choose the file again to check and import it."));
  }

  function rows(count: number): string {
    return `${number(count)} ${count === 1 ? "row" : "rows"}`;
  }

  function ignored(found: LinkImport): HTMLElement | null {
    if (!found.ignored_columns.length) return null;
    return h("s-paragraph", {}, `Columns not read: ${found.ignored_columns.join(", ")}.`);
  }

  function showErrors(found: LinkImport): void {
    const lines = new Set(found.errors.map((e) => e.line)).size;
    const shown = found.errors.slice(0, SHOWN_ERRORS);
    const more = found.errors.length - shown.length;
    replace(report, h("s-stack", { direction: "block", gap: "base" },
      h("s-banner", {
        tone: "critical",
        heading: `${rows(lines)} of ${number(found.row_count)} ${lines === 1 ? "has" : "have"} problems; nothing was imported`,
      }, "Fix these rows in your spreadsheet and choose the file again."),
      h("div", { class: "pb-errors" },
        // Focusable: a keyboard can scroll the list when it is wider or longer than the page.
        h("s-table", { variant: "table", "aria-label": "Rows with problems", "data-import-errors": "", tabindex: 0 },
          h("s-table-header-row", {}, ["Line", "Column", "Problem"].map((t) => h("s-table-header", {}, t))),
          h("s-table-body", {}, shown.map((e) => h("s-table-row", { "data-line": e.line, "data-code": e.code },
            h("s-table-cell", {}, String(e.line)),
            h("s-table-cell", {}, e.column ?? "(the row)"),
            h("s-table-cell", { class: "pb-reason" }, e.reason)))))),
      more > 0 ? h("s-paragraph", {}, `And ${number(more)} more.`) : null,
      h("div", {}, h("s-button", { onclick: () => saveProblems(found), "data-action": "problems" }, "Download every problem (CSV)")),
      ignored(found)));
  }

  /** The report as a CSV the merchant can sort beside the file (built here, from the answer). */
  function saveProblems(found: LinkImport): void {
    const lines = [["Line", "Column", "Problem", "Code"], ...found.errors.map((e) => [String(e.line), e.column ?? "", e.reason, e.code])];
    const text = "\ufeff" + lines.map((cells) => cells.map(csvCell).join(",")).join("\r\n") + "\r\n";
    saveBlob(new Blob([text], { type: "text/csv" }), "pricebridge-import-problems.csv");
  }

  function showProgress(state: string, checked: number, total: number): void {
    const what = state === "importing" ? "Importing: checked" : "Checking: checked";
    replace(progress, h("s-stack", { direction: "block", gap: "small-200" },
      h("s-text", {}, `${what} ${number(checked)} of ${rows(total)}`),
      h("progress", { max: Math.max(total, 1), value: checked, class: "pb-progress", "aria-label": "Rows checked" })));
  }

  async function poll(id: number): Promise<void> {
    try {
      show(await api<LinkImport>("GET", `${IMPORTS_PATH}/${id}`));
    } catch (error) {
      replace(progress, h("s-text", { tone: "critical" }, plainMessage(error)));
      schedulePoll(id);
    }
  }

  function schedulePoll(id: number): void {
    window.clearTimeout(pollTimer);
    if (!stopped) pollTimer = window.setTimeout(() => void poll(id), POLL_MS);
  }

  /** The page opened: the newest import still open (running, or checked and not imported) is
   * shown where it stands, and followed from there. */
  async function resume(): Promise<void> {
    const choice = choices;
    try {
      const page = await api<{ items: ImportSummary[] }>("GET", `${IMPORTS_PATH}?limit=${RESUME_LOOKBACK}`);
      const open = page.items.find((item) => OPEN.has(item.state));
      if (open) await adopt(open.id, choice);
    } catch (error) {
      if (choice === choices) replace(progress, h("s-text", { tone: "critical" }, `Earlier imports could not be read: ${plainMessage(error)}`));
    }
  }

  async function adopt(id: number, choice: number): Promise<void> {
    const found = await api<LinkImport>("GET", `${IMPORTS_PATH}/${id}`);
    if (choice === choices && (!current || current.id === id)) show(found);
  }

  async function check(file: File): Promise<void> {
    choices += 1;
    window.clearTimeout(pollTimer);
    commit.setAttribute("disabled", "");
    current = null;
    replace(progress);
    replace(report, h("s-stack", { direction: "inline", gap: "small-200", alignItems: "center" },
      h("s-spinner", { accessibilityLabel: "Checking the file" }), h("s-text", {}, `Checking ${file.name}…`)));
    const form = new FormData();
    form.append("file", file);
    try {
      show(await postForm<LinkImport>(IMPORTS_PATH, form));
    } catch (error) {
      showError(error);
    } finally {
      input.value = ""; // choosing the same file again (once fixed) checks it again
    }
  }

  async function runImport(): Promise<void> {
    if (!current) return;
    commit.setAttribute("loading", "");
    commit.setAttribute("disabled", "");
    try {
      show(await api<LinkImport>("POST", `${IMPORTS_PATH}/${current.id}/commit`));
    } catch (error) {
      const refused = error instanceof ApiError ? (error.details as { import?: LinkImport } | null)?.import : undefined;
      if (refused) show(refused);
      else if (error instanceof ApiError && error.code === "import_expired") showExpired();
      else showError(error);
    } finally {
      commit.removeAttribute("loading");
    }
  }

  function showError(error: unknown): void {
    replace(report, h("s-banner", { tone: "critical", heading: "The file was not imported" }, plainMessage(error)));
  }

  async function download(path: string, name: string): Promise<void> {
    try {
      const response = await fetch(path);
      if (!response.ok) throw new ApiError(response.status, "download", `The download failed (${response.status}).`);
      saveBlob(await response.blob(), name);
    } catch (error) {
      context.toast(plainMessage(error), true);
    }
  }

  const element = h("s-section", { heading: "Import or export a CSV" },
    h("s-stack", { direction: "block", gap: "base" },
      h("s-paragraph", {}, "Link many variants at once: one row per variant, with its Shopify variant ID or SKU, its Amazon product URL or ASIN, and optionally the marketplace and a markup %. Every row is checked first; nothing is linked unless every row is good."),
      h("div", {}, h("label", { for: "pb-csv-file" }, "CSV file (UTF-8) "), input),
      report, progress,
      h("s-stack", { direction: "inline", gap: "base" }, commit,
        h("s-button", { onclick: () => void download(TEMPLATE_PATH, "pricebridge-links.csv"), "data-action": "template" }, "Download the template"),
        h("s-button", { onclick: () => void download(EXPORT_PATH, "pricebridge-products.csv"), "data-action": "export" }, "Export products"),
        h("s-button", { onclick: () => void download(CHANGES_EXPORT_PATH, "pricebridge-price-changes.csv") }, "Export price changes"))));

  function saveBlob(blob: Blob, name: string): void {
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: name }) as HTMLAnchorElement;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  void resume();
  return {
    element,
    onImportEvent(data) {
      const state = String(data.state ?? "");
      if (!current && RUNNING.has(state) && typeof data.import_id === "number") {
        // An import begun elsewhere (another tab) while this page shows none: follow it too.
        adopt(data.import_id, choices).catch((error: unknown) => replace(progress, h("s-text", { tone: "critical" }, plainMessage(error))));
        return;
      }
      if (!current || data.import_id !== current.id) return;
      if (RUNNING.has(state)) showProgress(state, Number(data.checked ?? 0), Number(data.row_count ?? current.row_count));
      else void poll(current.id); // finished: the report comes with the import
    },
    stop() {
      stopped = true;
      window.clearTimeout(pollTimer);
    },
  };
}

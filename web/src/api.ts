/**
 * The dashboard's calls to PriceBridge's /api. App Bridge's fetch adds the session token
 * (Authorization: Bearer ...) to requests on the app's own origin, so this is plain fetch.
 * Errors come back as ApiError with the server's plain-word message, or one of ours when the
 * server could not be reached.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}

const UNREACHABLE = "PriceBridge could not be reached. Check your connection; we will keep trying.";

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", UNREACHABLE);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw errorOf(response.status, parsed);
  return parsed as T;
}

function errorOf(status: number, parsed: unknown): ApiError {
  const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
  if (error?.message) return new ApiError(status, error.code ?? "error", error.message, error.details ?? null);
  if (status === 401) return new ApiError(status, "unauthorized", "Your session ended. Reload PriceBridge from the Shopify admin.");
  if (status >= 500) return new ApiError(status, "server", "PriceBridge had a problem on its side. Please try again in a moment.");
  return new ApiError(status, "error", `PriceBridge answered ${status}.`);
}

/** The message to show a merchant for anything thrown. */
export function plainMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong in the page. Reload PriceBridge and try again.";
}

export async function postForm<T>(path: string, form: FormData): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", body: form, headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError(0, "network", UNREACHABLE);
  }
  const parsed = await response.json().catch(() => null);
  if (!response.ok) throw errorOf(response.status, parsed);
  return parsed as T;
}

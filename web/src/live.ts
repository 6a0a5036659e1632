/**
 * The shop's live events over /ws, with reconnect and catch-up.
 *
 * Protocol (issue 11): the first message is {"type": "auth", "token": <session token>} (never a
 * token in the URL); the server answers {"type": "ready", "seq": N} and then sends events
 * {seq, type, at, data}. After a loss the client reconnects with backoff and asks
 * GET /api/events?after=<last seq seen> for what it missed; events are delivered in seq order,
 * each once (a seq at or below the last one delivered is dropped). A 410 from /api/events
 * means the gap is older than the server keeps: the page reloads its data instead.
 */
import type { LiveEvent } from "./types";

export type Connection = "connecting" | "online" | "offline";

export interface LiveOptions {
  onEvent(event: LiveEvent): void;
  onConnection(state: Connection): void;
  /** Called when events were lost for good (410): reload everything. */
  onResync(): void;
}

const MAX_BACKOFF_MS = 10_000;

export class LiveStream {
  private socket: WebSocket | null = null;
  private lastSeq: number | null = null;
  private attempts = 0;
  private timer: number | undefined;
  private stopped = false;
  private buffered: LiveEvent[] = [];
  private catchingUp = false;

  /** `since`: the sequence number the page's data is as of (embedded in /app), so the
   * events between that and the socket's start are caught up; null: start from the socket. */
  constructor(private readonly options: LiveOptions, since: number | null = null) {
    this.lastSeq = since;
    window.addEventListener("online", () => this.reconnectSoon(0));
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  /** The last sequence number delivered (for tests and the bench). */
  get seq(): number | null {
    return this.lastSeq;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.options.onConnection("connecting");
    let token: string;
    try {
      token = await shopify.idToken();
    } catch {
      this.reconnectSoon();
      return;
    }
    const url = new URL("/ws", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url.href);
    this.socket = socket;
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "auth", token })));
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.options.onConnection("offline");
      this.reconnectSoon();
    });
    socket.addEventListener("error", () => socket.close());
  }

  private reconnectSoon(delay?: number): void {
    if (this.stopped || this.socket) return;
    window.clearTimeout(this.timer);
    const wait = delay ?? Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
    this.attempts += 1;
    this.timer = window.setTimeout(() => this.connect(), wait);
  }

  private receive(raw: unknown): void {
    let message: { type?: string; seq?: number; data?: Record<string, unknown>; at?: string };
    try {
      message = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (message.type === "ready") {
      this.attempts = 0;
      this.options.onConnection("online");
      const serverSeq = Number(message.seq ?? 0);
      if (this.lastSeq === null) this.lastSeq = serverSeq;
      else if (serverSeq > this.lastSeq) void this.catchUp();
      return;
    }
    if (typeof message.seq !== "number" || !message.type) return;
    const event: LiveEvent = { seq: message.seq, type: message.type, at: message.at ?? "", data: message.data ?? {} };
    if (this.catchingUp) this.buffered.push(event);
    else this.deliver(event);
  }

  private deliver(event: LiveEvent): void {
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return; // already seen
    this.lastSeq = event.seq;
    this.options.onEvent(event);
  }

  private async catchUp(): Promise<void> {
    this.catchingUp = true;
    try {
      for (;;) {
        const response = await fetch(`/api/events?after=${this.lastSeq ?? 0}`, { headers: { Accept: "application/json" } });
        if (response.status === 410) {
          this.lastSeq = null;
          this.buffered = [];
          this.options.onResync();
          return;
        }
        if (!response.ok) throw new Error(`catch-up answered ${response.status}`);
        const body = (await response.json()) as { events?: LiveEvent[]; items?: LiveEvent[]; has_more?: boolean };
        const events = body.events ?? body.items ?? [];
        for (const event of events) this.deliver(event);
        if (!body.has_more || events.length === 0) break;
      }
      const pending = this.buffered.sort((a, b) => a.seq - b.seq);
      this.buffered = [];
      for (const event of pending) this.deliver(event);
    } catch {
      // Could not catch up: drop the socket and try the whole thing again.
      this.socket?.close();
    } finally {
      this.catchingUp = false;
    }
  }
}

// `BridgeBackend`: a plain browser talking to a running `dialtone serve` over its localhost
// bridge. Commands go over REST (`Authorization: Bearer <token>`), events arrive on the
// `/v1/events` WebSocket (token as the `dialtone.bearer.<token>` subprotocol). The socket
// reconnects with bounded exponential backoff; after every (re)connect the first message is
// a `snapshot` of the phone, which subscribers receive as a status refresh.

import type { Command } from "../generated/Command";
import type { CommandResult } from "../generated/CommandResult";
import type { Envelope } from "../generated/Envelope";
import type { HistoryPage } from "../generated/HistoryPage";
import type { HistoryQuery } from "../generated/HistoryQuery";
import type { Status } from "../generated/Status";
import { BackendError, type Backend, type ConnectionState, type Unsubscribe } from "./backend";

export const DEFAULT_BRIDGE = "http://127.0.0.1:17380";
const PROTOCOL = "dialtone.v1";
const BEARER_PREFIX = "dialtone.bearer.";
/** Backoff bounds for reconnecting the event socket, ms. */
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15_000;

export interface BridgeConfig {
  base: string;
  token: string;
}

/** `?bridge=http://127.0.0.1:PORT` and `#token=...` from a page URL. */
export function bridgeConfigFrom(href: string): BridgeConfig {
  const url = new URL(href);
  const base = (url.searchParams.get("bridge") || DEFAULT_BRIDGE).replace(/\/+$/, "");
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
  return { base, token: fragment.get("token") ?? "" };
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
type SocketFactory = (url: string, protocols: string[]) => WebSocket;

export interface BridgeDeps {
  fetch?: FetchLike;
  socket?: SocketFactory;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** The REST request a command maps to, or null when the bridge has no route for it. */
export function routeFor(command: Command): { path: string; body?: unknown } | null {
  const id = (callId: string) => `/v1/calls/${encodeURIComponent(callId)}`;
  switch (command.command) {
    case "call.dial": {
      const body: { to: string; accountId?: string } = { to: command.args.to };
      if (command.args.accountId) body.accountId = command.args.accountId;
      return { path: "/v1/calls", body };
    }
    case "call.answer":
      return { path: `${id(command.args.callId)}/answer` };
    case "call.reject":
      return { path: `${id(command.args.callId)}/reject`, body: { busy: command.args.busy } };
    case "call.hangup":
      return { path: `${id(command.args.callId)}/hangup` };
    case "call.hold":
      return { path: `${id(command.args.callId)}/hold` };
    case "call.resume":
      return { path: `${id(command.args.callId)}/resume` };
    case "call.mute":
      return { path: `${id(command.args.callId)}/mute` };
    case "call.unmute":
      return { path: `${id(command.args.callId)}/unmute` };
    case "call.dtmf":
      return { path: `${id(command.args.callId)}/dtmf`, body: { digits: command.args.digits } };
    default:
      return null;
  }
}

/** `HistoryQuery` fields as the bridge's query string (camelCase, empty ones left out). */
export function historyQueryString(query: Partial<HistoryQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class BridgeBackend implements Backend {
  readonly kind = "bridge" as const;
  readonly desktop = undefined;

  private readonly fetchFn: FetchLike;
  private readonly socketFactory: SocketFactory;
  private readonly timers: Required<Pick<BridgeDeps, "setTimeout" | "clearTimeout">>;
  private readonly listeners = new Set<(envelope: Envelope) => void>();
  private readonly snapshotListeners = new Set<(status: Status) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private socket: WebSocket | null = null;
  private state: ConnectionState = "closed";
  private attempt = 0;
  private retry: unknown = null;
  private stopped = false;

  constructor(
    private readonly config: BridgeConfig,
    deps: BridgeDeps = {},
  ) {
    this.fetchFn = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.socketFactory = deps.socket ?? ((url, protocols) => new WebSocket(url, protocols));
    this.timers = {
      setTimeout: deps.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
      clearTimeout:
        deps.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await this.fetchFn(this.config.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new BackendError("unreachable", `the phone's bridge at ${this.config.base} does not answer (${String(e)})`);
    }
    const text = await response.text();
    if (!response.ok) {
      let code = `http_${response.status}`;
      let message = `${method} ${path}: HTTP ${response.status}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        if (parsed.error?.code) code = parsed.error.code;
        if (parsed.error?.message) message = parsed.error.message;
      } catch {
        // not JSON: keep the status line
      }
      throw new BackendError(code, message);
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  status(): Promise<Status> {
    return this.request<Status>("GET", "/v1/status");
  }

  async execute(command: Command): Promise<CommandResult> {
    const route = routeFor(command);
    if (!route) {
      throw new BackendError(
        "unsupported",
        `\`${command.command}\` is not available in the browser; use the desktop app`,
      );
    }
    const answer = await this.request<{ callId?: string } | null>("POST", route.path, route.body);
    return { callId: answer?.callId ?? null };
  }

  history(query: Partial<HistoryQuery>): Promise<HistoryPage> {
    return this.request<HistoryPage>("GET", `/v1/history${historyQueryString(query)}`);
  }

  subscribe(onEvent: (envelope: Envelope) => void): Unsubscribe {
    this.listeners.add(onEvent);
    this.ensureSocket();
    return () => {
      this.listeners.delete(onEvent);
    };
  }

  /** Each snapshot the socket opens with (after every reconnect): the phone as it is now. */
  onSnapshot(onStatus: (status: Status) => void): Unsubscribe {
    this.snapshotListeners.add(onStatus);
    this.ensureSocket();
    return () => {
      this.snapshotListeners.delete(onStatus);
    };
  }

  onConnection(onChange: (state: ConnectionState) => void): Unsubscribe {
    this.connectionListeners.add(onChange);
    onChange(this.state);
    this.ensureSocket();
    return () => {
      this.connectionListeners.delete(onChange);
    };
  }

  /** Closes the socket for good (no reconnect). */
  close(): void {
    this.stopped = true;
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.socket?.close();
    this.socket = null;
    this.setState("closed");
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.connectionListeners]) listener(state);
  }

  private ensureSocket(): void {
    if (this.socket || this.stopped || this.retry !== null) return;
    this.connect();
  }

  private connect(): void {
    this.retry = null;
    this.setState("connecting");
    const url = this.config.base.replace(/^http/, "ws") + "/v1/events";
    let socket: WebSocket;
    try {
      socket = this.socketFactory(url, [PROTOCOL, BEARER_PREFIX + this.config.token]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState("open");
    };
    socket.onmessage = (message: MessageEvent) => this.onMessage(message.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setState(this.stopped ? "closed" : "connecting");
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      // onclose follows and schedules the reconnect
    };
  }

  private onMessage(data: unknown): void {
    if (typeof data !== "string") return;
    let parsed: { event?: string; data?: unknown };
    try {
      parsed = JSON.parse(data) as { event?: string; data?: unknown };
    } catch {
      return;
    }
    if (parsed.event === "snapshot") {
      for (const listener of [...this.snapshotListeners]) listener(parsed.data as Status);
    } else if (parsed.event === "events.lost") {
      // Events were dropped: refresh from a fresh status.
      this.status().then(
        (status) => {
          for (const listener of [...this.snapshotListeners]) listener(status);
        },
        () => undefined,
      );
    } else if (typeof parsed.event === "string") {
      for (const listener of [...this.listeners]) listener(parsed as Envelope);
    }
  }

  /** Next delay: 500 ms doubling up to 15 s. */
  static backoff(attempt: number): number {
    return Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** Math.min(attempt, 10));
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry !== null) return;
    const delay = BridgeBackend.backoff(this.attempt);
    this.attempt += 1;
    this.retry = this.timers.setTimeout(() => this.connect(), delay);
  }
}

import { describe, expect, it, vi } from "vitest";
import type { Command } from "../generated/Command";
import { BackendError, type ConnectionState } from "./backend";
import { BridgeBackend, bridgeConfigFrom, DEFAULT_BRIDGE, historyQueryString, routeFor } from "./bridge";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function fakeFetch(answer: (call: Call) => { status: number; body?: unknown }) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const call: Call = {
      url,
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    const { status, body } = answer(call);
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  });
  return { fetch, calls };
}

class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.made.push(this);
  }
  close() {
    this.closed = true;
  }
}

const config = { base: "http://127.0.0.1:9999", token: "secret" };

describe("bridge configuration", () => {
  it("comes from ?bridge= and #token=, with a default bridge", () => {
    expect(bridgeConfigFrom("http://ui.test/index.html?bridge=http://127.0.0.1:4000/#token=abc")).toEqual({
      base: "http://127.0.0.1:4000",
      token: "abc",
    });
    expect(bridgeConfigFrom("http://ui.test/")).toEqual({ base: DEFAULT_BRIDGE, token: "" });
  });
});

describe("commands map to REST routes", () => {
  const cases: Array<[Command, string, unknown]> = [
    [{ command: "call.dial", args: { to: "1003" } }, "/v1/calls", { to: "1003" }],
    [{ command: "call.dial", args: { to: "1003", accountId: "work" } }, "/v1/calls", { to: "1003", accountId: "work" }],
    [{ command: "call.answer", args: { callId: "a/b" } }, "/v1/calls/a%2Fb/answer", undefined],
    [{ command: "call.reject", args: { callId: "c", busy: true } }, "/v1/calls/c/reject", { busy: true }],
    [{ command: "call.hangup", args: { callId: "c" } }, "/v1/calls/c/hangup", undefined],
    [{ command: "call.hold", args: { callId: "c" } }, "/v1/calls/c/hold", undefined],
    [{ command: "call.resume", args: { callId: "c" } }, "/v1/calls/c/resume", undefined],
    [{ command: "call.mute", args: { callId: "c" } }, "/v1/calls/c/mute", undefined],
    [{ command: "call.unmute", args: { callId: "c" } }, "/v1/calls/c/unmute", undefined],
    [{ command: "call.dtmf", args: { callId: "c", digits: "12#" } }, "/v1/calls/c/dtmf", { digits: "12#" }],
  ];
  it.each(cases)("%j", async (command, path, body) => {
    const { fetch, calls } = fakeFetch(() => ({ status: command.command === "call.dial" ? 201 : 204, body: command.command === "call.dial" ? { callId: "new" } : undefined }));
    const backend = new BridgeBackend(config, { fetch });
    const result = await backend.execute(command);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(config.base + path);
    expect(calls[0]!.method).toBe("POST");
    expect(calls[0]!.headers.Authorization).toBe("Bearer secret");
    expect(calls[0]!.body).toEqual(body);
    expect(result.callId).toBe(command.command === "call.dial" ? "new" : null);
  });

  it("commands without a route are unsupported, and nothing is sent", async () => {
    const { fetch } = fakeFetch(() => ({ status: 204 }));
    const backend = new BridgeBackend(config, { fetch });
    for (const command of [
      { command: "dial.confirm", args: { requestId: "r", accept: true } },
      { command: "phone.set_dnd", args: { enabled: true } },
      { command: "account.reregister", args: { accountId: "w" } },
    ] as Command[]) {
      expect(routeFor(command)).toBeNull();
      await expect(backend.execute(command)).rejects.toMatchObject({ name: "BackendError", code: "unsupported" });
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it("error bodies become BackendError(code, message)", async () => {
    const { fetch } = fakeFetch(() => ({ status: 409, body: { error: { code: "wrong_state", message: "not ringing" } } }));
    const backend = new BridgeBackend(config, { fetch });
    const err = await backend.execute({ command: "call.answer", args: { callId: "c" } }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe("wrong_state");
    expect(err.message).toBe("not ringing");
  });

  it("a non-JSON error keeps the HTTP status, an unreachable bridge says so", async () => {
    const text = vi.fn(async () => new Response("oops", { status: 502 }));
    await expect(new BridgeBackend(config, { fetch: text }).status()).rejects.toMatchObject({ code: "http_502" });
    const down = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(new BridgeBackend(config, { fetch: down }).status()).rejects.toMatchObject({ code: "unreachable" });
  });

  it("status and history are GETs with the query in camelCase", async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: { total: 0, offset: 0, limit: 5, items: [] } }));
    const backend = new BridgeBackend(config, { fetch });
    await backend.history({ direction: "outgoing", limit: 5, offset: 0, q: "10 03", accountId: null });
    await backend.status();
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ["GET", `${config.base}/v1/history?direction=outgoing&limit=5&offset=0&q=10+03`],
      ["GET", `${config.base}/v1/status`],
    ]);
    expect(historyQueryString({})).toBe("");
  });
});

describe("the event socket", () => {
  function setup() {
    FakeSocket.made = [];
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const backend = new BridgeBackend(config, {
      fetch: fakeFetch(() => ({ status: 200, body: {} })).fetch,
      socket: (url, protocols) => new FakeSocket(url, protocols) as unknown as WebSocket,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: () => undefined,
    });
    return { backend, timers };
  }

  it("connects with the protocol and bearer subprotocols, delivers the snapshot and envelopes", () => {
    const { backend } = setup();
    const events: unknown[] = [];
    const snapshots: unknown[] = [];
    const states: ConnectionState[] = [];
    backend.onConnection((s) => states.push(s));
    backend.subscribe((e) => events.push(e));
    backend.onSnapshot((s) => snapshots.push(s));
    expect(FakeSocket.made).toHaveLength(1);
    const socket = FakeSocket.made[0]!;
    expect(socket.url).toBe("ws://127.0.0.1:9999/v1/events");
    expect(socket.protocols).toEqual(["dialtone.v1", "dialtone.bearer.secret"]);
    socket.onopen!();
    socket.onmessage!({ data: JSON.stringify({ event: "snapshot", timestamp: "t", data: { version: "1" } }) });
    const envelope = { event: "dnd.changed", timestamp: "t", data: { enabled: true } };
    socket.onmessage!({ data: JSON.stringify(envelope) });
    socket.onmessage!({ data: "not json" });
    expect(snapshots).toEqual([{ version: "1" }]);
    expect(events).toEqual([envelope]);
    expect(states).toEqual(["closed", "connecting", "open"]);
  });

  it("reconnects with bounded exponential backoff, reset after a successful open", () => {
    const { backend, timers } = setup();
    const states: ConnectionState[] = [];
    backend.onConnection((s) => states.push(s));
    for (let i = 0; i < 8; i++) {
      FakeSocket.made[FakeSocket.made.length - 1]!.onclose!();
      timers[timers.length - 1]!.fn();
    }
    expect(timers.map((t) => t.ms)).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    const last = FakeSocket.made[FakeSocket.made.length - 1]!;
    last.onopen!();
    last.onclose!();
    expect(timers[timers.length - 1]!.ms).toBe(500);
    expect(states.at(-1)).toBe("connecting");
    backend.close();
    expect(states.at(-1)).toBe("closed");
    expect(BridgeBackend.backoff(100)).toBe(15000);
  });

  it("desktop is undefined in the browser", () => {
    expect(new BridgeBackend(config).desktop).toBeUndefined();
    expect(new BridgeBackend(config).kind).toBe("bridge");
  });
});

import { describe, expect, it, vi } from "vitest";
import type { Backend } from "../backend/backend";
import type { Command } from "../generated/Command";
import type { Envelope } from "../generated/Envelope";
import type { HistoryPage } from "../generated/HistoryPage";
import { applyEnvelope, applyStatus, Store } from "../state/store";
import { calls } from "./calls";
import { confirmDialog } from "./confirm";
import { dialpad } from "./dialpad";
import { header } from "./header";
import { history } from "./history";

const T = "2026-11-21T10:00:00.000Z";
const page: HistoryPage = {
  total: 1,
  offset: 0,
  limit: 25,
  items: [
    {
      callId: "h1",
      accountId: "work",
      direction: "outgoing",
      remoteUri: "sip:1003@pbx.test",
      remoteNumber: "1003",
      remoteName: null,
      startedAt: T,
      ringingAt: null,
      answeredAt: T,
      endedAt: T,
      durationMs: 5000,
      talkMs: 4000,
      endCause: "completed",
      sipStatus: null,
      codec: null,
    },
  ],
};

function fakeBackend() {
  const sent: Command[] = [];
  const backend: Backend = {
    kind: "bridge",
    status: vi.fn(),
    execute: vi.fn(async (c: Command) => {
      sent.push(c);
      return { callId: null };
    }),
    history: vi.fn(async () => page),
    subscribe: () => () => undefined,
    onConnection: () => () => undefined,
  };
  return { backend, sent };
}
const flush = () => new Promise((r) => setTimeout(r, 0));
const env = (e: Omit<Envelope, "timestamp">, timestamp = T) => ({ ...e, timestamp }) as Envelope;

describe("views keep the agreed test selectors", () => {
  it("header: one account-state per account with its state", () => {
    const { backend } = fakeBackend();
    const view = header(backend, document.createElement("p"));
    const store = new Store();
    store.update((s) =>
      applyStatus(s, {
        version: "1",
        dnd: false,
        calls: [],
        accounts: [
          { id: "work", displayName: null, aor: "sip:1001@pbx.test", transport: "udp", enabled: true, state: "registered", reason: null, expiresAt: null },
        ],
      }),
    );
    view.render({ ...store.state, connection: "open" });
    const el = view.root.querySelector('[data-testid="account-state"]')!;
    expect(el.getAttribute("data-account-id")).toBe("work");
    expect(el.getAttribute("data-state")).toBe("registered");
    expect(view.root.querySelector('[data-testid="connection"]')!.getAttribute("data-state")).toBe("open");
  });

  it("dial pad: Enter in #dial-input dials what was typed", async () => {
    const { backend, sent } = fakeBackend();
    const view = dialpad(backend, document.createElement("p"));
    document.body.replaceChildren(view.root);
    const input = document.querySelector<HTMLInputElement>("#dial-input")!;
    expect(input.getAttribute("aria-label")).toBe("Number to call");
    input.value = "1003";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await flush();
    expect(input.value).toBe("");
    input.value = "1003";
    document.querySelector<HTMLButtonElement>('[data-testid="dial-button"]')!.click();
    await flush();
    expect(sent).toEqual([
      { command: "call.dial", args: { to: "1003" } },
      { command: "call.dial", args: { to: "1003" } },
    ]);
  });

  it("call panel: state, hold, DTMF keys, hang up", async () => {
    const { backend, sent } = fakeBackend();
    const store = new Store();
    const view = calls(backend, store, document.createElement("p"));
    document.body.replaceChildren(view.root);
    store.subscribe((s) => view.render(s));
    store.update((s) => applyEnvelope(s, env({ event: "call.dialing", data: { callId: "c1", accountId: "w", to: { uri: "sip:1003@x", number: "1003", displayName: null } } })));
    const panel = () => document.querySelector('[data-testid="active-call"]')!;
    expect(panel().getAttribute("data-state")).toBe("dialing");
    store.update((s) => applyEnvelope(s, env({ event: "call.answered", data: { callId: "c1", codec: null } }, new Date().toISOString())));
    expect(panel().getAttribute("data-state")).toBe("active");
    expect(panel().getAttribute("data-held")).toBe("false");
    expect(panel().querySelector('[data-testid="call-timer"]')!.textContent).toBe("00:00");
    (panel().querySelector('[data-testid="hold"]') as HTMLButtonElement).click();
    store.update((s) => applyEnvelope(s, env({ event: "call.held", data: { callId: "c1", by: "local" } })));
    expect(panel().getAttribute("data-held")).toBe("true");
    (panel().querySelector('[data-testid="hold"]') as HTMLButtonElement).click();
    (panel().querySelector('[data-testid="keypad-toggle"]') as HTMLButtonElement).click();
    (panel().querySelector('[data-testid="dtmf-star"]') as HTMLButtonElement).click();
    (panel().querySelector('[data-testid="dtmf-hash"]') as HTMLButtonElement).click();
    (panel().querySelector('[data-testid="dtmf-0"]') as HTMLButtonElement).click();
    (panel().querySelector('[data-testid="hangup"]') as HTMLButtonElement).click();
    await flush();
    expect(sent.map((c) => [c.command, "digits" in c.args ? c.args.digits : ""])).toEqual([
      ["call.hold", ""],
      ["call.resume", ""],
      ["call.dtmf", "*"],
      ["call.dtmf", "#"],
      ["call.dtmf", "0"],
      ["call.hangup", ""],
    ]);
    store.update((s) => applyEnvelope(s, env({ event: "call.ended", data: { callId: "c1", cause: "completed", sipStatus: null, reason: null, durationMs: 1, talkMs: 1 } })));
    expect(document.querySelector('[data-testid="active-call"]')).toBeNull();
  });

  it("history: rows carry call id and cause", async () => {
    const { backend } = fakeBackend();
    const dialled: string[] = [];
    const view = history(backend, (to) => dialled.push(to));
    await view.reload();
    const row = view.root.querySelector('[data-testid="history-row"]')!;
    expect(row.getAttribute("data-call-id")).toBe("h1");
    expect(row.getAttribute("data-cause")).toBe("completed");
    row.querySelector("button")!.click();
    expect(dialled).toEqual(["1003"]);
  });

  it("confirmation dialog: accept sends dial.confirm", async () => {
    const { backend, sent } = fakeBackend();
    const view = confirmDialog(backend);
    document.body.replaceChildren(view.root);
    const store = new Store();
    store.update((s) =>
      applyEnvelope(s, env({ event: "dial.confirm_requested", data: { requestId: "r1", to: "1003", target: "1003", accountId: null, source: { kind: "link", origin: null }, expiresAt: new Date(Date.now() + 30_000).toISOString() } })),
    );
    view.render(store.state);
    const dialog = document.querySelector('[data-testid="confirm-dial"]')!;
    expect(dialog.textContent).toContain("a clicked link");
    (dialog.querySelector('[data-testid="confirm-accept"]') as HTMLButtonElement).click();
    await flush();
    expect(sent).toEqual([{ command: "dial.confirm", args: { requestId: "r1", accept: true } }]);
  });
});

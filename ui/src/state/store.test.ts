import { describe, expect, it } from "vitest";
import type { CallInfo } from "../generated/CallInfo";
import type { CallStats } from "../generated/CallStats";
import type { Envelope } from "../generated/Envelope";
import type { Status } from "../generated/Status";
import { pickCall } from "./incoming";
import { qualityOf, qualityText } from "./quality";
import {
  applyConnection,
  applyEnvelope,
  applyStatus,
  expireConfirmations,
  focusCall,
  focusedCall,
  formatTimer,
  hasCallWaiting,
  initialState,
  partyLabel,
  ringingIncoming,
  secondsLeft,
  Store,
  switchPlan,
  type UiState,
} from "./store";

const T = "2026-11-21T10:00:00.000Z";
const env = (e: Omit<Envelope, "timestamp">, timestamp = T): Envelope => ({ ...e, timestamp }) as Envelope;
const party = (number: string, displayName: string | null = null) => ({
  uri: `sip:${number}@pbx.test`,
  number,
  displayName,
});
const run = (events: Array<Omit<Envelope, "timestamp">>, from: UiState = initialState()) =>
  events.reduce((s, e) => applyEnvelope(s, env(e)), from);

const info = (over: Partial<CallInfo> = {}): CallInfo => ({
  callId: "c1",
  accountId: "work",
  direction: "outgoing",
  remote: party("1003"),
  state: "active",
  startedAt: T,
  answeredAt: T,
  held: null,
  muted: false,
  codec: "PCMU/8000",
  ...over,
});
const status = (over: Partial<Status> = {}): Status => ({
  version: "1.2.3",
  accounts: [
    {
      id: "work",
      displayName: "Work",
      aor: "sip:1001@pbx.test",
      transport: "udp",
      enabled: true,
      state: "registered",
      reason: null,
      expiresAt: null,
    },
  ],
  dnd: false,
  calls: [],
  ...over,
});
const stats = (over: Partial<CallStats> = {}): CallStats => ({
  callId: "c1",
  codec: "opus/48000/2",
  packetsSent: 100,
  packetsReceived: 100,
  packetsLost: 0,
  lossPercent: 0,
  jitterMs: 3,
  rttMs: 20,
  jitterBufferMs: 40,
  mos: 4.3,
  ...over,
});

const dialing = { event: "call.dialing", data: { callId: "c1", accountId: "work", to: party("1003") } } as const;
const answered = { event: "call.answered", data: { callId: "c1", codec: "PCMU/8000" } } as const;
const incoming2 = {
  event: "call.incoming",
  data: { callId: "c2", accountId: "work", from: party("1004", "Bob"), callWaiting: true, autoAnswerMs: null },
} as const;

describe("status snapshots", () => {
  it("take accounts, DND, version and live calls", () => {
    const s = applyStatus(initialState(), status({ dnd: true, calls: [info(), info({ callId: "old", state: "ended" })] }));
    expect(s.version).toBe("1.2.3");
    expect(s.dnd).toBe(true);
    expect(s.accounts).toEqual([
      { id: "work", displayName: "Work", aor: "sip:1001@pbx.test", enabled: true, state: "registered", reason: null },
    ]);
    expect(s.calls.map((c) => c.callId)).toEqual(["c1"]);
  });

  it("keep what only events told (stats, dtmf) and drop a focus on a call gone", () => {
    let s = run([dialing, answered, { event: "call.stats", data: stats() }, { event: "call.dtmf", data: { callId: "c1", digit: "5", direction: "sent", method: "rfc4733" } }]);
    s = focusCall(s, "c1");
    s = applyStatus(s, status({ calls: [info()] }));
    expect(s.calls[0]!.quality).toBe("good");
    expect(s.calls[0]!.dtmf).toBe("5");
    expect(s.focusedId).toBe("c1");
    s = applyStatus(s, status());
    expect(s.calls).toEqual([]);
    expect(s.focusedId).toBeNull();
  });

  it("connection state is recorded", () => {
    expect(applyConnection(initialState(), "open").connection).toBe("open");
  });
});

describe("events", () => {
  it("registration.changed updates the account, or adds an unknown one", () => {
    let s = applyStatus(initialState(), status());
    s = run([{ event: "registration.changed", data: { accountId: "work", state: "auth_failed", reason: "401", expiresAt: null } }], s);
    expect(s.accounts[0]!.state).toBe("auth_failed");
    expect(s.accounts[0]!.reason).toBe("401");
    s = run([{ event: "registration.changed", data: { accountId: "home", state: "registering", reason: null, expiresAt: null } }], s);
    expect(s.accounts.map((a) => [a.id, a.state])).toEqual([["work", "auth_failed"], ["home", "registering"]]);
  });

  it("an outgoing call goes dialing → ringing → active with answeredAt, and is removed when it ends", () => {
    let s = run([dialing]);
    expect(s.calls[0]!.state).toBe("dialing");
    expect(s.focusedId).toBe("c1");
    expect(s.announcement).toBe("Calling 1003");
    s = run([{ event: "call.ringing", data: { callId: "c1", earlyMedia: true } }], s);
    expect(s.calls[0]!.state).toBe("ringing");
    expect(s.calls[0]!.earlyMedia).toBe(true);
    s = applyEnvelope(s, env(answered, "2026-11-21T10:00:05.000Z"));
    expect(s.calls[0]!.state).toBe("active");
    expect(s.calls[0]!.answeredAt).toBe("2026-11-21T10:00:05.000Z");
    expect(s.calls[0]!.codec).toBe("PCMU/8000");
    s = run([{ event: "call.ended", data: { callId: "c1", cause: "completed", sipStatus: null, reason: null, durationMs: 9000, talkMs: 4000 } }], s);
    expect(s.calls).toEqual([]);
    expect(s.focusedId).toBeNull();
    expect(s.lastEnded).toEqual({ callId: "c1", cause: "completed", reason: null });
    expect(s.endedCount).toBe(1);
    expect(s.announcement).toBe("Call with 1003 ended");
  });

  it("an incoming call rings, and the newest ringing one is found", () => {
    const s = run([{ event: "call.incoming", data: { ...incoming2.data, callWaiting: false } }]);
    expect(s.calls[0]!.direction).toBe("incoming");
    expect(s.calls[0]!.callWaiting).toBe(false);
    expect(ringingIncoming(s)?.callId).toBe("c2");
    expect(s.announcement).toBe("Incoming call from Bob");
  });

  it("hold and resume by either side, mute and unmute", () => {
    let s = run([dialing, answered, { event: "call.held", data: { callId: "c1", by: "local" } }]);
    expect(s.calls[0]!.held).toBe("local");
    s = run([{ event: "call.resumed", data: { callId: "c1", by: "local" } }], s);
    expect(s.calls[0]!.held).toBeNull();
    s = run([{ event: "call.held", data: { callId: "c1", by: "remote" } }], s);
    expect(s.calls[0]!.held).toBe("remote");
    expect(s.announcement).toContain("put you on hold");
    s = run([{ event: "call.muted", data: { callId: "c1", muted: true } }], s);
    expect(s.calls[0]!.muted).toBe(true);
    s = run([{ event: "call.muted", data: { callId: "c1", muted: false } }], s);
    expect(s.calls[0]!.muted).toBe(false);
  });

  it("dtmf digits are kept per call", () => {
    const s = run([
      dialing,
      answered,
      { event: "call.dtmf", data: { callId: "c1", digit: "1", direction: "sent", method: "rfc4733" } },
      { event: "call.dtmf", data: { callId: "c1", digit: "#", direction: "received", method: "info" } },
    ]);
    expect(s.calls[0]!.dtmf).toBe("1#");
    expect(s.announcement).toBe("Received tone #");
  });

  it("events about unknown calls change nothing", () => {
    const s = initialState();
    expect(applyEnvelope(s, env({ event: "call.answered", data: { callId: "nope", codec: null } })).calls).toEqual([]);
    expect(applyEnvelope(s, env({ event: "call.stats", data: stats({ callId: "nope" }) }))).toBe(s);
  });

  it("dnd.changed and audio.device_changed", () => {
    let s = run([{ event: "dnd.changed", data: { enabled: true } }]);
    expect(s.dnd).toBe(true);
    s = run([{ event: "audio.device_changed", data: { kind: "input", from: "a", to: null, reason: "unplugged" } }], s);
    expect(s.announcement).toContain("unplugged");
  });
});

describe("call waiting and switching", () => {
  const twoCalls = () => run([dialing, answered, incoming2]);

  it("a second incoming call while one is up is call waiting and does not take the panel", () => {
    const s = twoCalls();
    expect(hasCallWaiting(s)).toBe(true);
    expect(s.calls[1]!.callWaiting).toBe(true);
    expect(s.announcement).toBe("Call waiting: Bob is calling");
    expect(focusedCall(s)?.callId).toBe("c1");
  });

  it("switching to the waiting call holds the current one and answers it", () => {
    expect(switchPlan(twoCalls(), "c2")).toEqual([
      { command: "call.hold", callId: "c1" },
      { command: "call.answer", callId: "c2" },
    ]);
  });

  it("switching back resumes the held call after holding the other", () => {
    let s = run(
      [
        { event: "call.held", data: { callId: "c1", by: "local" } },
        { event: "call.answered", data: { callId: "c2", codec: null } },
      ],
      twoCalls(),
    );
    expect(focusedCall(s)?.callId).toBe("c2");
    expect(switchPlan(s, "c1")).toEqual([
      { command: "call.hold", callId: "c2" },
      { command: "call.resume", callId: "c1" },
    ]);
    s = run([{ event: "call.resumed", data: { callId: "c1", by: "local" } }], s);
    expect(focusedCall(s)?.callId).toBe("c1");
    expect(switchPlan(s, "unknown")).toEqual([]);
  });

  it("when the focused call ends, the other one shows", () => {
    const s = run(
      [{ event: "call.ended", data: { callId: "c1", cause: "completed", sipStatus: null, reason: null, durationMs: 1, talkMs: 1 } }],
      twoCalls(),
    );
    expect(focusedCall(s)?.callId).toBe("c2");
    expect(hasCallWaiting(s)).toBe(false);
  });

  it("focusCall ignores calls that are not there", () => {
    const s = twoCalls();
    expect(focusCall(s, "zz")).toBe(s);
    expect(focusCall(s, "c2").focusedId).toBe("c2");
  });
});

describe("dial confirmations", () => {
  const requested = {
    event: "dial.confirm_requested",
    data: {
      requestId: "r1",
      to: "1003",
      target: "+491003",
      accountId: null,
      source: { kind: "link", origin: null },
      expiresAt: "2026-11-21T10:00:30.000Z",
    },
  } as const;

  it("are pending until resolved", () => {
    let s = run([requested]);
    expect(s.confirmations.map((c) => c.requestId)).toEqual(["r1"]);
    expect(s.confirmations[0]!.target).toBe("+491003");
    s = run([{ event: "dial.confirm_resolved", data: { requestId: "r1", outcome: "accepted", callId: "c9" } }], s);
    expect(s.confirmations).toEqual([]);
  });

  it("expire at their time, and count down", () => {
    const s = run([requested]);
    const at = (iso: string) => Date.parse(iso);
    expect(secondsLeft(s.confirmations[0]!, at("2026-11-21T10:00:20.500Z"))).toBe(10);
    expect(expireConfirmations(s, at("2026-11-21T10:00:29.000Z"))).toBe(s);
    expect(expireConfirmations(s, at("2026-11-21T10:00:30.000Z")).confirmations).toEqual([]);
    expect(secondsLeft(s.confirmations[0]!, at("2026-11-21T10:01:00.000Z"))).toBe(0);
  });
});

describe("quality from stats", () => {
  it("maps MOS and loss to good, fair, poor", () => {
    expect(qualityOf({ mos: 4.3, lossPercent: 0 })).toBe("good");
    expect(qualityOf({ mos: 3.4, lossPercent: 0 })).toBe("fair");
    expect(qualityOf({ mos: 4.3, lossPercent: 3 })).toBe("fair");
    expect(qualityOf({ mos: 2.9, lossPercent: 0 })).toBe("poor");
    expect(qualityOf({ mos: 4.3, lossPercent: 8 })).toBe("poor");
  });

  it("call.stats sets the call's quality and its words", () => {
    const s = run([dialing, answered, { event: "call.stats", data: stats({ mos: 3.0, lossPercent: 6 }) }]);
    expect(s.calls[0]!.quality).toBe("poor");
    expect(qualityText(s.calls[0]!.stats!)).toBe(
      "Quality poor: MOS 3.0, loss 6.0 %, jitter 3 ms, round trip 20 ms, opus/48000/2",
    );
  });
});

describe("helpers", () => {
  it("formats the timer from answeredAt", () => {
    const start = "2026-11-21T10:00:00.000Z";
    expect(formatTimer(null, 0)).toBe("00:00");
    expect(formatTimer(start, Date.parse(start) + 65_400)).toBe("01:05");
    expect(formatTimer(start, Date.parse(start) + 3_723_000)).toBe("1:02:03");
    expect(formatTimer(start, Date.parse(start) - 5000)).toBe("00:00");
  });

  it("labels a party by name, number, then URI", () => {
    expect(partyLabel(party("1003", "Ann"))).toBe("Ann");
    expect(partyLabel(party("1003"))).toBe("1003");
    expect(partyLabel({ uri: "sip:bob@x.test", number: null, displayName: null })).toBe("bob@x.test");
  });

  it("the incoming window picks ?callId or the newest incoming call", () => {
    const st = status({
      calls: [info(), info({ callId: "i1", state: "incoming" }), info({ callId: "i2", state: "incoming" })],
    });
    expect(pickCall(st, "http://x/incoming.html?callId=i1")).toBe("i1");
    expect(pickCall(st, "http://x/incoming.html")).toBe("i2");
    expect(pickCall(status(), "http://x/incoming.html")).toBeNull();
  });

  it("the store tells subscribers only about changes", () => {
    const store = new Store();
    const seen: number[] = [];
    const off = store.subscribe((s) => seen.push(s.calls.length));
    store.update((s) => s);
    store.update((s) => applyEnvelope(s, env(dialing)));
    off();
    store.update((s) => applyEnvelope(s, env(incoming2)));
    expect(seen).toEqual([1]);
    expect(store.state.calls.length).toBe(2);
  });
});

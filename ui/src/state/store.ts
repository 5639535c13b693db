// The UI state and the pure functions that fold the phone's snapshots and events into it.
// Nothing here touches the DOM or the backend; `Store` (below) only holds the current value
// and tells subscribers.

import type { CallInfo } from "../generated/CallInfo";
import type { CallState } from "../generated/CallState";
import type { CallStats } from "../generated/CallStats";
import type { DialSource } from "../generated/DialSource";
import type { EndCause } from "../generated/EndCause";
import type { Envelope } from "../generated/Envelope";
import type { HoldBy } from "../generated/HoldBy";
import type { Party } from "../generated/Party";
import type { RegistrationState } from "../generated/RegistrationState";
import type { Status } from "../generated/Status";
import type { ConnectionState } from "../backend/backend";
import { qualityOf, type QualityLevel } from "./quality";

export interface AccountView {
  id: string;
  displayName: string | null;
  aor: string;
  enabled: boolean;
  state: RegistrationState;
  reason: string | null;
}

export interface CallView {
  callId: string;
  accountId: string;
  direction: "incoming" | "outgoing";
  remote: Party;
  state: CallState;
  startedAt: string;
  /** When the call was answered (RFC 3339): the timer counts from here. */
  answeredAt: string | null;
  held: HoldBy | null;
  muted: boolean;
  codec: string | null;
  earlyMedia: boolean;
  /** Rang while another call was up. */
  callWaiting: boolean;
  stats: CallStats | null;
  quality: QualityLevel | null;
  /** DTMF digits sent and received on this call, in order. */
  dtmf: string;
}

export interface PendingConfirmation {
  requestId: string;
  to: string;
  target: string;
  accountId: string | null;
  source: DialSource;
  expiresAt: string;
}

export interface LastEnded {
  callId: string;
  cause: EndCause;
  reason: string | null;
}

export interface UiState {
  connection: ConnectionState;
  version: string | null;
  accounts: AccountView[];
  dnd: boolean;
  /** Calls not yet ended, in the order they appeared. */
  calls: CallView[];
  /** The call the person chose to look at, if they chose one still there. */
  focusedId: string | null;
  confirmations: PendingConfirmation[];
  lastEnded: LastEnded | null;
  /** Words for the aria-live region: the latest call change. */
  announcement: string;
  /** Bumped on every call end (views refresh history on change). */
  endedCount: number;
}

export function initialState(): UiState {
  return {
    connection: "connecting",
    version: null,
    accounts: [],
    dnd: false,
    calls: [],
    focusedId: null,
    confirmations: [],
    lastEnded: null,
    announcement: "",
    endedCount: 0,
  };
}

/** A human name for the other end: display name, else number, else URI. */
export function partyLabel(party: Party): string {
  return party.displayName || party.number || party.uri.replace(/^sips?:/, "");
}

function fromInfo(info: CallInfo, previous?: CallView): CallView {
  return {
    callId: info.callId,
    accountId: info.accountId,
    direction: info.direction,
    remote: info.remote,
    state: info.state,
    startedAt: info.startedAt,
    answeredAt: info.answeredAt,
    held: info.held,
    muted: info.muted,
    codec: info.codec,
    earlyMedia: previous?.earlyMedia ?? false,
    callWaiting: previous?.callWaiting ?? false,
    stats: previous?.stats ?? null,
    quality: previous?.quality ?? null,
    dtmf: previous?.dtmf ?? "",
  };
}

/** Replaces accounts, DND and calls with a fresh snapshot (keeping what only events told). */
export function applyStatus(state: UiState, status: Status): UiState {
  const live = status.calls.filter((c) => c.state !== "ended");
  const calls = live.map((info) => {
    const call = fromInfo(info, state.calls.find((c) => c.callId === info.callId));
    if (info.state === "incoming" && live.some((c) => c.callId !== info.callId && c.state !== "incoming")) {
      call.callWaiting = true;
    }
    return call;
  });
  return {
    ...state,
    version: status.version,
    dnd: status.dnd,
    accounts: status.accounts.map((a) => ({
      id: a.id,
      displayName: a.displayName,
      aor: a.aor,
      enabled: a.enabled,
      state: a.state,
      reason: a.reason,
    })),
    calls,
    focusedId: calls.some((c) => c.callId === state.focusedId) ? state.focusedId : null,
  };
}

export function applyConnection(state: UiState, connection: ConnectionState): UiState {
  return { ...state, connection };
}

function updateCall(state: UiState, callId: string, change: (call: CallView) => CallView): UiState {
  if (!state.calls.some((c) => c.callId === callId)) return state;
  return { ...state, calls: state.calls.map((c) => (c.callId === callId ? change(c) : c)) };
}

function newCall(
  callId: string,
  accountId: string,
  direction: "incoming" | "outgoing",
  remote: Party,
  state: CallState,
  startedAt: string,
  callWaiting: boolean,
): CallView {
  return {
    callId,
    accountId,
    direction,
    remote,
    state,
    startedAt,
    answeredAt: null,
    held: null,
    muted: false,
    codec: null,
    earlyMedia: false,
    callWaiting,
    stats: null,
    quality: null,
    dtmf: "",
  };
}

function addCall(state: UiState, call: CallView): UiState {
  const calls = state.calls.filter((c) => c.callId !== call.callId);
  return { ...state, calls: [...calls, call] };
}

function label(state: UiState, callId: string): string {
  const call = state.calls.find((c) => c.callId === callId);
  return call ? partyLabel(call.remote) : "the caller";
}

const CAUSE_WORDS: Record<EndCause, string> = {
  completed: "ended",
  busy: "ended: busy",
  no_answer: "ended: no answer",
  rejected: "ended: declined",
  missed: "missed",
  canceled: "canceled",
  failed: "failed",
};

/** Folds one event into the state. `now` is only used for nothing time-dependent yet. */
export function applyEnvelope(state: UiState, envelope: Envelope): UiState {
  switch (envelope.event) {
    case "registration.changed": {
      const d = envelope.data;
      const known = state.accounts.some((a) => a.id === d.accountId);
      const accounts = known
        ? state.accounts.map((a) => (a.id === d.accountId ? { ...a, state: d.state, reason: d.reason } : a))
        : [
            ...state.accounts,
            { id: d.accountId, displayName: null, aor: "", enabled: true, state: d.state, reason: d.reason },
          ];
      return { ...state, accounts };
    }
    case "call.incoming": {
      const d = envelope.data;
      const waiting = d.callWaiting || state.calls.length > 0;
      const next = addCall(
        state,
        newCall(d.callId, d.accountId, "incoming", d.from, "incoming", envelope.timestamp, waiting),
      );
      const who = partyLabel(d.from);
      return {
        ...next,
        announcement: waiting ? `Call waiting: ${who} is calling` : `Incoming call from ${who}`,
      };
    }
    case "call.dialing": {
      const d = envelope.data;
      const next = addCall(
        state,
        newCall(d.callId, d.accountId, "outgoing", d.to, "dialing", envelope.timestamp, false),
      );
      return { ...next, focusedId: d.callId, announcement: `Calling ${partyLabel(d.to)}` };
    }
    case "call.ringing": {
      const d = envelope.data;
      const next = updateCall(state, d.callId, (c) => ({ ...c, state: "ringing", earlyMedia: d.earlyMedia }));
      return { ...next, announcement: `${label(state, d.callId)} is ringing` };
    }
    case "call.answered": {
      const d = envelope.data;
      const next = updateCall(state, d.callId, (c) => ({
        ...c,
        state: "active",
        answeredAt: c.answeredAt ?? envelope.timestamp,
        codec: d.codec ?? c.codec,
      }));
      return { ...next, focusedId: d.callId, announcement: `Connected with ${label(state, d.callId)}` };
    }
    case "call.held": {
      const d = envelope.data;
      const next = updateCall(state, d.callId, (c) => ({ ...c, held: d.by }));
      const words = d.by === "local" ? "on hold" : "put you on hold";
      return { ...next, announcement: `${label(state, d.callId)} ${words}` };
    }
    case "call.resumed": {
      const d = envelope.data;
      const next = updateCall(state, d.callId, (c) => ({ ...c, held: null }));
      return {
        ...next,
        focusedId: d.by === "local" ? d.callId : next.focusedId,
        announcement: `${label(state, d.callId)} resumed`,
      };
    }
    case "call.muted": {
      const d = envelope.data;
      const next = updateCall(state, d.callId, (c) => ({ ...c, muted: d.muted }));
      return { ...next, announcement: d.muted ? "Microphone muted" : "Microphone on" };
    }
    case "call.dtmf": {
      const d = envelope.data;
      const next = updateCall(state, d.callId, (c) => ({ ...c, dtmf: (c.dtmf + d.digit).slice(-64) }));
      return { ...next, announcement: `${d.direction === "sent" ? "Sent" : "Received"} tone ${d.digit}` };
    }
    case "call.ended": {
      const d = envelope.data;
      const who = label(state, d.callId);
      const known = state.calls.some((c) => c.callId === d.callId);
      return {
        ...state,
        calls: state.calls.filter((c) => c.callId !== d.callId),
        focusedId: state.focusedId === d.callId ? null : state.focusedId,
        lastEnded: { callId: d.callId, cause: d.cause, reason: d.reason },
        announcement: known ? `Call with ${who} ${CAUSE_WORDS[d.cause] ?? "ended"}` : state.announcement,
        endedCount: state.endedCount + 1,
      };
    }
    case "call.stats": {
      const d = envelope.data;
      return updateCall(state, d.callId, (c) => ({ ...c, stats: d, quality: qualityOf(d), codec: d.codec }));
    }
    case "audio.device_changed":
      return { ...state, announcement: `Audio ${envelope.data.kind} switched: ${envelope.data.reason}` };
    case "dial.confirm_requested": {
      const d = envelope.data;
      const confirmations = state.confirmations.filter((c) => c.requestId !== d.requestId);
      confirmations.push({
        requestId: d.requestId,
        to: d.to,
        target: d.target,
        accountId: d.accountId ?? null,
        source: d.source,
        expiresAt: d.expiresAt,
      });
      return { ...state, confirmations, announcement: `Confirm call to ${d.target}?` };
    }
    case "dial.confirm_resolved": {
      const d = envelope.data;
      return { ...state, confirmations: state.confirmations.filter((c) => c.requestId !== d.requestId) };
    }
    case "dnd.changed":
      return {
        ...state,
        dnd: envelope.data.enabled,
        announcement: envelope.data.enabled ? "Do not disturb on" : "Do not disturb off",
      };
    default:
      return state;
  }
}

/** Drops confirmations whose time ran out (the phone declines them itself). */
export function expireConfirmations(state: UiState, nowMs: number): UiState {
  const confirmations = state.confirmations.filter((c) => Date.parse(c.expiresAt) > nowMs);
  return confirmations.length === state.confirmations.length ? state : { ...state, confirmations };
}

/** Seconds left to answer a confirmation (never negative). */
export function secondsLeft(confirmation: PendingConfirmation, nowMs: number): number {
  return Math.max(0, Math.ceil((Date.parse(confirmation.expiresAt) - nowMs) / 1000));
}

export function focusCall(state: UiState, callId: string): UiState {
  return state.calls.some((c) => c.callId === callId) ? { ...state, focusedId: callId } : state;
}

/**
 * The call the main panel shows: the chosen one, else the newest connected call not on hold,
 * else the newest call that is not a second call waiting, else the newest call.
 */
export function focusedCall(state: UiState): CallView | null {
  const chosen = state.calls.find((c) => c.callId === state.focusedId);
  if (chosen) return chosen;
  const newest = [...state.calls].reverse();
  return (
    newest.find((c) => c.state === "active" && c.held === null) ??
    newest.find((c) => !(c.state === "incoming" && state.calls.length > 1)) ??
    newest[0] ??
    null
  );
}

/** Two or more calls: the person can switch between them. */
export function hasCallWaiting(state: UiState): boolean {
  return state.calls.length > 1;
}

/** The newest incoming call still ringing here. */
export function ringingIncoming(state: UiState): CallView | null {
  return [...state.calls].reverse().find((c) => c.state === "incoming") ?? null;
}

/**
 * The commands that switch to `target`: hold every other call that is up and not held, then
 * resume (or answer) the target.
 */
export function switchPlan(
  state: UiState,
  targetId: string,
): Array<{ command: "call.hold" | "call.resume" | "call.answer"; callId: string }> {
  const target = state.calls.find((c) => c.callId === targetId);
  if (!target) return [];
  const plan: Array<{ command: "call.hold" | "call.resume" | "call.answer"; callId: string }> = [];
  for (const c of state.calls) {
    if (c.callId !== targetId && c.state === "active" && c.held !== "local") {
      plan.push({ command: "call.hold", callId: c.callId });
    }
  }
  if (target.state === "incoming") plan.push({ command: "call.answer", callId: targetId });
  else if (target.held === "local") plan.push({ command: "call.resume", callId: targetId });
  return plan;
}

/** mm:ss (or h:mm:ss) since `answeredAt`. */
export function formatTimer(answeredAt: string | null, nowMs: number): string {
  if (!answeredAt) return "00:00";
  const total = Math.max(0, Math.floor((nowMs - Date.parse(answeredAt)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Holds the state; `dispatch` applies a pure update and tells subscribers when it changed. */
export class Store {
  private value: UiState = initialState();
  private readonly listeners = new Set<(state: UiState) => void>();

  get state(): UiState {
    return this.value;
  }

  update(change: (state: UiState) => UiState): void {
    const next = change(this.value);
    if (next === this.value) return;
    this.value = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  subscribe(listener: (state: UiState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

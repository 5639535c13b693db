// The calls area: the focused call's panel (remote, state, timer, controls, DTMF keypad,
// quality) and, with two calls or more, a list to switch between them.

import type { Backend } from "../backend/backend";
import type { Command } from "../generated/Command";
import { qualityText } from "../state/quality";
import {
  focusedCall,
  formatTimer,
  partyLabel,
  switchPlan,
  type CallView,
  type Store,
  type UiState,
} from "../state/store";
import { h, setAttr, setText, showError } from "./dom";

const STATE_WORDS: Record<string, string> = {
  dialing: "Calling…",
  ringing: "Ringing…",
  incoming: "Incoming call",
  active: "Connected",
  ending: "Hanging up…",
  ended: "Ended",
};

export function stateWords(call: CallView): string {
  if (call.state === "active" && call.held === "local") return "On hold";
  if (call.state === "active" && call.held === "remote") return "Held by the other side";
  if (call.state === "ringing" && call.earlyMedia) return "Ringing (early media)";
  if (call.state === "incoming" && call.callWaiting) return "Call waiting";
  return STATE_WORDS[call.state] ?? call.state;
}

const DTMF_KEYS: Array<[string, string]> = [
  ["1", "1"], ["2", "2"], ["3", "3"], ["4", "4"], ["5", "5"], ["6", "6"],
  ["7", "7"], ["8", "8"], ["9", "9"], ["*", "star"], ["0", "0"], ["#", "hash"],
];

export function calls(backend: Backend, store: Store, errors: HTMLElement) {
  const run = (command: Command) =>
    backend.execute(command).then(
      () => {
        errors.textContent = "";
      },
      (e) => showError(errors, e),
    );

  const panel = h("section", { class: "call-panel", "aria-labelledby": "call-heading" });
  const list = h("section", { class: "call-list", "aria-labelledby": "call-list-heading", hidden: true },
    h("h2", { id: "call-list-heading" }, "Calls"),
    h("ul", {}),
  );
  const root = h("div", { class: "calls" }, list, panel);
  let shownId: string | null = null;
  let keypadOpen = false;

  function build(call: CallView): HTMLElement {
    const id = call.callId;
    const keypad = h(
      "div",
      { class: "dtmf", role: "group", "aria-label": "Send tones", id: "dtmf-pad", hidden: !keypadOpen },
      DTMF_KEYS.map(([digit, name]) =>
        h(
          "button",
          {
            type: "button",
            class: "key",
            "data-testid": `dtmf-${name}`,
            onclick: () => void run({ command: "call.dtmf", args: { callId: id, digits: digit } }),
          },
          digit,
        ),
      ),
    );
    const keypadToggle = h(
      "button",
      { type: "button", "data-testid": "keypad-toggle", "aria-expanded": String(keypadOpen), "aria-controls": "dtmf-pad" },
      "Keypad",
    );
    keypadToggle.addEventListener("click", () => {
      keypadOpen = !keypadOpen;
      keypad.hidden = !keypadOpen;
      keypadToggle.setAttribute("aria-expanded", String(keypadOpen));
    });
    const el = h(
      "div",
      { class: "active-call", "data-testid": "active-call", "data-call-id": id },
      h("h2", { id: "call-heading", class: "remote" }),
      h("p", { class: "uri" }),
      h(
        "p",
        { class: "status-line" },
        h("span", { class: "state" }),
        " ",
        h("span", { class: "timer", "data-testid": "call-timer", role: "timer", "aria-label": "Call duration" }, "00:00"),
        " ",
        h("span", { class: "quality", "data-testid": "call-quality", role: "img" }),
      ),
      h(
        "div",
        { class: "incoming-actions" },
        h("button", { type: "button", class: "answer", "data-testid": "answer", onclick: () => void run({ command: "call.answer", args: { callId: id } }) }, "Answer"),
        h("button", { type: "button", class: "decline", "data-testid": "decline", onclick: () => void run({ command: "call.reject", args: { callId: id, busy: false } }) }, "Decline"),
      ),
      h(
        "div",
        { class: "controls" },
        h("button", {
          type: "button",
          "data-testid": "mute",
          "aria-pressed": "false",
          onclick: () => {
            const c = store.state.calls.find((x) => x.callId === id);
            void run({ command: c?.muted ? "call.unmute" : "call.mute", args: { callId: id } });
          },
        }, "Mute"),
        h("button", {
          type: "button",
          "data-testid": "hold",
          "aria-pressed": "false",
          onclick: () => {
            const c = store.state.calls.find((x) => x.callId === id);
            void run({ command: c?.held === "local" ? "call.resume" : "call.hold", args: { callId: id } });
          },
        }, "Hold"),
        keypadToggle,
        h("button", {
          type: "button",
          class: "hangup",
          "data-testid": "hangup",
          "aria-keyshortcuts": "Control+H",
          onclick: () => void run({ command: "call.hangup", args: { callId: id } }),
        }, "Hang up"),
      ),
      keypad,
      h("p", { class: "dtmf-log", "data-testid": "dtmf-log", "aria-label": "Tones sent and received" }),
    );
    return el;
  }

  function update(el: HTMLElement, call: CallView, now: number): void {
    setAttr(el, "data-state", call.state);
    setAttr(el, "data-held", String(call.held !== null));
    setText(el.querySelector(".remote")!, partyLabel(call.remote));
    const uri = call.remote.uri.replace(/^sips?:/, "");
    setText(el.querySelector(".uri")!, uri === partyLabel(call.remote) ? "" : uri);
    setText(el.querySelector(".state")!, stateWords(call));
    const timer = el.querySelector<HTMLElement>('[data-testid="call-timer"]')!;
    timer.hidden = call.answeredAt === null;
    setText(timer, formatTimer(call.answeredAt, now));
    const quality = el.querySelector<HTMLElement>('[data-testid="call-quality"]')!;
    quality.hidden = call.stats === null;
    setAttr(quality, "data-level", call.quality);
    if (call.stats) {
      const text = qualityText(call.stats);
      setText(quality, `● ${call.quality}`);
      setAttr(quality, "title", text);
      setAttr(quality, "aria-label", text);
    }
    const incoming = call.state === "incoming";
    (el.querySelector(".incoming-actions") as HTMLElement).hidden = !incoming;
    (el.querySelector(".controls") as HTMLElement).hidden = incoming;
    const up = call.state === "active";
    const mute = el.querySelector<HTMLButtonElement>('[data-testid="mute"]')!;
    mute.disabled = !up;
    setAttr(mute, "aria-pressed", String(call.muted));
    setText(mute, call.muted ? "Unmute" : "Mute");
    const hold = el.querySelector<HTMLButtonElement>('[data-testid="hold"]')!;
    hold.disabled = !up;
    setAttr(hold, "aria-pressed", String(call.held === "local"));
    setText(hold, call.held === "local" ? "Resume" : "Hold");
    el.querySelector<HTMLButtonElement>('[data-testid="keypad-toggle"]')!.disabled = !up;
    setText(el.querySelector(".hangup")!, incoming ? "Hang up" : call.state === "active" ? "Hang up" : "Cancel");
    (el.querySelector(".hangup") as HTMLElement).hidden = incoming;
    setText(el.querySelector(".dtmf-log")!, call.dtmf ? `Tones: ${call.dtmf}` : "");
  }

  function renderList(state: UiState, focused: CallView | null): void {
    list.hidden = state.calls.length < 2;
    const ul = list.querySelector("ul")!;
    const rows = state.calls.map((c) => {
      const current = c.callId === focused?.callId;
      return h(
        "li",
        { class: current ? "current" : "" },
        h(
          "button",
          {
            type: "button",
            "data-testid": "switch-call",
            "data-call-id": c.callId,
            "aria-current": current ? "true" : null,
            onclick: async () => {
              store.update((s) => ({ ...s, focusedId: c.callId }));
              for (const step of switchPlan(store.state, c.callId)) {
                await run({ command: step.command, args: { callId: step.callId } } as Command);
              }
            },
          },
          h("span", { class: "name" }, partyLabel(c.remote)),
          h("span", { class: "state" }, stateWords(c)),
        ),
      );
    });
    const key = JSON.stringify(state.calls.map((c) => [c.callId, stateWords(c), c.callId === focused?.callId]));
    if (ul.dataset.key !== key) {
      const hadFocus = ul.contains(document.activeElement);
      ul.replaceChildren(...rows);
      ul.dataset.key = key;
      if (hadFocus) ul.querySelector<HTMLButtonElement>("button[aria-current]")?.focus();
    }
  }

  function render(state: UiState): void {
    const call = focusedCall(state);
    const now = Date.now();
    if (!call) {
      if (panel.contains(document.activeElement)) document.getElementById("dial-input")?.focus();
      panel.replaceChildren();
      shownId = null;
      keypadOpen = false;
    } else {
      if (shownId !== call.callId) {
        panel.replaceChildren(build(call));
        shownId = call.callId;
      }
      update(panel.firstElementChild as HTMLElement, call, now);
    }
    panel.hidden = !call;
    renderList(state, call);
  }

  function tick(): void {
    const call = focusedCall(store.state);
    const timer = panel.querySelector<HTMLElement>('[data-testid="call-timer"]');
    if (call && timer) setText(timer, formatTimer(call.answeredAt, Date.now()));
  }

  function hangupFocused(): void {
    const call = focusedCall(store.state);
    if (!call) return;
    if (call.state === "incoming") void run({ command: "call.reject", args: { callId: call.callId, busy: false } });
    else void run({ command: "call.hangup", args: { callId: call.callId } });
  }

  return { root, render, tick, hangupFocused };
}

// The dial pad: the number field (typing searches the history), digit keys, Call, redial.

import type { Backend } from "../backend/backend";
import type { HistoryEntry } from "../generated/HistoryEntry";
import { h, showError } from "./dom";

export const KEYS: Array<[string, string]> = [
  ["1", ""], ["2", "ABC"], ["3", "DEF"],
  ["4", "GHI"], ["5", "JKL"], ["6", "MNO"],
  ["7", "PQRS"], ["8", "TUV"], ["9", "WXYZ"],
  ["*", ""], ["0", "+"], ["#", ""],
];
const LONG_PRESS_MS = 600;
const SEARCH_DEBOUNCE_MS = 250;
/** What may be typed or pasted into the number field. */
const ALLOWED = /[^0-9*#+a-zA-Z@.:_\-;=]/g;

export function entryNumber(entry: HistoryEntry): string {
  return entry.remoteNumber || entry.remoteUri;
}

export function dialpad(backend: Backend, errors: HTMLElement) {
  const input = h("input", {
    id: "dial-input",
    type: "text",
    inputmode: "tel",
    autocomplete: "off",
    "aria-label": "Number to call",
    "aria-describedby": "dial-help",
    placeholder: "Number or SIP address",
  });
  const results = h("ul", { class: "matches", id: "dial-matches", "aria-label": "Matching calls from history" });
  const callButton = h("button", { type: "button", class: "call", "data-testid": "dial-button" }, "Call");
  const backspace = h("button", { type: "button", class: "backspace", "aria-label": "Delete last digit" }, "⌫");
  const redial = h("button", { type: "button", class: "redial", "data-testid": "redial" }, "Redial last");
  const help = h("p", { id: "dial-help", class: "hint" }, "Enter calls; hold 0 for +; Ctrl+D comes back here.");

  async function dial(to: string): Promise<void> {
    const number = to.trim();
    if (!number) {
      input.focus();
      return;
    }
    callButton.disabled = true;
    try {
      await backend.execute({ command: "call.dial", args: { to: number } });
      errors.textContent = "";
      // Ready for the next number; a search still pending is moot now.
      if (searchTimer) clearTimeout(searchTimer);
      searchSeq += 1;
      results.replaceChildren();
      if (input.value.trim() === number) input.value = "";
    } catch (e) {
      showError(errors, e);
    } finally {
      callButton.disabled = false;
    }
  }

  function insert(text: string): void {
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    input.setSelectionRange(start + text.length, start + text.length);
    input.dispatchEvent(new Event("input"));
  }

  const keys = h(
    "div",
    { class: "keys", role: "group", "aria-label": "Dial pad" },
    KEYS.map(([digit, letters]) => {
      const key = h(
        "button",
        { type: "button", class: "key", "data-digit": digit, "aria-label": digit === "0" ? "0, hold for +" : digit },
        h("span", { class: "digit" }, digit),
        h("span", { class: "letters", "aria-hidden": "true" }, letters),
      );
      let timer: ReturnType<typeof setTimeout> | null = null;
      let long = false;
      if (digit === "0") {
        key.addEventListener("pointerdown", () => {
          long = false;
          timer = setTimeout(() => {
            long = true;
            insert("+");
          }, LONG_PRESS_MS);
        });
        const cancel = () => {
          if (timer) clearTimeout(timer);
          timer = null;
        };
        key.addEventListener("pointerup", cancel);
        key.addEventListener("pointerleave", cancel);
      }
      key.addEventListener("click", () => {
        if (long) {
          long = false;
          return;
        }
        insert(digit);
      });
      return key;
    }),
  );

  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  let searchSeq = 0;
  async function search(q: string): Promise<void> {
    const seq = ++searchSeq;
    if (q.length < 2) {
      results.replaceChildren();
      return;
    }
    try {
      const page = await backend.history({ q, limit: 5, offset: 0 });
      if (seq !== searchSeq) return;
      const seen = new Set<string>();
      const rows = page.items
        .filter((e) => {
          const n = entryNumber(e);
          if (seen.has(n) || n === q) return false;
          seen.add(n);
          return true;
        })
        .map((e) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "match",
                "data-testid": "dial-match",
                onclick: () => void dial(entryNumber(e)),
              },
              h("span", { class: "name" }, e.remoteName || entryNumber(e)),
              e.remoteName ? h("span", { class: "number" }, entryNumber(e)) : null,
            ),
          ),
        );
      results.replaceChildren(...rows);
    } catch {
      results.replaceChildren();
    }
  }

  input.addEventListener("input", () => {
    const clean = input.value.replace(ALLOWED, "");
    if (clean !== input.value) input.value = clean;
    if (searchTimer) clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void search(input.value.trim()), SEARCH_DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      void dial(input.value);
    }
  });
  callButton.addEventListener("click", () => void dial(input.value));
  backspace.addEventListener("click", () => {
    input.value = input.value.slice(0, -1);
    input.dispatchEvent(new Event("input"));
  });
  redial.addEventListener("click", async () => {
    try {
      const page = await backend.history({ direction: "outgoing", limit: 1, offset: 0 });
      const last = page.items[0];
      if (!last) {
        errors.textContent = "No outgoing call to redial yet.";
        return;
      }
      input.value = entryNumber(last);
      await dial(input.value);
    } catch (e) {
      showError(errors, e);
    }
  });

  const root = h(
    "section",
    { class: "view dialpad", id: "view-dialpad", "aria-labelledby": "dialpad-heading" },
    h("h2", { id: "dialpad-heading" }, "Dial"),
    h("div", { class: "number-row" }, input, backspace),
    help,
    results,
    keys,
    h("div", { class: "actions" }, callButton, redial),
  );
  return { root, input };
}

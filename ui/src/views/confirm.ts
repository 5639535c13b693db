// The dial confirmation: a modal dialog for each `dial.confirm_requested`, oldest first,
// with the time left; Accept/Decline send `dial.confirm`. Escape declines.

import type { Backend } from "../backend/backend";
import { secondsLeft, type PendingConfirmation, type UiState } from "../state/store";
import { h, setText, showError } from "./dom";

const SOURCE_WORDS: Record<string, string> = {
  app: "this app",
  cli: "the command line",
  api: "a program using the bridge",
  embed: "a web page",
  link: "a clicked link",
};

export function sourceText(c: PendingConfirmation): string {
  const who = SOURCE_WORDS[c.source.kind] ?? c.source.kind;
  return c.source.origin ? `${who} (${c.source.origin})` : who;
}

export function confirmDialog(backend: Backend) {
  const target = h("strong", { class: "target" });
  const source = h("span", { class: "source" });
  const left = h("p", { class: "left", "aria-live": "off" });
  const error = h("p", { class: "error", role: "alert" });
  const accept = h("button", { type: "button", class: "answer", "data-testid": "confirm-accept" }, "Call");
  const decline = h("button", { type: "button", class: "decline", "data-testid": "confirm-decline" }, "Don't call");
  const dialog = h(
    "dialog",
    { "data-testid": "confirm-dial", "aria-labelledby": "confirm-heading", "aria-describedby": "confirm-text" },
    h("h2", { id: "confirm-heading" }, "Place this call?"),
    h("p", { id: "confirm-text" }, "Call ", target, " as asked by ", source, "?"),
    left,
    error,
    h("div", { class: "actions" }, accept, decline),
  );
  let current: PendingConfirmation | null = null;
  let returnFocus: HTMLElement | null = null;

  async function answer(yes: boolean): Promise<void> {
    if (!current) return;
    try {
      await backend.execute({ command: "dial.confirm", args: { requestId: current.requestId, accept: yes } });
      error.textContent = "";
    } catch (e) {
      showError(error, e);
    }
  }
  accept.addEventListener("click", () => void answer(true));
  decline.addEventListener("click", () => void answer(false));
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    void answer(false);
  });

  function render(state: UiState): void {
    const next = state.confirmations[0] ?? null;
    if (!next) {
      if (dialog.open) {
        dialog.close();
        returnFocus?.focus();
      }
      current = null;
      return;
    }
    if (current?.requestId !== next.requestId) {
      current = next;
      setText(target, next.target);
      setText(source, sourceText(next));
      error.textContent = "";
    }
    tick();
    if (!dialog.open) {
      returnFocus = document.activeElement as HTMLElement | null;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      decline.focus();
    }
  }

  function tick(): void {
    if (current) setText(left, `${secondsLeft(current, Date.now())} s left to decide`);
  }

  return { root: dialog, render, tick };
}

// The header: each account's registration, do-not-disturb, and the connection banner.

import type { Backend } from "../backend/backend";
import type { UiState } from "../state/store";
import { h, setAttr, setText, showError } from "./dom";

const STATE_WORDS: Record<string, string> = {
  registered: "Registered",
  registering: "Registering…",
  unregistered: "Not registered",
  auth_failed: "Wrong user or password",
  unreachable: "Registrar unreachable",
  error: "Registration failed",
};

export function header(backend: Backend, errors: HTMLElement) {
  const accounts = h("ul", { class: "accounts", "aria-label": "Accounts" });
  const dnd = h("input", { type: "checkbox", id: "dnd-toggle", "data-testid": "dnd-toggle" });
  const dndLabel = h("label", { class: "dnd", for: "dnd-toggle" }, dnd, " Do not disturb");
  if (!backend.desktop) {
    // The bridge has no route for it: show the state, switch it in the desktop app.
    dnd.disabled = true;
    dndLabel.title = "Switch do-not-disturb in the desktop app";
  }
  dnd.addEventListener("change", () => {
    backend
      .execute({ command: "phone.set_dnd", args: { enabled: dnd.checked } })
      .catch((e) => {
        dnd.checked = !dnd.checked;
        showError(errors, e);
      });
  });
  const connection = h("div", { class: "connection", "data-testid": "connection", role: "status" });
  const root = h(
    "header",
    { class: "app-header" },
    h("h1", {}, "Dialtone"),
    dndLabel,
    accounts,
    connection,
  );

  function render(state: UiState): void {
    setAttr(connection, "data-state", state.connection);
    setText(
      connection,
      state.connection === "open" ? "" : state.connection === "connecting" ? "Connecting to the phone…" : "Not connected to the phone",
    );
    connection.hidden = state.connection === "open";
    dnd.checked = state.dnd;
    const seen = new Set<string>();
    for (const account of state.accounts) {
      seen.add(account.id);
      let li = accounts.querySelector<HTMLLIElement>(`li[data-account-id="${CSS.escape(account.id)}"]`);
      if (!li) {
        li = h(
          "li",
          { "data-testid": "account-state", "data-account-id": account.id, role: "status" },
          h("span", { class: "dot", "aria-hidden": "true" }),
          h("span", { class: "name" }),
          h("span", { class: "words" }),
        );
        accounts.append(li);
      }
      setAttr(li, "data-state", account.state);
      setText(li.querySelector(".name")!, account.displayName || account.aor.replace(/^sips?:/, "") || account.id);
      const words = STATE_WORDS[account.state] ?? account.state;
      const reason = account.reason && account.state !== "registered" ? `: ${account.reason}` : "";
      setText(li.querySelector(".words")!, account.enabled ? words + reason : "Disabled");
      setAttr(li, "title", `${account.aor} — ${account.enabled ? words + reason : "Disabled"}`);
    }
    for (const li of [...accounts.querySelectorAll<HTMLLIElement>("li")]) {
      if (!seen.has(li.dataset.accountId ?? "")) li.remove();
    }
  }

  return { root, render };
}

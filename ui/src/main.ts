// The main window: header, calls, and three views (dial pad, history, settings), wired to
// the backend through the state store.

import "./styles/app.css";
import { selectBackend } from "./backend/select";
import { applyConnection, applyEnvelope, applyStatus, expireConfirmations, Store } from "./state/store";
import { calls } from "./views/calls";
import { confirmDialog } from "./views/confirm";
import { dialpad } from "./views/dialpad";
import { h, setText, showError } from "./views/dom";
import { header } from "./views/header";
import { history } from "./views/history";
import { keyboardHelp } from "./views/keyboard";
import { settings } from "./views/settings";

const backend = selectBackend();
const store = new Store();
const app = document.getElementById("app")!;

const errors = h("p", { class: "error", role: "alert", "data-testid": "error" });
const live = h("div", { class: "visually-hidden", "aria-live": "polite", "data-testid": "announcer" });
const top = header(backend, errors);
const pad = dialpad(backend, errors);
const callArea = calls(backend, store, errors);
const dialTo = (to: string) => {
  backend.execute({ command: "call.dial", args: { to } }).catch((e) => showError(errors, e));
};
const hist = history(backend, dialTo);
const confirm = confirmDialog(backend);
const prefs = backend.desktop ? settings(backend.desktop, backend) : null;

type ViewName = "dialpad" | "history" | "settings";
const views: Record<ViewName, HTMLElement | null> = {
  dialpad: pad.root,
  history: hist.root,
  settings: prefs?.root ?? null,
};
const navButton = (name: ViewName, text: string, key: string) =>
  h(
    "button",
    { type: "button", "data-testid": `nav-${name}`, "data-view": name, "aria-keyshortcuts": key, onclick: () => show(name) },
    text,
  );
const nav = h(
  "nav",
  { class: "app-nav", "aria-label": "Views" },
  navButton("dialpad", "Dial pad", "Control+D"),
  navButton("history", "History", "Control+Shift+H"),
  prefs ? navButton("settings", "Settings", "Control+,") : null,
);
let current: ViewName = "dialpad";
function show(name: ViewName): void {
  if (!views[name]) return;
  current = name;
  for (const [key, el] of Object.entries(views)) if (el) el.hidden = key !== name;
  for (const b of nav.querySelectorAll<HTMLButtonElement>("button")) {
    if (b.dataset.view === name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (name === "history") void hist.reload();
  if (name === "settings") void prefs?.open();
}

app.replaceChildren(
  top.root,
  h(
    "main",
    { class: "app-main" },
    callArea.root,
    errors,
    nav,
    pad.root,
    hist.root,
    prefs?.root ?? null,
    keyboardHelp(),
  ),
  live,
  confirm.root,
);
show("dialpad");

let lastEnded = 0;
store.subscribe((state) => {
  top.render(state);
  callArea.render(state);
  confirm.render(state);
  setText(live, state.announcement);
  if (state.endedCount !== lastEnded) {
    lastEnded = state.endedCount;
    if (current === "history") void hist.reload();
  }
});
top.render(store.state);

async function refresh(): Promise<void> {
  try {
    const status = await backend.status();
    store.update((s) => applyStatus(s, status));
  } catch (e) {
    showError(errors, e);
  }
}

backend.subscribe((envelope) => store.update((s) => applyEnvelope(s, envelope)));
// A snapshot now, and again whenever the event connection (re)opens: events missed while
// it was down are then covered.
void refresh();
backend.onConnection((state) => {
  store.update((s) => applyConnection(s, state));
  if (state === "open") void refresh();
});

setInterval(() => {
  callArea.tick();
  confirm.tick();
  store.update((s) => expireConfirmations(s, Date.now()));
}, 1000);

document.addEventListener("keydown", (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
  const key = e.key.toLowerCase();
  if (key === "d") {
    e.preventDefault();
    show("dialpad");
    pad.input.focus();
  } else if (key === "h" && !e.shiftKey) {
    e.preventDefault();
    callArea.hangupFocused();
  } else if (key === "h" && e.shiftKey) {
    e.preventDefault();
    show("history");
    hist.root.querySelector<HTMLInputElement>('input[type="search"]')?.focus();
  } else if (key === "," && prefs) {
    e.preventDefault();
    show("settings");
  }
});

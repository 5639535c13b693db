// Settings (desktop only): Accounts, Audio, Calls, Integrations, App, as tabs over one
// `Settings` document saved with `saveSettings`.

import type { Backend, DesktopBackend, Unsubscribe } from "../backend/backend";
import type { AccountSettings } from "../generated/AccountSettings";
import type { AudioDevices } from "../generated/AudioDevices";
import type { BridgeInfo } from "../generated/BridgeInfo";
import type { Settings } from "../generated/Settings";
import type { WebhookSettings } from "../generated/WebhookSettings";
import { h, showError } from "./dom";

type Tab = "accounts" | "audio" | "calls" | "integrations" | "app";
const TABS: Array<[Tab, string]> = [
  ["accounts", "Accounts"],
  ["audio", "Audio"],
  ["calls", "Calls"],
  ["integrations", "Integrations"],
  ["app", "App"],
];
export const TRANSPORTS = ["udp", "tcp", "tls", "ws", "wss"];

let fieldSeq = 0;
function field(labelText: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, labelText), control, hintEl);
}
function text(value: string | null, attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { type: "text", value: value ?? "", ...attrs });
}
function check(labelText: string, value: boolean, onChange: (v: boolean) => void, testId?: string): HTMLElement {
  const box = h("input", { type: "checkbox", checked: value, ...(testId ? { "data-testid": testId } : {}) });
  box.addEventListener("change", () => onChange(box.checked));
  return h("label", { class: "check" }, box, " ", labelText);
}
function select(options: Array<[string, string]>, value: string, onChange: (v: string) => void): HTMLSelectElement {
  const el = h("select", {}, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
  el.value = value;
  el.addEventListener("change", () => onChange(el.value));
  return el;
}
const orNull = (s: string) => (s.trim() ? s.trim() : null);

export function emptyAccount(): AccountSettings {
  return {
    id: "",
    displayName: null,
    user: "",
    authUser: null,
    domain: "",
    proxy: null,
    transport: "udp",
    enabled: true,
    expires: 600,
    hasPassword: false,
  };
}

export function settings(desktop: DesktopBackend, backend: Backend) {
  let doc: Settings | null = null;
  let tab: Tab = "accounts";
  let stopMeter: Unsubscribe | null = null;
  let stopDevices: Unsubscribe | null = null;
  let devices: AudioDevices = { inputs: [], outputs: [] };
  const status = h("p", { class: "hint", role: "status", "data-testid": "settings-status" });
  const error = h("p", { class: "error", role: "alert", "data-testid": "settings-error" });
  const body = h("div", { class: "tab-panel", role: "tabpanel", id: "settings-panel", tabindex: "0" });
  const tabs = h(
    "div",
    { class: "tabs", role: "tablist", "aria-label": "Settings" },
    TABS.map(([name, label]) =>
      h(
        "button",
        {
          type: "button",
          role: "tab",
          id: `tab-${name}`,
          "data-tab": name,
          "aria-controls": "settings-panel",
          onclick: () => selectTab(name),
        },
        label,
      ),
    ),
  );
  tabs.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const i = TABS.findIndex(([n]) => n === tab);
    const next = TABS[(i + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length]![0];
    selectTab(next);
    tabs.querySelector<HTMLButtonElement>(`[data-tab="${next}"]`)?.focus();
  });
  const saveButton = h("button", { type: "button", class: "primary", "data-testid": "settings-save" }, "Save");
  saveButton.addEventListener("click", () => void save());
  const root = h(
    "section",
    { class: "view settings", id: "view-settings", "aria-labelledby": "settings-heading", hidden: true },
    h("h2", { id: "settings-heading" }, "Settings"),
    tabs,
    body,
    h("div", { class: "actions" }, saveButton),
    error,
    status,
  );

  /** Saves the settings; `rerender` redraws the tab (the account form keeps itself, so that
   * its "Test registration" result stays on screen). */
  async function save(rerender = true): Promise<Settings | null> {
    if (!doc) return null;
    status.textContent = "Saving…";
    try {
      doc = await desktop.saveSettings(doc);
      error.textContent = "";
      status.textContent = "Saved.";
      if (rerender) renderTab();
      return doc;
    } catch (e) {
      status.textContent = "";
      showError(error, e);
      return null;
    }
  }

  function selectTab(name: Tab): void {
    tab = name;
    renderTab();
  }

  function renderTab(): void {
    stopMeter?.();
    stopMeter = null;
    for (const b of tabs.querySelectorAll<HTMLButtonElement>("button")) {
      const on = b.dataset.tab === tab;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    body.setAttribute("aria-labelledby", `tab-${tab}`);
    saveButton.hidden = false;
    if (!doc) {
      body.replaceChildren(h("p", {}, "Loading…"));
      return;
    }
    const build = { accounts, audio, calls, integrations, app }[tab];
    body.replaceChildren(...build(doc));
  }

  // --- Accounts -------------------------------------------------------------------------
  function accounts(s: Settings): HTMLElement[] {
    const list = h(
      "ul",
      { class: "rows" },
      s.accounts.map((a, i) =>
        h(
          "li",
          { "data-testid": "settings-account", "data-account-id": a.id },
          h("span", { class: "name" }, `${a.displayName || a.id} — ${a.user}@${a.domain} (${a.transport})`),
          a.enabled ? null : h("span", { class: "tag" }, "disabled"),
          h("button", { type: "button", "data-testid": "account-edit", onclick: () => body.replaceChildren(...accountForm(s, i)) }, "Edit"),
          h("button", {
            type: "button",
            class: "danger",
            onclick: () => {
              s.accounts.splice(i, 1);
              renderTab();
            },
          }, "Remove"),
        ),
      ),
    );
    return [
      h("h3", {}, "Accounts"),
      list,
      h("button", { type: "button", onclick: () => body.replaceChildren(...accountForm(s, -1)) }, "Add account"),
    ];
  }

  function accountForm(s: Settings, index: number): HTMLElement[] {
    // The form's own Apply saves; the page-wide Save would skip the fields typed here.
    saveButton.hidden = true;
    const a: AccountSettings = index >= 0 ? { ...s.accounts[index]! } : emptyAccount();
    const id = text(a.id, { required: "true", pattern: "[A-Za-z0-9_-]+" });
    const name = text(a.displayName, { "data-testid": "account-display-name" });
    const user = text(a.user, { required: "true" });
    const authUser = text(a.authUser);
    const domain = text(a.domain, { required: "true" });
    const proxy = text(a.proxy);
    const expires = h("input", { type: "number", min: "60", max: "86400", value: a.expires });
    let transport = a.transport;
    let enabled = a.enabled;
    const password = h("input", { type: "password", autocomplete: "new-password", value: "" });
    const result = h("p", { class: "hint", role: "status", "data-testid": "account-test-result" });
    const collect = (): boolean => {
      if (!id.value.trim() || !user.value.trim() || !domain.value.trim()) {
        error.textContent = "Id, user and domain are required.";
        return false;
      }
      Object.assign(a, {
        id: id.value.trim(),
        displayName: orNull(name.value),
        user: user.value.trim(),
        authUser: orNull(authUser.value),
        domain: domain.value.trim(),
        proxy: orNull(proxy.value),
        transport,
        enabled,
        expires: Number(expires.value) || 600,
      });
      if (index >= 0) s.accounts[index] = a;
      else {
        s.accounts.push(a);
        index = s.accounts.length - 1;
      }
      return true;
    };
    const apply = async (): Promise<boolean> => {
      if (!collect()) return false;
      if (password.value) {
        try {
          await desktop.setPassword(a.id, password.value);
          password.value = "";
        } catch (e) {
          showError(error, e);
          return false;
        }
      }
      const saved = await save(false);
      if (!saved) return false;
      // Edits go on against the saved document (an added account now has its index).
      s = saved;
      return true;
    };
    const test = async () => {
      result.textContent = "Saving and registering…";
      if (!(await apply())) {
        result.textContent = "";
        return;
      }
      const accountId = a.id;
      const off = backend.subscribe((env) => {
        if (env.event === "registration.changed" && env.data.accountId === accountId && env.data.state !== "registering") {
          result.textContent = `${env.data.state}${env.data.reason ? `: ${env.data.reason}` : ""}`;
          off();
        }
      });
      try {
        await backend.execute({ command: "account.reregister", args: { accountId } });
      } catch (e) {
        off();
        showError(result, e);
      }
    };
    return [
      h("h3", {}, index >= 0 ? `Edit account ${a.id}` : "New account"),
      h(
        "form",
        { class: "form", onsubmit: (e: Event) => { e.preventDefault(); void apply(); } },
        field("Id", id, "A short name: letters, digits, - and _"),
        field("Display name", name),
        field("User", user, "The user part of your address, e.g. 1001"),
        field("Auth user", authUser, "Only when it differs from the user"),
        field("Domain", domain, "pbx.example.com or pbx.example.com:5070"),
        field("Transport", select(TRANSPORTS.map((t) => [t, t.toUpperCase()]), transport, (v) => (transport = v))),
        field("Outbound proxy", proxy),
        field("Registration expires (s)", expires),
        check("Enabled", enabled, (v) => (enabled = v)),
        field(
          "Password",
          password,
          a.hasPassword ? "A password is stored; type a new one to replace it." : "No password stored yet.",
        ),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", class: "primary" }, "Apply"),
          h("button", { type: "button", "data-testid": "account-test", onclick: () => void test() }, "Test registration"),
          h("button", { type: "button", onclick: () => renderTab() }, "Back"),
        ),
        result,
      ),
    ];
  }

  // --- Audio ----------------------------------------------------------------------------
  function audio(s: Settings): HTMLElement[] {
    const opts = (list: AudioDevices["inputs"]): Array<[string, string]> => [
      ["", "System default"],
      ...list.map((d): [string, string] => [d.id, d.name + (d.isDefault ? " (default)" : "")]),
    ];
    const input = select(opts(devices.inputs), s.audio.inputDevice ?? "", (v) => (s.audio.inputDevice = orNull(v)));
    const output = select(opts(devices.outputs), s.audio.outputDevice ?? "", (v) => (s.audio.outputDevice = orNull(v)));
    const ringer = select(opts(devices.outputs), s.audio.ringerDevice ?? "", (v) => (s.audio.ringerDevice = orNull(v)));
    const bar = h("meter", { min: "0", max: "1", low: "0.6", high: "0.9", optimum: "0.3", value: "0", "aria-label": "Microphone level", "data-testid": "mic-level" });
    const meterButton = h("button", { type: "button", "aria-pressed": "false", "data-testid": "mic-test" }, "Test microphone");
    meterButton.addEventListener("click", async () => {
      if (stopMeter) {
        stopMeter();
        stopMeter = null;
        meterButton.setAttribute("aria-pressed", "false");
        meterButton.textContent = "Test microphone";
        bar.value = 0;
        return;
      }
      try {
        stopMeter = await desktop.meter(s.audio.inputDevice, (level) => (bar.value = level.peak));
        meterButton.setAttribute("aria-pressed", "true");
        meterButton.textContent = "Stop";
      } catch (e) {
        showError(error, e);
      }
    });
    const speaker = h("button", {
      type: "button",
      "data-testid": "speaker-test",
      onclick: () => desktop.testSpeaker(s.audio.outputDevice).catch((e) => showError(error, e)),
    }, "Play test tone");
    return [
      h("h3", {}, "Audio"),
      field("Microphone", input),
      h("div", { class: "meter-row" }, bar, meterButton),
      field("Speaker", output),
      h("div", { class: "meter-row" }, speaker),
      field("Ringer", ringer),
      check("Echo cancellation", s.audio.echoCancellation, (v) => (s.audio.echoCancellation = v)),
    ];
  }

  // --- Calls ----------------------------------------------------------------------------
  function calls(s: Settings): HTMLElement[] {
    return [
      h("h3", {}, "Calls"),
      check("Ask before dialling a clicked tel:/sip: link", s.calls.confirmLinks, (v) => (s.calls.confirmLinks = v)),
      field(
        "Dials from web pages and tools not trusted to dial",
        select(
          [["ask", "Ask me"], ["allow", "Allow"], ["deny", "Refuse"]],
          s.calls.confirm,
          (v) => (s.calls.confirm = v as Settings["calls"]["confirm"]),
        ),
      ),
      check("Call waiting (let a second call ring)", s.calls.callWaiting, (v) => (s.calls.callWaiting = v)),
      check("Do not disturb at start", s.calls.dnd, (v) => (s.calls.dnd = v)),
    ];
  }

  // --- Integrations ---------------------------------------------------------------------
  function integrations(s: Settings): HTMLElement[] {
    const bridge = h("div", { class: "bridge" }, h("p", {}, "Loading…"));
    const renderBridge = (info: BridgeInfo) => {
      let shown = false;
      const token = h("code", { class: "token", "data-testid": "bridge-token" }, "•".repeat(24));
      const showBtn = h("button", { type: "button", "aria-pressed": "false" }, "Show");
      showBtn.addEventListener("click", () => {
        shown = !shown;
        token.textContent = shown ? info.token : "•".repeat(24);
        showBtn.textContent = shown ? "Hide" : "Show";
        showBtn.setAttribute("aria-pressed", String(shown));
      });
      const act = (p: Promise<BridgeInfo>) => p.then(renderBridge, (e) => showError(error, e));
      bridge.replaceChildren(
        h("p", {}, info.port === null ? "The bridge is not running." : `The bridge listens on 127.0.0.1:${info.port}.`),
        h("div", { class: "token-row" }, h("span", {}, "Token: "), token, showBtn,
          h("button", { type: "button", onclick: () => desktop.copyText(info.token).then(() => (status.textContent = "Token copied."), (e) => showError(error, e)) }, "Copy"),
          h("button", { type: "button", class: "danger", onclick: () => act(desktop.regenerateToken()) }, "Regenerate"),
        ),
        h("h4", {}, "Paired web pages"),
        info.origins.length === 0
          ? h("p", { class: "hint" }, "No page has asked to pair yet.")
          : h(
              "ul",
              { class: "rows" },
              info.origins.map((o) =>
                h(
                  "li",
                  { "data-testid": "origin", "data-origin": o.origin, "data-state": o.state },
                  h("span", { class: "name" }, o.origin),
                  h("span", { class: "tag" }, o.state === "approved" ? (o.silentDial ? "approved, dials silently" : "approved") : "waiting for approval"),
                  o.state === "pending"
                    ? h("button", { type: "button", onclick: () => act(desktop.approveOrigin(o.origin, false)) }, "Approve")
                    : null,
                  h("button", { type: "button", class: "danger", onclick: () => act(desktop.revokeOrigin(o.origin)) }, "Revoke"),
                ),
              ),
            ),
      );
    };
    desktop.bridgeInfo().then(renderBridge, (e) => showError(bridge, e));

    const hooks = h("div", { class: "webhooks" });
    const renderHooks = () => {
      hooks.replaceChildren(
        h(
          "ul",
          { class: "rows" },
          s.integrations.webhooks.map((w, i) => webhookRow(s, w, i, renderHooks)),
        ),
        h("button", {
          type: "button",
          onclick: () => {
            s.integrations.webhooks.push({ name: `hook${s.integrations.webhooks.length + 1}`, url: "https://", events: [], secretEnv: null });
            renderHooks();
          },
        }, "Add webhook"),
      );
    };
    renderHooks();
    return [
      h("h3", {}, "Integrations"),
      h("h4", {}, "Localhost bridge"),
      bridge,
      h("h4", {}, "Webhooks"),
      hooks,
      h("h4", {}, "Screen pop"),
      field("URL opened on calls", (() => {
        const el = text(s.integrations.screenPopUrl, { placeholder: "https://crm.example.com/search?phone={e164}" });
        el.addEventListener("change", () => (s.integrations.screenPopUrl = orNull(el.value)));
        return el;
      })(), "Placeholders: {e164}, {number}, {name}, {callId}"),
      field("Open it when a call is", select([["incoming", "incoming"], ["answered", "answered"]], s.integrations.screenPopOn, (v) => (s.integrations.screenPopOn = v))),
      field("Default region", (() => {
        const el = text(s.integrations.defaultRegion, { maxlength: "2", placeholder: "DE" });
        el.addEventListener("change", () => (s.integrations.defaultRegion = orNull(el.value.toUpperCase())));
        return el;
      })(), "Two letters (ISO 3166) for numbers without a country code"),
    ];
  }

  function webhookRow(s: Settings, w: WebhookSettings, i: number, rerender: () => void): HTMLElement {
    const name = text(w.name);
    const url = text(w.url, { type: "url" });
    const events = text(w.events.join(", "), { placeholder: "all events" });
    const result = h("span", { class: "hint", role: "status" });
    const sync = () => {
      s.integrations.webhooks[i] = {
        ...w,
        name: name.value.trim(),
        url: url.value.trim(),
        events: events.value.split(",").map((e) => e.trim()).filter(Boolean),
      };
    };
    for (const el of [name, url, events]) el.addEventListener("change", sync);
    return h(
      "li",
      { class: "webhook", "data-testid": "webhook" },
      field("Name", name),
      field("URL", url),
      field("Events", events, "Comma separated, e.g. call.ended; empty means all"),
      h("div", { class: "actions" }, h("button", {
        type: "button",
        onclick: async () => {
          result.textContent = "Sending…";
          try {
            const code = await desktop.testWebhook(w.name);
            result.textContent = `Answered HTTP ${code}`;
          } catch (e) {
            showError(result, e);
          }
        },
      }, "Test"),
      h("button", { type: "button", class: "danger", onclick: () => { s.integrations.webhooks.splice(i, 1); rerender(); } }, "Remove"),
      result),
    );
  }

  // --- App ------------------------------------------------------------------------------
  function app(s: Settings): HTMLElement[] {
    const version = h("p", { "data-testid": "app-version" }, "");
    const keyring = h("p", { class: "warning", role: "alert", hidden: true });
    desktop.shellInfo().then(
      (info) => {
        version.textContent = `Dialtone ${info.version}`;
        if (!info.keyringAvailable) {
          keyring.hidden = false;
          keyring.textContent = `No system keyring: passwords cannot be stored. ${info.keyringMessage ?? ""}`;
        }
      },
      (e) => showError(version, e),
    );
    const update = h("p", { role: "status", "data-testid": "update-info" });
    return [
      h("h3", {}, "App"),
      version,
      keyring,
      check("Start at login", s.app.startAtLogin, (v) => (s.app.startAtLogin = v), "start-at-login"),
      check("Start minimised to the tray", s.app.startMinimised, (v) => (s.app.startMinimised = v)),
      check("Check for updates at start", s.app.checkUpdatesAtStart, (v) => (s.app.checkUpdatesAtStart = v)),
      h("button", {
        type: "button",
        "data-testid": "update-check",
        onclick: async () => {
          update.textContent = "Checking…";
          try {
            const info = await desktop.checkForUpdates();
            update.replaceChildren(
              info.available
                ? h("span", {}, `Version ${info.available} is available (you have ${info.currentVersion}). ${info.notes ?? ""} `,
                    h("button", { type: "button", "data-testid": "update-install", onclick: () => desktop.installUpdate().catch((e) => showError(update, e)) }, "Install and restart"))
                : `You have the newest version (${info.currentVersion}).`,
            );
          } catch (e) {
            showError(update, e);
          }
        },
      }, "Check for updates now"),
      update,
    ];
  }

  async function open(): Promise<void> {
    if (!stopDevices) {
      stopDevices = desktop.onDevicesChanged((d) => {
        devices = d;
        if (tab === "audio") renderTab();
      });
    }
    try {
      const [s, d] = await Promise.all([desktop.settings(), desktop.audioDevices().catch(() => devices)]);
      doc = s;
      devices = d;
      error.textContent = "";
    } catch (e) {
      showError(error, e);
    }
    renderTab();
  }

  return { root, open };
}

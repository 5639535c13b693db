import { describe, expect, it, vi } from "vitest";
import type { Backend, DesktopBackend } from "../backend/backend";
import type { Settings } from "../generated/Settings";
import { settings } from "./settings";

const doc = (): Settings => ({
  accounts: [
    { id: "work", displayName: "Work", user: "1001", authUser: null, domain: "pbx.test", proxy: null, transport: "udp", enabled: true, expires: 600, hasPassword: true },
  ],
  audio: { inputDevice: null, outputDevice: null, ringerDevice: null, echoCancellation: true },
  calls: { confirmLinks: true, confirm: "ask", callWaiting: true, dnd: false },
  integrations: { bridgeEnabled: true, bridgePort: 17380, defaultRegion: null, screenPopUrl: null, screenPopOn: "incoming", webhooks: [] },
  app: { startAtLogin: false, startMinimised: false, checkUpdatesAtStart: true },
});

function fakeDesktop() {
  const desktop = {
    settings: vi.fn(async () => doc()),
    saveSettings: vi.fn(async (s: Settings) => s),
    setPassword: vi.fn(async () => undefined),
    audioDevices: vi.fn(async () => ({ inputs: [], outputs: [] })),
    meter: vi.fn(),
    testSpeaker: vi.fn(),
    bridgeInfo: vi.fn(async () => ({ port: 17380, token: "tok-secret", origins: [] })),
    regenerateToken: vi.fn(),
    approveOrigin: vi.fn(),
    revokeOrigin: vi.fn(),
    testWebhook: vi.fn(),
    copyText: vi.fn(),
    checkForUpdates: vi.fn(),
    installUpdate: vi.fn(),
    shellInfo: vi.fn(async () => ({ version: "0.1.0", tray: true, mainWindowVisible: true, incomingWindowVisible: false, keyringAvailable: false, keyringMessage: "no Secret Service", configPath: null })),
    showMain: vi.fn(),
    closeSelf: vi.fn(),
    onDevicesChanged: vi.fn(() => () => undefined),
  } satisfies DesktopBackend;
  const backend = { kind: "tauri", execute: vi.fn(async () => ({})), subscribe: vi.fn(() => () => undefined) } as unknown as Backend;
  return { desktop, backend };
}
const flush = () => new Promise((r) => setTimeout(r, 0));
const button = (root: HTMLElement, text: string) =>
  [...root.querySelectorAll("button")].find((b) => b.textContent === text)!;

describe("settings", () => {
  it("edits an account: the password goes to the keyring, never shown, then the settings are saved", async () => {
    const { desktop, backend } = fakeDesktop();
    const view = settings(desktop, backend);
    document.body.replaceChildren(view.root);
    await view.open();
    expect(view.root.querySelector('[data-testid="settings-account"]')!.getAttribute("data-account-id")).toBe("work");
    button(view.root, "Edit").click();
    const password = view.root.querySelector<HTMLInputElement>('input[type="password"]')!;
    expect(password.value).toBe("");
    password.value = "hunter2";
    const domain = [...view.root.querySelectorAll<HTMLInputElement>("input")].find((i) => i.value === "pbx.test")!;
    domain.value = "pbx2.test";
    button(view.root, "Apply").click();
    await flush();
    await flush();
    expect(desktop.setPassword).toHaveBeenCalledWith("work", "hunter2");
    expect(desktop.saveSettings).toHaveBeenCalledTimes(1);
    expect(desktop.saveSettings.mock.calls[0]![0].accounts[0]!.domain).toBe("pbx2.test");
  });

  it("Test registration saves, keeps the form on screen and shows the registration result", async () => {
    const { desktop, backend } = fakeDesktop();
    let listener: ((env: unknown) => void) | undefined;
    (backend.subscribe as ReturnType<typeof vi.fn>).mockImplementation((fn: (env: unknown) => void) => {
      listener = fn;
      return () => (listener = undefined);
    });
    const view = settings(desktop, backend);
    document.body.replaceChildren(view.root);
    await view.open();
    button(view.root, "Edit").click();
    const name = view.root.querySelector<HTMLInputElement>('[data-testid="account-display-name"]')!;
    name.value = "Agent Seven";
    view.root.querySelector<HTMLButtonElement>('[data-testid="account-test"]')!.click();
    await flush();
    await flush();
    expect(desktop.saveSettings.mock.calls[0]![0].accounts[0]!.displayName).toBe("Agent Seven");
    expect(backend.execute).toHaveBeenCalledWith({ command: "account.reregister", args: { accountId: "work" } });
    listener?.({ event: "registration.changed", data: { accountId: "work", state: "registered", reason: null } });
    const result = view.root.querySelector('[data-testid="account-test-result"]');
    expect(result?.isConnected).toBe(true);
    expect(result?.textContent).toBe("registered");
    // Edits after the save go into the saved document.
    name.value = "Agent Eight";
    button(view.root, "Apply").click();
    await flush();
    await flush();
    expect(desktop.saveSettings.mock.calls[1]![0].accounts[0]!.displayName).toBe("Agent Eight");
  });

  it("shows a save error next to the form", async () => {
    const { desktop, backend } = fakeDesktop();
    desktop.saveSettings.mockRejectedValueOnce(new Error("domain: not a host"));
    const view = settings(desktop, backend);
    await view.open();
    view.root.querySelector<HTMLButtonElement>('[data-testid="settings-save"]')!.click();
    await flush();
    expect(view.root.querySelector('[data-testid="settings-error"]')!.textContent).toBe("domain: not a host");
  });

  it("masks the bridge token until Show, and warns when there is no keyring", async () => {
    const { desktop, backend } = fakeDesktop();
    const view = settings(desktop, backend);
    await view.open();
    view.root.querySelector<HTMLButtonElement>('[data-tab="integrations"]')!.click();
    await flush();
    const token = view.root.querySelector('[data-testid="bridge-token"]')!;
    expect(token.textContent).not.toContain("tok-secret");
    button(view.root, "Show").click();
    expect(token.textContent).toBe("tok-secret");
    view.root.querySelector<HTMLButtonElement>('[data-tab="app"]')!.click();
    await flush();
    expect(view.root.textContent).toContain("no Secret Service");
    expect(view.root.querySelector('[data-testid="app-version"]')!.textContent).toBe("Dialtone 0.1.0");
  });
});

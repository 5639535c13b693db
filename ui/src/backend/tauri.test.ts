import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const unlisten = vi.fn();
const listen = vi.fn(async (_channel: string, _handler: (e: { payload: unknown }) => void) => unlisten);
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (c: string, h: (e: { payload: unknown }) => void) => listen(c, h) }));

const { TauriBackend } = await import("./tauri");
const { BackendError } = await import("./backend");
const { insideTauri, selectBackend } = await import("./select");

beforeEach(() => {
  invoke.mockReset();
  invoke.mockResolvedValue(null);
  listen.mockClear();
  unlisten.mockClear();
});

describe("TauriBackend speaks the agreed command contract", () => {
  it("phone and history commands", async () => {
    const b = new TauriBackend();
    await b.status();
    await b.execute({ command: "call.hangup", args: { callId: "c" } });
    await b.history({ q: "10" });
    expect(invoke.mock.calls).toEqual([
      ["phone_status", undefined],
      ["phone_execute", { command: { command: "call.hangup", args: { callId: "c" } } }],
      ["history_query", { query: { offset: 0, limit: 0, q: "10" } }],
    ]);
  });

  it("desktop commands", async () => {
    const d = new TauriBackend().desktop;
    const settings = { accounts: [] } as never;
    await d.settings();
    await d.saveSettings(settings);
    await d.setPassword("work", "pw");
    await d.audioDevices();
    await d.testSpeaker("dev");
    await d.bridgeInfo();
    await d.regenerateToken();
    await d.approveOrigin("http://crm.test", true);
    await d.revokeOrigin("http://crm.test");
    await d.testWebhook("crm");
    await d.copyText("t");
    await d.checkForUpdates();
    await d.installUpdate();
    await d.shellInfo();
    await d.showMain();
    await d.closeSelf();
    expect(invoke.mock.calls).toEqual([
      ["settings_get", undefined],
      ["settings_save", { settings }],
      ["account_set_password", { accountId: "work", password: "pw" }],
      ["audio_devices", undefined],
      ["audio_test_speaker", { device: "dev" }],
      ["bridge_info", undefined],
      ["bridge_regenerate_token", undefined],
      ["bridge_approve_origin", { origin: "http://crm.test", silentDial: true }],
      ["bridge_revoke_origin", { origin: "http://crm.test" }],
      ["webhook_test", { name: "crm" }],
      ["clipboard_write", { text: "t" }],
      ["updates_check", undefined],
      ["updates_install", undefined],
      ["shell_info", undefined],
      ["window_show_main", undefined],
      ["window_close_self", undefined],
    ]);
  });

  it("the meter starts, forwards levels and stops", async () => {
    const d = new TauriBackend().desktop;
    const levels: unknown[] = [];
    const stop = await d.meter(null, (l) => levels.push(l));
    expect(invoke).toHaveBeenCalledWith("audio_meter_start", { device: null });
    expect(listen.mock.calls[0]![0]).toBe("dialtone://audio-level");
    listen.mock.calls[0]![1]({ payload: { rms: 0.1, peak: 0.2 } });
    expect(levels).toEqual([{ rms: 0.1, peak: 0.2 }]);
    await Promise.resolve();
    stop();
    expect(invoke).toHaveBeenCalledWith("audio_meter_stop", undefined);
    expect(unlisten).toHaveBeenCalled();
  });

  it("events come from dialtone://event and dialtone://devices", async () => {
    const b = new TauriBackend();
    const got: unknown[] = [];
    const off = b.subscribe((e) => got.push(e));
    b.desktop.onDevicesChanged((d) => got.push(d));
    expect(listen.mock.calls.map((c) => c[0])).toEqual(["dialtone://event", "dialtone://devices"]);
    listen.mock.calls[0]![1]({ payload: { event: "dnd.changed" } });
    expect(got).toEqual([{ event: "dnd.changed" }]);
    await Promise.resolve();
    await Promise.resolve();
    off();
    expect(unlisten).toHaveBeenCalled();
  });

  it("invoke errors {code, message} become BackendError; the connection is open at once", async () => {
    invoke.mockRejectedValueOnce({ code: "keyring_unavailable", message: "no keyring" });
    const err = await new TauriBackend().desktop.setPassword("w", "p").catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: "keyring_unavailable", message: "no keyring" });
    invoke.mockRejectedValueOnce("boom");
    await expect(new TauriBackend().status()).rejects.toMatchObject({ code: "ipc", message: "boom" });
    const states: string[] = [];
    new TauriBackend().onConnection((s) => states.push(s));
    expect(states).toEqual(["open"]);
  });

  it("a phone restart in the shell reaches onConnection as connecting, then open", async () => {
    const states: string[] = [];
    const off = new TauriBackend().onConnection((s) => states.push(s));
    const [channel, handler] = listen.mock.calls.at(-1)!;
    expect(channel).toBe("dialtone://phone");
    handler({ payload: "connecting" });
    handler({ payload: "open" });
    expect(states).toEqual(["open", "connecting", "open"]);
    await Promise.resolve();
    off();
    expect(unlisten).toHaveBeenCalled();
  });
});

describe("backend selection", () => {
  it("Tauri when __TAURI_INTERNALS__ exists, else the bridge", () => {
    const plain = { location: { href: "http://ui.test/?bridge=http://127.0.0.1:1#token=t" } } as unknown as Window;
    const tauri = { ...plain, __TAURI_INTERNALS__: {} } as unknown as Window;
    expect(insideTauri(plain)).toBe(false);
    expect(selectBackend(plain).kind).toBe("bridge");
    expect(selectBackend(tauri).kind).toBe("tauri");
  });
});

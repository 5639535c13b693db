// `TauriBackend`: inside the desktop app, over Tauri IPC to the shell. The command names and
// argument shapes are the agreed contract with src-tauri (camelCase argument objects).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AudioDevices } from "../generated/AudioDevices";
import type { AudioLevel } from "../generated/AudioLevel";
import type { BridgeInfo } from "../generated/BridgeInfo";
import type { Command } from "../generated/Command";
import type { CommandResult } from "../generated/CommandResult";
import type { Envelope } from "../generated/Envelope";
import type { HistoryPage } from "../generated/HistoryPage";
import type { HistoryQuery } from "../generated/HistoryQuery";
import type { Settings } from "../generated/Settings";
import type { ShellInfo } from "../generated/ShellInfo";
import type { Status } from "../generated/Status";
import type { UpdateInfo } from "../generated/UpdateInfo";
import {
  BackendError,
  type Backend,
  type ConnectionState,
  type DesktopBackend,
  type Unsubscribe,
} from "./backend";

export const EVENT_CHANNEL = "dialtone://event";
export const AUDIO_LEVEL_CHANNEL = "dialtone://audio-level";
export const DEVICES_CHANNEL = "dialtone://devices";
/** The shell restarting the phone with saved settings: `connecting`, then `open` (or `closed`). */
export const PHONE_CHANNEL = "dialtone://phone";

/** `invoke`, with the shell's `{code, message}` errors as `BackendError`. */
export async function call<T>(name: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(name, args);
  } catch (e) {
    if (e && typeof e === "object" && "code" in e && "message" in e) {
      const err = e as { code: unknown; message: unknown };
      throw new BackendError(String(err.code), String(err.message));
    }
    throw new BackendError("ipc", typeof e === "string" ? e : String(e));
  }
}

/** `listen` returns a promise; this hands back a synchronous unsubscribe. */
function listenSync<T>(channel: string, onPayload: (payload: T) => void): Unsubscribe {
  let unlisten: UnlistenFn | null = null;
  let cancelled = false;
  listen<T>(channel, (event) => onPayload(event.payload)).then(
    (fn) => {
      if (cancelled) fn();
      else unlisten = fn;
    },
    (e) => console.error(`cannot listen to ${channel}`, e),
  );
  return () => {
    cancelled = true;
    unlisten?.();
  };
}

class TauriDesktop implements DesktopBackend {
  settings(): Promise<Settings> {
    return call("settings_get");
  }
  saveSettings(settings: Settings): Promise<Settings> {
    return call("settings_save", { settings });
  }
  async setPassword(accountId: string, password: string): Promise<void> {
    await call("account_set_password", { accountId, password });
  }
  audioDevices(): Promise<AudioDevices> {
    return call("audio_devices");
  }
  async meter(device: string | null, onLevel: (level: AudioLevel) => void): Promise<Unsubscribe> {
    const stopListening = listenSync<AudioLevel>(AUDIO_LEVEL_CHANNEL, onLevel);
    try {
      await call("audio_meter_start", { device });
    } catch (e) {
      stopListening();
      throw e;
    }
    return () => {
      stopListening();
      call("audio_meter_stop").catch(() => undefined);
    };
  }
  async testSpeaker(device: string | null): Promise<void> {
    await call("audio_test_speaker", { device });
  }
  bridgeInfo(): Promise<BridgeInfo> {
    return call("bridge_info");
  }
  regenerateToken(): Promise<BridgeInfo> {
    return call("bridge_regenerate_token");
  }
  approveOrigin(origin: string, silentDial: boolean): Promise<BridgeInfo> {
    return call("bridge_approve_origin", { origin, silentDial });
  }
  revokeOrigin(origin: string): Promise<BridgeInfo> {
    return call("bridge_revoke_origin", { origin });
  }
  testWebhook(name: string): Promise<number> {
    return call("webhook_test", { name });
  }
  async copyText(text: string): Promise<void> {
    await call("clipboard_write", { text });
  }
  checkForUpdates(): Promise<UpdateInfo> {
    return call("updates_check");
  }
  async installUpdate(): Promise<void> {
    await call("updates_install");
  }
  shellInfo(): Promise<ShellInfo> {
    return call("shell_info");
  }
  async showMain(): Promise<void> {
    await call("window_show_main");
  }
  async closeSelf(): Promise<void> {
    await call("window_close_self");
  }
  onDevicesChanged(onChange: (devices: AudioDevices) => void): Unsubscribe {
    return listenSync<AudioDevices>(DEVICES_CHANNEL, onChange);
  }
}

export class TauriBackend implements Backend {
  readonly kind = "tauri" as const;
  readonly desktop: DesktopBackend = new TauriDesktop();

  status(): Promise<Status> {
    return call("phone_status");
  }
  execute(command: Command): Promise<CommandResult> {
    return call("phone_execute", { command });
  }
  history(query: Partial<HistoryQuery>): Promise<HistoryPage> {
    return call("history_query", { query: { offset: 0, limit: 0, ...query } });
  }
  subscribe(onEvent: (envelope: Envelope) => void): Unsubscribe {
    return listenSync<Envelope>(EVENT_CHANNEL, onEvent);
  }
  onConnection(onChange: (state: ConnectionState) => void): Unsubscribe {
    onChange("open");
    return listenSync<ConnectionState>(PHONE_CHANNEL, onChange);
  }
}

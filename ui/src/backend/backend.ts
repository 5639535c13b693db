// The one seam between the UI and whatever runs the phone. Two implementations:
// - `TauriBackend` (tauri.ts): inside the desktop app, over Tauri IPC to the shell, which
//   forwards every command to the engine's `Phone` and every engine event to the window.
// - `BridgeBackend` (bridge.ts): in a plain browser, over the localhost bridge of a running
//   `dialtone serve` (REST for commands, the `/v1/events` WebSocket for events). The browser
//   tests use it; it has no settings (those belong to the desktop app).
//
// Every type here is generated from `crates/api` (ui/src/generated, ts-rs).

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

export type Unsubscribe = () => void;

/** A failure the backend reports: a machine-readable code and words for the person. */
export class BackendError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "BackendError";
  }
}

/** The connection to the phone itself (for the bridge: the WebSocket). */
export type ConnectionState = "connecting" | "open" | "closed";

export interface Backend {
  readonly kind: "tauri" | "bridge";

  /** A snapshot: accounts, DND, calls not yet ended. */
  status(): Promise<Status>;
  /**
   * Any phone command. `call.dial` from the UI counts as the person dialling (source `app`),
   * so it is never held for confirmation.
   */
  execute(command: Command): Promise<CommandResult>;
  history(query: Partial<HistoryQuery>): Promise<HistoryPage>;
  /** Every engine event, in order, as they happen. */
  subscribe(onEvent: (envelope: Envelope) => void): Unsubscribe;
  /** The connection's state changes (the bridge reconnects with backoff; Tauri is always open). */
  onConnection(onChange: (state: ConnectionState) => void): Unsubscribe;

  /** Desktop only; undefined in a plain browser. */
  readonly desktop?: DesktopBackend;
}

/** What only the desktop shell can do: settings, secrets, devices, the shell itself. */
export interface DesktopBackend {
  settings(): Promise<Settings>;
  /** Validates, writes the config and applies it (the phone restarts when accounts change). */
  saveSettings(settings: Settings): Promise<Settings>;
  /** Stores an account's password in the OS keyring; fails with code `keyring_unavailable`. */
  setPassword(accountId: string, password: string): Promise<void>;
  audioDevices(): Promise<AudioDevices>;
  /** Starts the microphone level meter; levels arrive until the returned function is called. */
  meter(device: string | null, onLevel: (level: AudioLevel) => void): Promise<Unsubscribe>;
  /** Plays a short test tone on a device. */
  testSpeaker(device: string | null): Promise<void>;
  bridgeInfo(): Promise<BridgeInfo>;
  regenerateToken(): Promise<BridgeInfo>;
  approveOrigin(origin: string, silentDial: boolean): Promise<BridgeInfo>;
  revokeOrigin(origin: string): Promise<BridgeInfo>;
  /** Sends a signed test delivery to a configured webhook; resolves to the HTTP status. */
  testWebhook(name: string): Promise<number>;
  copyText(text: string): Promise<void>;
  checkForUpdates(): Promise<UpdateInfo>;
  installUpdate(): Promise<void>;
  shellInfo(): Promise<ShellInfo>;
  /** Shows and focuses the main window (from the incoming-call window). */
  showMain(): Promise<void>;
  /** Hides the window this UI runs in (the incoming-call window after a decision). */
  closeSelf(): Promise<void>;
  /** Device lists changed (hot-plug). */
  onDevicesChanged(onChange: (devices: AudioDevices) => void): Unsubscribe;
}

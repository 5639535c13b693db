// Which backend this page runs on: the desktop shell's IPC when Tauri injected itself,
// else the bridge of a running `dialtone serve` (configured from the page URL).

import type { Backend } from "./backend";
import { BridgeBackend, bridgeConfigFrom } from "./bridge";
import { TauriBackend } from "./tauri";

export function insideTauri(win: Window = window): boolean {
  return "__TAURI_INTERNALS__" in win;
}

export function selectBackend(win: Window = window): Backend {
  return insideTauri(win) ? new TauriBackend() : new BridgeBackend(bridgeConfigFrom(win.location.href));
}

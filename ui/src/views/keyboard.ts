// The keyboard shortcuts, written out for everyone (and referenced by the shortcuts' buttons).

import { h } from "./dom";

export const SHORTCUTS: Array<[string, string]> = [
  ["Ctrl+D", "Go to the dial pad and its number field"],
  ["Enter", "In the number field: call"],
  ["Ctrl+H", "Hang up (or decline) the call shown"],
  ["Ctrl+Shift+H", "Show the history"],
  ["Ctrl+,", "Settings (desktop app)"],
  ["Escape", "Close a dialog (a dial confirmation counts as declined)"],
  ["Tab / Shift+Tab", "Move between controls; Enter or Space presses a button"],
];

export function keyboardHelp(): HTMLElement {
  return h(
    "details",
    { class: "keyboard-help", id: "keyboard-help" },
    h("summary", {}, "Keyboard"),
    h(
      "dl",
      {},
      SHORTCUTS.flatMap(([keys, what]) => [h("dt", {}, h("kbd", {}, keys)), h("dd", {}, what)]),
    ),
  );
}

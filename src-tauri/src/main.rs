//! Placeholder for the Tauri 2 desktop shell. The headless `dialtone` binary runs the same
//! engine today; the window, tray and notifications arrive with the desktop issue.

fn main() {
    eprintln!("dialtone-desktop is not built yet: run `dialtone serve` (see README.md)");
    std::process::exit(2);
}

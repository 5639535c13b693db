//! The OS keyring on Linux, in child processes with a controlled environment: a private
//! D-Bus session running gnome-keyring (unlocked with an empty password, in a temporary
//! home), and no session bus at all. Nothing touches the user's own keyring.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

use dialtone_settings::{keyring_status, set_password, SettingsError};

/// Runs "$@" beside a private gnome-keyring in the D-Bus session `dbus-run-session` made:
/// the daemon reads the login password (an empty line) on stdin and creates the login
/// keyring, which a desktop session would also make the default collection (where the
/// keyring crate stores). Every wait is bounded; the daemon is stopped by its pid.
const GNOME_KEYRING: &str = r#"
echo | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
collections() {
  dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Service string:Collections 2>/dev/null
}
# Ask the bus, not the service, until our daemon owns the name: a call to
# org.freedesktop.secrets before then makes D-Bus activate a second, locked daemon.
owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"
}
i=0
until owned; do
  i=$((i+1))
  if [ $i -ge 100 ]; then kill $daemon; echo "gnome-keyring did not take its bus name"; exit 3; fi
  sleep 0.1
done
i=0
until collections | grep -q collection/login; do
  i=$((i+1))
  if [ $i -ge 100 ]; then kill $daemon; echo "gnome-keyring did not create the login keyring"; exit 3; fi
  sleep 0.1
done
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.SetAlias string:default objpath:/org/freedesktop/secrets/collection/login >/dev/null
"$@"
status=$?
kill $daemon
wait $daemon
exit $status
"#;

/// Set in the child processes: which check to run.
const ROLE: &str = "DIALTONE_KEYRING_TEST_ROLE";

fn account_id() -> String {
    format!("dialtone-test-{}", std::process::id())
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs this test binary again, only `test`, with `role` set; returns (success, output).
fn run_child(test: &str, role: &str, home: &Path, wrap: &[&str]) -> (bool, String) {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new("timeout");
    cmd.args(["-k", "5", "60"]).args(wrap).arg(&exe).args([
        test,
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ]);
    cmd.env(ROLE, role)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    // A file, not a pipe: a daemon left behind by a failure cannot keep the test waiting.
    let log_path = home.join("child.log");
    let log = std::fs::File::create(&log_path).expect("child log");
    cmd.stdin(std::process::Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
    let status = cmd.status().expect("run child");
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    (status.success() && text.contains("1 passed"), text)
}

fn drop_cache(id: &str) {
    let cache = keyring::keyutils::KeyutilsCredential::new_with_target(
        None,
        dialtone_engine::secrets::KEYRING_SERVICE,
        id,
    )
    .expect("keyutils credential");
    let _ = keyring::credential::CredentialApi::delete_credential(&cache);
}

fn engine_account(id: &str) -> dialtone_engine::config::AccountConfig {
    let text = format!("[[accounts]]\nid = \"{id}\"\nuser = \"1001\"\ndomain = \"127.0.0.1\"\n");
    dialtone_engine::config::Config::parse(&text, None)
        .expect("account config")
        .accounts
        .remove(0)
}

#[test]
fn secret_service_stores_what_the_engine_reads() {
    if std::env::var(ROLE).as_deref() == Ok("gnome-keyring") {
        let id = account_id();
        drop_cache(&id);
        assert!(keyring_status().is_ok(), "{:?}", keyring_status());
        set_password(&id, "correct horse").expect("set_password");
        // Not from the keyutils cache: the Secret Service must answer.
        drop_cache(&id);
        let got = dialtone_engine::secrets::password_for(&engine_account(&id));
        assert_eq!(got.ok().as_deref(), Some("correct horse"));
        drop_cache(&id);
        return;
    }
    if !(have("dbus-run-session") && have("gnome-keyring-daemon") && have("dbus-send")) {
        eprintln!("skipped: dbus-run-session, dbus-send or gnome-keyring-daemon is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let script = GNOME_KEYRING;
    let (ok, out) = run_child(
        "secret_service_stores_what_the_engine_reads",
        "gnome-keyring",
        home.path(),
        &["dbus-run-session", "--", "sh", "-c", script, "sh"],
    );
    assert!(ok, "child failed:\n{out}");
}

#[test]
fn without_a_session_bus_there_is_no_keyring() {
    if std::env::var(ROLE).as_deref() == Ok("no-bus") {
        let id = account_id();
        drop_cache(&id);
        let err = set_password(&id, "pw").err();
        assert!(
            matches!(&err, Some(SettingsError::NoKeyring { .. })),
            "{err:?}"
        );
        let err = err.expect("error");
        assert_eq!(err.code(), "keyring_unavailable");
        assert!(err.to_string().contains("GNOME Keyring"), "{err}");
        assert!(matches!(
            keyring_status(),
            Err(SettingsError::NoKeyring { .. })
        ));
        // The engine says the same, naming the account and the way out.
        let e = dialtone_engine::secrets::password_for(&engine_account(&id))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains(&id) && e.contains("password_env"), "{e}");
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let (ok, out) = run_child(
        "without_a_session_bus_there_is_no_keyring",
        "no-bus",
        home.path(),
        &[
            "env",
            "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/dialtone-test-bus",
        ],
    );
    assert!(ok, "child failed:\n{out}");
}

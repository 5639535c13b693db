//! load → save → load on real files in a temporary folder.

use std::path::{Path, PathBuf};

use dialtone_api::{AccountSettings, ConfirmPolicySetting, Settings, WebhookSettings};
use dialtone_settings::{load, save, SettingsError};

const CONFIG: &str = r#"# My phone.
[sip]
# the port my PBX expects
port = 5070
stray_requests = "drop"

[dialing]
default_region = "DE" # Germany
confirm = "ask"
confirm_timeout = 45

[media]
codecs = ["PCMU", "PCMA"]

[[webhooks]]
name = "crm"
url = "https://crm.example.com/hook"
events = ["call.ended"]
secret_env = "CRM_SECRET"
max_attempts = 3

# The office.
[[accounts]]
id = "work"
display_name = "Alice"
user = "1001"
domain = "pbx.example.com"
transport = "tcp"
password_env = "DIALTONE_SETTINGS_TEST_WORK_PW"
auto_answer = "trusted"
codecs = ["G722"]

[accounts.dial_rules]
outside_prefix = "0"

[[accounts]]
id = "home"
user = "alice"
domain = "[::1]:5062"
proxy = "sips:[::1]:5071;transport=tls;lr"
transport = "tls"
enabled = false
"#;

fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).expect("write config");
    (dir, path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read config")
}

fn loaded(path: &Path) -> Settings {
    match load(path) {
        Ok(s) => s,
        Err(e) => panic!("load failed: {e}"),
    }
}

fn saved(path: &Path, s: &Settings) -> dialtone_settings::Saved {
    match save(path, s) {
        Ok(s) => s,
        Err(e) => panic!("save failed: {e}\n{}", read(path)),
    }
}

#[test]
fn load_maps_the_file() {
    let (_dir, path) = setup(CONFIG);
    let s = loaded(&path);
    assert_eq!(s.accounts.len(), 2);
    let work = &s.accounts[0];
    assert_eq!(work.id, "work");
    assert_eq!(work.display_name.as_deref(), Some("Alice"));
    assert_eq!(work.domain, "pbx.example.com");
    assert_eq!(work.transport, "tcp");
    assert_eq!(work.expires, 600);
    assert!(work.enabled);
    let home = &s.accounts[1];
    assert_eq!(home.domain, "[::1]:5062");
    assert_eq!(home.proxy.as_deref(), Some("sips:[::1]:5071;transport=tls"));
    assert!(!home.enabled);
    assert_eq!(s.integrations.default_region.as_deref(), Some("DE"));
    assert_eq!(s.integrations.webhooks.len(), 1);
    assert_eq!(
        s.integrations.webhooks[0].secret_env.as_deref(),
        Some("CRM_SECRET")
    );
    assert_eq!(s.integrations.screen_pop_url, None);
    assert_eq!(s.integrations.screen_pop_on, "incoming");
    assert!(s.app.check_updates_at_start);
}

#[test]
fn has_password_follows_password_env() {
    let (_dir, path) = setup(CONFIG);
    std::env::set_var("DIALTONE_SETTINGS_TEST_WORK_PW", "pw");
    assert!(loaded(&path).accounts[0].has_password);
    std::env::set_var("DIALTONE_SETTINGS_TEST_WORK_PW", "");
    // Empty counts as unset; the keyring has no entry for this made-up account either way
    // (or cannot be reached, which counts as false too).
    assert!(!loaded(&path).accounts[0].has_password);
    std::env::remove_var("DIALTONE_SETTINGS_TEST_WORK_PW");
}

#[test]
fn missing_file_gives_engine_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = loaded(&dir.path().join("nope.toml"));
    assert!(s.accounts.is_empty());
    assert!(s.integrations.bridge_enabled);
    assert_eq!(s.integrations.bridge_port, 17380);
    assert!(s.calls.confirm_links);
    assert!(s.calls.call_waiting);
    assert!(!s.calls.dnd);
    assert_eq!(s.calls.confirm, ConfirmPolicySetting::Ask);
    assert!(s.audio.echo_cancellation);
    assert!(!s.app.start_at_login && !s.app.start_minimised && s.app.check_updates_at_start);
}

#[test]
fn unchanged_settings_leave_the_file_as_it_was() {
    let (_dir, path) = setup(CONFIG);
    let s = loaded(&path);
    let out = saved(&path, &s);
    assert!(!out.restart_needed);
    assert_eq!(read(&path), CONFIG);
    assert_eq!(loaded(&path), s);
}

#[test]
fn round_trip_with_changes_keeps_comments_and_other_keys() {
    let (_dir, path) = setup(CONFIG);
    let mut s = loaded(&path);
    s.accounts[0].display_name = Some("Alice Smith".into());
    s.accounts[0].expires = 300;
    s.accounts[1].proxy = None;
    s.audio.input_device = Some("alsa:hw:CARD=Headset,DEV=0".into());
    s.audio.echo_cancellation = false;
    s.calls.dnd = true;
    s.calls.confirm = ConfirmPolicySetting::Deny;
    s.integrations.default_region = Some("us".into());
    s.integrations.bridge_port = 17400;
    s.integrations.screen_pop_url = Some("https://crm.example.com/search?phone={e164}".into());
    s.integrations.screen_pop_on = "answered".into();
    s.integrations.webhooks[0].events = vec![];
    let out = saved(&path, &s);
    assert!(out.restart_needed);
    assert_eq!(out.config.sip.port, 5070);
    assert_eq!(out.config.bridge.port, 17400);

    let text = read(&path);
    println!("{text}");
    for kept in [
        "# My phone.",
        "# the port my PBX expects",
        "port = 5070",
        "stray_requests = \"drop\"",
        "# Germany",
        "confirm_timeout = 45",
        "codecs = [\"PCMU\", \"PCMA\"]",
        "max_attempts = 3",
        "secret_env = \"CRM_SECRET\"",
        "# The office.",
        "password_env = \"DIALTONE_SETTINGS_TEST_WORK_PW\"",
        "auto_answer = \"trusted\"",
        "codecs = [\"G722\"]",
        "[accounts.dial_rules]",
        "outside_prefix = \"0\"",
    ] {
        assert!(text.contains(kept), "lost `{kept}`:\n{text}");
    }
    assert!(!text.contains("sips:[::1]:5071"), "{text}");
    assert!(!text.contains("call.ended"), "{text}");
    // The sections keep their order: [sip] still comes first, [dialing] before [media].
    let at = |s: &str| text.find(s).unwrap_or(usize::MAX);
    assert!(
        at("[sip]") < at("[dialing]") && at("[dialing]") < at("[media]"),
        "{text}"
    );

    let mut expected = s.clone();
    expected.integrations.default_region = Some("US".into());
    assert_eq!(loaded(&path), expected);
}

fn account(id: &str) -> AccountSettings {
    AccountSettings {
        id: id.into(),
        display_name: None,
        user: "2002".into(),
        auth_user: Some("auth2002".into()),
        domain: "127.0.0.1:5080".into(),
        proxy: Some("sip:127.0.0.1:5090;transport=tcp".into()),
        transport: "TCP".into(),
        enabled: true,
        expires: 120,
        has_password: true,
    }
}

#[test]
fn accounts_are_added_removed_and_renamed_by_id() {
    let (_dir, path) = setup(CONFIG);
    let mut s = loaded(&path);

    // Add one.
    s.accounts.push(account("lab"));
    saved(&path, &s);
    println!("{}", read(&path));
    let after = loaded(&path);
    assert_eq!(after.accounts.len(), 3);
    let lab = &after.accounts[2];
    assert_eq!(lab.transport, "tcp");
    assert_eq!(lab.auth_user.as_deref(), Some("auth2002"));
    assert_eq!(
        lab.proxy.as_deref(),
        Some("sip:127.0.0.1:5090;transport=tcp")
    );
    assert_eq!(lab.expires, 120);

    // Remove the first: the other accounts keep everything.
    s = after;
    s.accounts.remove(0);
    saved(&path, &s);
    let text = read(&path);
    assert!(!text.contains("id = \"work\""), "{text}");
    assert!(!text.contains("auto_answer"), "{text}");
    assert!(
        text.contains("id = \"home\"") && text.contains("id = \"lab\""),
        "{text}"
    );
    assert_eq!(
        loaded(&path)
            .accounts
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        ["home", "lab"]
    );

    // Rename: a new id is a new account, the old one is gone.
    s = loaded(&path);
    s.accounts[1].id = "lab2".into();
    saved(&path, &s);
    let ids: Vec<_> = loaded(&path).accounts.into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["home", "lab2"]);

    // And none at all.
    s = loaded(&path);
    s.accounts.clear();
    saved(&path, &s);
    assert!(loaded(&path).accounts.is_empty());
    assert!(read(&path).contains("port = 5070"));
}

#[test]
fn webhooks_are_matched_by_name() {
    let (_dir, path) = setup(CONFIG);
    let mut s = loaded(&path);
    s.integrations.webhooks[0].url = "https://crm.example.com/hook2".into();
    s.integrations.webhooks.push(WebhookSettings {
        name: "audit".into(),
        url: "http://127.0.0.1:9000/".into(),
        events: vec!["call.missed".into()],
        secret_env: None,
    });
    saved(&path, &s);
    let text = read(&path);
    assert!(text.contains("max_attempts = 3"), "{text}");
    assert_eq!(loaded(&path).integrations.webhooks, s.integrations.webhooks);
}

fn refused(path: &Path, s: &Settings, field: &str, needle: &str) {
    let before = std::fs::read(path).expect("read");
    match save(path, s) {
        Err(e @ SettingsError::Invalid { .. }) => {
            assert_eq!(e.code(), "invalid_setting");
            let SettingsError::Invalid { field: f, message } = &e else {
                unreachable!()
            };
            assert_eq!(f, field, "{e}");
            assert!(message.contains(needle), "{e}");
        }
        other => panic!("expected Invalid for {field}, got {other:?}"),
    }
    assert_eq!(std::fs::read(path).expect("read"), before, "file changed");
}

#[test]
fn invalid_values_are_refused_and_the_file_is_untouched() {
    let (_dir, path) = setup(CONFIG);
    let good = loaded(&path);

    let mut s = good.clone();
    s.accounts[1].transport = "carrier-pigeon".into();
    refused(&path, &s, "accounts[1].transport", "carrier-pigeon");

    let mut s = good.clone();
    s.accounts[0].domain = "pbx.example.com:99999".into();
    refused(&path, &s, "accounts[0].domain", "99999");

    let mut s = good.clone();
    s.accounts[0].expires = 1;
    refused(&path, &s, "accounts[0].expires", "out of range");

    let mut s = good.clone();
    s.integrations.default_region = Some("Germany".into());
    refused(&path, &s, "integrations.defaultRegion", "ISO 3166");

    let mut s = good.clone();
    s.integrations.screen_pop_url = Some("https://crm.example.com/?q={nope}".into());
    refused(&path, &s, "integrations.screenPopUrl", "screen_pop.url");

    let mut s = good.clone();
    s.integrations.screen_pop_url = Some("https://crm.example.com/?q={e164}".into());
    s.integrations.screen_pop_on = "later".into();
    refused(&path, &s, "integrations.screenPopOn", "later");

    let mut s = good.clone();
    s.integrations.webhooks[0].events = vec!["call.exploded".into()];
    refused(
        &path,
        &s,
        "integrations.webhooks[0].events",
        "call.exploded",
    );

    // A duplicate id: the second entry is named.
    let mut s = good;
    let mut dup = account("lab");
    dup.id = "work".into();
    s.accounts.push(dup);
    refused(&path, &s, "accounts[0].id", "duplicate");
}

#[test]
fn app_only_changes_need_no_restart() {
    let (_dir, path) = setup(CONFIG);
    let mut s = loaded(&path);
    s.app.start_at_login = true;
    s.app.check_updates_at_start = false;
    let out = saved(&path, &s);
    assert!(!out.restart_needed);
    assert!(out.config.app.start_at_login && !out.config.app.check_updates);
    let text = read(&path);
    assert!(
        text.contains("[app]") && text.contains("start_at_login = true"),
        "{text}"
    );
    assert_eq!(loaded(&path).app, s.app);

    s.calls.call_waiting = false;
    assert!(saved(&path, &s).restart_needed);
}

#[test]
fn new_file_is_private_and_its_folder_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a/b/config.toml");
    let mut s = loaded(&path);
    s.accounts.push(account("lab"));
    s.app.start_minimised = true;
    let out = saved(&path, &s);
    assert!(out.restart_needed);
    let mut expected = s.clone();
    expected.accounts[0].transport = "tcp".into();
    expected.accounts[0].has_password = loaded(&path).accounts[0].has_password;
    assert_eq!(loaded(&path), expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a/b"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["config.toml"]);
    }
}

#[test]
fn existing_file_gets_mode_0600_on_save() {
    let (_dir, path) = setup(CONFIG);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let mut s = loaded(&path);
    s.calls.dnd = true;
    saved(&path, &s);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_file_that_is_not_toml_is_reported_and_kept() {
    let (_dir, path) = setup("[sip\nport = 1\n");
    let err = load(&path).err();
    assert!(matches!(&err, Some(SettingsError::Toml { .. })), "{err:?}");
    assert_eq!(err.map(|e| e.code()), Some("invalid_toml"));
    assert!(matches!(
        save(&path, &Settings::default()),
        Err(SettingsError::Toml { .. })
    ));
    assert_eq!(read(&path), "[sip\nport = 1\n");
}

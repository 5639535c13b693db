//! Writing the settings that changed into the TOML document, touching nothing else.

use dialtone_api::{AccountSettings, Settings, WebhookSettings};
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, TableLike, Value};

use crate::map::confirm_str;

/// A key to set (`Some`) or remove (`None`).
type Change = (&'static str, Option<Value>);

/// Writes into `doc` every setting of `new` that differs from `old` (what the document says
/// now); keys the settings do not cover, comments and order are kept.
pub(crate) fn apply(doc: &mut DocumentMut, old: &Settings, new: &Settings) {
    let mut audio = Vec::new();
    diff_opt(
        &mut audio,
        "input_device",
        &old.audio.input_device,
        &new.audio.input_device,
    );
    diff_opt(
        &mut audio,
        "output_device",
        &old.audio.output_device,
        &new.audio.output_device,
    );
    diff_opt(
        &mut audio,
        "ringer_device",
        &old.audio.ringer_device,
        &new.audio.ringer_device,
    );
    diff(
        &mut audio,
        "echo_cancellation",
        old.audio.echo_cancellation,
        new.audio.echo_cancellation,
    );
    put_section(doc, "audio", audio);

    let mut calls = Vec::new();
    diff(
        &mut calls,
        "call_waiting",
        old.calls.call_waiting,
        new.calls.call_waiting,
    );
    diff(&mut calls, "dnd", old.calls.dnd, new.calls.dnd);
    put_section(doc, "calls", calls);

    let (oi, ni) = (&old.integrations, &new.integrations);
    let mut dialing = Vec::new();
    diff(
        &mut dialing,
        "confirm_links",
        old.calls.confirm_links,
        new.calls.confirm_links,
    );
    diff(
        &mut dialing,
        "confirm",
        confirm_str(old.calls.confirm),
        confirm_str(new.calls.confirm),
    );
    diff_opt(
        &mut dialing,
        "default_region",
        &oi.default_region,
        &ni.default_region,
    );
    put_section(doc, "dialing", dialing);

    let mut bridge = Vec::new();
    diff(&mut bridge, "enabled", oi.bridge_enabled, ni.bridge_enabled);
    diff(
        &mut bridge,
        "port",
        i64::from(oi.bridge_port),
        i64::from(ni.bridge_port),
    );
    put_section(doc, "bridge", bridge);

    match &ni.screen_pop_url {
        None => {
            if oi.screen_pop_url.is_some() {
                doc.remove("screen_pop");
            }
        }
        Some(url) => {
            let mut pop = Vec::new();
            diff(
                &mut pop,
                "url",
                oi.screen_pop_url.as_deref().unwrap_or(""),
                url.as_str(),
            );
            diff(
                &mut pop,
                "on",
                oi.screen_pop_on.as_str(),
                ni.screen_pop_on.as_str(),
            );
            put_section(doc, "screen_pop", pop);
        }
    }

    let mut app = Vec::new();
    diff(
        &mut app,
        "start_at_login",
        old.app.start_at_login,
        new.app.start_at_login,
    );
    diff(
        &mut app,
        "start_minimised",
        old.app.start_minimised,
        new.app.start_minimised,
    );
    diff(
        &mut app,
        "check_updates",
        old.app.check_updates_at_start,
        new.app.check_updates_at_start,
    );
    put_section(doc, "app", app);

    put_array(
        doc,
        "accounts",
        "id",
        &old.accounts,
        &new.accounts,
        |a| &a.id,
        account_changes,
    );
    put_array(
        doc,
        "webhooks",
        "name",
        &oi.webhooks,
        &ni.webhooks,
        |w| &w.name,
        webhook_changes,
    );
}

fn account_changes(old: Option<&AccountSettings>, new: &AccountSettings) -> Vec<Change> {
    let mut c = Vec::new();
    match old {
        None => {
            c.push(("id", Some(Value::from(new.id.as_str()))));
            diff_opt(&mut c, "display_name", &None, &new.display_name);
            c.push(("user", Some(Value::from(new.user.as_str()))));
            diff_opt(&mut c, "auth_user", &None, &new.auth_user);
            c.push(("domain", Some(Value::from(new.domain.as_str()))));
            diff_opt(&mut c, "proxy", &None, &new.proxy);
            c.push(("transport", Some(Value::from(new.transport.as_str()))));
            c.push(("expires", Some(Value::from(i64::from(new.expires)))));
            c.push(("enabled", Some(Value::from(new.enabled))));
        }
        Some(old) => {
            diff_opt(&mut c, "display_name", &old.display_name, &new.display_name);
            diff(&mut c, "user", old.user.as_str(), new.user.as_str());
            diff_opt(&mut c, "auth_user", &old.auth_user, &new.auth_user);
            diff(&mut c, "domain", old.domain.as_str(), new.domain.as_str());
            diff_opt(&mut c, "proxy", &old.proxy, &new.proxy);
            diff(
                &mut c,
                "transport",
                old.transport.as_str(),
                new.transport.as_str(),
            );
            diff(
                &mut c,
                "expires",
                i64::from(old.expires),
                i64::from(new.expires),
            );
            diff(&mut c, "enabled", old.enabled, new.enabled);
        }
    }
    c
}

fn webhook_changes(old: Option<&WebhookSettings>, new: &WebhookSettings) -> Vec<Change> {
    let mut c = Vec::new();
    if old.is_none() {
        c.push(("name", Some(Value::from(new.name.as_str()))));
    }
    diff(
        &mut c,
        "url",
        old.map_or("", |o| o.url.as_str()),
        new.url.as_str(),
    );
    let old_events = old.map(|o| o.events.as_slice()).unwrap_or_default();
    if old_events != new.events.as_slice() {
        let v = (!new.events.is_empty())
            .then(|| Value::Array(new.events.iter().map(String::as_str).collect::<Array>()));
        c.push(("events", v));
    }
    diff_opt(
        &mut c,
        "secret_env",
        &old.and_then(|o| o.secret_env.clone()),
        &new.secret_env,
    );
    c
}

fn diff<T: PartialEq + Into<Value>>(out: &mut Vec<Change>, key: &'static str, old: T, new: T) {
    if old != new {
        out.push((key, Some(new.into())));
    }
}

fn diff_opt(out: &mut Vec<Change>, key: &'static str, old: &Option<String>, new: &Option<String>) {
    if old != new {
        out.push((key, new.as_deref().map(Value::from)));
    }
}

/// Applies `changes` to the section `name`, creating it when there is something to write.
fn put_section(doc: &mut DocumentMut, name: &str, changes: Vec<Change>) {
    if changes.is_empty() {
        return;
    }
    let item = doc.entry(name).or_insert_with(toml_edit::table);
    if !item.is_table_like() {
        // The old document was valid, so this is not reached; a fresh table is still right.
        *item = toml_edit::table();
    }
    if let Some(table) = item.as_table_like_mut() {
        put_all(table, changes);
    }
}

fn put_all(table: &mut dyn TableLike, changes: Vec<Change>) {
    for (key, value) in changes {
        match value {
            None => {
                table.remove(key);
            }
            Some(mut value) => match table.get_mut(key) {
                Some(Item::Value(old)) => {
                    // Keep the comment after the old value.
                    *value.decor_mut() = old.decor().clone();
                    *old = value;
                }
                Some(item) => *item = Item::Value(value),
                None => {
                    table.insert(key, Item::Value(value));
                }
            },
        }
    }
}

/// Rewrites the array of tables `name`, matching entries by `ident_key`: entries kept are
/// edited in place (with everything the settings do not cover), new ones appended, missing
/// ones removed.
fn put_array<T>(
    doc: &mut DocumentMut,
    name: &str,
    ident_key: &str,
    old: &[T],
    new: &[T],
    ident: impl Fn(&T) -> &String,
    changes: impl Fn(Option<&T>, &T) -> Vec<Change>,
) {
    let same = old.len() == new.len()
        && old
            .iter()
            .zip(new)
            .all(|(o, n)| ident(o) == ident(n) && changes(Some(o), n).is_empty());
    if same {
        return;
    }
    let mut existing: Vec<Option<Table>> = match doc.remove(name) {
        Some(item) => match item.into_array_of_tables() {
            Ok(a) => a.into_iter().map(Some).collect(),
            Err(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    let mut out = ArrayOfTables::new();
    for n in new {
        let slot = existing.iter_mut().find(|t| {
            t.as_ref()
                .and_then(|t| t.get(ident_key))
                .and_then(Item::as_str)
                .is_some_and(|id| id == ident(n))
        });
        let old_entry = old.iter().find(|o| ident(o) == ident(n));
        let (mut table, old_entry) = match slot.and_then(Option::take) {
            Some(t) => (t, old_entry),
            None => (Table::new(), None),
        };
        put_all(&mut table, changes(old_entry, n));
        out.push(table);
    }
    if !out.is_empty() {
        doc.insert(name, Item::ArrayOfTables(out));
    }
}

//! Naming the setting a validation error points at: from the error's line and column to the
//! TOML key there, then to the settings document's name for it.

use dialtone_api::Settings;
use toml_edit::{ImDocument, Item, Table};

/// One step of a path into the TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    /// An element of an array of tables, with its `id` (accounts) or `name` (webhooks).
    Index(usize, Option<String>),
}

/// The field at `line`:`column` (1-based, the column in characters) of `text`, named as in
/// `settings` when it is one of theirs, else as the TOML key path (`sip.port`); `None` when
/// the position is in no value.
pub(crate) fn field_at(
    text: &str,
    line: usize,
    column: usize,
    settings: Option<&Settings>,
) -> Option<String> {
    let offset = offset_of(text, line, column)?;
    let doc = ImDocument::parse(text).ok()?;
    let mut path = Vec::new();
    if !find_in_table(doc.as_table(), offset, &mut path) {
        return None;
    }
    Some(settings_name(&path, settings).unwrap_or_else(|| toml_name(&path)))
}

fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let in_line = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + in_line)
}

fn contains(span: Option<std::ops::Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
}

/// Depth-first search for the value whose text holds `offset`; `path` ends as its key path.
fn find_in_table(table: &Table, offset: usize, path: &mut Vec<Seg>) -> bool {
    for (key, item) in table.iter() {
        path.push(Seg::Key(key.to_owned()));
        let key_span = table.key(key).and_then(|k| k.span());
        let found = match item {
            Item::Value(v) => contains(v.span(), offset) || contains(key_span, offset),
            Item::Table(t) => find_in_table(t, offset, path),
            Item::ArrayOfTables(a) => a.iter().enumerate().any(|(i, t)| {
                let ident = ["id", "name"]
                    .into_iter()
                    .find_map(|k| t.get(k).and_then(Item::as_str))
                    .map(str::to_owned);
                path.push(Seg::Index(i, ident));
                let found = find_in_table(t, offset, path);
                if !found {
                    path.pop();
                }
                found
            }),
            Item::None => false,
        };
        if found {
            return true;
        }
        path.pop();
    }
    false
}

fn toml_name(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i, _) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The settings document's name (camelCase, as the UI sees it) for a config key path.
fn settings_name(path: &[Seg], settings: Option<&Settings>) -> Option<String> {
    let key = |i: usize| match path.get(i) {
        Some(Seg::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let section = key(0)?;
    if let (Some(Seg::Index(i, ident)), Some(field)) = (path.get(1), key(2)) {
        if path.len() != 3 {
            return None;
        }
        return match section {
            "accounts" => {
                let name = match field {
                    "id" | "user" | "domain" | "proxy" | "transport" | "enabled" | "expires" => {
                        field
                    }
                    "display_name" => "displayName",
                    "auth_user" => "authUser",
                    _ => return None,
                };
                let index = settings
                    .and_then(|s| {
                        s.accounts
                            .iter()
                            .position(|a| Some(&a.id) == ident.as_ref())
                    })
                    .unwrap_or(*i);
                Some(format!("accounts[{index}].{name}"))
            }
            "webhooks" => {
                let name = match field {
                    "name" | "url" | "events" => field,
                    "secret_env" => "secretEnv",
                    _ => return None,
                };
                let index = settings
                    .and_then(|s| {
                        s.integrations
                            .webhooks
                            .iter()
                            .position(|w| Some(&w.name) == ident.as_ref())
                    })
                    .unwrap_or(*i);
                Some(format!("integrations.webhooks[{index}].{name}"))
            }
            _ => None,
        };
    }
    if path.len() != 2 {
        return None;
    }
    let name = match (section, key(1)?) {
        ("audio", "input_device") => "audio.inputDevice",
        ("audio", "output_device") => "audio.outputDevice",
        ("audio", "ringer_device") => "audio.ringerDevice",
        ("audio", "echo_cancellation") => "audio.echoCancellation",
        ("calls", "call_waiting") => "calls.callWaiting",
        ("calls", "dnd") => "calls.dnd",
        ("dialing", "confirm_links") => "calls.confirmLinks",
        ("dialing", "confirm") => "calls.confirm",
        ("dialing", "default_region") => "integrations.defaultRegion",
        ("bridge", "enabled") => "integrations.bridgeEnabled",
        ("bridge", "port") => "integrations.bridgePort",
        ("screen_pop", "url") => "integrations.screenPopUrl",
        ("screen_pop", "on") => "integrations.screenPopOn",
        ("app", "start_at_login") => "app.startAtLogin",
        ("app", "start_minimised") => "app.startMinimised",
        ("app", "check_updates") => "app.checkUpdatesAtStart",
        _ => return None,
    };
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::field_at;

    #[test]
    fn names_the_key_at_a_position() {
        let text = "[sip]\nport = 5060\n\n[[accounts]]\nid = \"work\"\ntransport = \"bogus\"\n\n[screen_pop]\nurl = \"x\"\n";
        assert_eq!(field_at(text, 2, 8, None).as_deref(), Some("sip.port"));
        assert_eq!(
            field_at(text, 6, 13, None).as_deref(),
            Some("accounts[0].transport")
        );
        assert_eq!(
            field_at(text, 9, 7, None).as_deref(),
            Some("integrations.screenPopUrl")
        );
        assert_eq!(field_at(text, 3, 1, None), None);
        assert_eq!(field_at(text, 99, 1, None), None);
    }
}

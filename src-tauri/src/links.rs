//! The command line (`dialtone-desktop [--config PATH] [--minimised] [link]`) and the links it
//! or the deep-link plugin hands over. Whether a link is a valid `tel:`/`sip:`/`sips:`/`callto:`
//! target is the engine's call (crates/links); the shell only passes links on, as links, so the
//! dial-confirmation policy applies.

use std::path::PathBuf;

use dialtone_api::{DialSource, DialSourceKind};
use dialtone_engine::DialRequest;
use tauri::{AppHandle, Manager};
use tracing::{info, warn};

use crate::state::Shell;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    pub config: Option<PathBuf>,
    pub minimised: bool,
    /// Every positional argument: links to dial.
    pub links: Vec<String>,
    /// Flags we do not know (logged, otherwise ignored).
    pub unknown: Vec<String>,
}

/// Parses the arguments after the program name.
pub fn parse_args<I, S>(args: I) -> Args
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut out = Args::default();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        if arg == "--config" {
            out.config = args.next().map(PathBuf::from);
        } else if let Some(path) = arg.strip_prefix("--config=") {
            out.config = Some(PathBuf::from(path));
        } else if arg == "--minimised" || arg == "--minimized" {
            out.minimised = true;
        } else if arg.starts_with('-') && arg.len() > 1 {
            out.unknown.push(arg);
        } else if !arg.trim().is_empty() {
            out.links.push(arg);
        }
    }
    out
}

/// The request a clicked link becomes: never trusted, so `[dialing] confirm_links` applies.
pub fn link_request(link: &str) -> DialRequest {
    DialRequest::new(link, DialSource::new(DialSourceKind::Link))
}

/// Hands each link to the phone; a confirmation, if the policy wants one, arrives as a
/// `dial.confirm_requested` event (the forwarder shows the main window for it).
pub fn dial_links(app: &AppHandle, links: Vec<String>) {
    for link in links {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let shell = app.state::<Shell>();
            let phone = match shell.phone().await {
                Ok(p) => p,
                Err(e) => {
                    warn!(%link, error = %e, "cannot dial a link");
                    return;
                }
            };
            match phone.request_dial(link_request(&link)).await {
                Ok(r) => info!(%link, call_id = ?r.call_id, "dialled a link"),
                Err(e) => warn!(%link, error = %e, "a link was not dialled"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_minimised_are_flags_and_a_link_is_positional() {
        let a = parse_args(["--config", "/tmp/c.toml", "--minimised", "tel:+4930123"]);
        assert_eq!(a.config, Some(PathBuf::from("/tmp/c.toml")));
        assert!(a.minimised);
        assert_eq!(a.links, vec!["tel:+4930123".to_owned()]);
    }

    #[test]
    fn equals_form_and_american_spelling() {
        let a = parse_args(["--config=/x.toml", "--minimized"]);
        assert_eq!(a.config, Some(PathBuf::from("/x.toml")));
        assert!(a.minimised);
        assert!(a.links.is_empty());
    }

    #[test]
    fn nothing_given_means_defaults() {
        assert_eq!(parse_args(Vec::<String>::new()), Args::default());
    }

    #[test]
    fn unknown_flags_are_not_links() {
        let a = parse_args(["--verbose", "sip:1002@pbx", "", "callto:1003"]);
        assert_eq!(a.unknown, vec!["--verbose".to_owned()]);
        assert_eq!(
            a.links,
            vec!["sip:1002@pbx".to_owned(), "callto:1003".to_owned()]
        );
    }

    #[test]
    fn a_second_instance_argv_yields_its_link() {
        // single-instance hands over the whole argv; the program name is skipped by the caller.
        let argv = ["dialtone-desktop", "sips:alice@example.com"];
        let a = parse_args(argv.iter().skip(1).copied());
        assert_eq!(a.links, vec!["sips:alice@example.com".to_owned()]);
    }

    #[test]
    fn links_are_never_trusted_and_come_from_the_link_source() {
        let r = link_request("tel:1002");
        assert_eq!(r.to, "tel:1002");
        assert!(!r.trusted);
        assert_eq!(r.source.kind, DialSourceKind::Link);
        assert_eq!(r.account_id, None);
    }
}

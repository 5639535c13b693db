//! `dialtone`: the headless phone and the commands that talk to a running one.

mod control;
mod devices;
mod logging;
mod open;
mod records;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dialtone_api::Command;

#[derive(Parser)]
#[command(name = "dialtone", version, about = "Dialtone SIP softphone, headless")]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run the phone: register the configured accounts and serve the control socket.
    Serve {
        /// Config file (default: the platform config directory's dialtone/config.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Print every event on stdout as one JSON line {"event","timestamp","data"}.
        #[arg(long)]
        events: bool,
        /// Control socket path (default: $XDG_RUNTIME_DIR/dialtone/control.sock).
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
        /// Play this WAV file as the microphone (looping); sets `[audio] backend = "file"`.
        #[arg(long, value_name = "FILE")]
        audio_in: Option<PathBuf>,
        /// Record what is heard into this WAV file; sets `[audio] backend = "file"`.
        #[arg(long, value_name = "FILE")]
        audio_out: Option<PathBuf>,
    },
    /// Place a call from a running phone; prints the call id.
    Dial {
        /// A number (`1002`, `+49 30 1234567`) or a SIP URI (`sip:1002@pbx.example.com`).
        to: String,
        /// The account to call from (default: the first registered one).
        #[arg(long)]
        account: Option<String>,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Dial a `tel:`, `sip:`, `sips:` or `callto:` link on the running phone (starting one
    /// when none runs); it follows the dial-confirmation policy for links.
    Open {
        uri: String,
        /// Config for the phone started when none runs.
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Answer a dial request waiting for confirmation (`dial.confirm_requested`).
    Confirm {
        request_id: String,
        /// Refuse it instead of dialling.
        #[arg(long)]
        decline: bool,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Switch do-not-disturb on or off on the running phone.
    Dnd {
        state: OnOff,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Show the call history (JSON, newest first) or export it all as CSV.
    History {
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Every call as CSV (RFC 4180, UTC times).
        #[arg(long)]
        csv: bool,
    },
    /// Print the localhost bridge's bearer token (or make a new one).
    Token {
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Replace the token; tools and CRMs using the old one are refused from then on.
        #[arg(long)]
        regenerate: bool,
    },
    /// Web origins allowed to use the bridge: list, approve a pending one, revoke.
    Pair {
        #[command(subcommand)]
        action: PairAction,
    },
    /// Webhooks: send a signed test delivery, or show the delivery log.
    Webhook {
        #[command(subcommand)]
        action: WebhookAction,
    },
    /// Act on a call of a running phone.
    Call {
        action: CallAction,
        call_id: String,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Send DTMF digits (0-9 * # A-D) on a call of a running phone.
    Dtmf {
        call_id: String,
        digits: String,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Show the accounts of a running phone and their registration state.
    Status {
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
        /// Print the raw JSON status.
        #[arg(long)]
        json: bool,
    },
    /// Ask a running phone to register an account again now.
    Reregister {
        account: String,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Enable an account of a running phone and register it.
    Enable {
        account: String,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Unregister an account of a running phone and keep it idle.
    Disable {
        account: String,
        #[arg(long, env = "DIALTONE_CONTROL")]
        control: Option<PathBuf>,
    },
    /// Check a config file and exit: 0 if valid, 2 with file:line:column: message if not.
    CheckConfig {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// List the sound devices (names and ids for `[audio] input_device` / `output_device`).
    Devices,
    /// Store an account's password in the OS keyring (read from standard input).
    SetPassword { account: String },
}

#[derive(Subcommand)]
enum PairAction {
    List {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Approve an origin (`https://crm.example.com`), pending or not.
    Approve {
        origin: String,
        /// Its dial requests go through without asking the person first.
        #[arg(long)]
        silent_dial: bool,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    Revoke {
        origin: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum WebhookAction {
    /// POST a signed `webhook.test` event to the named `[[webhooks]]` endpoint once.
    Test {
        name: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// The latest delivery attempts with their HTTP status or error (JSON).
    Log {
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CallAction {
    Answer,
    /// Refuse with 603 Decline.
    Reject,
    /// Refuse with 486 Busy Here.
    Busy,
    Hangup,
    Hold,
    Resume,
    Mute,
    Unmute,
}

impl CallAction {
    fn command(self, call_id: String) -> Command {
        match self {
            CallAction::Answer => Command::Answer { call_id },
            CallAction::Reject => Command::Reject {
                call_id,
                busy: false,
            },
            CallAction::Busy => Command::Reject {
                call_id,
                busy: true,
            },
            CallAction::Hangup => Command::Hangup { call_id },
            CallAction::Hold => Command::Hold { call_id },
            CallAction::Resume => Command::Resume { call_id },
            CallAction::Mute => Command::Mute { call_id },
            CallAction::Unmute => Command::Unmute { call_id },
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Commands::Serve {
            config,
            events,
            control,
            audio_in,
            audio_out,
        } => serve::run(
            config,
            events,
            control,
            serve::AudioFiles {
                input: audio_in,
                output: audio_out,
            },
        ),
        Commands::Dial {
            to,
            account,
            control,
        } => control::execute(
            control,
            Command::Dial {
                to,
                account_id: account,
            },
        ),
        Commands::Open {
            uri,
            config,
            control,
        } => open::run(uri, config, control),
        Commands::Confirm {
            request_id,
            decline,
            control,
        } => control::execute(
            control,
            Command::ConfirmDial {
                request_id,
                accept: !decline,
            },
        ),
        Commands::Dnd { state, control } => control::execute(
            control,
            Command::SetDnd {
                enabled: matches!(state, OnOff::On),
            },
        ),
        Commands::History { config, limit, csv } => records::history(config, limit, csv),
        Commands::Token { config, regenerate } => records::token(config, regenerate),
        Commands::Pair { action } => match action {
            PairAction::List { config } => records::pair_list(config),
            PairAction::Approve {
                origin,
                silent_dial,
                config,
            } => records::pair_approve(config, &origin, silent_dial),
            PairAction::Revoke { origin, config } => records::pair_revoke(config, &origin),
        },
        Commands::Webhook { action } => match action {
            WebhookAction::Test { name, config } => records::webhook_test(config, &name),
            WebhookAction::Log { config, limit } => records::webhook_log(config, limit),
        },
        Commands::Call {
            action,
            call_id,
            control,
        } => control::execute(control, action.command(call_id)),
        Commands::Dtmf {
            call_id,
            digits,
            control,
        } => control::execute(control, Command::SendDtmf { call_id, digits }),
        Commands::Status { control, json } => control::print_status(control, json),
        Commands::Reregister { account, control } => control::execute(
            control,
            Command::Reregister {
                account_id: account,
            },
        ),
        Commands::Enable { account, control } => control::execute(
            control,
            Command::EnableAccount {
                account_id: account,
            },
        ),
        Commands::Disable { account, control } => control::execute(
            control,
            Command::DisableAccount {
                account_id: account,
            },
        ),
        Commands::CheckConfig { config } => serve::check_config(config),
        Commands::SetPassword { account } => serve::set_password(&account),
        Commands::Devices => devices::list(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dialtone: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

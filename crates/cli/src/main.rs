//! `dialtone`: the headless phone and the commands that talk to a running one.

mod control;
mod logging;
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
    /// Store an account's password in the OS keyring (read from standard input).
    SetPassword { account: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Commands::Serve {
            config,
            events,
            control,
        } => serve::run(config, events, control),
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
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dialtone: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

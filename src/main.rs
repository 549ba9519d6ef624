//! Glue: settings, telemetry, `App::build(…).run_until_stopped()`. The other commands live in the
//! library (`cli`), so they are tested like everything else.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use eligibility_gateway::app::App;
use eligibility_gateway::cli::{self, Cli, Command};
use eligibility_gateway::config::{LogFormat, Settings};
use eligibility_gateway::telemetry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    cli::run_offline(command, cli.config.as_deref()).unwrap_or_else(|| serve(cli.config.as_deref()))
}

/// Starts the gateway and runs it until SIGTERM or Ctrl-C.
fn serve(config: Option<&Path>) -> ExitCode {
    let settings = match Settings::load(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("eligibility-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log.level, settings.log.format == LogFormat::Json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("eligibility-gateway: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        App::build(&settings)
            .await
            .map_err(|e| e.to_string())?
            .run_until_stopped()
            .await
            .map_err(|e| format!("server error: {e}"))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped");
            eprintln!("eligibility-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}

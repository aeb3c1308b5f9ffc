//! Thin entry point: parse the command line, hand over to the library.

// The command line's own output: the migrations applied, or why it could not start.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::Parser;
use pushgate::settings::{Cli, Command};
use pushgate::{db, startup::Application, telemetry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pushgate: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(Cli::parse()));
    // The work that must be done was done by its deadline (Application::run_until_stopped);
    // a blocking task still running past it (a checkpoint encoding that was given up) must
    // not hold the exit back.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve(settings) => {
            telemetry::init(settings.log_format);
            match Application::build(*settings).await {
                Ok(app) => app.run_until_stopped().await.map_err(anyhow::Error::from),
                Err(e) => Err(e),
            }
        }
        Command::Migrate(database) => {
            telemetry::init(pushgate::settings::LogFormat::Text);
            db::run_migrations(database.database_url.expose())
                .await
                .map(|applied| {
                    println!("applied {} migration(s)", applied.len());
                })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // the context, then each cause: "cannot prepare the database: cannot connect …"
            eprintln!("pushgate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

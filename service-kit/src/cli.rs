//! The start-up prologue every binary shares: read an optional `.env`, parse the command line,
//! and map what went wrong to an exit code, before any runtime or logging exists.

use std::process::ExitCode;

use clap::Parser;

/// Reads `.env` (when present) and parses the command line.
///
/// `Err` carries the exit code the binary should return at once: 0 after `--help` or
/// `--version` (clap printed them), 2 for a usage error or an unreadable `.env` (the message is
/// printed, prefixed with `program`).
pub fn parse<C: Parser>(program: &str) -> Result<C, ExitCode> {
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("{program}: cannot read .env: {error}");
        return Err(ExitCode::from(2));
    }
    C::try_parse().map_err(|error| {
        let _ = error.print();
        if error.use_stderr() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        }
    })
}

/// Prints a failure the way every binary does (`program: message`, one line) and returns the
/// exit code for it.
pub fn fail(program: &str, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("{program}: {message}");
    ExitCode::FAILURE
}

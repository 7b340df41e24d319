//! `smtp-sink`: a real SMTP server for end-to-end tests that writes every message it receives
//! into a directory as an `.eml` file, where a test (or a person) can read it.
//!
//! ```text
//! smtp-sink --listen 127.0.0.1:0 --dir /tmp/mail
//! ```
//!
//! The first line on stdout is the address it listens on (useful with port 0); each message is
//! logged on stderr. SIGTERM or Ctrl-C stops it cleanly (exit status 0).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use testkit::SmtpSink;

const USAGE: &str = "usage: smtp-sink --listen ADDR:PORT --dir DIR

Listens for SMTP on ADDR:PORT (port 0 picks a free one; the address is printed on stdout's
first line) and writes each message into DIR as <n>-<unix millis>.eml. SIGTERM or Ctrl-C stops it.

  --listen ADDR:PORT   where to listen (default 127.0.0.1:1025)
  --dir DIR            where the .eml files go (created if missing; required)";

#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    dir: PathBuf,
}

/// `Ok(None)` means `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut listen: Option<SocketAddr> = None;
    let mut dir: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => {
                let text = value("--listen")?;
                listen = Some(text.parse().map_err(|_| {
                    format!("--listen must be an IP address and port such as 127.0.0.1:1025 (got {text:?})")
                })?);
            }
            "--dir" => dir = Some(PathBuf::from(value("--dir")?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let dir = dir.ok_or("--dir is required")?;
    let listen = listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 1025)));
    Ok(Some(Args { listen, dir }))
}

/// SIGTERM and SIGINT (Ctrl-C), listened for from the moment this is created.
#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Resolves with the signal's name when one arrives.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn recv(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("smtp-sink: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Listen for signals before announcing the address, so a supervisor that stops us as soon
    // as it has read it does not kill us with the default action instead.
    let mut signals = match Signals::listen() {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!("smtp-sink: cannot listen for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut sink = match SmtpSink::start_writing_to(args.listen, &args.dir).await {
        Ok(sink) => sink,
        Err(error) => {
            eprintln!(
                "smtp-sink: cannot listen on {} writing into {}: {error}",
                args.listen,
                args.dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    println!("{}", sink.addr());
    eprintln!(
        "smtp-sink: listening on {}, writing messages into {}",
        sink.addr(),
        args.dir.display()
    );
    let signal = signals.recv().await;
    sink.stop();
    eprintln!(
        "smtp-sink: {signal}: stopped after {} message(s)",
        sink.messages().len()
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn flags_with_spaces_or_equals() {
        let args = parse(&["--listen", "127.0.0.1:0", "--dir", "/tmp/x"])
            .unwrap()
            .unwrap();
        assert_eq!(args.listen.port(), 0);
        assert_eq!(args.dir, PathBuf::from("/tmp/x"));
        let args = parse(&["--dir=/tmp/y"]).unwrap().unwrap();
        assert_eq!(args.listen.to_string(), "127.0.0.1:1025");
        assert_eq!(args.dir, PathBuf::from("/tmp/y"));
    }

    #[test]
    fn bad_arguments_are_one_line_errors() {
        assert!(parse(&[]).unwrap_err().contains("--dir"));
        assert!(
            parse(&["--dir", "d", "--listen", "localhost"])
                .unwrap_err()
                .contains("--listen")
        );
        assert!(
            parse(&["--dir", "d", "--bogus"])
                .unwrap_err()
                .contains("--bogus")
        );
        assert!(parse(&["--dir"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}

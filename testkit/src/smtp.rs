//! A real SMTP server for tests: it speaks enough ESMTP for lettre (EHLO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT), keeps every message it receives, and can be stopped and restarted on the
//! same port to test delivery while the mail server is down. [`SmtpSink::start_writing_to`]
//! also writes each message into a directory as an `.eml` file (the `smtp-sink` binary).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message (headers and body) with dot-stuffing undone and CRLF line ends.
    pub data: Vec<u8>,
}

impl ReceivedMail {
    /// The message as text (lossy for non-UTF-8 bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// An SMTP server on 127.0.0.1 collecting what it receives.
pub struct SmtpSink {
    /// Its port.
    pub port: u16,
    ip: IpAddr,
    store: Store,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts on a free port.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), None).await
    }

    /// Starts on `listen` (port 0 picks a free one) and also writes every message into `dir`
    /// as `<n>-<unix millis>.eml`, numbered on from the files already there. Each file appears
    /// complete (written aside, then renamed in), so a reader polling `dir` never sees half a
    /// message; if it cannot be written, the client gets a temporary failure (451).
    pub async fn start_writing_to(
        listen: SocketAddr,
        dir: impl Into<PathBuf>,
    ) -> anyhow::Result<Self> {
        let maildir = MailDir::open(dir.into())?;
        Self::start_with(listen, Some(Arc::new(maildir))).await
    }

    async fn start_with(listen: SocketAddr, dir: Option<Arc<MailDir>>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let port = listener.local_addr()?.port();
        let store = Store {
            received: Arc::new(Mutex::new(Vec::new())),
            dir,
        };
        let task = Some(tokio::spawn(serve(listener, store.clone())));
        Ok(Self {
            port,
            ip: listen.ip(),
            store,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }

    /// `smtp://127.0.0.1:<port>` — the form `SMTP_URL` takes.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr())
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.store
            .received
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `n` messages arrived (or `limit` passed) and returns all of them.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + limit;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops accepting connections and drops open ones (the server is "down").
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port, keeping what was received before.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind((self.ip, self.port)).await {
                Ok(listener) => break listener,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.task = Some(tokio::spawn(serve(listener, self.store.clone())));
        Ok(())
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where received messages go: always memory, optionally a directory too.
#[derive(Clone)]
struct Store {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    dir: Option<Arc<MailDir>>,
}

/// A directory receiving one `.eml` file per message.
struct MailDir {
    dir: PathBuf,
    next: AtomicU64,
}

impl MailDir {
    /// Files are first written here, then renamed into `dir` (a subdirectory, so the rename
    /// stays on one file system and a reader listing `dir`'s files never sees them).
    const INCOMING: &'static str = ".incoming";

    fn open(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir.join(Self::INCOMING))
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let last = std::fs::read_dir(&dir)?
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                name.strip_suffix(".eml")?
                    .split('-')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        Ok(Self {
            dir,
            next: AtomicU64::new(last + 1),
        })
    }

    fn write(&self, data: &[u8]) -> std::io::Result<PathBuf> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let name = format!("{n:04}-{millis}.eml");
        let aside = self.dir.join(Self::INCOMING).join(&name);
        let path = self.dir.join(&name);
        std::fs::write(&aside, data)?;
        std::fs::rename(&aside, &path)?;
        Ok(path)
    }
}

impl Store {
    /// Keeps a message; `Err` if it could not be written to the directory.
    fn keep(&self, mail: ReceivedMail) -> std::io::Result<Option<PathBuf>> {
        let path = match &self.dir {
            Some(dir) => Some(dir.write(&mail.data)?),
            None => None,
        };
        if let Ok(mut all) = self.received.lock() {
            all.push(mail);
        }
        Ok(path)
    }

    fn dir(&self) -> Option<&Path> {
        self.dir.as_deref().map(|d| d.dir.as_path())
    }
}

async fn serve(listener: TcpListener, store: Store) {
    let mut sessions = tokio::task::JoinSet::new();
    // Aborting this task drops the JoinSet, which aborts every open session too.
    while let Ok((stream, _)) = listener.accept().await {
        sessions.spawn(session(stream, store.clone()));
    }
}

async fn session(stream: TcpStream, store: Store) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 testkit ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-testkit\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 52428800\r\n",
            "HELO" => b"250 testkit\r\n",
            "MAIL" => {
                from = address(&command);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(address(&command));
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if lines.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    let unstuffed = if raw.starts_with(b"..") {
                        &raw[1..]
                    } else {
                        &raw[..]
                    };
                    data.extend_from_slice(unstuffed);
                }
                let mail = ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                };
                let recipients = mail.to.join(", ");
                match store.keep(mail) {
                    Ok(Some(path)) => {
                        eprintln!("smtp-sink: message to {recipients} -> {}", path.display());
                        b"250 OK queued\r\n"
                    }
                    Ok(None) => b"250 OK queued\r\n",
                    Err(error) => {
                        let dir = store.dir().map(|d| d.display().to_string());
                        eprintln!(
                            "smtp-sink: cannot write a message into {}: {error}",
                            dir.unwrap_or_default()
                        );
                        b"451 4.3.0 cannot store the message\r\n"
                    }
                }
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address inside `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn address(command: &str) -> String {
    match (command.find('<'), command.find('>')) {
        (Some(start), Some(end)) if start < end => command[start + 1..end].to_owned(),
        _ => command.split(':').nth(1).unwrap_or("").trim().to_owned(),
    }
}

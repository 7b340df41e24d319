//! What a scenario found: exact checks (which decide PASS/FAIL) and figures (reported only).

use std::fmt::Write;
use std::time::Duration;

/// One exact check, e.g. "observations stored = published: 1200 = 1200".
#[derive(Debug)]
pub struct Check {
    /// What was compared, in words.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// The counts behind it.
    pub detail: String,
}

/// The outcome of one scenario.
#[derive(Debug)]
pub struct Outcome {
    /// Scenario name.
    pub name: &'static str,
    /// Its checks, in order.
    pub checks: Vec<Check>,
    /// Figures that are reported, not asserted (timings, sizes, ratios).
    pub figures: Vec<(String, String)>,
    /// Notes: what is referenced elsewhere or could not be checked.
    pub notes: Vec<String>,
    /// Set when the scenario could not run to the end (a setup or harness failure).
    pub error: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
}

impl Outcome {
    /// An empty outcome for `name`.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            checks: Vec::new(),
            figures: Vec::new(),
            notes: Vec::new(),
            error: None,
            elapsed: Duration::ZERO,
        }
    }

    /// Records a check and prints it at once (long scenarios show progress).
    pub fn check(&mut self, what: impl Into<String>, ok: bool, detail: impl Into<String>) {
        let check = Check {
            what: what.into(),
            ok,
            detail: detail.into(),
        };
        println!(
            "  [{}] {}: {}",
            if check.ok { "ok" } else { "FAIL" },
            check.what,
            check.detail
        );
        self.checks.push(check);
    }

    /// `left == right`, as a check.
    pub fn check_eq(&mut self, what: impl Into<String>, left: i64, right: i64) {
        self.check(what, left == right, format!("{left} = {right}"));
    }

    /// Records a figure and prints it.
    pub fn figure(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        println!("  [figure] {name}: {value}");
        self.figures.push((name, value));
    }

    /// Records a note and prints it.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        println!("  [note] {note}");
        self.notes.push(note);
    }

    /// Whether every check held and nothing broke.
    pub fn passed(&self) -> bool {
        self.error.is_none() && !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// `PASS name (n checks, t s)` or `FAIL …` with the first failure.
    pub fn summary_line(&self) -> String {
        let ok = self.checks.iter().filter(|c| c.ok).count();
        let mut line = format!(
            "{} {:<22} {}/{} checks, {:.0} s",
            if self.passed() { "PASS" } else { "FAIL" },
            self.name,
            ok,
            self.checks.len(),
            self.elapsed.as_secs_f64()
        );
        if let Some(error) = &self.error {
            let _ = write!(line, " — error: {error}");
        } else if let Some(check) = self.checks.iter().find(|c| !c.ok) {
            let _ = write!(line, " — first failure: {} ({})", check.what, check.detail);
        } else if self.checks.is_empty() {
            line.push_str(" — no checks ran");
        }
        line
    }

    /// The block printed after the scenario.
    pub fn detail(&self) -> String {
        let mut text = String::new();
        if let Some(error) = &self.error {
            let _ = writeln!(text, "  [error] {error}");
        }
        text.push_str(&self.summary_line());
        text
    }
}

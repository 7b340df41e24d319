//! OpenAPI-driven fuzzing of alerts-service with schemathesis (from PyPI, in a venv the
//! script prepares): no 5xx, every response matching the documented schema.

use std::path::PathBuf;
use std::time::Duration;

use crate::Scale;
use crate::infra::Infra;
use crate::report::Outcome;
use crate::stack::{Stack, StackOptions};

/// Where scripts/soak.sh installs schemathesis (override with `SOAK_SCHEMATHESIS`).
fn schemathesis() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("SOAK_SCHEMATHESIS") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/soak → target/soak-venv/bin/schemathesis
    let candidate = exe.parent()?.parent()?.join("soak-venv/bin/schemathesis");
    candidate.is_file().then_some(candidate)
}

/// Runs the scenario.
pub async fn run(infra: &Infra, scale: Scale, outcome: &mut Outcome) -> anyhow::Result<()> {
    let Some(tool) = schemathesis() else {
        outcome.check(
            "schemathesis available",
            false,
            "not found: run scripts/soak.sh (it installs it into target/soak-venv) or set SOAK_SCHEMATHESIS",
        );
        return Ok(());
    };
    let mut stack = Stack::start(infra, "fuzz", StackOptions::default()).await?;
    let token = stack.token("fuzz@example.com").await?;
    // Something to find: a few alerts with runs behind them.
    stack.create_alerts(&token, 3, 3, 3).await?;
    stack.wait_runs(3, Duration::from_secs(60)).await?;
    let url = format!("{}/api/openapi.json", stack.alerts_url());
    let report = stack
        .infra
        .work
        .join(format!("{}-schemathesis.txt", stack.name));
    let mut command = tokio::process::Command::new(&tool);
    command.args(["run", &url]);
    // The short suite gates every commit, so it replays one fixed sample of cases; the full
    // suite (`make soak`) draws new ones each time to keep finding things.
    if !scale.full {
        command.args(["--seed", "20261123"]);
    }
    let output = command
        .args(["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--max-examples", &scale.fuzz_examples.to_string()])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--workers", "2", "--request-timeout", "20", "--no-color"])
        // The login route is rate limited by design (429 is documented); the dashboard's static
        // files and the one-click unsubscribe page are not JSON API operations.
        .args(["--exclude-path-regex", "^/(auth/|api/docs)"])
        .arg("--suppress-health-check=all")
        .env("SCHEMATHESIS_HOOKS", "")
        // It writes a .schemathesis/ cache in its working directory.
        .current_dir(&stack.infra.work)
        .kill_on_drop(true)
        .output()
        .await?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&report, &text)?;
    let summary: Vec<&str> = text
        .lines()
        .filter(|l| {
            let l = l.trim();
            l.contains("passed")
                || l.contains("failed")
                || l.contains("Server error")
                || l.contains("does not conform")
                || l.contains("Undocumented")
        })
        .take(25)
        .collect();
    // The summary line "❌ ST101 Server error: N" (absent when there were none).
    let server_errors: i64 = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("❌ ST101 Server error:"))
        .filter_map(|n| n.trim().parse::<i64>().ok())
        .sum();
    outcome.figure(
        "schemathesis summary",
        format!("\n    {}", summary.join("\n    ")),
    );
    outcome.check_eq("5xx responses found by schemathesis", server_errors, 0);
    outcome.check(
        "schemathesis: every check passed (no 5xx, responses match the schema)",
        output.status.success(),
        format!(
            "exit status {} (full output in the run's work directory; the tail:)\n{}",
            output.status,
            tail(&text, 60)
        ),
    );
    let casualties = stack.casualties();
    outcome.check(
        "alerts-service still running, no panic",
        casualties.is_empty(),
        casualties.join("\n"),
    );
    stack.stop_smtp().await;
    stack.stop().await;
    Ok(())
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

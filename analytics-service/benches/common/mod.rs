//! A benchmark's own Postgres database, named so that `scripts/services.sh` (which drops
//! leftover `ebay_alerts_test_*` databases when a test run starts) leaves it alone while a long
//! benchmark is running; dropped on drop like `testkit::TestDatabase`.

use sea_orm::{ConnectionTrait, Database};

pub struct BenchDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl BenchDatabase {
    pub async fn create() -> Self {
        let admin_url = testkit::postgres_admin_url();
        let name = format!("analytics_bench_{}", testkit::unique_suffix());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        admin.close().await.ok();
        let (server, _) = admin_url.rsplit_once('/').unwrap();
        Self {
            url: format!("{server}/{name}"),
            name,
            admin_url,
        }
    }

    /// The URL to use: over TCP, or through the Unix socket with `BENCH_UNIX_SOCKET=1`.
    pub fn connect_url(&self) -> String {
        if std::env::var("BENCH_UNIX_SOCKET").is_ok() {
            format!(
                "postgres://postgres@localhost/{}?host=/var/run/postgresql",
                self.name
            )
        } else {
            self.url.clone()
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if std::env::var("BENCH_KEEP_DATABASE").is_ok() {
            eprintln!("kept database {}", self.name);
            return;
        }
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

//! The OLAP database: connection, dialect differences, schema migrations, entities and the
//! partition maintenance of the fact table.
//!
//! Two backends share one code path: PostgreSQL (production) and SQLite (the zero-setup mode).
//! Where they differ — bulk inserts (`unnest` arrays vs multi-row `VALUES`), partitioning, row
//! locks — the [`Dialect`] says which SQL to write. Everything else is plain SQL both understand.
//!
//! Storage conventions: ids are UUIDs (native `uuid` on Postgres, 16-byte BLOBs on SQLite, as
//! sqlx encodes them); prices are `NUMERIC` on Postgres and `TEXT` on SQLite (SQLite's numeric
//! affinity would turn `"10.50"` into a float); times are `timestamptz` / RFC 3339 text.

use std::time::Duration;

use rust_decimal::Decimal;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult,
    Statement, Value,
};
use sea_orm_migration::MigratorTrait;

pub mod bulk;
pub mod entities;
pub mod migrations;
pub mod partitions;

/// Which SQL flavour a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL: `$n` placeholders, arrays, partitions, `FOR UPDATE SKIP LOCKED`.
    Postgres,
    /// SQLite: `?n` placeholders, one writer at a time.
    Sqlite,
}

impl Dialect {
    /// sea-orm's name for it.
    pub fn backend(self) -> DbBackend {
        match self {
            Self::Postgres => DbBackend::Postgres,
            Self::Sqlite => DbBackend::Sqlite,
        }
    }

    /// A statement written with `$1, $2 …` placeholders, translated for this dialect. SQLite
    /// understands `?NNN`, which keeps numbered (and repeated) parameters meaning the same thing.
    pub fn statement(self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = match self {
            Self::Postgres => sql.to_owned(),
            Self::Sqlite => sql.replace('$', "?"),
        };
        Statement::from_sql_and_values(self.backend(), sql, values)
    }
}

/// A database connection pool with its dialect; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// The sea-orm connection pool.
    pub conn: DatabaseConnection,
    /// Its SQL flavour.
    pub dialect: Dialect,
}

impl Db {
    /// Connects to `postgres://…` or `sqlite://…` (`?mode=rwc` creates the file).
    ///
    /// SQLite gets a single connection: it allows one writer at a time anyway, and one connection
    /// means a transaction can never wait for a lock held by a sibling connection of this pool.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            // sqlx pings on every checkout by default, an extra round trip per statement;
            // only a connection that sat idle may have been dropped meanwhile.
            .test_before_acquire_if_idle_for(Duration::from_secs(1));
        match dialect {
            Dialect::Postgres => {
                options
                    .max_connections(max_connections.max(1))
                    .min_connections(1);
            }
            Dialect::Sqlite => {
                options.max_connections(1).min_connections(1);
                options.map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                });
            }
        }
        let conn = Database::connect(options).await?;
        Ok(Self { conn, dialect })
    }

    /// Applies pending migrations (idempotent: sea-orm records what ran).
    ///
    /// On Postgres, instances starting together take turns under an advisory lock (held by a
    /// transaction on a second pooled connection) rather than racing to create the same tables.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        /// Arbitrary constant naming the lock (distinct from alerts-service's).
        const MIGRATION_LOCK: i64 = 0x616e_616c_6d69_6772;
        let pooled = self.is_postgres()
            && self
                .conn
                .get_postgres_connection_pool()
                .options()
                .get_max_connections()
                > 1;
        if !pooled {
            return migrations::Migrator::up(&self.conn, None).await;
        }
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let lock = self.conn.begin().await?;
        lock.execute_raw(self.dialect.statement(
            "SELECT pg_advisory_xact_lock($1)",
            vec![MIGRATION_LOCK.into()],
        ))
        .await?;
        let result = migrations::Migrator::up(&self.conn, None).await;
        lock.commit().await?;
        result
    }

    /// Checks the database answers (readiness).
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// Whether this is Postgres.
    pub fn is_postgres(&self) -> bool {
        self.dialect == Dialect::Postgres
    }
}

/// Connects for the service, turning a failure into a start-up error that names the variable
/// and the server (never the password).
pub async fn connect_service(url: &str, max_connections: u32) -> Result<Db, crate::AppError> {
    Db::connect(url, max_connections)
        .await
        .map_err(|e| crate::AppError::DatabaseUnreachable {
            target: redacted(url),
            cause: e.to_string(),
        })
}

/// A database URL without its credentials.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.has_host() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.set_query(None);
            parsed.to_string()
        }
        _ => url.split('?').next().unwrap_or_default().to_owned(),
    }
}

/// Reads a price column: native `NUMERIC` on Postgres, text on SQLite.
pub fn get_decimal(row: &QueryResult, dialect: Dialect, column: &str) -> Result<Decimal, DbErr> {
    match dialect {
        Dialect::Postgres => row.try_get::<Decimal>("", column),
        Dialect::Sqlite => {
            let text: String = row.try_get("", column)?;
            parse_decimal(column, &text)
        }
    }
}

/// Reads a nullable price column.
pub fn get_opt_decimal(
    row: &QueryResult,
    dialect: Dialect,
    column: &str,
) -> Result<Option<Decimal>, DbErr> {
    match dialect {
        Dialect::Postgres => row.try_get::<Option<Decimal>>("", column),
        Dialect::Sqlite => {
            let text: Option<String> = row.try_get("", column)?;
            text.map(|t| parse_decimal(column, &t)).transpose()
        }
    }
}

fn parse_decimal(column: &str, text: &str) -> Result<Decimal, DbErr> {
    text.parse().map_err(|e| {
        DbErr::Type(format!(
            "column {column} holds {text:?}, not a decimal: {e}"
        ))
    })
}

/// Whether an error means the database could not be reached at all (as opposed to a statement
/// failing), so retrying the whole batch later is the right answer.
pub fn is_connection_error(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        other => {
            let text = other.to_string().to_ascii_lowercase();
            text.contains("connection")
                || text.contains("pool timed out")
                || text.contains("broken pipe")
        }
    }
}

//! Database access: connection, migrations and entities.

pub mod entities;
pub mod migrations;

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

/// How long a pooled connection may sit idle before it is pinged on checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Connects with a bounded pool; for SQLite, enables WAL and foreign keys.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    let is_sqlite = url.starts_with("sqlite:");
    options
        // SQLite allows one writer, and in WAL mode a read transaction that later writes fails
        // at once (SQLITE_BUSY_SNAPSHOT) if another connection wrote meanwhile. One connection
        // serialises everything, which is right for the single-user embedded mode.
        .max_connections(if is_sqlite { 1 } else { max_connections })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection on every checkout by default: a whole extra round trip per
        // query, a third of Postgres's work on the list endpoint. Connections in steady use
        // are known to be good (sqlx also pings each one as it goes back into the pool); only
        // one that sat idle may have been dropped by a restart or a proxy meanwhile.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .await?;
    }
    Ok(db)
}

/// Arbitrary constant naming the advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x6562_6179_6d69_6772;

/// Applies pending migrations. On Postgres, replicas starting together take turns under an
/// advisory lock (held by a transaction on a second pooled connection) instead of racing to
/// create the same tables; whoever comes second finds nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::TransactionTrait;
    let pooled = db.get_database_backend() == DbBackend::Postgres
        && db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections()
            > 1;
    if !pooled {
        return migrations::Migrator::up(db, None).await;
    }
    let lock = db.begin().await?;
    lock.execute_raw(sea_orm::Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [MIGRATION_LOCK.into()],
    ))
    .await?;
    let result = migrations::Migrator::up(db, None).await;
    lock.commit().await?;
    result
}

/// `FOR UPDATE SKIP LOCKED` where the backend has it (Postgres); SQLite serialises writers, so
/// a plain select inside the write transaction is already exclusive there.
pub fn skip_locked(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    }
}

/// A raw statement written with Postgres placeholders (`$1`, `$2`, …; one may appear twice),
/// rewritten to SQLite's numbered `?1`, `?2`, …, so hot-path SQL is written once for both backends.
pub fn sql<I>(backend: DbBackend, text: &str, values: I) -> sea_orm::Statement
where
    I: IntoIterator<Item = sea_orm::Value>,
{
    let text = match backend {
        DbBackend::Postgres => text.to_owned(),
        _ => {
            let mut out = String::with_capacity(text.len());
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    };
    sea_orm::Statement::from_sql_and_values(backend, text, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_become_numbered_question_marks_for_sqlite() {
        let s = sql(
            DbBackend::Sqlite,
            "SELECT a FROM t WHERE b = $1 AND c > $12 AND d = $1 AND e = '$'",
            [1.into(), 2.into()],
        );
        assert_eq!(
            s.sql,
            "SELECT a FROM t WHERE b = ?1 AND c > ?12 AND d = ?1 AND e = '$'"
        );
        let p = sql(DbBackend::Postgres, "SELECT $1", [1.into()]);
        assert_eq!(p.sql, "SELECT $1");
    }
}

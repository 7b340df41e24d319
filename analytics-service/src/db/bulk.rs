//! Multi-row statements without one round trip per row: on Postgres every column travels as
//! one array parameter and `unnest` turns them back into rows (`INSERT … SELECT … FROM
//! unnest($1::uuid[], …)`), so a batch is one statement with a handful of parameters whatever
//! its size; on SQLite rows go as multi-row `VALUES`, chunked under its parameter limit.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

use super::Dialect;

/// SQLite allows 32,766 parameters per statement (since 3.32); stay well under.
const SQLITE_MAX_PARAMS: usize = 30_000;

/// One column of a batch, all rows.
#[derive(Debug, Clone)]
pub enum Column {
    /// `uuid`
    Uuid(Vec<Uuid>),
    /// `bigint`
    Int(Vec<i64>),
    /// `text`
    Text(Vec<String>),
    /// nullable `text`; `None` travels as `''` in Postgres arrays (sea-query cannot bind NULL
    /// array elements) and is turned back into NULL by `NULLIF`, so `''` also means NULL here.
    OptText(Vec<Option<String>>),
    /// `numeric` on Postgres, exact text on SQLite.
    Decimal(Vec<Decimal>),
    /// `date`
    Date(Vec<NaiveDate>),
    /// `timestamptz`
    Time(Vec<DateTime<Utc>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Self::Uuid(v) => v.len(),
            Self::Int(v) => v.len(),
            Self::Text(v) => v.len(),
            Self::OptText(v) => v.len(),
            Self::Decimal(v) => v.len(),
            Self::Date(v) => v.len(),
            Self::Time(v) => v.len(),
        }
    }

    fn pg_type(&self) -> &'static str {
        match self {
            Self::Uuid(_) => "uuid[]",
            Self::Int(_) => "int8[]",
            Self::Text(_) | Self::OptText(_) => "text[]",
            Self::Decimal(_) => "numeric[]",
            Self::Date(_) => "date[]",
            Self::Time(_) => "timestamptz[]",
        }
    }

    fn pg_array(&self) -> Value {
        match self {
            Self::Uuid(v) => Value::from(v.clone()),
            Self::Int(v) => Value::from(v.clone()),
            Self::Text(v) => Value::from(v.clone()),
            Self::OptText(v) => Value::from(
                v.iter()
                    .map(|s| s.clone().unwrap_or_default())
                    .collect::<Vec<String>>(),
            ),
            Self::Decimal(v) => Value::from(v.clone()),
            Self::Date(v) => Value::from(v.clone()),
            Self::Time(v) => Value::from(v.clone()),
        }
    }

    fn sqlite_value(&self, row: usize) -> Value {
        match self {
            Self::Uuid(v) => Value::from(v[row]),
            Self::Int(v) => Value::from(v[row]),
            Self::Text(v) => Value::from(v[row].clone()),
            Self::OptText(v) => Value::from(v[row].clone().filter(|s| !s.is_empty())),
            // Normalised so equal amounts are equal keys (`10.5` and `10.50`) in text columns.
            Self::Decimal(v) => Value::from(v[row].normalize().to_string()),
            Self::Date(v) => Value::from(v[row]),
            Self::Time(v) => Value::from(v[row]),
        }
    }
}

/// `INSERT INTO table (names…) <rows> suffix`, where `suffix` holds any `ON CONFLICT …` and
/// `RETURNING …`; returns the rows `RETURNING` produced (empty without one).
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    table: &str,
    columns: &[(&str, Column)],
    suffix: &str,
) -> Result<Vec<QueryResult>, DbErr> {
    let mut out = Vec::new();
    for statement in statements(dialect, table, columns, suffix)? {
        out.extend(conn.query_all_raw(statement).await?);
    }
    Ok(out)
}

/// Like [`insert`] without `RETURNING`: returns how many rows were inserted or updated.
pub async fn execute<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    table: &str,
    columns: &[(&str, Column)],
    suffix: &str,
) -> Result<u64, DbErr> {
    let mut affected = 0;
    for statement in statements(dialect, table, columns, suffix)? {
        affected += conn.execute_raw(statement).await?.rows_affected();
    }
    Ok(affected)
}

/// The statement(s) inserting every row: one on Postgres, one per chunk on SQLite.
fn statements(
    dialect: Dialect,
    table: &str,
    columns: &[(&str, Column)],
    suffix: &str,
) -> Result<Vec<Statement>, DbErr> {
    let rows = columns.first().map_or(0, |(_, c)| c.len());
    if rows == 0 {
        return Ok(Vec::new());
    }
    if columns.iter().any(|(_, c)| c.len() != rows) {
        return Err(DbErr::Custom(format!(
            "bulk insert into {table}: columns of different lengths"
        )));
    }
    let names = columns
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    match dialect {
        Dialect::Postgres => {
            let mut params = Vec::with_capacity(columns.len());
            let mut casts = Vec::with_capacity(columns.len());
            let mut select = Vec::with_capacity(columns.len());
            let mut aliases = Vec::with_capacity(columns.len());
            for (i, (_, column)) in columns.iter().enumerate() {
                casts.push(format!("${}::{}", i + 1, column.pg_type()));
                aliases.push(format!("c{i}"));
                select.push(match column {
                    Column::OptText(_) => format!("NULLIF(c{i}, '')"),
                    _ => format!("c{i}"),
                });
                params.push(column.pg_array());
            }
            let sql = format!(
                "INSERT INTO {table} ({names}) SELECT {} FROM unnest({}) AS u({}) {suffix}",
                select.join(", "),
                casts.join(", "),
                aliases.join(", "),
            );
            Ok(vec![dialect.statement(&sql, params)])
        }
        Dialect::Sqlite => {
            let per_chunk = (SQLITE_MAX_PARAMS / columns.len()).max(1);
            let mut out = Vec::new();
            let mut start = 0;
            while start < rows {
                let end = (start + per_chunk).min(rows);
                let mut params = Vec::with_capacity((end - start) * columns.len());
                let mut tuples = Vec::with_capacity(end - start);
                for row in start..end {
                    let mut placeholders = Vec::with_capacity(columns.len());
                    for (_, column) in columns {
                        params.push(column.sqlite_value(row));
                        placeholders.push(format!("${}", params.len()));
                    }
                    tuples.push(format!("({})", placeholders.join(", ")));
                }
                let sql = format!(
                    "INSERT INTO {table} ({names}) VALUES {} {suffix}",
                    tuples.join(", ")
                );
                out.push(dialect.statement(&sql, params));
                start = end;
            }
            Ok(out)
        }
    }
}

//! Monthly partitions of `fact_price_observation` on Postgres: creating them ahead of time and
//! dropping whole months past the retention period (a `DROP TABLE` instead of a slow `DELETE`
//! that would leave the table bloated).
//!
//! Partitions are named `fact_price_observation_pYYYYMM` and cover `[first day, first day of
//! the next month)`. The migration creates the current month and the next two; the maintenance
//! job does the same every day; and ingestion creates a missing month on demand (a late event
//! from a month whose partition was never made), so an insert never fails for want of one.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::{Db, Dialect};

/// The parent table.
pub const FACT_TABLE: &str = "fact_price_observation";
/// How many months beyond the current one are created ahead.
pub const MONTHS_AHEAD: u32 = 2;

/// A calendar month, the unit of partitioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// e.g. 2026.
    pub year: i32,
    /// 1..=12.
    pub month: u32,
}

impl Month {
    /// The month a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The month after.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The partition's table name.
    pub fn table_name(self) -> String {
        format!("{FACT_TABLE}_p{:04}{:02}", self.year, self.month)
    }

    /// Parses a partition's table name back.
    pub fn from_table_name(name: &str) -> Option<Self> {
        let digits = name.strip_prefix(FACT_TABLE)?.strip_prefix("_p")?;
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = digits[..4].parse().ok()?;
        let month = digits[4..].parse().ok()?;
        (1..=12).contains(&month).then_some(Self { year, month })
    }
}

/// The month of `today` and the [`MONTHS_AHEAD`] after it.
pub fn months_ahead(today: NaiveDate) -> Vec<Month> {
    let mut month = Month::of(today);
    let mut out = vec![month];
    for _ in 0..MONTHS_AHEAD {
        month = month.next();
        out.push(month);
    }
    out
}

/// DDL creating one month's partition (idempotent).
pub fn create_partition_sql(month: Month) -> String {
    // Dates and names come from integers, never from input, so formatting them in is safe.
    format!(
        "CREATE TABLE IF NOT EXISTS {name} PARTITION OF {FACT_TABLE} FOR VALUES FROM ('{from}') TO ('{to}')",
        name = month.table_name(),
        from = month.first_day(),
        to = month.next().first_day(),
    )
}

/// The months that have a partition now.
pub async fn existing(db: &Db) -> Result<BTreeSet<Month>, DbErr> {
    if db.dialect != Dialect::Postgres {
        return Ok(BTreeSet::new());
    }
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(
            db.dialect.backend(),
            format!(
                "SELECT c.relname AS name FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid \
                 JOIN pg_class p ON p.oid = i.inhparent \
                 WHERE p.relname = '{FACT_TABLE}'"
            ),
        ))
        .await?;
    let mut months = BTreeSet::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if let Some(month) = Month::from_table_name(&name) {
            months.insert(month);
        }
    }
    Ok(months)
}

/// Creates the partitions of `months` that are missing; returns how many were created.
///
/// Two replicas may race to create the same month; the loser's error is harmless, so the
/// result is checked against the catalogue instead of trusting the DDL's outcome.
pub async fn ensure(db: &Db, months: &BTreeSet<Month>) -> Result<usize, DbErr> {
    if db.dialect != Dialect::Postgres || months.is_empty() {
        return Ok(0);
    }
    let before = existing(db).await?;
    let mut created = 0;
    for month in months.difference(&before) {
        match db
            .conn
            .execute_unprepared(&create_partition_sql(*month))
            .await
        {
            Ok(_) => {
                created += 1;
                tracing::info!(partition = %month.table_name(), "created fact partition");
            }
            Err(error) => {
                if !existing(db).await?.contains(month) {
                    return Err(error);
                }
            }
        }
    }
    Ok(created)
}

/// Drops every partition whose whole month lies before `cutoff`; returns the dropped names.
pub async fn drop_before(db: &Db, cutoff: NaiveDate) -> Result<Vec<String>, DbErr> {
    if db.dialect != Dialect::Postgres {
        return Ok(Vec::new());
    }
    let mut dropped = Vec::new();
    for month in existing(db).await? {
        if month.next().first_day() <= cutoff {
            let name = month.table_name();
            db.conn
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {name}"))
                .await?;
            tracing::info!(partition = %name, "dropped fact partition past retention");
            dropped.push(name);
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_round_trip_and_months_roll_over_the_year() {
        let december = Month::of(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(december.table_name(), "fact_price_observation_p202612");
        assert_eq!(
            Month::from_table_name("fact_price_observation_p202612"),
            Some(december)
        );
        assert_eq!(
            Month::from_table_name("fact_price_observation_p202613"),
            None
        );
        assert_eq!(Month::from_table_name("other_p202601"), None);
        assert_eq!(
            months_ahead(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
            vec![
                Month {
                    year: 2026,
                    month: 11
                },
                Month {
                    year: 2026,
                    month: 12
                },
                Month {
                    year: 2027,
                    month: 1
                },
            ]
        );
        assert!(create_partition_sql(december).contains("FROM ('2026-12-01') TO ('2027-01-01')"));
    }
}

//! sea-orm entities of the tables read and written row by row. The bulk paths of ingestion
//! (facts, items, rollups) use dialect-specific SQL instead, see [`crate::ingest`].

pub mod alert_activity;
pub mod dim_alert;
pub mod insight_report;

//! analytics-service: consumes alert and price events into a star schema, computes two-week
//! insights and emails them.
//!
//! The service is built by the analytics issue; until then this crate only reserves its place in
//! the workspace so the layout of DESIGN §2 holds from the first commit.

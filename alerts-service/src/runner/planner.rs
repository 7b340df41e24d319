//! The adaptive spending plan (`SCHEDULER_POLICY=adaptive`, DESIGN §13): how often to search
//! each query group so that the day's eBay budget finds new listings soonest. Pure functions of
//! the per-group model ([`GroupModel`]) and the budget, so the maths is tested by tables here and
//! the runner only applies the result.
//!
//! # The rule
//!
//! A query group that gets `r` new matching listings an hour and is searched every `T` hours
//! costs `1/T` calls an hour, and each new listing waits on average `T/2` for its email. The
//! plan gives every group an interval `T = k · r^-¾`, with `k` the one number that makes the
//! calls an hour of all groups equal the pace the budget allows (calls left today over hours
//! left today), then clamps each interval:
//!
//! * never shorter than the group's most frequent alert asks (the user's frequency is a
//!   ceiling on how often we search, never a floor);
//! * never longer than [`STARVATION_CEILING`] (or the group's frequency, if that is longer),
//!   so a quiet search still runs at least every twelve hours — unless even that would spend
//!   more than the budget, and then every interval is stretched by the same factor and the
//!   plan says so ([`Plan::over_budget`]);
//! * and searched again before an auction it has seen ends, when one of its alerts reports
//!   auctions ending soon.
//!
//! Why `r^-¾`: the square-root rule (`r^-½`) gives the least *mean* delay; the proportional
//! rule (`r^-1`) the least *median* delay but leaves quiet searches for hours. `¾` sits between:
//! in an idealised model of 240 groups whose rates span 200×, and in the `detection` benchmark
//! (BENCHMARKS.md), it more than halves the median delay of the uniform stretch while keeping the
//! 90th percentile below uniform's.
//!
//! Rates come from the group's runs as an exponentially weighted count of new listings over an
//! exponentially weighted exposure time ([`GroupModel::observe`], half-life about a day), with
//! a small optimistic prior so a new group is searched soon enough to learn its rate.

use chrono::{DateTime, Duration, Utc};

/// The longest any active alert waits between searches, unless its own frequency is longer
/// or the budget cannot pay for even this.
pub const STARVATION_CEILING: Duration = Duration::hours(12);
/// Time constant of the rate's exponential weighting (e-folding time).
pub const RATE_MEMORY_HOURS: f64 = 36.0;
/// The prior: as if the group had shown [`PRIOR_LISTINGS`] new listings in [`PRIOR_HOURS`].
pub const PRIOR_LISTINGS: f64 = 0.5;
/// See [`PRIOR_LISTINGS`].
pub const PRIOR_HOURS: f64 = 1.0;
/// The exponent of the rate in the interval rule (see the module docs).
pub const RATE_EXPONENT: f64 = 0.75;
/// Pages fetched at most in one run when every page is entirely new.
pub const MAX_PAGES: u32 = 4;
/// How long before an auction's end the group is searched again.
const BEFORE_AUCTION_END: Duration = Duration::minutes(10);

/// What the runs of one query group have shown, as kept in `query_groups`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GroupModel {
    /// Exponentially weighted count of new listings seen.
    pub weighted_new: f64,
    /// Exponentially weighted hours those listings were counted over.
    pub weighted_hours: f64,
    /// When the group was last searched successfully.
    pub last_run_at: Option<DateTime<Utc>>,
    /// The earliest end of an auction it showed that had not ended then.
    pub auction_ends_at: Option<DateTime<Utc>>,
}

impl GroupModel {
    /// New listings an hour, the prior included.
    pub fn rate_per_hour(&self) -> f64 {
        (self.weighted_new + PRIOR_LISTINGS) / (self.weighted_hours + PRIOR_HOURS)
    }

    /// The model after a run at `now` that found `new_listings` listings newer than the
    /// previous run. The first run only starts the clock: what it finds is the backlog of
    /// days, not a rate.
    pub fn observe(
        self,
        now: DateTime<Utc>,
        new_listings: usize,
        auction_ends_at: Option<DateTime<Utc>>,
    ) -> Self {
        let (weighted_new, weighted_hours) = match self.last_run_at {
            Some(last) if now > last => {
                let hours = (now - last).num_milliseconds() as f64 / 3_600_000.0;
                let keep = (-hours / RATE_MEMORY_HOURS).exp();
                (
                    self.weighted_new * keep + new_listings as f64,
                    self.weighted_hours * keep + hours,
                )
            }
            _ => (self.weighted_new, self.weighted_hours),
        };
        Self {
            weighted_new,
            weighted_hours,
            last_run_at: Some(now.max(self.last_run_at.unwrap_or(now))),
            auction_ends_at,
        }
    }
}

/// One query group as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDemand {
    /// The group's query key.
    pub query_key: String,
    /// The shortest frequency among its active alerts, in minutes.
    pub frequency_minutes: i32,
    /// Its model.
    pub model: GroupModel,
    /// Whether one of its alerts reports auctions ending soon.
    pub watches_auctions: bool,
}

/// Why a group runs at its interval, as the dashboard says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PlanReason)]
pub enum Reason {
    /// The budget covers the alert's own frequency.
    AsAsked,
    /// New listings appear more often than in most searches: searched more often than an
    /// even share of the budget would allow.
    Busy,
    /// About an even share of the budget.
    FairShare,
    /// New listings are rarer than in most searches: searched less often than an even share.
    Quiet,
    /// Held at the starvation ceiling.
    Ceiling,
    /// An auction it watches ends soon.
    AuctionEnding,
    /// Even the ceiling does not fit the budget: stretched.
    OverBudget,
    /// `SCHEDULER_POLICY=uniform`: every interval stretched by one factor.
    Stretched,
}

/// One group's place in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPlan {
    /// The group's query key.
    pub query_key: String,
    /// Minutes between its searches.
    pub interval_minutes: i32,
    /// Why.
    pub reason: Reason,
    /// The rate it was planned with (new listings an hour).
    pub rate_per_hour: f64,
}

/// The plan for every active group.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Per group, in the order given.
    pub groups: Vec<GroupPlan>,
    /// Calls an hour the budget allows for the rest of the day.
    pub pace_per_hour: f64,
    /// Calls an hour the alerts would need at their own frequencies.
    pub demand_per_hour: f64,
    /// Whether even the starvation ceiling costs more than the budget gives.
    pub over_budget: bool,
}

/// Calls an hour the rest of today's budget allows.
pub fn pace_per_hour(remaining_calls: u64, until_reset: Duration) -> f64 {
    let hours = (until_reset.num_seconds().max(60) as f64) / 3600.0;
    remaining_calls as f64 / hours
}

/// Minutes as a real number, for the maths.
fn minutes(d: Duration) -> f64 {
    d.num_seconds() as f64 / 60.0
}

/// The plan for `groups` at `now` with `pace` calls an hour to spend.
pub fn plan(groups: &[GroupDemand], pace_per_hour: f64, now: DateTime<Utc>) -> Plan {
    let bounds: Vec<(f64, f64)> = groups
        .iter()
        .map(|g| {
            let floor = f64::from(g.frequency_minutes.max(1));
            (floor, floor.max(minutes(STARVATION_CEILING)))
        })
        .collect();
    let rates: Vec<f64> = groups
        .iter()
        .map(|g| g.model.rate_per_hour().max(1e-6))
        .collect();
    let demand_per_hour: f64 = bounds.iter().map(|(floor, _)| 60.0 / floor).sum();
    let at_ceiling: f64 = bounds.iter().map(|(_, ceiling)| 60.0 / ceiling).sum();
    let calls = |k: f64| -> f64 {
        rates
            .iter()
            .zip(&bounds)
            .map(|(r, (floor, ceiling))| {
                60.0 / (k * r.powf(-RATE_EXPONENT)).clamp(*floor, *ceiling)
            })
            .sum()
    };
    let (over_budget, k, stretch) = if demand_per_hour <= pace_per_hour {
        (false, 0.0, 1.0)
    } else if at_ceiling > pace_per_hour {
        (true, f64::INFINITY, at_ceiling / pace_per_hour.max(1e-9))
    } else {
        // calls(k) falls as k grows: bisect on a log scale for calls(k) = pace.
        let (mut low, mut high) = (1e-6_f64, 1e9_f64);
        for _ in 0..100 {
            let mid = (low * high).sqrt();
            if calls(mid) > pace_per_hour {
                low = mid;
            } else {
                high = mid;
            }
        }
        (false, high, 1.0)
    };
    // The interval every group would get if the pace were split evenly: what "busy" and
    // "quiet" are measured against.
    let even_share = 60.0 * groups.len() as f64 / pace_per_hour.max(1e-9);
    let plans = groups
        .iter()
        .zip(rates.iter().zip(&bounds))
        .map(|(g, (&rate, &(floor, ceiling)))| {
            let (interval, mut reason) = if over_budget {
                (ceiling * stretch, Reason::OverBudget)
            } else if k == 0.0 {
                (floor, Reason::AsAsked)
            } else {
                let wanted = k * rate.powf(-RATE_EXPONENT);
                if wanted <= floor {
                    (floor, Reason::AsAsked)
                } else if wanted >= ceiling {
                    (ceiling, Reason::Ceiling)
                } else if wanted < even_share * 0.9 {
                    (wanted, Reason::Busy)
                } else if wanted <= even_share * 1.1 {
                    (wanted, Reason::FairShare)
                } else {
                    (wanted, Reason::Quiet)
                }
            };
            let mut interval = interval;
            if g.watches_auctions
                && let Some(end) = g.model.auction_ends_at
            {
                let before_end = minutes(end - now - BEFORE_AUCTION_END);
                if end > now && before_end < interval {
                    interval = before_end.max(floor);
                    reason = Reason::AuctionEnding;
                }
            }
            GroupPlan {
                query_key: g.query_key.clone(),
                // Rounded up (never faster than planned), ignoring float noise below a microminute.
                interval_minutes: (interval - 1e-6).ceil().clamp(1.0, f64::from(i32::MAX)) as i32,
                reason,
                rate_per_hour: rate,
            }
        })
        .collect();
    Plan {
        groups: plans,
        pace_per_hour,
        demand_per_hour,
        over_budget,
    }
}

/// The order due groups are searched in when the budget may not reach them all: those past
/// the starvation ceiling first, then by the new listings expected to be waiting.
pub fn priority(model: &GroupModel, now: DateTime<Utc>) -> f64 {
    let Some(last) = model.last_run_at else {
        return f64::INFINITY;
    };
    let waited = now - last;
    if waited >= STARVATION_CEILING {
        return f64::MAX;
    }
    model.rate_per_hour() * minutes(waited) / 60.0
}

/// The words the dashboard shows for a group's interval.
pub fn describe(reason: Reason, interval_minutes: i32) -> String {
    let every = if interval_minutes % 60 == 0 && interval_minutes >= 120 {
        format!("every {} h", interval_minutes / 60)
    } else if interval_minutes == 60 {
        "every hour".to_owned()
    } else {
        format!("every {interval_minutes} min")
    };
    match reason {
        Reason::AsAsked => format!("as asked: {every}"),
        Reason::Busy => format!("busy search: {every}"),
        Reason::FairShare => format!("even share of the budget: {every}"),
        Reason::Quiet => format!("quiet search: {every}"),
        Reason::Ceiling => format!("rarely new listings: {every} (the longest wait)"),
        Reason::AuctionEnding => format!("auction ending soon: {every}"),
        Reason::OverBudget => format!("over budget: {every}"),
        Reason::Stretched => format!("stretched to fit the budget: {every}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn group(key: &str, frequency: i32, rate_per_hour: f64) -> GroupDemand {
        // A model whose estimate is `rate_per_hour` after a long exposure.
        let hours = 1_000.0;
        GroupDemand {
            query_key: key.to_owned(),
            frequency_minutes: frequency,
            model: GroupModel {
                weighted_new: rate_per_hour * (hours + PRIOR_HOURS) - PRIOR_LISTINGS,
                weighted_hours: hours,
                last_run_at: Some(now()),
                auction_ends_at: None,
            },
            watches_auctions: false,
        }
    }

    fn calls_per_hour(plan: &Plan) -> f64 {
        plan.groups
            .iter()
            .map(|g| 60.0 / f64::from(g.interval_minutes))
            .sum()
    }

    #[test]
    fn the_rate_is_new_listings_over_weighted_exposure_with_the_prior() {
        let start = GroupModel::default();
        assert!((start.rate_per_hour() - 0.5).abs() < 1e-9, "prior only");
        let first = start.observe(now(), 50, None);
        assert_eq!(
            first.rate_per_hour(),
            start.rate_per_hour(),
            "the first run's backlog is not a rate"
        );
        let cases = [
            // (hours since the last run, new listings, expected rate, tolerance)
            (1.0, 0, 0.5 / 2.0, 1e-9),
            (2.0, 10, 10.5 / 3.0 * 1.0, 0.4),
            (10.0, 100, 100.5 / 11.0, 1.0),
        ];
        for (hours, new, expected, tolerance) in cases {
            let later = now() + Duration::minutes((hours * 60.0) as i64);
            let rate = first.observe(later, new, None).rate_per_hour();
            assert!(
                (rate - expected).abs() <= tolerance,
                "{hours} h, {new} new: {rate} vs {expected}"
            );
        }
    }

    #[test]
    fn old_observations_fade_so_a_search_that_went_quiet_is_seen_as_quiet() {
        let mut model = GroupModel::default().observe(now(), 0, None);
        let mut at = now();
        for _ in 0..48 {
            at += Duration::hours(1);
            model = model.observe(at, 20, None);
        }
        assert!(model.rate_per_hour() > 15.0);
        for _ in 0..10 {
            at += Duration::hours(12);
            model = model.observe(at, 0, None);
        }
        assert!(
            model.rate_per_hour() < 0.5,
            "five days of nothing: {}",
            model.rate_per_hour()
        );
    }

    #[test]
    fn intervals_follow_the_rate_and_spend_exactly_the_pace() {
        let groups = vec![
            group("busy", 2, 10.0),
            group("medium", 2, 1.0),
            group("quiet", 2, 0.1),
        ];
        let plan = plan(&groups, 10.0, now());
        let [busy, medium, quiet] = &plan.groups[..] else {
            panic!("three groups")
        };
        assert!(busy.interval_minutes < medium.interval_minutes);
        assert!(medium.interval_minutes < quiet.interval_minutes);
        let ratio = f64::from(medium.interval_minutes) / f64::from(busy.interval_minutes);
        assert!(
            (ratio - 10f64.powf(RATE_EXPONENT)).abs() < 0.5,
            "10× the rate, 10^0.75 the frequency: {ratio}"
        );
        assert!(
            calls_per_hour(&plan) <= 10.0 + 1e-9,
            "rounding up keeps within the pace"
        );
        assert!(calls_per_hour(&plan) > 9.0, "and spends nearly all of it");
        assert_eq!(busy.reason, Reason::Busy);
        assert_eq!(quiet.reason, Reason::Quiet);
        assert!(!plan.over_budget);
    }

    #[test]
    fn limits_hold_the_plan_between_the_users_frequency_and_the_starvation_ceiling() {
        // (frequency, rate, pace, expected interval, reason)
        let cases = [
            // The budget covers what the alert asks: exactly that.
            (10, 5.0, 100.0, 10, Reason::AsAsked),
            // One call an hour to spend on one group: hourly, its whole share.
            (10, 1_000.0, 1.0, 60, Reason::FairShare),
            // A daily alert keeps its day, longer than the ceiling or not.
            (1440, 0.001, 1.0, 1440, Reason::AsAsked),
            // Half a call an hour for a daily alert: every other day, and said so.
            (1440, 0.001, 1.0 / 48.0, 2880, Reason::OverBudget),
        ];
        for (frequency, rate, pace, expected, reason) in cases {
            let plan = plan(&[group("g", frequency, rate)], pace, now());
            let got = &plan.groups[0];
            assert_eq!(
                (got.interval_minutes, got.reason),
                (expected, reason),
                "frequency {frequency}, rate {rate}, pace {pace}"
            );
        }
        // A quiet group among busy ones is held at the ceiling.
        let mut groups: Vec<GroupDemand> = (0..10)
            .map(|i| group(&format!("busy{i}"), 2, 50.0))
            .collect();
        groups.push(group("dead", 2, 0.000_1));
        let plan = plan(&groups, 20.0, now());
        let dead = plan.groups.last().unwrap();
        assert_eq!(dead.interval_minutes, 12 * 60);
        assert_eq!(dead.reason, Reason::Ceiling);
    }

    #[test]
    fn a_budget_too_small_for_the_ceiling_stretches_every_interval_alike_and_says_so() {
        let groups: Vec<GroupDemand> = (0..48).map(|i| group(&i.to_string(), 2, 1.0)).collect();
        // The ceiling would need 48 / 12 = 4 calls an hour; 2 are there.
        let plan = plan(&groups, 2.0, now());
        assert!(plan.over_budget);
        assert!(plan.groups.iter().all(|g| g.interval_minutes == 24 * 60));
        assert!(calls_per_hour(&plan) <= 2.0 + 1e-9);
    }

    #[test]
    fn an_auction_ending_before_the_next_search_brings_the_search_forward() {
        let mut watched = group("auction", 10, 0.05);
        watched.watches_auctions = true;
        watched.model.auction_ends_at = Some(now() + Duration::minutes(90));
        let mut unwatched = watched.clone();
        unwatched.watches_auctions = false;
        let mut soon = watched.clone();
        soon.model.auction_ends_at = Some(now() + Duration::minutes(12));
        let mut ended = watched.clone();
        ended.model.auction_ends_at = Some(now() - Duration::minutes(1));
        let busy: Vec<GroupDemand> = (0..5).map(|i| group(&i.to_string(), 2, 20.0)).collect();
        let cases = [
            (watched, 80, Reason::AuctionEnding),
            (unwatched, 720, Reason::Ceiling),
            // Never sooner than the alert's own frequency.
            (soon, 10, Reason::AuctionEnding),
            (ended, 720, Reason::Ceiling),
        ];
        for (g, expected, reason) in cases {
            let mut all = busy.clone();
            all.push(g);
            let plan = plan(&all, 10.0, now());
            let got = plan.groups.last().unwrap();
            assert_eq!((got.interval_minutes, got.reason), (expected, reason));
        }
    }

    #[test]
    fn priority_puts_starving_and_unknown_groups_first_then_expected_waiting_listings() {
        let model = |rate: f64, waited_minutes: i64| {
            let mut g = group("g", 2, rate).model;
            g.last_run_at = Some(now() - Duration::minutes(waited_minutes));
            g
        };
        let never_run = GroupModel::default();
        let cases = [
            (model(10.0, 60), model(1.0, 60), true),
            (model(1.0, 600), model(10.0, 30), true),
            (model(0.001, 12 * 60), model(100.0, 11 * 60), true),
            (never_run, model(0.001, 13 * 60), true),
            (model(1.0, 10), model(1.0, 20), false),
        ];
        for (a, b, a_first) in cases {
            assert_eq!(
                priority(&a, now()) > priority(&b, now()),
                a_first,
                "{a:?} vs {b:?}"
            );
        }
    }

    #[test]
    fn the_reason_reads_as_a_sentence() {
        let cases = [
            (Reason::Busy, 6, "busy search: every 6 min"),
            (Reason::Quiet, 120, "quiet search: every 2 h"),
            (Reason::AsAsked, 60, "as asked: every hour"),
            (Reason::Quiet, 125, "quiet search: every 125 min"),
            (
                Reason::FairShare,
                86,
                "even share of the budget: every 86 min",
            ),
        ];
        for (reason, minutes, text) in cases {
            assert_eq!(describe(reason, minutes), text);
        }
    }

    #[test]
    fn pace_is_the_calls_left_spread_over_the_hours_left() {
        assert_eq!(pace_per_hour(240, Duration::hours(24)), 10.0);
        assert_eq!(pace_per_hour(0, Duration::hours(2)), 0.0);
        assert_eq!(
            pace_per_hour(10, Duration::seconds(1)),
            600.0,
            "at least a minute"
        );
    }
}

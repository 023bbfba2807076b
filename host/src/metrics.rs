//! This process's Prometheus metrics, served by `GET /metrics` (module `http::metrics`) in the
//! OpenMetrics text format: HTTP requests by route template (never the raw path, so ids in
//! paths make no new series), their latencies, the commits and conflicts of this host's
//! appends, the log's head, what it loaded at start, and, on a host that follows a PostgreSQL
//! log, its follower's lag (those three gauges are absent elsewhere).
//!
//! One registry per process, as there is one follower per process: the counters are kept by
//! the code that counts (the service's commits, the router's requests), the gauges are read
//! when scraped.

use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A request's labels: its method, its route template (`unmatched` for none) and status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `GET`, `POST`, …
    pub method: String,
    /// The route as the router declares it, e.g. `/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{id}`.
    pub route: String,
    /// The answer's status code.
    pub status: u16,
}

/// A latency's labels: method and route template.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// `GET`, `POST`, …
    pub method: String,
    /// The route template.
    pub route: String,
}

/// Latency buckets: 0.5 ms doubling to about 4 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    /// The follower's gauges, encoded only on a host that runs one (PostgreSQL).
    follower: Registry,
    /// Requests answered.
    pub requests: Family<RequestLabels, Counter>,
    /// Seconds from a request's arrival to its answer's head.
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Appends this host committed.
    pub commits: Counter,
    /// Events in those appends.
    pub committed_events: Counter,
    /// Appends refused because another writer had committed first (the host then decides
    /// again on the new state).
    pub conflicts: Counter,
    /// The log's head, as a reader saw it when scraped.
    pub head: Gauge,
    /// The snapshot the deciding instance loaded from at start (0: none).
    pub loaded_snapshot: Gauge,
    /// Events the deciding instance applied from the log at start, after its snapshot.
    pub loaded_events: Gauge,
    /// 1 while the PostgreSQL follower listens, else 0.
    pub follower_connected: Gauge,
    /// Events the follower heard of that its readers had not caught up with.
    pub follower_lag: Gauge,
    /// How long its last catch-up took, in seconds.
    pub follower_catch_up: Gauge<f64, AtomicU64>,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("pim");
        let mut follower = Registry::with_prefix("pim");
        let metrics = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            commits: Counter::default(),
            committed_events: Counter::default(),
            conflicts: Counter::default(),
            head: Gauge::default(),
            loaded_snapshot: Gauge::default(),
            loaded_events: Gauge::default(),
            follower_connected: Gauge::default(),
            follower_lag: Gauge::default(),
            follower_catch_up: Gauge::default(),
            registry: Registry::default(),
            follower: Registry::default(),
        };
        let m = &metrics;
        registry.register(
            "http_requests",
            "HTTP requests answered",
            m.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Seconds from a request's arrival to its answer",
            m.latency.clone(),
        );
        registry.register("commits", "Appends this host committed", m.commits.clone());
        registry.register(
            "committed_events",
            "Events in the appends this host committed",
            m.committed_events.clone(),
        );
        registry.register(
            "conflicts",
            "Appends refused because another writer committed first",
            m.conflicts.clone(),
        );
        registry.register("log_head", "The event log's head", m.head.clone());
        registry.register(
            "loaded_snapshot_seq",
            "The snapshot the host loaded from at start (0: none)",
            m.loaded_snapshot.clone(),
        );
        registry.register(
            "loaded_events",
            "Events the host applied from the log at start, after its snapshot",
            m.loaded_events.clone(),
        );
        follower.register(
            "follower_connected",
            "1 while the PostgreSQL follower listens",
            m.follower_connected.clone(),
        );
        follower.register(
            "follower_lag_events",
            "Events heard of that the readers had not caught up with",
            m.follower_lag.clone(),
        );
        follower.register(
            "follower_last_catch_up_seconds",
            "How long the follower's last catch-up took",
            m.follower_catch_up.clone(),
        );
        Metrics {
            registry,
            follower,
            ..metrics
        }
    }

    /// The metrics in the OpenMetrics text format, the gauges read now (`head`: the log's).
    pub fn encode(&self, head: u64) -> String {
        use prometheus_client::encoding::text::{encode_eof, encode_registry};
        self.head.set(to_i64(head));
        let follower = crate::store::postgres::follower_status();
        if let Some(f) = follower {
            self.follower_connected.set(i64::from(f.connected));
            self.follower_lag
                .set(to_i64(f.heard.saturating_sub(f.caught_up)));
            self.follower_catch_up
                .set(f.last_catch_up_millis as f64 / 1000.0);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode_registry(&mut text, &self.registry);
        if follower.is_some() {
            let _ = encode_registry(&mut text, &self.follower);
        }
        let _ = encode_eof(&mut text);
        text
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The process's metrics, made on first use.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

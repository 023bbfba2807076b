//! The per-caller write limit: each principal may make `burst` writes at once and
//! `writesPerMinute` on average (GCRA, by `governor`). Checked after authentication and before
//! any service call, so a refused flood neither reaches the writer nor writes events.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::Method;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use super::config::RateLimitConfig;
use super::error::ApiError;

/// Principals remembered before those whose allowance is full again are forgotten.
const FORGET_AFTER: usize = 10_000;

type Limiter = RateLimiter<String, HashMapStateStore<String>, DefaultClock>;

/// Limits writes per principal; reads are never limited.
pub struct WriteLimiter {
    limiter: Option<Limiter>,
}

impl std::fmt::Debug for WriteLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WriteLimiter(on: {})", self.limiter.is_some())
    }
}

impl WriteLimiter {
    /// A limiter for `config` (none if `writesPerMinute` is 0).
    pub fn new(config: RateLimitConfig) -> Self {
        let quota = NonZeroU32::new(config.writes_per_minute).map(|rate| {
            let burst = NonZeroU32::new(config.burst).unwrap_or(rate);
            Quota::per_minute(rate).allow_burst(burst)
        });
        WriteLimiter {
            limiter: quota.map(RateLimiter::hashmap),
        }
    }

    /// Whether `principal` may make a `method` request now; a write over the limit is a
    /// [`ApiError::TooManyRequests`] telling when to retry.
    pub fn check(&self, method: &Method, principal: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if method == Method::GET || method == Method::HEAD {
            return Ok(());
        }
        if limiter.len() > FORGET_AFTER {
            limiter.retain_recent();
        }
        limiter
            .check_key(&principal.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(limiter.clock().now());
                ApiError::TooManyRequests {
                    retry_after: retry_after_seconds(wait),
                }
            })
    }
}

/// Whole seconds to wait, rounded up and at least 1 (`Retry-After` counts seconds).
fn retry_after_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: u32) -> WriteLimiter {
        WriteLimiter::new(RateLimitConfig {
            writes_per_minute: per_minute,
            burst,
        })
    }

    #[test]
    fn a_caller_gets_its_burst_then_waits_while_others_and_reads_go_on() {
        let l = limiter(60, 3);
        for _ in 0..3 {
            assert!(l.check(&Method::POST, "a").is_ok());
        }
        match l.check(&Method::PATCH, "a") {
            Err(ApiError::TooManyRequests { retry_after }) => assert_eq!(retry_after, 1),
            other => panic!("expected a 429, got {other:?}"),
        }
        assert!(l.check(&Method::GET, "a").is_ok());
        assert!(l.check(&Method::HEAD, "a").is_ok());
        assert!(l.check(&Method::DELETE, "b").is_ok());
    }

    #[test]
    fn a_slow_rate_asks_for_a_longer_wait_and_zero_turns_the_limit_off() {
        let slow = limiter(1, 1);
        assert!(slow.check(&Method::POST, "a").is_ok());
        match slow.check(&Method::POST, "a") {
            Err(ApiError::TooManyRequests { retry_after }) => {
                assert!((59..=60).contains(&retry_after), "{retry_after}")
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        let off = limiter(0, 0);
        for _ in 0..100 {
            assert!(off.check(&Method::POST, "a").is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(2001)), 3);
        assert_eq!(retry_after_seconds(Duration::from_secs(2)), 2);
    }
}

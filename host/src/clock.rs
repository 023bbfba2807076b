//! `Clock`: where the host reads `now`. The core never reads a clock; the host reads one per
//! call and passes the instant down.

use std::sync::Mutex;

use chrono::{TimeDelta, Utc};
use pim_core::time::Instant;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Utc::now()
    }
}

/// A clock that moves only when told to: for tests and scenario files.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Instant>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Instant) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Sets the time.
    pub fn set(&self, to: Instant) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    /// Moves the time forward (or back, for a negative delta) and returns the new time; an
    /// overflowing delta leaves the clock where it is.
    pub fn advance(&self, by: TimeDelta) -> Instant {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = now.checked_add_signed(by) {
            *now = t;
        }
        *now
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

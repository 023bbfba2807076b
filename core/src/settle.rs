//! Ticking until nothing is due: the loop every host runs when its clock moves.
//!
//! [`Engine::tick`](crate::Engine::tick) returns the events of the earliest instant that has
//! something due, and committing them can make something else due (an expiry ends an
//! activation, a review's instance schedules the next). So a host ticks, commits, and ticks
//! again until a tick returns nothing. [`settle`] is that loop, written once, with a bound on
//! rounds so that a bug can never make a host loop forever.

use alloc::vec::Vec;

use crate::event::Event;

/// How many rounds a host lets time take to settle. One round commits one instant's events;
/// a tenant back from a long pause may have that many distinct instants due, but no sane one
/// more.
pub const MAX_ROUNDS: usize = 1_000_000;

/// What settling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settled {
    /// Batches committed: ticks that returned events.
    pub rounds: usize,
    /// Events in those batches.
    pub events: usize,
}

/// Time did not settle: a tick still returned events after the most rounds allowed. It means
/// a bug in the engine, or in what the host commits (a commit that changes nothing makes every
/// tick return the same events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("time did not settle: still events due after {rounds} rounds")]
pub struct Unsettled {
    /// The bound that was reached.
    pub rounds: usize,
}

/// Why [`settle`] stopped: time did not settle, or the tick or commit function failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError<E> {
    /// Time did not settle.
    #[error(transparent)]
    Unsettled(#[from] Unsettled),
    /// The tick or the commit function failed; what it committed before stays committed.
    #[error(transparent)]
    Failed(E),
}

/// Ticks and commits until a tick returns no events, at most `max_rounds` times.
///
/// `tick` returns the events time alone causes now (without changing anything); `commit`
/// makes them durable and applies them (it gets them by value: a host that keeps them, such
/// as the npm package's `advance`, need not copy them). Both get `host`, so each can borrow it mutably. The
/// loop stops with [`Unsettled`] when the events keep coming after `max_rounds` batches. (It
/// does not compare batches to catch a repeating tick sooner: comparing events would add the
/// code of `Event`'s `PartialEq` to every host, the browser build included.)
pub fn settle<H: ?Sized, E>(
    host: &mut H,
    max_rounds: usize,
    mut tick: impl FnMut(&mut H) -> Result<Vec<Event>, E>,
    mut commit: impl FnMut(&mut H, Vec<Event>) -> Result<(), E>,
) -> Result<Settled, SettleError<E>> {
    let mut settled = Settled::default();
    loop {
        let events = tick(host).map_err(SettleError::Failed)?;
        if events.is_empty() {
            return Ok(settled);
        }
        if settled.rounds >= max_rounds {
            return Err(Unsettled { rounds: max_rounds }.into());
        }
        let count = events.len();
        commit(host, events).map_err(SettleError::Failed)?;
        settled.rounds = settled.rounds.saturating_add(1);
        settled.events = settled.events.saturating_add(count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn event(day: u32) -> Event {
        serde_json::from_value(serde_json::json!({
            "type": "membershipChanged",
            "at": alloc::format!("2026-03-{day:02}T09:00:00Z"),
            "groupId": "g1",
        }))
        .expect("the test input is valid")
    }

    #[test]
    fn commits_until_nothing_is_due() {
        let mut due = vec![vec![event(1), event(1)], vec![event(2)]];
        let mut committed = Vec::new();
        let settled = settle(
            &mut due,
            10,
            |due| Ok::<_, ()>(due.first().cloned().unwrap_or_default()),
            |due, events| {
                committed.extend(events);
                due.remove(0);
                Ok(())
            },
        )
        .expect("the test input is valid");
        assert_eq!(
            settled,
            Settled {
                rounds: 2,
                events: 3
            }
        );
        assert_eq!(committed.len(), 3);
    }

    #[test]
    fn a_tick_that_never_changes_is_caught() {
        let r = settle(&mut (), 10, |_| Ok::<_, ()>(vec![event(1)]), |_, _| Ok(()));
        assert_eq!(r, Err(SettleError::Unsettled(Unsettled { rounds: 10 })));
    }

    #[test]
    fn the_bound_on_rounds_holds() {
        let mut day = 0u32;
        let r = settle(
            &mut day,
            3,
            |day| Ok::<_, ()>(vec![event(*day % 28 + 1)]),
            |day, _| {
                *day += 1;
                Ok(())
            },
        );
        assert_eq!(r, Err(SettleError::Unsettled(Unsettled { rounds: 3 })));
        assert_eq!(day, 3);
        let exact = settle(
            &mut day,
            3,
            |day| Ok::<_, ()>(if *day < 6 { vec![event(*day)] } else { vec![] }),
            |day, _| {
                *day += 1;
                Ok(())
            },
        );
        assert_eq!(exact.map(|s| s.rounds), Ok(3));
    }

    #[test]
    fn failures_pass_through() {
        let r = settle(&mut (), 3, |_| Err::<Vec<Event>, _>("down"), |_, _| Ok(()));
        assert_eq!(r, Err(SettleError::Failed("down")));
    }
}

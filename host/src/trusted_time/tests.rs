use super::*;
use crate::clock::ManualClock;

fn at(text: &str) -> Instant {
    pim_core::time::parse_instant(text).expect("a valid instant")
}

const T0: &str = "2026-03-02T10:00:00Z";

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

fn evidence(wall: Instant) -> Evidence {
    Evidence {
        wall,
        peers: Vec::new(),
        anchored: None,
        log_latest: None,
        max_skew: secs(120),
    }
}

#[test]
fn the_median_is_the_middle_or_the_mean_of_the_middle_two() {
    let t = at(T0);
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[t + secs(9), t, t + secs(1)]), Some(t + secs(1)));
    assert_eq!(median(&[t + secs(10), t]), Some(t + secs(5)));
    // One wildly wrong peer out of three does not move the median.
    assert_eq!(
        median(&[t, t + TimeDelta::days(400), t + secs(2)]),
        Some(t + secs(2))
    );
}

#[test]
fn a_reading_exactly_max_skew_from_the_peers_is_trusted_one_second_more_is_not() {
    let t = at(T0);
    let mut e = evidence(t + secs(120));
    e.peers = vec![t];
    assert_eq!(judge(&e).fault, None);
    assert_eq!(judge(&e).now, t + secs(120));
    e.wall = t + secs(121);
    let r = judge(&e);
    let fault = r.fault.expect("a fault");
    assert_eq!(fault.against, Reference::Peers(1));
    assert_eq!(fault.offset_seconds(), 121);
    // A faulted host answers at the peers' time.
    assert_eq!(r.now, t);
    e.wall = t - secs(121);
    assert_eq!(judge(&e).fault.map(|f| f.offset_seconds()), Some(-121));
}

#[test]
fn live_peers_outrank_the_anchor() {
    let t = at(T0);
    let mut e = evidence(t + TimeDelta::days(1));
    e.anchored = Some(t + TimeDelta::days(1));
    e.peers = vec![t, t + secs(1), t + secs(2)];
    let fault = judge(&e).fault.expect("a fault");
    assert_eq!(fault.against, Reference::Peers(3));
    assert_eq!(fault.expected, t + secs(1));
    e.peers.clear();
    assert_eq!(judge(&e).fault, None);
}

#[test]
fn without_peers_the_anchor_judges_and_without_either_the_reading_is_trusted() {
    let t = at(T0);
    let mut e = evidence(t + TimeDelta::days(400));
    assert_eq!(judge(&e).fault, None, "a first reading is trusted");
    e.anchored = Some(t);
    let r = judge(&e);
    assert_eq!(r.fault.map(|f| f.against), Some(Reference::Anchor));
    assert_eq!(r.now, t);
}

#[test]
fn a_reading_behind_the_log_by_more_than_max_skew_is_a_fault_less_is_raised_to_the_log() {
    let t = at(T0);
    let mut e = evidence(t);
    e.log_latest = Some(t + secs(120));
    let r = judge(&e);
    assert_eq!((r.now, r.fault), (t + secs(120), None));
    e.log_latest = Some(t + secs(121));
    let r = judge(&e);
    let fault = r.fault.expect("a fault");
    assert_eq!(fault.against, Reference::Log);
    assert_eq!(fault.offset_seconds(), -121);
    // Not raised to a future someone wrote.
    assert_eq!(r.now, t);
}

/// A host at `wall` with a manual monotonic clock and a 2 s witness interval.
fn host(wall: Instant) -> (TrustedTime, Arc<ManualClock>, Arc<ManualMonotonic>) {
    let clock = Arc::new(ManualClock::new(wall));
    let mono = Arc::new(ManualMonotonic::new());
    let time = TrustedTime::new(clock.clone(), mono.clone(), Duration::from_secs(120))
        .with_interval(Duration::from_secs(2));
    (time, clock, mono)
}

fn row(host: &str, at: Instant, beat: u64) -> ClockWitness {
    ClockWitness {
        host: host.into(),
        at,
        beat,
    }
}

#[test]
fn a_peer_counts_only_once_its_beat_changed_and_only_while_it_keeps_beating() {
    let t = at(T0);
    let (a, _, mono) = host(t + TimeDelta::days(400));
    a.observe(&[row("b", t, 1)]);
    assert!(!a.peers_settled());
    // A row seen once may be a dead host's: not a peer yet. (No read happens here: a read
    // would anchor A at its own wrong clock.)
    mono.advance(Duration::from_secs(2));
    a.observe(&[row("b", t + secs(2), 2)]);
    assert!(a.peers_settled());
    let r = a.read(None);
    let fault = r.fault.expect("B's clock outvotes A's");
    assert_eq!(fault.against, Reference::Peers(1));
    assert_eq!(r.now, t + secs(2));
    // B's time is extrapolated with A's monotonic clock.
    mono.advance(Duration::from_secs(3));
    assert_eq!(a.read(None).now, t + secs(5));
    // Silent for more than LIVE_INTERVALS intervals: B is no longer live.
    mono.advance(Duration::from_secs(8));
    assert_eq!(a.health().live_peers, 0);
}

#[test]
fn a_peer_row_seen_once_does_not_outvote_a_first_reading() {
    let t = at(T0);
    let (a, _, _) = host(t + TimeDelta::days(400));
    a.observe(&[row("b", t, 1)]);
    assert_eq!(a.read(None).fault, None);
}

#[test]
fn a_step_is_refused_and_a_step_back_recovers_and_faults_count_transitions() {
    let t = at(T0);
    let (a, clock, mono) = host(t);
    assert_eq!(a.read(None).fault, None);
    mono.advance(Duration::from_secs(1));
    clock.set(t + TimeDelta::days(1));
    let r = a.read(None);
    assert_eq!(r.fault.map(|f| f.against), Some(Reference::Anchor));
    assert_eq!(r.now, t + secs(1), "reads at the anchor plus elapsed");
    assert!(a.witness().is_none(), "a faulted host does not witness");
    assert_eq!(a.read(None).now, t + secs(1));
    assert_eq!(
        a.health().faults,
        1,
        "one transition, however many readings"
    );
    mono.advance(Duration::from_secs(1));
    clock.set(t + secs(2));
    assert_eq!(
        a.read(None),
        Reading {
            now: t + secs(2),
            fault: None
        }
    );
    let h = a.health();
    assert!(h.trusted);
    assert_eq!(h.faults, 1);
    let w = a.witness().expect("a trusted host witnesses");
    assert_eq!((w.at, w.beat), (t + secs(2), 1));
    assert_eq!(a.witness().map(|w| w.beat), Some(2));
}

#[test]
fn a_host_ignores_its_own_row_and_forgets_rows_that_are_gone() {
    let t = at(T0);
    let (a, _, mono) = host(t);
    let me = a.host().to_owned();
    a.observe(&[row(&me, t + TimeDelta::days(9), 1), row("b", t, 1)]);
    mono.advance(Duration::from_secs(2));
    a.observe(&[
        row(&me, t + TimeDelta::days(9), 2),
        row("b", t + secs(2), 2),
    ]);
    assert_eq!(a.health().live_peers, 1);
    a.observe(&[]);
    assert_eq!(a.health().live_peers, 0);
}

#[test]
fn the_fault_message_says_how_far_off_and_from_what() {
    let t = at(T0);
    let fault = ClockFault {
        reading: t + TimeDelta::days(400),
        expected: t,
        against: Reference::Peers(1),
        max_skew: secs(120),
    };
    let text = fault.to_string();
    assert!(
        text.contains("34560000 s ahead of the clock of the 1 live peer host"),
        "{text}"
    );
    assert!(text.contains("within 120 s"), "{text}");
}

//! Properties that must hold for any input: decoding never panics, the poll
//! schedule keeps its invariants, and durations from a server never
//! overflow. `DATASAUR_PROPTEST_CASES` sets the cases per property (256 by
//! default, as in CI; 10,000 for a thorough local run).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use reqwest::StatusCode;

use crate::auth::parse_token_answer;
use crate::error::Request;
use crate::operations::{auto_label_token_based_project, get_job, get_jobs};
use crate::response::decode_answer;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::wait::schedule::{PollSchedule, WatchKey};
use crate::wait::{MIN_POLL_INTERVAL, PollBackoff};

fn config() -> ProptestConfig {
    let cases = std::env::var("DATASAUR_PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

/// Any JSON value, a few levels deep, with the odd values servers send:
/// huge numbers, long strings, control characters.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        "[\\x00-\\x1f\\x7f\\u{1b}]{0,8}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("DELIVERED"),
            Just("FAILED"),
            Just("IN_PROGRESS"),
            Just("QUEUED"),
            Just("NONE")
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::hash_map(
                prop_oneof![
                    Just("data".to_owned()),
                    Just("errors".to_owned()),
                    Just("job".to_owned()),
                    Just("jobs".to_owned()),
                    Just("id".to_owned()),
                    Just("status".to_owned()),
                    Just("progress".to_owned()),
                    Just("message".to_owned()),
                    Just("extensions".to_owned()),
                    ".{0,8}".prop_map(String::from),
                ],
                inner,
                0..6
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

fn status() -> impl Strategy<Value = StatusCode> {
    (100u16..600).prop_map(|code| StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
}

/// Decodes `body` as every operation's answer; only a panic fails.
fn decode_everything(status: StatusCode, retry_after: Option<String>, body: &[u8]) {
    let request = |operation| Request::new(operation, "app.datasaur.ai".into());
    let _ = decode_answer::<get_job::ResponseData>(
        &request("GetJob"),
        status,
        retry_after.clone(),
        body,
    );
    let _ = decode_answer::<get_jobs::ResponseData>(
        &request("GetJobs"),
        status,
        retry_after.clone(),
        body,
    );
    let _ = decode_answer::<auto_label_token_based_project::ResponseData>(
        &request("AutoLabelTokenBasedProject"),
        status,
        retry_after.clone(),
        body,
    );
    let _ = parse_token_answer(
        status,
        retry_after,
        body,
        &request("OAuth token"),
        "client-secret",
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        status in status(),
        retry_after in proptest::option::of(".{0,30}"),
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        decode_everything(status, retry_after, &body);
    }

    #[test]
    fn decoding_arbitrary_json_never_panics(status in status(), value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap_or_default();
        decode_everything(status, None, &body);
        // Wrapped the way a real answer is, so the typed decoders get deep.
        let wrapped = serde_json::json!({"data": {"job": value.clone(), "jobs": [value.clone(), value]}});
        decode_everything(StatusCode::OK, None, &serde_json::to_vec(&wrapped).unwrap_or_default());
    }

    #[test]
    fn a_token_answer_never_panics_or_leaks_the_secret(
        status in status(),
        description in ".{0,20}",
        expires_in in any::<u64>(),
    ) {
        let body = serde_json::json!({
            "access_token": "tok", "expires_in": expires_in,
            "error": "invalid_client",
            "error_description": format!("{description} client-secret {description}"),
        });
        let request = Request::new("OAuth token", "auth.example".into());
        if let Err(error) = parse_token_answer(status, None, &serde_json::to_vec(&body).unwrap_or_default(), &request, "client-secret") {
            let shown = format!("{error} {error:?}");
            prop_assert!(!shown.contains("client-secret"), "{}", shown);
        }
    }

    #[test]
    fn retry_after_and_backoff_arithmetic_never_panic(
        value in prop_oneof![".{0,40}", any::<u64>().prop_map(|n| n.to_string()), "[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4,6} [0-9:]{8} GMT"],
        now_secs in any::<u64>(),
        initial in any::<u64>(),
        multiplier in any::<f64>(),
        max in any::<u64>(),
        age in any::<u64>(),
        attempt in any::<u32>(),
        fraction in any::<f64>(),
    ) {
        let now = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(now_secs % (400 * 365 * 86_400)));
        let parsed = parse_retry_after(&value, now.unwrap_or(SystemTime::UNIX_EPOCH));
        let policy = RetryPolicy::default();
        let delay = policy.backoff().delay(attempt, parsed, fraction);
        prop_assert!(delay <= Duration::from_secs(120), "{delay:?}");
        let backoff = PollBackoff::new(Duration::from_nanos(initial), multiplier, Duration::from_nanos(max));
        let interval = backoff.interval_at(Duration::from_secs(age));
        prop_assert!(interval >= MIN_POLL_INTERVAL);
    }

    #[test]
    fn the_schedule_keeps_its_invariants(
        jobs in prop::collection::vec((0u64..600, 1u64..3_600, 0usize..3), 1..40),
        batch_size in 1usize..8,
        max_wait in 60u64..7_200,
    ) {
        let backoffs = [
            PollBackoff::default(),
            PollBackoff::fixed(Duration::from_secs(5)),
            PollBackoff::new(Duration::from_millis(500), 1.2, Duration::from_secs(60)),
        ];
        let mut schedule = PollSchedule::new();
        // key -> (job index, end time); a job is added at its start.
        let mut held: HashMap<WatchKey, (usize, Duration)> = HashMap::new();
        let mut reported: HashSet<usize> = HashSet::new();
        let mut pending: Vec<usize> = (0..jobs.len()).collect();
        pending.sort_by_key(|&n| jobs[n].0);
        let mut now = Duration::ZERO;
        let mut last_tick: Option<Duration> = None;
        let mut steps = 0;
        while !(pending.is_empty() && held.is_empty()) {
            steps += 1;
            prop_assert!(steps < 100_000, "the schedule does not progress");
            // Jobs starting by now join.
            while let Some(&n) = pending.first() {
                let (start, duration, backoff) = jobs[n];
                if Duration::from_secs(start) > now {
                    break;
                }
                pending.remove(0);
                let deadline = now + Duration::from_secs(max_wait);
                let key = schedule.insert(now, backoffs[backoff], deadline, Duration::ZERO);
                prop_assert!(!held.contains_key(&key), "a held key is reused");
                held.insert(key, (n, Duration::from_secs(start + duration)));
            }
            for key in schedule.expired(now) {
                let (n, _) = held.remove(&key).expect("expired keys are held");
                prop_assert!(reported.insert(n), "job {n} reported twice");
                schedule.remove(key);
            }
            let next_start = pending.first().map(|&n| Duration::from_secs(jobs[n].0));
            let wake = match (schedule.next_wake(), next_start) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) { Some(at) => at, None => break },
            };
            // A tick may fall due in the past (a faster wait joined and lowered
            // the floor): the engine then sends at once.
            now = wake.max(now);
            let Some(tick) = schedule.next_tick() else { continue };
            if tick > now {
                continue;
            }
            let floor = [0, 1, 2]
                .iter()
                .filter(|&&b| held.values().any(|&(n, _)| jobs[n].2 == b))
                .map(|&b| backoffs[b].initial())
                .min()
                .unwrap_or(MIN_POLL_INTERVAL);
            if let Some(last) = last_tick {
                prop_assert!(now >= last + floor, "requests closer than the floor");
            }
            last_tick = Some(now);
            let due = schedule.take_due(now, batch_size);
            let distinct: HashSet<WatchKey> = due.iter().copied().collect();
            prop_assert_eq!(distinct.len(), due.len(), "a key twice in one tick");
            for chunk in due.chunks(batch_size) {
                prop_assert!(chunk.len() <= batch_size);
                for &key in chunk {
                    let &(n, end) = held.get(&key).expect("only held keys are due");
                    prop_assert!(!reported.contains(&n), "a finished job polled again");
                    if now >= end {
                        held.remove(&key);
                        reported.insert(n);
                        schedule.remove(key);
                    } else {
                        schedule.reschedule(key, now, None);
                    }
                }
            }
        }
        prop_assert_eq!(reported.len(), jobs.len(), "every job reported once");
        prop_assert_eq!(schedule.len(), 0);
    }
}

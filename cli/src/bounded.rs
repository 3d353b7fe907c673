//! Durations and counts read from the command line, bounded: a value past
//! its bound is a usage error naming the bound, never a panic later (a
//! deadline of `now + 300000000000 years` overflows the clock).

use std::time::Duration;

/// The longest duration any flag takes: beyond it, a typo rather than a plan.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A duration such as `30m`, `1h30m` or `2days`, at most [`MAX_DURATION`].
pub fn duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration > MAX_DURATION {
        return Err("at most 10 years".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_values_are_refused_and_plain_ones_taken() {
        assert_eq!(duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(duration("3650days").map(|_| ()), Ok(()));
        assert!(duration("300000000000y").is_err());
        assert!(duration("11y").is_err());
        assert!(duration("soon").is_err());
    }
}

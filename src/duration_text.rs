//! Durations as people read them in messages: `850ms`, `8.0s`, `45s`,
//! `2m05s`, `1h02m`, `3d04h`. Two units at most; `Debug`'s `8.001146678s`
//! is for logs, not for error messages.

use std::fmt;
use std::time::Duration;

/// A duration shown in at most two units, rounded down.
///
/// ```
/// use std::time::Duration;
/// use datasaur::__workspace::HumanDuration;
///
/// assert_eq!(HumanDuration(Duration::from_millis(8_001)).to_string(), "8.0s");
/// assert_eq!(HumanDuration(Duration::from_secs(125)).to_string(), "2m05s");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HumanDuration(pub Duration);

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let duration = self.0;
        let secs = duration.as_secs();
        let (minutes, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
        if secs == 0 {
            write!(f, "{}ms", duration.as_millis())
        } else if secs < 10 {
            write!(f, "{secs}.{}s", duration.subsec_millis() / 100)
        } else if minutes == 0 {
            write!(f, "{secs}s")
        } else if hours == 0 {
            write!(f, "{minutes}m{:02}s", secs % 60)
        } else if days == 0 {
            write!(f, "{hours}h{:02}m", minutes % 60)
        } else {
            write!(f, "{days}d{:02}h", hours % 24)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_range_shows_two_units_at_most() {
        let shown = |millis: u64| HumanDuration(Duration::from_millis(millis)).to_string();
        assert_eq!(shown(0), "0ms");
        assert_eq!(shown(850), "850ms");
        assert_eq!(shown(1_000), "1.0s");
        assert_eq!(shown(8_001), "8.0s");
        assert_eq!(shown(9_999), "9.9s");
        assert_eq!(shown(10_000), "10s");
        assert_eq!(shown(59_999), "59s");
        assert_eq!(shown(60_000), "1m00s");
        assert_eq!(shown(125_000), "2m05s");
        assert_eq!(shown(3_600_000), "1h00m");
        assert_eq!(shown(3_720_000), "1h02m");
        assert_eq!(shown(86_400_000 * 3 + 3_600_000 * 4), "3d04h");
        assert_eq!(
            HumanDuration(Duration::MAX).to_string(),
            format!("{}d{:02}h", u64::MAX / 86_400, (u64::MAX / 3600) % 24)
        );
        assert_eq!(
            HumanDuration(Duration::from_nanos(83_274)).to_string(),
            "0ms"
        );
    }
}

//! Backoff delays: exponential with full jitter, or what the server asks for.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::config::RetryPolicy;

/// How long to wait before retry number `retry` (0 for the first retry).
///
/// Full jitter (a uniform draw up to the exponential ceiling) spreads out the clients that
/// failed together, so they do not hammer a recovering index in lockstep. A `Retry-After`
/// from the server wins, but is capped so that a hostile or confused index cannot park
/// provcheck for an hour.
pub(crate) fn delay(policy: &RetryPolicy, retry: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(policy.max_delay.saturating_mul(4));
    }
    let ceiling = policy
        .base_delay
        .saturating_mul(2u32.saturating_pow(retry))
        .min(policy.max_delay);
    ceiling.mul_f64(random_fraction())
}

/// `Retry-After` in its delay-seconds form; the HTTP-date form falls back to backoff.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A uniform draw from `[0, 1)`. `RandomState` is randomly keyed per instance, which is all
/// the randomness jitter needs, without a dependency on `rand`.
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_exponential_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 0..10 {
            let ceiling =
                (Duration::from_millis(250) * 2u32.pow(retry)).min(Duration::from_secs(8));
            for _ in 0..50 {
                assert!(delay(&policy, retry, None) <= ceiling);
            }
        }
        let draws: Vec<Duration> = (0..20).map(|_| delay(&policy, 3, None)).collect();
        assert!(
            draws.iter().any(|d| *d != draws[0]),
            "jitter varies: {draws:?}"
        );
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            delay(&policy, 0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            delay(&policy, 0, Some(Duration::from_secs(3600))),
            Duration::from_secs(32)
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}

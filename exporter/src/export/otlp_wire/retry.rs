//! Retry rules (OTLP spec "Failures" / `protocol/exporter.md`): which
//! answers are worth another try, how long to wait (exponential backoff with
//! jitter, or the server's throttling hint), and how often.

use std::{
    hash::{BuildHasher, Hasher},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, SystemTime},
};

use super::error::SendErrorKind;

/// How often and how fast a failed export is retried. The whole export,
/// retries included, is still bounded by the configured timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub initial_delay: Duration,
    /// Cap of the doubled wait (not of a server's throttling hint).
    pub max_delay: Duration,
    /// Random extra wait, up to this much, added to each backoff.
    pub max_jitter: Duration,
}

impl Default for RetryPolicy {
    /// opentelemetry-otlp 0.33's recommended policy: 3 retries, 100 ms
    /// doubling up to 1.6 s, plus up to 100 ms jitter.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1600),
            max_jitter: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    #[must_use]
    pub fn disabled() -> Self {
        RetryPolicy {
            max_retries: 0,
            initial_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_jitter: Duration::ZERO,
        }
    }

    /// The wait before retry number `retry` (1-based), or the server's hint.
    pub(crate) fn delay(&self, retry: u32, throttle: Option<Duration>) -> Duration {
        if let Some(hint) = throttle {
            return hint.min(MAX_THROTTLE);
        }
        let factor = 1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_delay.saturating_mul(factor).min(self.max_delay).saturating_add(jitter(self.max_jitter))
    }
}

/// Longest server throttling hint honoured as is.
const MAX_THROTTLE: Duration = Duration::from_secs(600);

/// Whether a failed attempt may be repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    Backoff,
    /// The server said when (Retry-After, gRPC RetryInfo).
    After(Duration),
}

/// One failed attempt.
#[derive(Debug)]
pub(crate) struct AttemptError {
    pub kind: SendErrorKind,
    pub retry: Retry,
    pub detail: String,
}

/// OTLP/HTTP: 429, 502, 503, 504 are retryable; 429/503 may carry Retry-After.
pub(crate) fn http_retry(status: u16, retry_after: Option<&str>) -> Retry {
    match status {
        429 | 503 => retry_after.and_then(parse_retry_after).map_or(Retry::Backoff, Retry::After),
        502 | 504 => Retry::Backoff,
        _ => Retry::No,
    }
}

/// OTLP/gRPC: the spec's retryable codes; RESOURCE_EXHAUSTED only with a
/// RetryInfo delay (the server signals that recovery is possible).
pub(crate) fn grpc_retry(code: tonic::Code, retry_info: Option<Duration>) -> Retry {
    use tonic::Code;
    match code {
        Code::ResourceExhausted => retry_info.map_or(Retry::No, Retry::After),
        Code::Unavailable => retry_info.filter(|d| !d.is_zero()).map_or(Retry::Backoff, Retry::After),
        Code::Cancelled | Code::DeadlineExceeded | Code::Aborted | Code::OutOfRange | Code::DataLoss => Retry::Backoff,
        _ => Retry::No,
    }
}

/// `Retry-After`: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Up to `max` of randomness (millisecond steps), from std's seeded hasher.
fn jitter(max: Duration) -> Duration {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    if max_ms == 0 {
        return Duration::ZERO;
    }
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    Duration::from_millis(h.finish() % max_ms.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy { max_jitter: Duration::ZERO, ..RetryPolicy::default() };
        let ms = |r| p.delay(r, None).as_millis();
        assert_eq!([ms(1), ms(2), ms(3), ms(5), ms(40)], [100, 200, 400, 1600, 1600]);
        assert_eq!(p.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), MAX_THROTTLE);
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let d = p.delay(1, None);
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200), "{d:?}");
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn http_classification() {
        assert_eq!(http_retry(503, None), Retry::Backoff);
        assert_eq!(http_retry(429, Some("2")), Retry::After(Duration::from_secs(2)));
        assert_eq!(http_retry(503, Some("soon")), Retry::Backoff);
        assert_eq!(http_retry(502, Some("7")), Retry::Backoff);
        assert_eq!(http_retry(504, None), Retry::Backoff);
        for s in [400, 401, 403, 404, 413, 500] {
            assert_eq!(http_retry(s, None), Retry::No, "{s}");
        }
    }

    #[test]
    fn retry_after_dates() {
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = parse_retry_after(&later).unwrap();
        assert!(d > Duration::from_secs(25) && d <= Duration::from_secs(30), "{d:?}");
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn grpc_classification() {
        use tonic::Code;
        for c in [Code::Unavailable, Code::DeadlineExceeded, Code::Aborted, Code::Cancelled, Code::DataLoss] {
            assert_eq!(grpc_retry(c, None), Retry::Backoff, "{c:?}");
        }
        assert_eq!(grpc_retry(Code::ResourceExhausted, None), Retry::No);
        let d = Duration::from_millis(300);
        assert_eq!(grpc_retry(Code::ResourceExhausted, Some(d)), Retry::After(d));
        assert_eq!(grpc_retry(Code::Unavailable, Some(d)), Retry::After(d));
        for c in [Code::InvalidArgument, Code::Unauthenticated, Code::PermissionDenied, Code::Internal] {
            assert_eq!(grpc_retry(c, None), Retry::No, "{c:?}");
        }
    }
}

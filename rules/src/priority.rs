//! Rule priorities and their OpenTelemetry severity numbers.

use std::fmt;
use std::str::FromStr;

/// A rule's priority, ordered by severity: `Debug < ... < Emergency`, so
/// `p >= Priority::Warning` means "at least as severe as a warning".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// DEBUG.
    Debug,
    /// INFORMATIONAL (also spelled INFO).
    Informational,
    /// NOTICE.
    Notice,
    /// WARNING.
    Warning,
    /// ERROR.
    Error,
    /// CRITICAL.
    Critical,
    /// ALERT.
    Alert,
    /// EMERGENCY.
    Emergency,
}

impl Priority {
    /// All priorities, least severe first.
    pub const ALL: [Priority; 8] = [
        Priority::Debug,
        Priority::Informational,
        Priority::Notice,
        Priority::Warning,
        Priority::Error,
        Priority::Critical,
        Priority::Alert,
        Priority::Emergency,
    ];

    /// The OpenTelemetry log `SeverityNumber` (1..=24) for this priority.
    #[must_use]
    pub fn severity_number(self) -> i32 {
        match self {
            Priority::Debug => 5,         // DEBUG
            Priority::Informational => 9, // INFO
            Priority::Notice => 10,       // INFO2
            Priority::Warning => 13,      // WARN
            Priority::Error => 17,        // ERROR
            Priority::Critical => 21,     // FATAL
            Priority::Alert => 23,        // FATAL3
            Priority::Emergency => 24,    // FATAL4
        }
    }

    /// Falco's spelling, e.g. `Warning`, used as the log's severity text.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Debug => "Debug",
            Priority::Informational => "Informational",
            Priority::Notice => "Notice",
            Priority::Warning => "Warning",
            Priority::Error => "Error",
            Priority::Critical => "Critical",
            Priority::Alert => "Alert",
            Priority::Emergency => "Emergency",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a priority.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown priority {0:?}")]
pub struct UnknownPriority(pub String);

/// Case-insensitive; `INFO` is `Informational`.
impl FromStr for Priority {
    type Err = UnknownPriority;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let p = match s.to_ascii_uppercase().as_str() {
            "EMERGENCY" => Priority::Emergency,
            "ALERT" => Priority::Alert,
            "CRITICAL" => Priority::Critical,
            "ERROR" => Priority::Error,
            "WARNING" => Priority::Warning,
            "NOTICE" => Priority::Notice,
            "INFORMATIONAL" | "INFO" => Priority::Informational,
            "DEBUG" => Priority::Debug,
            _ => return Err(UnknownPriority(s.to_owned())),
        };
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively() {
        assert_eq!("warning".parse(), Ok(Priority::Warning));
        assert_eq!("WARNING".parse(), Ok(Priority::Warning));
        assert_eq!("Info".parse(), Ok(Priority::Informational));
        assert_eq!("informational".parse(), Ok(Priority::Informational));
        assert_eq!("eMeRgEnCy".parse(), Ok(Priority::Emergency));
        assert_eq!("WARN".parse::<Priority>(), Err(UnknownPriority("WARN".into())));
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse(), Ok(p));
        }
    }

    #[test]
    fn severity_numbers_follow_otel() {
        let got: Vec<_> = Priority::ALL.iter().map(|p| p.severity_number()).collect();
        assert_eq!(got, [5, 9, 10, 13, 17, 21, 23, 24]);
        assert_eq!(Priority::Warning.as_str(), "Warning");
        assert!(Priority::Emergency > Priority::Warning);
    }
}

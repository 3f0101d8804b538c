//! Security-event settings: which categories are reported and which paths
//! are watched for reads (writes are always reported).

use std::collections::BTreeSet;

use super::catalog::Category;

/// Paths whose reads are reported by default: credentials, keys, sudo and
/// PAM configuration, service-account tokens, shell histories.
pub const DEFAULT_WATCH: &[&str] = &[
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/pam.d/",
    "/etc/ssh/ssh_host_",
    "/root/.ssh/",
    "/root/.bash_history",
    "/root/.ash_history",
    "/var/run/secrets/kubernetes.io/",
    "/run/secrets/kubernetes.io/",
    "/etc/kubernetes/pki/",
    "/proc/kcore",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityConfig {
    /// Reported categories (all by default).
    pub categories: BTreeSet<Category>,
    /// Watched path prefixes (absolute, at most 64 bytes each).
    pub watch: Vec<String>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            categories: Category::ALL.into_iter().collect(),
            watch: DEFAULT_WATCH.iter().map(|s| (*s).to_string()).collect(),
        }
    }
}

impl SecurityConfig {
    /// Parses a comma-separated category list; `all` and `none` are
    /// accepted, as is an empty string (none).
    ///
    /// # Errors
    /// An unknown category name.
    pub fn parse_categories(list: &str) -> Result<BTreeSet<Category>, String> {
        let mut out = BTreeSet::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "all" => out.extend(Category::ALL),
                "none" => {}
                other => {
                    out.insert(other.parse::<Category>()?);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse() {
        assert_eq!(SecurityConfig::parse_categories("all").unwrap().len(), Category::ALL.len());
        assert!(SecurityConfig::parse_categories("none").unwrap().is_empty());
        let s = SecurityConfig::parse_categories("file, module").unwrap();
        assert_eq!(s.into_iter().collect::<Vec<_>>(), vec![Category::File, Category::Module]);
        assert!(SecurityConfig::parse_categories("file,nope").unwrap_err().contains("nope"));
    }
}

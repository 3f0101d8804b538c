//! A rule's stable identity: its UUID and its category.

use uuid::Uuid;

/// MITRE ATT&CK tactic tags (as Falco's rules spell them) and the category each gives.
pub const CATEGORY_TAGS: &[(&str, &str)] = &[
    ("mitre_reconnaissance", "reconnaissance"),
    ("mitre_resource_development", "resource_development"),
    ("mitre_initial_access", "initial_access"),
    ("mitre_execution", "execution"),
    ("mitre_persistence", "persistence"),
    ("mitre_privilege_escalation", "privilege_escalation"),
    ("mitre_defense_evasion", "defense_evasion"),
    ("mitre_credential_access", "credential_access"),
    ("mitre_discovery", "discovery"),
    ("mitre_lateral_movement", "lateral_movement"),
    ("mitre_collection", "collection"),
    ("mitre_command_and_control", "command_and_control"),
    ("mitre_exfiltration", "exfiltration"),
    ("mitre_impact", "impact"),
];

/// The category of a rule without a `category` key: that of its first tag in
/// [`CATEGORY_TAGS`], else `general`.
#[must_use]
pub fn category_from_tags(tags: &[String]) -> &'static str {
    tags.iter().find_map(|t| CATEGORY_TAGS.iter().find(|(tag, _)| tag == t).map(|(_, c)| *c)).unwrap_or("general")
}

/// The UUID of a rule without a `uuid` key: a name-based (version 5) UUID of
/// `ruleset` and `rule`, so it stays the same across loads and machines.
#[must_use]
pub fn derived_uuid(ruleset: &str, rule: &str) -> Uuid {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:sysotel:rules");
    let mut name = Vec::with_capacity(ruleset.len() + rule.len() + 1);
    name.extend_from_slice(ruleset.as_bytes());
    name.push(0);
    name.extend_from_slice(rule.as_bytes());
    Uuid::new_v5(&namespace, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_is_the_first_known_tag() {
        let tags = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(category_from_tags(&tags(&["host", "mitre_execution", "mitre_persistence"])), "execution");
        assert_eq!(category_from_tags(&tags(&["container"])), "general");
        assert_eq!(category_from_tags(&[]), "general");
    }

    #[test]
    fn derived_uuids_are_stable_and_distinct() {
        let a = derived_uuid("default", "Shell in container");
        assert_eq!(a, derived_uuid("default", "Shell in container"));
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(a, derived_uuid("other", "Shell in container"));
        assert_ne!(a, derived_uuid("default", "Shell in containers"));
        // Ruleset and rule do not run together.
        assert_ne!(derived_uuid("ab", "c"), derived_uuid("a", "bc"));
    }
}

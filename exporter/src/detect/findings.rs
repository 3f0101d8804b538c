//! `sysotel.security.finding` records: a rule matched an event.

use opentelemetry::{
    Key,
    logs::{AnyValue, Severity},
};
use semconv::{attribute as attr, event};
use sysotel_rules::RuleInfo;

use crate::signals::LogEvent;

/// OTel severity of a rule priority (Falco's EMERGENCY..DEBUG).
#[must_use]
pub fn severity(rule: &RuleInfo) -> Severity {
    match rule.priority.severity_number() {
        24 => Severity::Fatal4,
        23 => Severity::Fatal3,
        21 => Severity::Fatal,
        17 => Severity::Error,
        13 => Severity::Warn,
        10 => Severity::Info2,
        9 => Severity::Info,
        _ => Severity::Debug,
    }
}

/// The finding for `rule` on the event recorded as `trigger`: the rule's
/// identity, then the triggering record's attributes, container and trace.
#[must_use]
pub fn finding_log(rule: &RuleInfo, ruleset: &str, output: String, trigger: &LogEvent) -> LogEvent {
    let s = |v: &str| AnyValue::String(v.to_string().into());
    let mut a = vec![
        (Key::from_static_str(attr::SECURITY_RULE_NAME), s(&rule.name)),
        (Key::from_static_str(attr::SECURITY_RULE_CATEGORY), s(&rule.category)),
        (Key::from_static_str(attr::SECURITY_RULE_RULESET_NAME), s(ruleset)),
        (Key::from_static_str(attr::SECURITY_RULE_UUID), s(&rule.uuid)),
        (Key::from_static_str(attr::SECURITY_RULE_DESCRIPTION), s(rule.desc.trim())),
        (Key::from_static_str(attr::RULE_PRIORITY), s(rule.priority.as_str())),
        (Key::from_static_str(attr::RULE_TAGS), AnyValue::ListAny(Box::new(rule.tags.iter().map(|t| s(t)).collect()))),
        (Key::from_static_str(attr::RULE_EVENT), s(trigger.event_name)),
    ];
    a.extend(trigger.attributes.iter().cloned());
    LogEvent {
        time: trigger.time,
        event_name: event::SECURITY_FINDING,
        severity: severity(rule),
        attributes: a,
        container: trigger.container.clone(),
        trace: trigger.trace,
        body: Some(format!("{}: {output}", rule.name)),
    }
}

//! `sysotel_rules::Ruleset::load_str` on arbitrary text: a rule file may be
//! rejected with errors, but loading must never panic. A file that loads is
//! then matched against an empty `execve` event and its outputs rendered.
//! Input that is not UTF-8 is skipped.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sysotel_rules::{MapEvent, Ruleset};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Ruleset::load_str("fuzz", text, Path::new("<fuzz>")) {
        Ok(rules) => {
            let event = MapEvent::new("execve").with("evt.dir", "<").with("proc.name", "sh");
            for hit in rules.matches(&event) {
                let _ = hit.render_output(&event);
            }
        }
        Err(errors) => {
            for error in errors.errors() {
                let _ = error.to_string();
            }
        }
    }
});

//! Loading never panics, whatever the file holds.

use std::path::Path;

use proptest::prelude::*;
use sysotel_rules::Ruleset;

const SAMPLE: &str = include_str!("data/falco_style.yaml");

proptest! {
    #[test]
    fn arbitrary_text(s in any::<String>()) {
        let _ = Ruleset::load_str("x", &s, Path::new("x.yaml"));
    }

    #[test]
    fn mutated_sample_file(
        cut in any::<prop::sample::Index>(),
        len in 0usize..40,
        junk in "[-:\\[\\]{}()'\" \\n a-z%=<>,#&*!|]{0,6}",
    ) {
        let at = cut.index(SAMPLE.len());
        let (start, end) = (at, (at + len).min(SAMPLE.len()));
        let mutated = format!("{}{}{}", &SAMPLE[..start], junk, &SAMPLE[end..]);
        if let Err(errors) = Ruleset::load_str("x", &mutated, Path::new("x.yaml")) {
            for e in errors.errors() {
                prop_assert!(e.line >= 1, "{e}");
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}

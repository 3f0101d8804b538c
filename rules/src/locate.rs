//! Maps an offset inside a YAML string value back to a line and column of the file.
//!
//! Conditions are often folded block scalars (`condition: >`) spread over many
//! lines; YAML gives us only where the value starts. Each source line after
//! that start is matched, indentation stripped, against the value text in
//! order; an offset then falls into one of the matched pieces. When a line
//! does not match (escapes in a quoted string, for example) mapping stops and
//! later offsets fall back to the last piece that did.

use crate::yaml::Mark;

/// The file position of byte `offset` of `value`, whose first character is at `start`.
pub(crate) fn locate(source: &str, start: Mark, value: &str, offset: usize) -> Mark {
    if start.line == 0 || start.column == 0 {
        return start;
    }
    let mut offset = offset.min(value.len());
    while !value.is_char_boundary(offset) {
        offset -= 1;
    }
    let mut best = start;
    let mut cursor = 0; // byte offset in `value`
    for (i, line) in source.lines().enumerate().skip(start.line as usize - 1) {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let first = line_no == start.line;
        // Characters of the line that belong to the value.
        let skip_chars = if first { start.column as usize - 1 } else { 0 };
        let mut col = u32::try_from(skip_chars).unwrap_or(u32::MAX) + 1;
        let mut seg: &str = line.char_indices().nth(skip_chars).map_or("", |(b, _)| &line[b..]);
        if first && seg.starts_with(['"', '\'']) {
            seg = &seg[1..];
            col += 1;
        }
        let trimmed = seg.trim_start();
        col += u32::try_from(seg[..seg.len() - trimmed.len()].chars().count()).unwrap_or(0);
        let seg = trimmed.trim_end();
        if seg.is_empty() {
            continue;
        }
        // Skip the white space the folding left between lines.
        let rest = &value[cursor..];
        cursor += rest.len() - rest.trim_start().len();
        let matched = common_prefix(&value[cursor..], seg);
        if matched == 0 {
            if first {
                continue;
            }
            break;
        }
        if offset < cursor {
            break;
        }
        let seg_end = cursor + matched;
        if offset <= seg_end {
            let chars = u32::try_from(value[cursor..offset].chars().count()).unwrap_or(0);
            return Mark { line: line_no, column: col + chars };
        }
        best = Mark { line: line_no, column: col };
        cursor = seg_end;
        if cursor >= value.len() {
            break;
        }
    }
    best
}

/// Bytes of `a` that equal the start of `b`, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices().zip(b.chars()).find(|((_, x), y)| x != y).map_or_else(|| a.len().min(b.len()), |((i, _), _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Kind, parse};

    /// The value of the first key of the first item, its start mark, and the mark of `needle` in it.
    fn find(src: &str, key: &str, needle: &str) -> Mark {
        let doc = parse(src).unwrap();
        let Kind::Seq(items) = doc.kind else { panic!() };
        let Kind::Map(entries) = &items[0].kind else { panic!() };
        let (_, v) = entries.iter().find(|(k, _)| k.as_str() == Some(key)).unwrap();
        let text = v.as_str().unwrap();
        locate(src, v.mark, text, text.find(needle).unwrap())
    }

    #[test]
    fn plain_value_on_the_key_line() {
        let src = "- rule: x\n  condition: proc.name = a and bad.field = 1\n";
        assert_eq!(find(src, "condition", "bad.field"), Mark { line: 2, column: 32 });
    }

    #[test]
    fn quoted_value() {
        let src = "- rule: x\n  condition: \"proc.name = a and bad.field = 1\"\n";
        assert_eq!(find(src, "condition", "bad.field"), Mark { line: 2, column: 33 });
    }

    #[test]
    fn folded_block_value() {
        let src = "- rule: x\n  condition: >\n    evt.type = execve\n      and proc.nmae = sh\n    and x\n";
        assert_eq!(find(src, "condition", "proc.nmae"), Mark { line: 4, column: 11 });
        assert_eq!(find(src, "condition", "and x"), Mark { line: 5, column: 5 });
        assert_eq!(find(src, "condition", "evt"), Mark { line: 3, column: 5 });
    }

    #[test]
    fn literal_block_with_blank_lines_and_comments() {
        let src = "- rule: x\n  condition: |  # why\n    a\n\n    and b.c = 1\n  output: o\n";
        assert_eq!(find(src, "condition", "b.c"), Mark { line: 5, column: 9 });
    }

    #[test]
    fn plain_multi_line_value() {
        let src = "- rule: x\n  condition: a and\n    b and c.d\n";
        assert_eq!(find(src, "condition", "c.d"), Mark { line: 3, column: 11 });
    }

    #[test]
    fn falls_back_when_escapes_break_the_match() {
        let src = "- rule: x\n  condition: \"a \\\" and b\"\n";
        // The escaped quote stops the mapping; the position is the start of the line's piece.
        assert_eq!(find(src, "condition", "b"), Mark { line: 2, column: 15 });
    }
}

//! Splitting normalized paths without `std::path`'s component parser.

/// The directory and final name of a normalized path (no `.` components),
/// as `Path::parent` and `Path::file_name` give them (`/` has neither, a
/// trailing `..` has no name), without parsing it into components.
#[must_use]
pub fn split_path(path: &str) -> (Option<&str>, Option<&str>) {
    let trimmed = path.trim_end_matches('/');
    let Some(i) = trimmed.rfind('/') else {
        return if trimmed.is_empty() { (None, None) } else { (Some(""), Some(trimmed)) };
    };
    // Empty when only slashes come before the name: then it is the root.
    let dir = trimmed[..i].trim_end_matches('/');
    let name = &trimmed[i + 1..];
    // Never empty: `trimmed` does not end with a slash.
    (Some(if dir.is_empty() { "/" } else { dir }), (name != "..").then_some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_as_std_path_does() {
        for p in ["/", "/a", "/a/b", "/srv/etc/x", "/a/b/", "//a", "/a//b", "/a/..", "/.hidden", "a/b", "a"] {
            let std = std::path::Path::new(p);
            let want = (
                std.parent().map(|d| d.to_str().unwrap().to_string()),
                std.file_name().map(|n| n.to_str().unwrap().to_string()),
            );
            let (dir, name) = split_path(p);
            assert_eq!((dir.map(str::to_string), name.map(str::to_string)), want, "{p}");
        }
    }
}

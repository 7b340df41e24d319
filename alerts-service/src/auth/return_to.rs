//! Where a sign-in link lands after signing in (`return_to`): only a path on this origin, so a
//! crafted login request or link can never turn the dashboard into an open redirect.

/// Longest `return_to` kept; longer ones are ignored (no page of the dashboard needs more).
const MAX_LEN: usize = 1024;

/// `raw` if it is a path on this origin (`/alerts/1?x=y#z`), `None` for anything else: another
/// origin, a scheme (`https:`, `javascript:`), a protocol-relative `//host`, a backslash (which
/// browsers read as a slash, so `/\host` is `//host`), control characters (which browsers strip,
/// so `/<TAB>/host` is `//host` too) or an empty or overlong value. Only printable ASCII is
/// kept: a browser's `location.pathname + search` is already percent-encoded, and the value
/// goes into a `Location` header as it is.
pub fn same_origin_path(raw: &str) -> Option<&str> {
    let ok = raw.len() <= MAX_LEN
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && raw.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_paths_on_this_origin_are_kept() {
        for kept in [
            "/",
            "/alerts/42",
            "/alerts/42/edit?tab=a#b",
            "/a%2F%2Fb",
            "/.//x",
        ] {
            assert_eq!(same_origin_path(kept), Some(kept), "{kept:?}");
        }
        for ignored in [
            "",
            "alerts",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\u{7f}",
            "/\u{0}",
            "/a b",
            "/caf\u{e9}",
        ] {
            assert_eq!(same_origin_path(ignored), None, "{ignored:?}");
        }
        assert_eq!(same_origin_path(&format!("/{}", "a".repeat(1024))), None);
    }
}

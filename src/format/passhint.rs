//! Passwords that a message gives for its own attachments: "the password
//! is 4471", "Passwort: Rechnung2024", "<b>Password:</b> «x7#Qa»". Malspam
//! sends its archives and documents encrypted, so that a scanner cannot
//! read them, and the password beside them, so that the victim can; a
//! gateway that reads the message tries it. The same reading serves the
//! chat message a host passes with a file, and a `password.txt` found
//! beside an encrypted archive ([`is_password_file`]).
//!
//! Pure: text in, candidates out. A candidate only adds a decryption try
//! (an encrypted entry that none opens is still reported encrypted), so
//! the reading is generous, and bounded: at most [`MAX`] candidates of at
//! most [`MAX_CHARS`] characters from the first [`MAX_TEXT`] bytes of each
//! text.

/// Most candidates one message gives: each costs a try on every encrypted
/// object below it (a 7z try is half a million SHA-256 rounds).
pub(crate) const MAX: usize = 6;

/// Longest candidate, in characters.
pub(crate) const MAX_CHARS: usize = 64;

/// How much of the text after a keyword is read for its password: eight
/// words of filler, a remark and a quoted password fit.
const WINDOW: usize = 1 << 10;

/// How much of a text is read: a password follows the greeting, not
/// hundreds of kilobytes of prose.
pub(crate) const MAX_TEXT: usize = 256 << 10;

/// The words that name a password, in lowercase. A keyword must not
/// follow a letter (`bypass` is none); after one of the `WEAK` ones a
/// separator (`:` or `=`) must follow, since they are ordinary words too.
const KEYWORDS: &[&str] = &[
    "password",
    "passwort",
    "passwd",
    "passcode",
    "passphrase",
    "passord",
    "kennwort",
    "mot de passe",
    "contraseña",
    "contrasena",
    "senha",
    "parola",
    "wachtwoord",
    "hasło",
    "haslo",
    "heslo",
    "jelszó",
    "lösenord",
    "adgangskode",
    "kodeord",
    "salasana",
    "şifre",
    "sifre",
    "lozinka",
    "geslo",
    "mật khẩu",
    "kata sandi",
    "пароль",
    "密码",
    "密碼",
    "パスワード",
    "비밀번호",
    "암호",
];

/// Keywords that are ordinary words or abbreviations: a candidate follows
/// them only after `:` or `=`.
const WEAK: &[&str] = &["pass", "pwd", "pw", "pin", "code", "clave", "kod", "код"];

/// Words between a keyword and its password that are not the password.
const FILLER: &[&str] = &[
    "is",
    "are",
    "was",
    "will",
    "be",
    "for",
    "the",
    "a",
    "an",
    "to",
    "of",
    "this",
    "that",
    "it",
    "its",
    "file",
    "files",
    "archive",
    "archives",
    "attachment",
    "attachments",
    "attached",
    "document",
    "documents",
    "zip",
    "rar",
    "7z",
    "pdf",
    "open",
    "opening",
    "below",
    "following",
    "here",
    "protected",
    "your",
    "our",
    "my",
    "use",
    "enter",
    "please",
    "ist",
    "lautet",
    "für",
    "die",
    "das",
    "der",
    "den",
    "anhang",
    "datei",
    "est",
    "le",
    "la",
    "du",
    "de",
    "pour",
    "es",
    "el",
    "para",
    "del",
    "é",
    "o",
    "e",
    "di",
    "per",
    "il",
    "lo",
    "zum",
    "öffnen",
];

/// The candidates `text` gives, appended to `out` (none twice, `out` never
/// past [`MAX`]).
pub(crate) fn from_text(text: &str, out: &mut Vec<String>) {
    let text = head(text, MAX_TEXT);
    let mut rest_at = 0;
    while out.len() < MAX {
        let Some((after, weak)) = next_keyword(text, rest_at) else {
            return;
        };
        rest_at = after;
        take_after(&text[after..], weak, out);
    }
}

/// Largest file read as a password file: a password and a few lines
/// about it, not a document.
pub(crate) const MAX_FILE: usize = 4 << 10;

/// True when an entry named `name` (any folder) is a password file beside
/// what it opens: `password.txt`, `Passwort.txt`, `PASS.TXT`, `пароль`.
pub(crate) fn is_password_file(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = match base.rsplit_once('.') {
        Some((stem, ext)) if ext.eq_ignore_ascii_case("txt") => stem,
        Some(_) => return false,
        None => base,
    };
    // The longest such name is a few words ("mot de passe"): most names
    // are not lowered at all.
    if stem.len() > 40 {
        return false;
    }
    let stem = stem.trim();
    let names = |s: &str| {
        KEYWORDS
            .iter()
            .chain(&["pass", "pwd", "pw"])
            .any(|k| k.eq_ignore_ascii_case(s))
    };
    let plural = |s: &str| names(s) || s.strip_suffix(['s', 'S']).is_some_and(names);
    // An ASCII stem is compared without case as it is (nearly every name,
    // and no allocation for each); another is lowered first.
    if stem.is_ascii() {
        plural(stem)
    } else {
        plural(&stem.to_lowercase())
    }
}

/// The candidates a password file gives (see [`is_password_file`]): what
/// follows a keyword in it ("Password: 4471"), else its first line as a
/// whole ("4471"). Nothing from a file over [`MAX_FILE`] or not text.
pub(crate) fn from_password_file(data: &[u8], out: &mut Vec<String>) {
    if data.len() > MAX_FILE {
        return;
    }
    let Ok(text) = std::str::from_utf8(data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data)) else {
        return;
    };
    let before = out.len();
    from_text(text, out);
    if out.len() == before
        && let Some(line) = text.lines().map(str::trim).find(|l| !l.is_empty())
    {
        push(line, out);
    }
}

/// [`from_text`] for an HTML body: its markup read as white space and its
/// common character references decoded, as the reader sees the text.
pub(crate) fn from_html(html: &str, out: &mut Vec<String>) {
    from_text(&visible_text(head(html, MAX_TEXT)), out);
}

/// The first `max` bytes of `s`, cut at a character's start.
fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The next keyword at or after `from`: where the text after it starts,
/// and whether it is a weak one.
fn next_keyword(text: &str, from: usize) -> Option<(usize, bool)> {
    let mut prev: Option<char> = text[..from].chars().next_back();
    for (at, c) in text[from..].char_indices() {
        let at = from + at;
        let boundary = !prev.is_some_and(char::is_alphanumeric);
        prev = Some(c);
        if !boundary {
            continue;
        }
        let first = lower(c);
        // Strong keywords first: "password" is not "pass" and then "word".
        for (list, weak) in [(KEYWORDS, false), (WEAK, true)] {
            for k in list {
                if !k.starts_with(first) {
                    continue;
                }
                if let Some(end) = match_keyword(text, at, k) {
                    // A plural, then anything but a letter: "passwords:"
                    // names one, "passable" and "passport" do not.
                    let end = if text[end..].starts_with(['s', 'S']) {
                        end + 1
                    } else {
                        end
                    };
                    let ends_word = !text[end..].chars().next().is_some_and(|c| {
                        c.is_alphanumeric() && !is_cjk(c) && !k.chars().next().is_some_and(is_cjk)
                    });
                    if ends_word {
                        return Some((end, weak));
                    }
                }
            }
        }
    }
    None
}

/// Where `keyword` (lowercase) ends when it starts at `at` in any case.
fn match_keyword(text: &str, at: usize, keyword: &str) -> Option<usize> {
    let mut chars = text[at..].char_indices();
    for k in keyword.chars() {
        let (_, c) = chars.next()?;
        if lower(c) != k {
            return None;
        }
    }
    Some(chars.next().map_or(text.len(), |(i, _)| at + i))
}

/// One character in lowercase (the first of its lowercase form, so that
/// the comparison walks the text a character at a time).
fn lower(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af)
}

/// Separators between a keyword and its password.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ':' | '=' | '-' | '–' | '—' | '>' | '：' | '*' | '_' | '|' | '→' | '⇒'
    )
}

/// Quotes that may enclose a password, with their closing mates.
fn closing_quote(c: char) -> Option<char> {
    Some(match c {
        '"' => '"',
        '\'' => '\'',
        '`' => '`',
        '“' => '”',
        '„' => '“',
        '‘' => '’',
        '«' => '»',
        '»' => '«',
        '「' => '」',
        '『' => '』',
        _ => return None,
    })
}

/// Reads the password after a keyword: separators and filler words
/// skipped, then a quoted string or a word. After a weak keyword, only
/// when a separator came first.
fn take_after(rest: &str, weak: bool, out: &mut Vec<String>) {
    // The next few words only: each keyword reads a window, not the rest
    // of the text (keywords back to back, "password:password:...", made
    // reading a text quadratic in its length).
    let cut = rest.len() > WINDOW;
    let mut s = head(rest, WINDOW);
    let mut separated = false;
    // A few words of filler at most: "password for the attached archive is
    // below: 4471".
    for _ in 0..8 {
        let trimmed = s.trim_start_matches(|c: char| c.is_whitespace() || is_separator(c));
        if trimmed.len() != s.len() && s[..s.len() - trimmed.len()].contains([':', '=', '：']) {
            separated = true;
        }
        s = trimmed;
        if weak && !separated {
            return;
        }
        let Some(c) = s.chars().next() else {
            return;
        };
        if let Some(close) = closing_quote(c) {
            let inner = &s[c.len_utf8()..];
            if let Some(end) = inner.find(close)
                && end > 0
            {
                push(&inner[..end], out);
                return;
            }
        }
        // A remark before the separator: "password (case sensitive): 4471".
        if !separated
            && s.starts_with('(')
            && let Some(close) = s.find(')').filter(|&c| c < 48)
            && s[close + 1..].trim_start().starts_with([':', '=', '：'])
        {
            s = &s[close + 1..];
            continue;
        }
        let word_end = match s.find(char::is_whitespace) {
            Some(end) => end,
            // A word the window cuts is no password: too long to be one.
            None if cut => return,
            None => s.len(),
        };
        let word = &s[..word_end];
        let bare = word.trim_end_matches([':', '=', '：']);
        if bare.len() != word.len() && !separated {
            // "archive:" ends the filler: what follows is the password
            // (after a separator, "abc:" is one). A word that is not
            // filler may be one ending in `=` itself ("the password is
            // dGVzdA==").
            if !FILLER.contains(&bare.to_lowercase().as_str()) {
                push(word, out);
            }
            s = &s[word_end..];
            separated = true;
            continue;
        }
        // After a separator the next word is the password, whatever it
        // reads as; before one, filler words are passed over.
        if !separated && FILLER.contains(&word.to_lowercase().as_str()) {
            s = &s[word_end..];
            continue;
        }
        word_candidates(word, out);
        return;
    }
}

/// A word as a password: without the brackets and the sentence's
/// punctuation around it ("(4471)." gives "4471" first), without the one
/// mark that ends the sentence ("A0;." gives "A0;"), and as written.
fn word_candidates(word: &str, out: &mut Vec<String>) {
    const AFTER: [char; 17] = [
        '.', ',', ';', '!', '?', ')', ']', '>', '}', '*', '"', '\'', '»', '”', '’', '。', '，',
    ];
    let inner = word
        .trim_start_matches(['(', '[', '<', '{', '*', '"', '\'', '«', '“', '‘'])
        .trim_end_matches(AFTER);
    push(inner, out);
    push(word.strip_suffix(AFTER).unwrap_or(word), out);
    push(word, out);
}

/// Adds one candidate: not empty, not too long, without control
/// characters, not twice.
fn push(candidate: &str, out: &mut Vec<String>) {
    if out.len() >= MAX
        || candidate.is_empty()
        || candidate.chars().count() > MAX_CHARS
        || candidate.chars().any(char::is_control)
        || out.iter().any(|c| c == candidate)
    {
        return;
    }
    out.push(candidate.to_owned());
}

/// The text a browser shows of `html`, roughly: tags as white space, the
/// common character references decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(MAX_TEXT));
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            // A tag (or a comment, read the same way) is a space.
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            out.push(' ');
            rest = &rest[end..];
            continue;
        }
        let (text, used) = reference(rest);
        out.push_str(text);
        rest = &rest[used..];
    }
    out.push_str(rest);
    out
}

/// The character reference at the start of `s` (which starts with `&`):
/// what it stands for and how many bytes it takes. An unknown one is `&`.
fn reference(s: &str) -> (&'static str, usize) {
    const NAMED: &[(&str, &str)] = &[
        ("&nbsp;", " "),
        ("&amp;", "&"),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&#39;", "'"),
        ("&#34;", "\""),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&#160;", " "),
        ("&laquo;", "«"),
        ("&raquo;", "»"),
        ("&ldquo;", "“"),
        ("&rdquo;", "”"),
    ];
    NAMED
        .iter()
        .find(|(r, _)| s.get(..r.len()).is_some_and(|h| h.eq_ignore_ascii_case(r)))
        .map_or(("&", 1), |(r, t)| (t, r.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keywords back to back through the whole text read each a window,
    /// not the text to its end: 28,000 keywords in 256 KB.
    #[test]
    fn keywords_back_to_back_are_read_in_linear_time() {
        let text = "password:".repeat(MAX_TEXT / 9);
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        from_text(&text, &mut out);
        // Only the last, short enough to be passwords.
        assert!(out.iter().all(|c| c.len() <= WINDOW), "{out:?}");
        // Quadratic, this took minutes in a debug build.
        assert!(t.elapsed() < std::time::Duration::from_secs(20));
        // A word longer than the window is none; a password after it is.
        let text = format!("password {} password: 4471 ok", "x".repeat(4 << 10));
        assert_eq!(hints(&text), ["4471"]);
    }

    fn hints(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        from_text(text, &mut out);
        out
    }

    #[test]
    fn the_common_phrasings_give_the_password_first() {
        for (text, want) in [
            ("Password: 4471", "4471"),
            ("password:4471", "4471"),
            ("The password is Xy7!pq", "Xy7!pq"),
            (
                "Please find the invoice attached.\nPassword for the archive: inv2024\nRegards",
                "inv2024",
            ),
            ("The archive password is 'A b C'.", "A b C"),
            ("pass: 9911", "9911"),
            ("PW = secret", "secret"),
            ("Passwort: Rechnung2024", "Rechnung2024"),
            ("Das Passwort lautet Rechnung2024.", "Rechnung2024"),
            ("Mot de passe : 7788", "7788"),
            ("La contraseña es «Qw3rty»", "Qw3rty"),
            ("Senha: abc123", "abc123"),
            ("Пароль: 5566", "5566"),
            ("密码：8899", "8899"),
            ("PASSWORD\n  Zz99", "Zz99"),
            ("Use the password (4471).", "4471"),
            ("Passwords: one", "one"),
            ("Password: abc:", "abc:"),
            ("Archive password (case sensitive): a0", "a0"),
        ] {
            let got = hints(text);
            assert_eq!(
                got.first().map(String::as_str),
                Some(want),
                "{text:?}: {got:?}"
            );
        }
    }

    #[test]
    fn a_word_with_its_punctuation_is_tried_as_written_too() {
        assert_eq!(hints("password: 4471."), ["4471", "4471."]);
        assert_eq!(hints("password: A0;."), ["A0", "A0;", "A0;."]);
    }

    #[test]
    fn ordinary_words_give_nothing() {
        for text in [
            "Please pass the report to the team.",
            "We bypass the firewall, then the passport office.",
            "Your passport expires soon; the pin is in the drawer.",
            "The code review is on Monday.",
            "",
            "password",
            "password:",
            "Password: \n\n",
        ] {
            assert_eq!(hints(text), Vec::<String>::new(), "{text:?}");
        }
    }

    #[test]
    fn a_password_file_gives_its_line() {
        for name in [
            "password.txt",
            "Setup/PASSWORD.TXT",
            "Passwords",
            "PASSWORDS.txt",
            "pass.txt",
            "Mot de Passe.txt",
            "Пароль.txt",
            "CONTRASEÑA.txt",
        ] {
            assert!(is_password_file(name), "{name}");
        }
        for name in [
            "passport.txt",
            "password.exe",
            "readme.txt",
            "my password list.txt",
        ] {
            assert!(!is_password_file(name), "{name}");
        }
        let read = |data: &[u8]| {
            let mut out = Vec::new();
            from_password_file(data, &mut out);
            out
        };
        assert_eq!(read(b"\xef\xbb\xbf  4471 \r\n"), ["4471"]);
        assert_eq!(read(b"Archive password: Q7-x!\r\nEnjoy"), ["Q7-x", "Q7-x!"]);
        assert!(read(&[b'a'; MAX_FILE + 1]).is_empty());
        assert!(read(b"\xff\xfe4\x004\x00").is_empty());
    }

    #[test]
    fn html_is_read_as_its_text() {
        let mut out = Vec::new();
        from_html(
            "<p>Hello,</p><p><b>Password:</b>&nbsp;<span style=\"x\">K9&amp;m</span></p>",
            &mut out,
        );
        assert_eq!(out.first().map(String::as_str), Some("K9&m"));
    }

    #[test]
    fn candidates_are_bounded_in_number_and_length() {
        let text = "password: a1 password: a2 password: a3 password: a4 password: a5 password: a6 password: a7 password: a8";
        assert_eq!(hints(text).len(), MAX);
        let long = format!("password: {}", "x".repeat(MAX_CHARS + 1));
        assert!(hints(&long).is_empty());
        let mut prose = "word ".repeat(MAX_TEXT / 5 + 10);
        prose.push_str("password: late");
        assert!(hints(&prose).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_few_short_pieces_of_itself(text in ".{0,300}", prefix in "(password|pass|Пароль|密码)[:= ]{0,2}") {
            let text = format!("{prefix}{text}");
            let got = hints(&text);
            proptest::prop_assert!(got.len() <= MAX);
            for g in &got {
                proptest::prop_assert!(!g.is_empty() && g.chars().count() <= MAX_CHARS);
                proptest::prop_assert!(text.contains(g.as_str()), "{:?} not in {:?}", g, text);
            }
            let mut html = Vec::new();
            from_html(&text, &mut html);
            proptest::prop_assert!(html.len() <= MAX);
        }
    }
}

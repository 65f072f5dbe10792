//! What one scan may change: candidate passwords (given, or named in the
//! message that carried the file), how its name is read,
//! cancellation and first-hit mode.

use crate::limits::CancelToken;

/// Options of one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub(super) passwords: Vec<String>,
    pub(super) local_path: bool,
    pub(super) cancel: Option<CancelToken>,
    pub(super) first_hit: bool,
}

impl ScanOptions {
    /// Options with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a candidate password for this scan's encrypted entries, such as
    /// one found in the chat message that carried the file. Tried before
    /// the engine's own list.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.passwords.push(password.into());
        self
    }

    /// Gives the text of the message that carried the file (a chat
    /// message, a mail's body, a download page's caption): the passwords
    /// it names ("pw: 4471", "the password is 4471", in some twenty
    /// languages) are tried, after those of [`password`](Self::password)
    /// and before the engine's own list. A message that names none
    /// changes nothing.
    ///
    /// ```
    /// use xferscan::ScanOptions;
    /// let opts = ScanOptions::new().message_text("Invoice attached, Passwort: Rechnung24");
    /// assert_eq!(opts.passwords(), ["Rechnung24"]);
    /// ```
    pub fn message_text(mut self, text: &str) -> Self {
        let mut found = Vec::new();
        crate::format::passhint::from_text(text, &mut found);
        for p in found {
            if !self.passwords.contains(&p) {
                self.passwords.push(p);
            }
        }
        self
    }

    /// The candidate passwords of this scan, in the order they are tried
    /// (before the engine's list).
    pub fn passwords(&self) -> &[String] {
        &self.passwords
    }

    /// Says that the name is a path on this machine (as in `scan_path`), not
    /// the name the file was sent with: only its last component is judged.
    pub fn local_path(mut self, yes: bool) -> Self {
        self.local_path = yes;
        self
    }

    /// Lets the host cancel this scan from another thread: the scan stops at
    /// its next check (between objects and between steps of every decoder),
    /// reports what it had found with a `limit.cancelled` finding, and says
    /// it is incomplete.
    ///
    /// ```
    /// use xferscan::{CancelToken, Engine, ScanOptions};
    /// let engine = Engine::builder().build()?;
    /// let cancel = CancelToken::new();
    /// cancel.cancel(); // say, the transfer was aborted
    /// let opts = ScanOptions::new().cancel(cancel);
    /// let report = engine.scan_bytes_with("a.txt", b"hello".to_vec(), &opts);
    /// assert!(!report.complete);
    /// assert!(report.is_detected()); // never a silent clean
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The cancel token of this scan, if it has one.
    pub fn cancel_token(&self) -> Option<&CancelToken> {
        self.cancel.as_ref()
    }

    /// First-hit mode: stop at the first finding that the policy blocks.
    /// The verdict is then already malicious, and the report says that it
    /// is incomplete; a gateway that only needs the verdict saves the rest
    /// of the scan.
    pub fn first_hit(mut self, yes: bool) -> Self {
        self.first_hit = yes;
        self
    }

    /// The passwords to try: this scan's hints first, then the engine's.
    pub(super) fn passwords_with<'a>(
        &'a self,
        engine: &'a [String],
    ) -> std::borrow::Cow<'a, [String]> {
        // Most scans have no hints, and then the engine's list is used as
        // it is.
        if self.passwords.is_empty() {
            return std::borrow::Cow::Borrowed(engine);
        }
        let mut all = self.passwords.clone();
        all.extend(
            engine
                .iter()
                .filter(|p| !self.passwords.contains(p))
                .cloned(),
        );
        std::borrow::Cow::Owned(all)
    }
}

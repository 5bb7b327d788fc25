//! Diagnostics: every problem in a mapping text is data with a stable code, a place and a hint.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How bad a problem is. Errors stop a run; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The mapping cannot be used as written.
    Error,
    /// The mapping works, but probably not as intended.
    Warning,
}

/// A range `start..end` in the mapping text: UTF-8 bytes in [`Diagnostic::span`], UTF-16 code
/// units in [`Diagnostic::utf16_span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Span {
    /// First byte (or code unit).
    pub start: usize,
    /// One past the last byte (or code unit).
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// The registry of diagnostic codes. A code is never reused for another meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable text form, e.g. `E020`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity every diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One-line description of what the code means (used by the docs).
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// The code for its text form.
            pub fn parse(text: &str) -> Option<Code> {
                match text { $($code => Some(Code::$variant),)* _ => None }
            }

            /// Whether the code is a run failure (E1xx) rather than a problem a mapping text
            /// shows by itself.
            pub fn is_run_failure(self) -> bool {
                self.as_str().starts_with("E1")
            }
        }
    };
}

codes! {
    MissingKey = "E001", Error, "The mapping has no `key:` line.";
    DuplicateKey = "E002", Error, "More than one `key:` line.";
    UnknownDirective = "E003", Error, "A line does not start with `key:`, `map:` or `config:`.";
    MissingEquals = "E004", Error, "A `key:`, `map:` or `config:` line has no `=` separating its two sides.";
    EmptySource = "E005", Error, "The source (left of `=`) is empty, or a `${}` holds no path.";
    EmptyAttribute = "E006", Error, "The attribute name (right of `=`) is empty.";
    UnbalancedInterpolation = "E007", Error, "A `${` has no closing `}`.";
    UnterminatedQuote = "E008", Error, "A `\"` has no closing `\"`.";
    BadPath = "E009", Error, "A source path is malformed (empty segment, unclosed `[`, bad predicate).";
    UnknownConfig = "E010", Error, "Unknown `config:` name.";
    BadConfigValue = "E011", Error, "A `config:` value is not allowed (unknown api, page size out of range, ...).";
    DuplicateConfig = "E012", Error, "A `config:` setting that can appear once appears twice.";
    BadFilter = "E013", Error, "A `config:filter` is not `field:operator:value` with an operator the api accepts.";
    DuplicateTarget = "E014", Error, "Two unconditional rows write the same attribute.";
    UnknownTransform = "E015", Error, "An option after `|` is not a known transform or option.";
    BadTransformArgument = "E016", Error, "A transform or option has a missing, extra or invalid argument.";
    BadRegex = "E017", Error, "An `extract=` regular expression does not compile.";
    BadDateFormat = "E018", Error, "A `parseDate=` / `formatDate=` pattern uses an unknown `%` field.";
    ConflictingOptions = "E019", Error, "A row has two lookups, or options that cannot be combined.";
    UnknownAttribute = "E020", Error, "The object type has no attribute with this name.";
    TypeMismatch = "E021", Error, "A constant or template can never be a valid value of the attribute's type.";
    LookupOnNonReference = "E022", Error, "A lookup (`|Name=${x}` or `|byKey`) on an attribute that is not an object reference.";
    LookupAttributeMissing = "E023", Error, "The referenced object type has no attribute the lookup names.";
    ReadOnlyAttribute = "E024", Error, "The attribute is a system or non-editable attribute.";
    BadKey = "E025", Error, "The `key:` row cannot be a lookup, conditional, or multi-valued.";
    RequiredAttributeMissing = "E026", Error, "The object type requires an attribute (minimum cardinality 1 or more) that no row writes.";
    ReferenceNeedsLookup = "E027", Error, "A JumpCloud value into an object reference without a lookup (`|Name=${x}` or `|byKey`).";
    FieldTypeMismatch = "E028", Error, "A JumpCloud field whose type (per the API spec) can never be a value of the attribute's type.";
    MissingApi = "W001", Warning, "No `config:api`; the import reads `systemusers`.";
    MultiIntoSingle = "W002", Warning, "A source that yields several values goes into a single-valued attribute.";
    TextIntoTyped = "W003", Warning, "A JumpCloud text field goes into a number, boolean or date attribute.";
    ReferenceWithoutLookup = "W004", Warning, "A constant written as an object key (`\"HR-12\"`) into an object reference: it is used as the key.";
    CaseMismatch = "W005", Warning, "The attribute name matches only when case is ignored.";
    NoRows = "W006", Warning, "The mapping has no `map:` lines.";
    UnguardedDeletion = "W007", Warning, "`config:missing=delete` without `config:maxDeletions`.";
    DataLimitIgnored = "W009", Warning, "OnLink's `config:data_limit`: accepted, but there is no per-run cap on the records read.";
    UnknownSourceField = "W008", Warning, "A source path starts with a field the collection's records do not have (per JumpCloud's API spec).";
    RunMappingErrors = "E101", Error, "Run: the mapping has errors, so the run did not start (the diagnostics are in the report).";
    RunMappingDoesNotFit = "E102", Error, "Run: the mapping does not fit the object type it writes to.";
    RunInvalidOptions = "E103", Error, "Run: an import or run id has characters storage keys cannot hold.";
    RunNoWorkspace = "E104", Error, "Run: the Jira site has no Assets workspace.";
    RunNoTargetType = "E105", Error, "Run: no `config:objectType` and no object type chosen.";
    RunTargetNotFound = "E106", Error, "Run: the object schema or type does not exist, or its name is ambiguous.";
    RunNoKeyAttribute = "E107", Error, "Run: the object type has no attribute named by the `key:` line.";
    RunBadMissingPolicy = "E108", Error, "Run: `config:missing` names an attribute or status the object type lacks.";
    RunServiceFailed = "E109", Error, "Run: JumpCloud or Assets refused a request or could not be reached after retries.";
    RunStorageFailed = "E110", Error, "Run: the app's storage failed.";
    RunNothingWritten = "E111", Error, "Run: no record could be written (each was refused by Assets or skipped).";
    RunSliceKeepsStopping = "E112", Error, "Run: a slice of the run was stopped before it could store its work, time after time (a run on Forge is cut into time-limited invocations).";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code {text:?}")))
    }
}

/// One problem found in a mapping text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Stable code, e.g. `E020`.
    pub code: Code,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// 1-based line of the span start.
    pub line: usize,
    /// 1-based column of the span start, in characters.
    pub column: usize,
    /// 1-based line of the span end.
    pub end_line: usize,
    /// 1-based column just after the span end, in characters.
    pub end_column: usize,
    /// Byte range in the text (UTF-8), what Rust slices with.
    pub span: Span,
    /// The same range in UTF-16 code units, what JavaScript strings index (an emoji counts 2).
    #[serde(rename = "utf16Span")]
    pub utf16_span: Span,
    /// Short text shown under the span.
    pub label: String,
    /// A suggestion, e.g. `did you mean 'Job Title'?`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Further explanation.
    pub notes: Vec<String>,
    /// Edits that fix the problem, when the fix is clear (`tributary format --fix` applies
    /// them). Omitted from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix>,
}

/// One edit that fixes a diagnostic: replace `span` of the text with `replacement` (an empty
/// span inserts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// Byte range in the text (UTF-8) to replace.
    pub span: Span,
    /// The same range in UTF-16 code units, filled in with the diagnostic's own spans.
    #[serde(rename = "utf16Span", default)]
    pub utf16_span: Span,
    /// The new text.
    pub replacement: String,
    /// What the edit does, for a button or a `= fix:` line, e.g. `replace with 'Job Title'`.
    pub title: String,
}

impl Fix {
    /// An edit replacing `span` with `replacement`.
    pub fn new(span: Span, replacement: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            span,
            utf16_span: Span::default(),
            replacement: replacement.into(),
            title: title.into(),
        }
    }

    /// An edit replacing `span` with `replacement`, titled `replace with '<replacement>'`.
    pub fn replace(span: Span, replacement: &str) -> Self {
        Self::new(span, replacement, format!("replace with '{replacement}'"))
    }
}

impl Diagnostic {
    /// A diagnostic at byte range `span`; lines, columns and the UTF-16 span are filled in by
    /// [`LineIndex::locate`].
    pub fn new(
        code: Code,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
            span,
            utf16_span: Span::default(),
            label: label.into(),
            hint: None,
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Adds a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    /// Adds a fix when there is one.
    pub fn with_fix_opt(mut self, fix: Option<Fix>) -> Self {
        self.fixes.extend(fix);
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint when there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The E017 diagnostic for a regular expression `error` at `span`; the note is the last
    /// line of the regex library's message (the earlier ones repeat the pattern).
    pub fn bad_regex(span: Span, message: &str, error: &dyn std::fmt::Display) -> Self {
        let detail = error.to_string();
        Self::new(Code::BadRegex, span, message, "invalid regex")
            .with_note(detail.lines().last().unwrap_or_default().trim().to_string())
            .with_hint("the first `( )` group is kept; quote the pattern if it has `|` or `,`")
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Maps byte offsets of a text to 1-based lines, character columns and UTF-16 offsets.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: String,
    line_starts: Vec<usize>,
    /// The UTF-16 offset of each line start, so an offset is converted by counting within its
    /// line only.
    line_utf16_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        let mut line_utf16_starts = vec![0];
        let mut utf16 = 0;
        for (i, ch) in text.char_indices() {
            utf16 += ch.len_utf16();
            if ch == '\n' {
                line_starts.push(i + 1);
                line_utf16_starts.push(utf16);
            }
        }
        Self {
            text: text.to_string(),
            line_starts,
            line_utf16_starts,
        }
    }

    /// The text this index was built from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based `(line, column)` of a byte offset; the column counts characters.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The UTF-16 code unit offset of a byte offset (one inside a character counts from the
    /// character's start).
    pub fn utf16_offset(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let within: usize = self.text[self.line_starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        self.line_utf16_starts[line] + within
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    /// Fills in the line, column and UTF-16 span fields of a diagnostic from its byte span.
    pub fn locate(&self, mut diagnostic: Diagnostic) -> Diagnostic {
        let span = diagnostic.span;
        (diagnostic.line, diagnostic.column) = self.position(span.start);
        (diagnostic.end_line, diagnostic.end_column) = self.position(span.end);
        diagnostic.utf16_span = self.utf16_span(span);
        for fix in &mut diagnostic.fixes {
            fix.utf16_span = self.utf16_span(fix.span);
        }
        // Messages quote the text; a pathological line must not make every copy huge.
        diagnostic.message = clip(diagnostic.message);
        diagnostic.label = clip(diagnostic.label);
        diagnostic.hint = diagnostic.hint.map(clip);
        diagnostic.notes = diagnostic.notes.into_iter().map(clip).collect();
        diagnostic
    }

    /// A byte span in UTF-16 code units.
    pub fn utf16_span(&self, span: Span) -> Span {
        Span::new(self.utf16_offset(span.start), self.utf16_offset(span.end))
    }

    /// Locates every diagnostic and sorts them by position, then code.
    pub fn finish(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = diagnostics.into_iter().map(|d| self.locate(d)).collect();
        out.sort_by(|a, b| (a.span.start, a.code.as_str()).cmp(&(b.span.start, b.code.as_str())));
        out
    }
}

/// The most characters a message, label, hint or note keeps (the rest becomes `…`).
pub const MAX_MESSAGE_CHARS: usize = 2000;

fn clip(text: String) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// The candidate within typo distance of `word` (case-insensitive edit distance), if any.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word_lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The likeliest intended candidate for a hint: the [`closest`] one, else the longest
/// candidate `word` starts with (`uppercase` → `upper`).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let word_lower = word.to_lowercase();
    closest(word, candidates.iter().copied()).or_else(|| {
        candidates
            .iter()
            .copied()
            .filter(|c| c.len() >= 3 && word_lower.starts_with(&c.to_lowercase()))
            .max_by_key(|c| c.len())
    })
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let index = LineIndex::new("a\nüü=x\r\nz");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(2), (2, 1));
        assert_eq!(index.position(6), (2, 3));
        assert_eq!(index.line_text(2), "üü=x");
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        // 😀 is 4 bytes and 2 UTF-16 units; 漢 is 3 bytes and 1 unit.
        let text = "a😀\n漢bögus:x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.utf16_offset(0), 0);
        assert_eq!(index.utf16_offset(1), 1);
        assert_eq!(index.utf16_offset(5), 3, "after the emoji");
        assert_eq!(index.utf16_offset(6), 4, "next line");
        assert_eq!(index.utf16_offset(9), 5, "after 漢");
        assert_eq!(index.utf16_offset(2), 1, "inside the emoji: its start");
        assert_eq!(index.utf16_offset(text.len()), text.encode_utf16().count());
        assert_eq!(index.utf16_offset(999), text.encode_utf16().count());
    }

    #[test]
    fn diagnostics_carry_utf16_spans_past_the_bmp() {
        let text = "key:_id=id\nmap:firstname=Prénom 😀 漢\nbögus:thing=x\n";
        let doc = crate::Document::parse(text);
        let d = doc
            .diagnostics
            .iter()
            .find(|d| d.code == Code::UnknownDirective)
            .expect("the bad directive is reported");
        assert_eq!(&text[d.span.start..d.span.end], "bögus:thing=x");
        let units: Vec<u16> = text.encode_utf16().collect();
        let marked = String::from_utf16(&units[d.utf16_span.start..d.utf16_span.end]).unwrap();
        assert_eq!(marked, "bögus:thing=x");
        // Before it, é is 2 bytes and 1 unit, 😀 4 and 2, 漢 3 and 1: 5 bytes more than units.
        assert_eq!(d.span.start - d.utf16_span.start, 1 + 2 + 2);
        let json = serde_json::to_value(d).unwrap();
        assert_eq!(json["utf16Span"]["start"], d.utf16_span.start);
        assert_eq!(json["span"]["start"], d.span.start);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("Job Titel", ["First Name", "Job Title"]),
            Some("Job Title")
        );
        assert_eq!(did_you_mean("zzz", ["Job Title"]), None);
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
    }
}

//! The Tributary mapping language (placeholder until the parser lands).

/// A problem found in a mapping text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// Stable code.
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Checks a mapping text and returns every problem found.
pub fn validate(text: &str) -> Vec<Diagnostic> {
    let has_key = text.lines().any(|l| l.trim_start().starts_with("key:"));
    if has_key {
        Vec::new()
    } else {
        vec![Diagnostic {
            code: "E0001".into(),
            severity: "error".into(),
            message: "the mapping has no `key:` line".into(),
            line: 1,
            column: 1,
        }]
    }
}

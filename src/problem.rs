//! What is wrong with an input, located as precisely as its reader knows: the vocabulary every
//! reader (images_digests, chart values, the mapping of either) reports in.

use std::fmt;

/// One thing wrong with the input, located as precisely as the parser knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// What names the entry it belongs to, when it belongs to one: `component/sub`, a values path.
    pub entry: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            _ => {}
        }
        if let Some(entry) = &self.entry {
            write!(f, "{entry}: ")?;
        }
        f.write_str(&self.message)
    }
}

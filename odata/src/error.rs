//! The one error every refused query option gives.

use std::fmt;

/// A query the collection cannot answer as asked: Graph answers it with HTTP 400 and the
/// error body `{"error": {"code": "BadRequest", "message": …}}`. The host maps it; this
/// crate only says what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Graph's error code, always `"BadRequest"`.
    pub code: &'static str,
    /// What was refused, naming the option, property or literal.
    pub message: String,
}

impl QueryError {
    /// A `BadRequest` with `message`.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: "BadRequest",
            message: message.into(),
        }
    }

    /// A refused `$filter`, worded as Graph words it ("Invalid filter clause: …").
    pub(crate) fn filter(detail: impl fmt::Display) -> Self {
        Self::bad_request(format!("Invalid filter clause: {detail}"))
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for QueryError {}

//! `$filter`: parsing an expression once, then testing items against it.

mod ast;
mod eval;
mod lexer;
mod parser;

use serde_json::Value;

use crate::{Capabilities, QueryError};
use ast::{CmpOp, Expr, Root};
pub(crate) use lexer::parse_instant;
pub use parser::{MAX_DEPTH, MAX_FILTER_LEN, MAX_LAMBDAS};

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: Expr,
    text: String,
}

impl Filter {
    /// Parses a (percent-decoded) `$filter` expression, allowing the properties
    /// `caps.filterable` lists.
    ///
    /// # Errors
    /// A `BadRequest` [`QueryError`] for a syntax error, a property the collection does not
    /// filter on, an unsupported function, or an expression past [`MAX_FILTER_LEN`],
    /// [`MAX_DEPTH`] or [`MAX_LAMBDAS`].
    pub fn parse(text: &str, caps: &Capabilities<'_>) -> Result<Self, QueryError> {
        let expr = parser::parse(text, caps.filterable)?;
        Ok(Self {
            expr,
            text: text.to_owned(),
        })
    }

    /// The expression as the client wrote it (percent-decoded).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `item` satisfies the expression.
    #[must_use]
    pub fn matches(&self, item: &Value) -> bool {
        eval::holds(&self.expr, item, &mut Vec::new())
    }

    /// The top-level `and`-ed `property eq literal` terms (either side may be the property),
    /// as (path in the capabilities' spelling, literal), so a host can push them down to its
    /// store. They are necessary, not sufficient: an item must satisfy all of them, but the
    /// host still calls [`Filter::matches`] on what the store returns. Strings compare
    /// case-insensitively and instants as instants, so a store that compares bytes must
    /// fold or normalise the same way, or leave that term to `matches`.
    #[must_use]
    pub fn equalities(&self) -> Vec<(&str, &Value)> {
        let terms = match &self.expr {
            Expr::And(terms) => terms.as_slice(),
            single => std::slice::from_ref(single),
        };
        terms.iter().filter_map(equality).collect()
    }
}

fn equality(term: &Expr) -> Option<(&str, &Value)> {
    let Expr::Compare(left, CmpOp::Eq, right) = term else {
        return None;
    };
    match (left.as_ref(), right.as_ref()) {
        (Expr::Path(path), Expr::Literal(literal)) | (Expr::Literal(literal), Expr::Path(path))
            if path.root == Root::Item =>
        {
            Some((path.text.as_str(), &literal.value))
        }
        _ => None,
    }
}

//! The parsed form of a `$filter` expression.

use super::lexer::Literal;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    pub(crate) fn from_word(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

/// A built-in string function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    StartsWith,
    EndsWith,
    Contains,
}

/// `any` or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    Any,
    All,
}

/// Where a property path starts: the item itself, or the element a lambda variable
/// (numbered from the outermost lambda) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    Item,
    Variable(usize),
}

/// A property path, e.g. `initiatedBy/user/id` or `t/id` inside a lambda.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    pub(crate) root: Root,
    pub(crate) segments: Vec<String>,
    /// The segments joined with `/` (for a root path, in the spelling the capabilities list).
    pub(crate) text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Box<Expr>, CmpOp, Box<Expr>),
    Call(Function, Box<Expr>, Box<Expr>),
    Lambda {
        collection: Path,
        quantifier: Quantifier,
        /// `None` for `any()`: the collection is not empty.
        body: Option<Box<Expr>>,
    },
    Path(Path),
    Literal(Literal),
}

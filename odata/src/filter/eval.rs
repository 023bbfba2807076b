//! Evaluating a parsed `$filter` against one JSON item. Two-valued: a condition is true or
//! it is not, so `not e` holds exactly when `e` does not (OData's `null` results count as
//! false).

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::ast::{CmpOp, Expr, Function, Path, Quantifier, Root};
use super::lexer::parse_instant;
use crate::compare::{fold_cmp, fold_eq, fold_lower, number_cmp};
use crate::property;

/// A value under comparison, with the instant it denotes when it is an RFC 3339 string.
struct Operand<'a> {
    value: Cow<'a, Value>,
    instant: Option<DateTime<FixedOffset>>,
}

impl<'a> Operand<'a> {
    fn json(value: &'a Value) -> Self {
        let instant = value.as_str().and_then(parse_instant);
        Self {
            value: Cow::Borrowed(value),
            instant,
        }
    }

    fn owned(value: Value) -> Self {
        Self {
            value: Cow::Owned(value),
            instant: None,
        }
    }
}

static NULL: Value = Value::Null;

/// Whether `expr` holds for `item`; `scope` holds the elements the lambda variables stand
/// for, outermost first.
pub(crate) fn holds<'a>(expr: &'a Expr, item: &'a Value, scope: &mut Vec<&'a Value>) -> bool {
    match expr {
        Expr::Or(terms) => terms.iter().any(|t| holds(t, item, scope)),
        Expr::And(terms) => terms.iter().all(|t| holds(t, item, scope)),
        Expr::Not(inner) => !holds(inner, item, scope),
        Expr::Compare(left, op, right) => {
            let left = operand(left, item, scope);
            let right = operand(right, item, scope);
            compare(&left, *op, &right)
        }
        Expr::Call(function, subject, argument) => {
            let subject = operand(subject, item, scope);
            let argument = operand(argument, item, scope);
            call(*function, &subject.value, &argument.value)
        }
        Expr::Lambda {
            collection,
            quantifier,
            body,
        } => lambda(collection, *quantifier, body.as_deref(), item, scope),
        Expr::Path(_) | Expr::Literal(_) => {
            operand(expr, item, scope).value.as_ref() == &Value::Bool(true)
        }
    }
}

fn operand<'a>(expr: &'a Expr, item: &'a Value, scope: &mut Vec<&'a Value>) -> Operand<'a> {
    match expr {
        Expr::Path(path) => Operand::json(lookup(path, item, scope)),
        Expr::Literal(literal) => Operand {
            value: Cow::Borrowed(&literal.value),
            instant: literal.instant,
        },
        condition => Operand::owned(Value::Bool(holds(condition, item, scope))),
    }
}

/// The value `path` names; a missing property (or a step through a non-object) is null.
fn lookup<'a>(path: &Path, item: &'a Value, scope: &[&'a Value]) -> &'a Value {
    let start = match path.root {
        Root::Item => item,
        Root::Variable(index) => scope.get(index).copied().unwrap_or(&NULL),
    };
    property::lookup(start, path.segments.iter().map(String::as_str))
}

fn lambda<'a>(
    collection: &'a Path,
    quantifier: Quantifier,
    body: Option<&'a Expr>,
    item: &'a Value,
    scope: &mut Vec<&'a Value>,
) -> bool {
    let Some(elements) = lookup(collection, item, scope).as_array() else {
        return false;
    };
    let Some(body) = body else {
        return !elements.is_empty();
    };
    let mut test = |element: &'a Value| {
        scope.push(element);
        let result = holds(body, item, scope);
        scope.pop();
        result
    };
    match quantifier {
        Quantifier::Any => elements.iter().any(&mut test),
        Quantifier::All => elements.iter().all(&mut test),
    }
}

fn compare(left: &Operand<'_>, op: CmpOp, right: &Operand<'_>) -> bool {
    match op {
        CmpOp::Eq => equal(left, right),
        CmpOp::Ne => !equal(left, right),
        CmpOp::Gt => order(left, right) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(
            order(left, right),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        CmpOp::Lt => order(left, right) == Some(Ordering::Less),
        CmpOp::Le => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
    }
}

fn equal(left: &Operand<'_>, right: &Operand<'_>) -> bool {
    if let (Some(a), Some(b)) = (left.instant, right.instant) {
        return a == b;
    }
    match (left.value.as_ref(), right.value.as_ref()) {
        (Value::String(a), Value::String(b)) => fold_eq(a, b),
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b) == Ordering::Equal,
        (a, b) => a == b,
    }
}

/// The order of two values of one kind; `None` across kinds and for null, arrays, objects.
fn order(left: &Operand<'_>, right: &Operand<'_>) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (left.instant, right.instant) {
        return Some(a.cmp(&b));
    }
    match (left.value.as_ref(), right.value.as_ref()) {
        (Value::String(a), Value::String(b)) => Some(fold_cmp(a, b)),
        (Value::Number(a), Value::Number(b)) => Some(number_cmp(a, b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn call(function: Function, subject: &Value, argument: &Value) -> bool {
    let (Some(subject), Some(argument)) = (subject.as_str(), argument.as_str()) else {
        return false;
    };
    let (subject, argument) = (fold_lower(subject), fold_lower(argument));
    match function {
        Function::StartsWith => subject.starts_with(&argument),
        Function::EndsWith => subject.ends_with(&argument),
        Function::Contains => subject.contains(&argument),
    }
}

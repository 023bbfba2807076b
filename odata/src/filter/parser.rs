//! A recursive-descent parser for `$filter`, with OData's precedence: `not` binds tighter
//! than the comparisons, which bind tighter than `and`, which binds tighter than `or`.

use serde_json::Value;

use super::ast::{CmpOp, Expr, Function, Path, Quantifier, Root};
use super::lexer::{self, Literal, Token};
use crate::QueryError;
use crate::capabilities::resolve;

/// The longest `$filter` accepted, in bytes (after percent-decoding).
pub const MAX_FILTER_LEN: usize = 2048;
/// The deepest nesting of parentheses, `not`, function calls and lambdas accepted.
pub const MAX_DEPTH: usize = 100;
/// The deepest nesting of `any`/`all` lambdas accepted: each level multiplies the work of
/// one evaluation by the length of the collection it ranges over.
pub const MAX_LAMBDAS: usize = 3;

/// Parses `text`, allowing root properties listed in `filterable`.
pub(crate) fn parse(text: &str, filterable: &[&str]) -> Result<Expr, QueryError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(QueryError::filter(format!(
            "the expression is {} bytes long; at most {MAX_FILTER_LEN} are accepted",
            text.len()
        )));
    }
    let mut parser = Parser {
        tokens: lexer::tokens(text)?,
        pos: 0,
        depth: 0,
        variables: Vec::new(),
        filterable,
        end: text.len(),
    };
    if parser.tokens.is_empty() {
        return Err(QueryError::filter("the expression is empty"));
    }
    let expr = parser.or_expr()?;
    if let Some((at, token)) = parser.tokens.get(parser.pos) {
        return Err(QueryError::filter(format!(
            "unexpected {} at position {at}; expected 'and', 'or' or the end",
            describe(token)
        )));
    }
    validate(&expr, true)?;
    Ok(expr)
}

struct Parser<'c> {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    depth: usize,
    /// The lambda variables in scope, outermost first.
    variables: Vec<String>,
    filterable: &'c [&'c str],
    end: usize,
}

fn describe(token: &Token) -> String {
    match token {
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::Comma => "','".into(),
        Token::Colon => "':'".into(),
        Token::Slash => "'/'".into(),
        Token::Word(w) => format!("'{w}'"),
        Token::Literal(l) => format!("literal {}", l.value),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(at, _)| *at)
    }

    /// Consumes the next token when it is the keyword `word` (any case).
    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word));
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, wanted: &Token, what: &str) -> Result<(), QueryError> {
        if self.peek() == Some(wanted) {
            self.pos += 1;
            return Ok(());
        }
        let found = self.peek().map_or_else(|| "the end".into(), describe);
        Err(QueryError::filter(format!(
            "expected {what} at position {}, found {found}",
            self.position()
        )))
    }

    /// Enters one nesting level, refusing to go past [`MAX_DEPTH`].
    fn descend(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::filter(format!(
                "the expression nests deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut terms = vec![self.and_expr()?];
        while self.keyword("or") {
            terms.push(self.and_expr()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut terms = vec![self.comparison()?];
        while self.keyword("and") {
            terms.push(self.comparison()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.unary()?;
        let op = match self.peek() {
            Some(Token::Word(w)) => CmpOp::from_word(w),
            _ => None,
        };
        let Some(op) = op else { return Ok(left) };
        self.pos += 1;
        let right = self.unary()?;
        Ok(Expr::Compare(Box::new(left), op, Box::new(right)))
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if !self.keyword("not") {
            return self.primary();
        }
        self.descend()?;
        let operand = self.unary()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(operand)))
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let at = self.position();
        let Some(token) = self.peek().cloned() else {
            return Err(QueryError::filter(format!(
                "the expression ends early at position {at}"
            )));
        };
        self.pos += 1;
        match token {
            Token::LParen => {
                self.descend()?;
                let inner = self.or_expr()?;
                self.expect(&Token::RParen, "')'")?;
                self.depth -= 1;
                Ok(inner)
            }
            Token::Literal(literal) => Ok(Expr::Literal(literal)),
            Token::Word(word) => self.word(word, at),
            other => Err(QueryError::filter(format!(
                "unexpected {} at position {at}; expected a property, a literal or '('",
                describe(&other)
            ))),
        }
    }

    /// A keyword literal, a function call or a property path starting with `word`.
    fn word(&mut self, word: String, at: usize) -> Result<Expr, QueryError> {
        let keyword = match word.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ => None,
        };
        if let Some(value) = keyword {
            return Ok(Expr::Literal(Literal::new(value)));
        }
        if self.peek() == Some(&Token::LParen) {
            return self.call(&word, at);
        }
        self.path(word, at)
    }

    fn call(&mut self, name: &str, at: usize) -> Result<Expr, QueryError> {
        let function = match name.to_ascii_lowercase().as_str() {
            "startswith" => Function::StartsWith,
            "endswith" => Function::EndsWith,
            "contains" => Function::Contains,
            _ => {
                return Err(QueryError::filter(format!(
                    "the function '{name}' at position {at} is not supported \
                     (supported: startswith, endswith, contains)"
                )));
            }
        };
        self.pos += 1;
        self.descend()?;
        let subject = self.or_expr()?;
        self.expect(&Token::Comma, "','")?;
        let prefix = self.or_expr()?;
        self.expect(&Token::RParen, "')'")?;
        self.depth -= 1;
        Ok(Expr::Call(function, Box::new(subject), Box::new(prefix)))
    }

    /// `a/b/c`, possibly ending in a lambda `a/any(x: …)`.
    fn path(&mut self, first: String, at: usize) -> Result<Expr, QueryError> {
        let mut segments = vec![first];
        while self.peek() == Some(&Token::Slash) {
            self.pos += 1;
            let Some(Token::Word(next)) = self.peek().cloned() else {
                return Err(QueryError::filter(format!(
                    "expected a property name after '/' at position {}",
                    self.position()
                )));
            };
            self.pos += 1;
            let quantifier = match next.to_ascii_lowercase().as_str() {
                "any" => Some(Quantifier::Any),
                "all" => Some(Quantifier::All),
                _ => None,
            };
            match quantifier {
                Some(q) if self.peek() == Some(&Token::LParen) => {
                    let collection = self.resolve(segments, at)?;
                    return self.lambda(collection, q);
                }
                _ => segments.push(next),
            }
        }
        Ok(Expr::Path(self.resolve(segments, at)?))
    }

    /// Roots `segments` at a lambda variable or at the item; a path from the item must be
    /// filterable, and takes the spelling the capabilities list.
    fn resolve(&self, mut segments: Vec<String>, at: usize) -> Result<Path, QueryError> {
        if let Some(index) = self.variables.iter().rposition(|v| *v == segments[0]) {
            segments.remove(0);
            let text = segments.join("/");
            return Ok(Path {
                root: Root::Variable(index),
                segments,
                text,
            });
        }
        if segments[0] == "$it" {
            segments.remove(0);
        }
        let borrowed: Vec<&str> = segments.iter().map(String::as_str).collect();
        let Some(segments) = resolve(self.filterable, &borrowed).filter(|_| !borrowed.is_empty())
        else {
            return Err(QueryError::filter(format!(
                "the property '{}' at position {at} is not supported in $filter on this collection",
                borrowed.join("/")
            )));
        };
        let text = segments.join("/");
        Ok(Path {
            root: Root::Item,
            segments,
            text,
        })
    }

    /// The part of a lambda after `any`/`all`: `()`, or `(x: body)`.
    fn lambda(&mut self, collection: Path, quantifier: Quantifier) -> Result<Expr, QueryError> {
        self.pos += 1;
        if quantifier == Quantifier::Any && self.peek() == Some(&Token::RParen) {
            self.pos += 1;
            return Ok(Expr::Lambda {
                collection,
                quantifier,
                body: None,
            });
        }
        let at = self.position();
        let Some(Token::Word(variable)) = self.peek().cloned() else {
            return Err(QueryError::filter(format!(
                "expected a lambda variable at position {at}"
            )));
        };
        if self.variables.len() >= MAX_LAMBDAS {
            return Err(QueryError::filter(format!(
                "lambdas nest deeper than {MAX_LAMBDAS} levels at position {at}"
            )));
        }
        self.pos += 1;
        self.expect(&Token::Colon, "':'")?;
        self.descend()?;
        self.variables.push(variable);
        let body = self.or_expr();
        self.variables.pop();
        let body = body?;
        self.expect(&Token::RParen, "')'")?;
        self.depth -= 1;
        Ok(Expr::Lambda {
            collection,
            quantifier,
            body: Some(Box::new(body)),
        })
    }
}

/// Refuses what Graph's parser refuses by type: a literal that is not `true`/`false`
/// where a condition is expected (`$filter=5`, `a eq 1 and 'x'`), and `not` as an operand
/// of a comparison. `not` binds tighter than `eq`, so `not status eq 'x'` is
/// `(not status) eq 'x'`, which Graph refuses for a non-boolean `status`; without a schema
/// this crate refuses it always, so the client writes `not (status eq 'x')` rather than get
/// a result that means something else.
fn validate(expr: &Expr, condition: bool) -> Result<(), QueryError> {
    match expr {
        Expr::Or(terms) | Expr::And(terms) => terms.iter().try_for_each(|t| validate(t, true)),
        Expr::Not(inner) => validate(inner, true),
        Expr::Compare(left, _, right) => [left, right].into_iter().try_for_each(|side| {
            if matches!(side.as_ref(), Expr::Not(_)) {
                return Err(QueryError::filter(
                    "'not' applies to the operand before a comparison; write 'not (a eq b)'",
                ));
            }
            validate(side, false)
        }),
        Expr::Call(_, subject, argument) => {
            validate(subject, false)?;
            validate(argument, false)
        }
        Expr::Lambda { body, .. } => body.as_deref().map_or(Ok(()), |b| validate(b, true)),
        Expr::Literal(l) if condition && !l.value.is_boolean() => Err(QueryError::filter(format!(
            "the literal {} is not a condition",
            l.value
        ))),
        Expr::Literal(_) | Expr::Path(_) => Ok(()),
    }
}

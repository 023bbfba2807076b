//! The tokens of a `$filter` expression.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;

use crate::QueryError;

/// A literal of the expression, with the instant it denotes when it is an RFC 3339 one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Literal {
    pub(crate) value: Value,
    pub(crate) instant: Option<DateTime<FixedOffset>>,
}

impl Literal {
    pub(crate) fn new(value: Value) -> Self {
        let instant = value.as_str().and_then(parse_instant);
        Self { value, instant }
    }
}

/// An RFC 3339 instant (fractional seconds, `Z` or an offset), if `text` is one.
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<FixedOffset>> {
    // Cheap guard: every RFC 3339 instant has a `T` (or `t`) at byte 10.
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    LParen,
    RParen,
    Comma,
    Colon,
    Slash,
    /// An identifier: a property, a keyword, a function or a lambda variable.
    Word(String),
    Literal(Literal),
}

/// The tokens of `text` with the byte offset each starts at.
pub(crate) fn tokens(text: &str) -> Result<Vec<(usize, Token)>, QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let token = match bytes[at] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                at += 1;
                continue;
            }
            b'(' => single(&mut at, Token::LParen),
            b')' => single(&mut at, Token::RParen),
            b',' => single(&mut at, Token::Comma),
            b':' => single(&mut at, Token::Colon),
            b'/' => single(&mut at, Token::Slash),
            b'\'' => string(text, &mut at)?,
            b'-' | b'0'..=b'9' => {
                guid(text, &mut at).map_or_else(|| word_literal(text, &mut at), Ok)?
            }
            b'$' | b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                guid(text, &mut at).unwrap_or_else(|| identifier(text, &mut at))
            }
            _ => {
                let c = text[at..].chars().next().unwrap_or('?');
                return Err(QueryError::filter(format!(
                    "unexpected character '{c}' at position {at}"
                )));
            }
        };
        out.push((start, token));
    }
    Ok(out)
}

fn single(at: &mut usize, token: Token) -> Token {
    *at += 1;
    token
}

/// `'…'` with `''` standing for one quote.
fn string(text: &str, at: &mut usize) -> Result<Token, QueryError> {
    let start = *at;
    let mut value = String::new();
    let mut rest = text[start + 1..].char_indices();
    while let Some((i, c)) = rest.next() {
        if c != '\'' {
            value.push(c);
            continue;
        }
        if text[start + 1 + i + 1..].starts_with('\'') {
            value.push('\'');
            rest.next();
            continue;
        }
        *at = start + 1 + i + 1;
        return Ok(Token::Literal(Literal::new(Value::String(value))));
    }
    Err(QueryError::filter(format!(
        "the string starting at position {start} has no closing quote"
    )))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An unquoted GUID (`8-4-4-4-12` hex digits), which Graph accepts as a literal.
fn guid(text: &str, at: &mut usize) -> Option<Token> {
    let candidate = text.get(*at..*at + 36)?;
    let shaped = candidate.bytes().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    let ends = text
        .as_bytes()
        .get(*at + 36)
        .is_none_or(|b| !is_word_byte(*b));
    (shaped && ends).then(|| {
        *at += 36;
        Token::Literal(Literal::new(Value::String(candidate.to_owned())))
    })
}

fn identifier(text: &str, at: &mut usize) -> Token {
    let start = *at;
    *at += 1;
    while text.as_bytes().get(*at).is_some_and(|b| is_word_byte(*b)) {
        *at += 1;
    }
    Token::Word(text[start..*at].to_owned())
}

/// A number, an unquoted RFC 3339 instant or an unquoted date (`2026-01-01`).
fn word_literal(text: &str, at: &mut usize) -> Result<Token, QueryError> {
    let start = *at;
    *at += 1;
    while text
        .as_bytes()
        .get(*at)
        .is_some_and(|b| is_word_byte(*b) || matches!(b, b'.' | b':' | b'+' | b'-'))
    {
        *at += 1;
    }
    let word = &text[start..*at];
    if let Some(instant) = parse_instant(word) {
        let value = Value::String(word.to_owned());
        return Ok(Token::Literal(Literal {
            value,
            instant: Some(instant),
        }));
    }
    if NaiveDate::parse_from_str(word, "%Y-%m-%d").is_ok() {
        return Ok(Token::Literal(Literal::new(Value::String(word.to_owned()))));
    }
    match serde_json::from_str::<serde_json::Number>(word) {
        Ok(number) => Ok(Token::Literal(Literal::new(Value::Number(number)))),
        Err(_) => Err(QueryError::filter(format!(
            "'{word}' at position {start} is not a number, an RFC 3339 instant, a date or a GUID \
             (an offset's '+' must be sent as %2B)"
        ))),
    }
}

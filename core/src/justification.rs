//! pim's justification rule (`#pim.justificationRule`): a minimum justification length, the shape
//! of a ticket number and the ticket systems allowed. Graph's enablement rule still decides
//! whether a justification or ticket is required at all; this rule judges what is given.

use crate::wire::{JustificationFields, TicketInfo};

/// Whether a justification and ticket fail the rule: the justification is shorter than the
/// minimum (a missing one has length 0), or a given ticket has a number outside the pattern or a
/// system outside the allowed list.
pub fn fails(
    rule: &JustificationFields,
    justification: Option<&str>,
    ticket: Option<&TicketInfo>,
) -> bool {
    let length = justification.map_or(0, |j| j.trim().chars().count());
    if u32::try_from(length).unwrap_or(u32::MAX) < rule.minimum_length {
        return true;
    }
    let number = ticket
        .and_then(|t| t.ticket_number.as_deref())
        .map(str::trim);
    if let (Some(pattern), Some(number)) = (rule.ticket_number_pattern.as_deref(), number)
        && !number.is_empty()
        && !matches(pattern.trim(), number)
    {
        return true;
    }
    let system = ticket
        .and_then(|t| t.ticket_system.as_deref())
        .map(str::trim);
    let allowed = |s: &str| {
        rule.allowed_ticket_systems
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case(s))
    };
    let ticket_given = number.is_some_and(|n| !n.is_empty());
    match system.filter(|s| !s.is_empty()) {
        _ if rule.allowed_ticket_systems.is_empty() => false,
        Some(s) => !allowed(s),
        // A ticket number without a system cannot name an allowed one.
        None => ticket_given,
    }
}

/// One pattern element.
#[derive(Clone, Copy)]
enum Token {
    Digit,
    Letter,
    One,
    Any,
    Char(char),
}

fn token(c: char) -> Token {
    match c {
        '#' => Token::Digit,
        '@' => Token::Letter,
        '?' => Token::One,
        '*' => Token::Any,
        c => Token::Char(c),
    }
}

fn fits(t: Token, c: char) -> bool {
    match t {
        Token::Digit => c.is_ascii_digit(),
        Token::Letter => c.is_alphabetic(),
        Token::One | Token::Any => true,
        Token::Char(p) => p.eq_ignore_ascii_case(&c),
    }
}

/// Whether `text` has the shape of `pattern` (`#` digit, `@` letter, `?` one character, `*` any
/// run): the classic linear wildcard match, which backtracks only to the last `*`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: alloc::vec::Vec<Token> = pattern.chars().map(token).collect();
    let t: alloc::vec::Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // The position after the last `*` seen, and the text position it was matched to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some(Token::Any), _) => {
                star = Some((pi.saturating_add(1), ti));
                pi = pi.saturating_add(1);
            }
            (Some(tok), Some(c)) if fits(*tok, *c) => {
                pi = pi.saturating_add(1);
                ti = ti.saturating_add(1);
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp;
                    ti = st.saturating_add(1);
                    star = Some((sp, ti));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|t| matches!(t, Token::Any)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    #[test]
    fn patterns() {
        for (p, t, ok) in [
            ("INC-#####", "INC-12345", true),
            ("INC-#####", "inc-12345", true),
            ("INC-#####", "INC-1234", false),
            ("INC-#####", "INC-123456", false),
            ("INC-#####", "INC-1234X", false),
            ("@@@-*", "CHG-", true),
            ("@@@-*", "CH1-9", false),
            ("*-#", "a-b-7", true),
            ("*-#", "a-b-", false),
            ("?", "", false),
            ("*", "", true),
            ("**#", "x1", true),
        ] {
            assert_eq!(matches(p, t), ok, "{p} {t}");
        }
    }

    fn ticket(number: Option<&str>, system: Option<&str>) -> TicketInfo {
        TicketInfo {
            odata_type: None,
            ticket_number: number.map(String::from),
            ticket_system: system.map(String::from),
        }
    }

    #[test]
    fn minimum_length_counts_trimmed_characters() {
        let rule = JustificationFields {
            minimum_length: 5,
            ..Default::default()
        };
        assert!(fails(&rule, None, None));
        assert!(fails(&rule, Some("  abcd  "), None));
        assert!(!fails(&rule, Some(" abcdé "), None));
        assert!(!fails(&JustificationFields::default(), None, None));
    }

    #[test]
    fn ticket_systems_are_checked_only_when_a_ticket_is_given() {
        let rule = JustificationFields {
            allowed_ticket_systems: vec!["ServiceNow".into()],
            ..Default::default()
        };
        assert!(!fails(&rule, None, None));
        assert!(!fails(
            &rule,
            None,
            Some(&ticket(Some("1"), Some("servicenow")))
        ));
        assert!(fails(&rule, None, Some(&ticket(Some("1"), Some("Jira")))));
        assert!(fails(&rule, None, Some(&ticket(Some("1"), None))));
    }
}

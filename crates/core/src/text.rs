//! What a text from a person or a register may hold, and how a text is written into a CSV
//! cell: once, here, for every label the server stores and every CSV it writes.

use crate::api::ParamError;
use std::borrow::Cow;

/// The first character a one-line label may not hold: a control character (NUL, tab, line
/// feed, escape…), a line or paragraph separator, or a bidirectional override (which shows
/// a text other than the one stored).
pub fn forbidden_character(text: &str) -> Option<char> {
    text.chars().find(|c| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// What a one-line label is, as a JSON Schema pattern (ECMA-262, which the OpenAPI document
/// carries): some printable text, none of the [`forbidden_character`]s. The test below holds
/// it to [`check_label`] and the trimming the server does.
pub const LABEL_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$";

/// A person's name as a pattern: no control character (empty is allowed where the name is
/// optional; `check_display_name` trims and bounds it).
pub const NAME_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// A reason written for someone: at least 3 characters once the spaces around are trimmed.
pub const REASON_PATTERN: &str = r"^\s*\S[\s\S]+\S\s*$";

/// Refuses a label holding a [`forbidden_character`], naming the field and the character.
pub fn check_label(field: &str, text: &str) -> Result<(), ParamError> {
    match forbidden_character(text) {
        Some(c) => Err(ParamError::new(field, label_refusal(c))),
        None => Ok(()),
    }
}

/// Why a label is refused, in words.
pub fn label_refusal(c: char) -> String {
    format!(
        "holds the control character U+{:04X}: only printable text on one line is accepted",
        u32::from(c)
    )
}

/// A text cell as a spreadsheet will not run it: a cell that begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return is a formula to Excel and LibreOffice, so it gets a leading `'`
/// (OWASP's rule against CSV injection). For text only: an amount such as `-12,50` is written
/// as it is, so that it stays a number.
pub fn spreadsheet_text(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    /// Texts made of what labels are made of, and of what they must not hold.
    fn texts() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(' '),
                Just('\t'),
                Just('\u{a0}'),
                Just('\u{2028}'),
                Just('\u{202e}'),
                Just('\u{2067}'),
                Just('\u{85}'),
                Just('\u{0}'),
                Just('é'),
                Just('—'),
                any::<char>(),
                proptest::char::range('a', 'z'),
            ],
            0..8,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        /// The OpenAPI document's pattern for labels says exactly what the server accepts:
        /// no forbidden character, and something left once trimmed.
        #[test]
        fn the_label_pattern_is_the_label_rule(text in texts()) {
            let accepted = check_label("label", &text).is_ok() && !text.trim().is_empty();
            prop_assert_eq!(matches(LABEL_PATTERN, &text), accepted, "{:?}", text);
        }

        #[test]
        fn the_reason_pattern_is_three_characters_once_trimmed(text in texts()) {
            let accepted = text.trim().chars().count() >= 3;
            prop_assert_eq!(matches(REASON_PATTERN, &text), accepted, "{:?}", text);
        }

        #[test]
        fn the_name_pattern_refuses_control_characters(text in texts()) {
            let accepted = !text.chars().any(char::is_control);
            prop_assert_eq!(matches(NAME_PATTERN, &text), accepted, "{:?}", text);
        }
    }

    #[test]
    fn labels_refuse_control_characters() {
        for bad in [
            "a\u{0}b",
            "a\tb",
            "a\r\nb",
            "\u{1b}[31m",
            "a\u{7f}",
            "a\u{85}",
            "a\u{2028}b",
            "abc\u{202e}gpj.exe",
        ] {
            let error = check_label("label", bad).unwrap_err();
            assert_eq!(error.parameter, "label", "{bad:?}");
            assert!(error.message.contains("U+"), "{}", error.message);
        }
        for good in [
            "Saint-Joseph 2021",
            "Caisse n°2 — terrasse",
            "Crémant d'Alsace",
            "=1+1",
            "",
        ] {
            assert_eq!(check_label("label", good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn formula_like_text_cells_are_neutralised() {
        for (text, cell) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+33 1 23", "'+33 1 23"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("Caisse 2", "Caisse 2"),
            ("", ""),
            ("Cave = vins", "Cave = vins"),
        ] {
            assert_eq!(spreadsheet_text(text), cell, "{text:?}");
        }
    }
}

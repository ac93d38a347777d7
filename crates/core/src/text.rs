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

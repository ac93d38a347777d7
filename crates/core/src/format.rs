//! Numbers as people read them: `1 234,56 €` in French, `€1,234.56` in English.
//!
//! French typography (and the CLDR data browsers use) separates thousands with a narrow
//! no-break space (U+202F) and puts a no-break space (U+00A0) before the euro sign, so an
//! amount never wraps across lines.

use crate::money::Cents;
use chrono::{Datelike, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

/// Languages of the interface. French first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

pub const NARROW_NBSP: char = '\u{202F}';
pub const NBSP: char = '\u{00A0}';

/// Groups the digits of a non-negative integer by three with `separator`.
pub fn group_thousands(mut n: u64, separator: char) -> String {
    let mut groups = Vec::new();
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut out = String::new();
    for (i, group) in groups.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&group.to_string());
        } else {
            out.push(separator);
            out.push_str(&format!("{group:03}"));
        }
    }
    out
}

/// The singular for one (and none, as French says "0 modification"), the plural beyond.
pub fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n > 1 {
        many
    } else {
        one
    }
}

/// An integer count (tickets, registers) with the language's thousands separator.
pub fn format_count(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Fr => group_thousands(n, NARROW_NBSP),
        Lang::En => group_thousands(n, ','),
    }
}

/// An amount of money with its currency sign: `1 234,56 €` or `€1,234.56`.
pub fn format_eur(amount: Cents, lang: Lang) -> String {
    let sign = if amount.0 < 0 { "-" } else { "" };
    let abs = amount.0.unsigned_abs();
    let (euros, cents) = (abs / 100, abs % 100);
    match lang {
        Lang::Fr => format!(
            "{sign}{},{cents:02}{NBSP}€",
            group_thousands(euros, NARROW_NBSP)
        ),
        Lang::En => format!("{sign}€{}.{cents:02}", group_thousands(euros, ',')),
    }
}

/// A VAT rate in basis points as a percentage: `5,5 %` / `5.5%`.
pub fn format_rate(basis_points: u16, lang: Lang) -> String {
    let whole = basis_points / 100;
    let fraction = basis_points % 100;
    let (sep, suffix) = match lang {
        Lang::Fr => (',', format!("{NBSP}%")),
        Lang::En => ('.', "%".to_string()),
    };
    if fraction == 0 {
        format!("{whole}{suffix}")
    } else if fraction.is_multiple_of(10) {
        format!("{whole}{sep}{}{suffix}", fraction / 10)
    } else {
        format!("{whole}{sep}{fraction:02}{suffix}")
    }
}

/// Basis points (1/100 of a percent) as a percentage with one decimal, rounded half away
/// from zero: `57,5 %` / `57.5%`.
pub fn format_percent(basis_points: i64, lang: Lang) -> String {
    let tenths = (basis_points.abs() + 5) / 10;
    let sign = if basis_points < 0 && tenths > 0 {
        "-"
    } else {
        ""
    };
    match lang {
        Lang::Fr => format!("{sign}{},{}{NBSP}%", tenths / 10, tenths % 10),
        Lang::En => format!("{sign}{}.{}%", tenths / 10, tenths % 10),
    }
}

/// A change against a previous period: `▲ 12,3 %`, `▼ 26,0 %`, or `= 0,0 %`.
pub fn format_change(change_bp: i64, lang: Lang) -> String {
    let arrow = match change_bp {
        ..=-5 => '▼',
        5.. => '▲',
        _ => '=',
    };
    format!("{arrow}{NBSP}{}", format_percent(change_bp.abs(), lang))
}

/// An amount for a French spreadsheet: decimal comma, no grouping, no currency: `-1234,56`.
/// `31/03/2026`, as French documents date a day.
pub fn french_date(day: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", day.day(), day.month(), day.year())
}

/// What comes between a label and what it says: French puts a space before the colon.
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => " : ",
        Lang::En => ": ",
    }
}

/// A day as each language writes it: `31/03/2026`, or `31 Mar 2026` in English, which no
/// reader mistakes for 3 December (nor reads as a machine's date). Not strftime, whose
/// machinery would weigh on the app.
pub fn format_date(day: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Fr => french_date(day),
        Lang::En => format!(
            "{} {} {}",
            day.day(),
            &month_name(day.month(), Lang::En)[..3],
            day.year()
        ),
    }
}

pub fn spreadsheet_amount(amount: Cents) -> String {
    let sign = if amount.0 < 0 { "-" } else { "" };
    let abs = amount.0.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// Lowercase ASCII letters and digits, other runs as one `-`: for file names and keys.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A month's name, 1 for January; the nearest month for a number outside 1 to 12.
pub fn month_name(month: u32, lang: Lang) -> &'static str {
    let index = month.clamp(1, 12) as usize - 1;
    match lang {
        Lang::Fr => MONTHS_FR[index],
        Lang::En => MONTHS_EN[index],
    }
}

const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The day of the month as a date says it: French writes the first `1er`.
fn day_of_month(day: NaiveDate, lang: Lang) -> String {
    match (lang, day.day()) {
        (Lang::Fr, 1) => "1er".to_string(),
        (_, n) => n.to_string(),
    }
}

/// `mardi 24 novembre`, `Tuesday 24 November`: a day near enough to need no year.
pub fn format_day_long(day: NaiveDate, lang: Lang) -> String {
    let weekday = day.weekday().num_days_from_monday() as usize;
    let weekday = match lang {
        Lang::Fr => WEEKDAYS_FR[weekday],
        Lang::En => WEEKDAYS_EN[weekday],
    };
    format!(
        "{weekday} {} {}",
        day_of_month(day, lang),
        month_name(day.month(), lang)
    )
}

/// `1er – 14 novembre`, `1–14 November`; one day alone when the range is one day.
pub fn format_days_of_month(from: NaiveDate, to: NaiveDate, lang: Lang) -> String {
    let month = month_name(to.month(), lang);
    if from == to {
        return format!("{} {month}", day_of_month(to, lang));
    }
    match lang {
        Lang::Fr => format!("{} – {} {month}", day_of_month(from, lang), to.day()),
        Lang::En => format!("{}–{} {month}", from.day(), to.day()),
    }
}

/// `décembre 2026`, `December 2026`: the month a day falls in.
pub fn format_month(day: NaiveDate, lang: Lang) -> String {
    format!("{} {}", month_name(day.month(), lang), day.year())
}

/// A file's size as a person reads it: `850 octets`, `21,9 ko`, `1,2 Mo` (`21.9 kB` in
/// English), in decimal units, to a tenth.
pub fn format_size(bytes: u64, lang: Lang) -> String {
    let (units, comma) = match lang {
        Lang::Fr => (["octets", "ko", "Mo", "Go"], ','),
        Lang::En => (["bytes", "kB", "MB", "GB"], '.'),
    };
    if bytes < 1000 {
        return format!("{} {}", format_count(bytes, lang), units[0]);
    }
    let mut unit = 1;
    let mut scale: u64 = 1000;
    while unit < 3 && bytes >= scale.saturating_mul(999_950) / 1000 {
        unit += 1;
        scale = scale.saturating_mul(1000);
    }
    let tenths = (u128::from(bytes) * 10 + u128::from(scale) / 2) / u128::from(scale);
    let tenths = u64::try_from(tenths).unwrap_or(u64::MAX);
    format!(
        "{}{comma}{} {}",
        format_count(tenths / 10, lang),
        tenths % 10,
        units[unit]
    )
}

/// `10:15`: a time of day on a 24-hour clock, in both languages.
pub fn format_clock(time: chrono::NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_in_words() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(format_day_long(d(11, 24), Lang::Fr), "mardi 24 novembre");
        assert_eq!(format_month(d(12, 31), Lang::Fr), "décembre 2026");
        assert_eq!(format_date(d(3, 31), Lang::Fr), "31/03/2026");
        assert_eq!(format_date(d(3, 1), Lang::En), "1 Mar 2026");
        assert_eq!(format_month(d(1, 1), Lang::En), "January 2026");
        assert_eq!(format_day_long(d(11, 1), Lang::Fr), "dimanche 1er novembre");
        assert_eq!(format_day_long(d(11, 24), Lang::En), "Tuesday 24 November");
        assert_eq!(
            format_days_of_month(d(11, 1), d(11, 14), Lang::Fr),
            "1er – 14 novembre"
        );
        assert_eq!(
            format_days_of_month(d(11, 1), d(11, 14), Lang::En),
            "1–14 November"
        );
        assert_eq!(
            format_days_of_month(d(11, 1), d(11, 1), Lang::Fr),
            "1er novembre"
        );
        let t = chrono::NaiveTime::from_hms_opt(9, 5, 59).unwrap();
        assert_eq!(format_clock(t), "09:05");
    }

    #[test]
    fn sizes_read_in_units_a_person_knows() {
        assert_eq!(format_size(850, Lang::Fr), "850 octets");
        assert_eq!(format_size(21_891, Lang::Fr), "21,9 ko");
        assert_eq!(format_size(21_891, Lang::En), "21.9 kB");
        assert_eq!(format_size(999_949, Lang::Fr), "999,9 ko");
        assert_eq!(format_size(999_950, Lang::Fr), "1,0 Mo");
        assert_eq!(format_size(1_234_567, Lang::En), "1.2 MB");
        assert_eq!(format_size(5_000_000_000_000, Lang::En), "5,000.0 GB");
    }

    #[test]
    fn french_amounts_use_narrow_spaces_and_decimal_comma() {
        assert_eq!(
            format_eur(Cents(123456), Lang::Fr),
            "1\u{202F}234,56\u{A0}€"
        );
        assert_eq!(format_eur(Cents(5), Lang::Fr), "0,05\u{A0}€");
        assert_eq!(format_eur(Cents(-1050), Lang::Fr), "-10,50\u{A0}€");
        assert_eq!(
            format_eur(Cents(10_000_000_000), Lang::Fr),
            "100\u{202F}000\u{202F}000,00\u{A0}€"
        );
    }

    #[test]
    fn english_amounts_use_commas_and_leading_sign() {
        assert_eq!(format_eur(Cents(123456), Lang::En), "€1,234.56");
        assert_eq!(format_eur(Cents(-99), Lang::En), "-€0.99");
        assert_eq!(format_eur(Cents(0), Lang::En), "€0.00");
    }

    #[test]
    fn thousands_groups_are_zero_padded() {
        assert_eq!(group_thousands(1_002_003, ' '), "1 002 003");
        assert_eq!(group_thousands(999, ' '), "999");
        assert_eq!(group_thousands(0, ' '), "0");
        assert_eq!(format_count(12345, Lang::En), "12,345");
    }

    #[test]
    fn rates_print_like_the_law_writes_them() {
        assert_eq!(format_rate(2000, Lang::Fr), "20\u{A0}%");
        assert_eq!(format_rate(550, Lang::Fr), "5,5\u{A0}%");
        assert_eq!(format_rate(210, Lang::En), "2.1%");
        assert_eq!(format_rate(1005, Lang::En), "10.05%");
    }

    #[test]
    fn percentages_and_changes() {
        assert_eq!(format_percent(5747, Lang::Fr), "57,5\u{A0}%");
        assert_eq!(format_percent(5744, Lang::En), "57.4%");
        assert_eq!(format_percent(10_000, Lang::Fr), "100,0\u{A0}%");
        assert_eq!(format_percent(-2599, Lang::En), "-26.0%");
        assert_eq!(format_percent(-4, Lang::En), "0.0%");
        assert_eq!(format_change(-2599, Lang::Fr), "▼\u{A0}26,0\u{A0}%");
        assert_eq!(format_change(1234, Lang::En), "▲\u{A0}12.3%");
        assert_eq!(format_change(3, Lang::En), "=\u{A0}0.0%");
    }

    #[test]
    fn spreadsheet_amounts_have_a_decimal_comma_and_nothing_else() {
        assert_eq!(spreadsheet_amount(Cents(123456)), "1234,56");
        assert_eq!(spreadsheet_amount(Cents(-5)), "-0,05");
        assert_eq!(spreadsheet_amount(Cents(0)), "0,00");
    }

    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(slug("Cave d'essai"), "cave-d-essai");
        assert_eq!(slug("  Côtes-du-Rhône 2021 "), "c-tes-du-rh-ne-2021");
        assert_eq!(slug("---"), "");
    }

    #[test]
    fn language_codes_round_trip() {
        for lang in [Lang::Fr, Lang::En] {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("de"), None);
    }
}

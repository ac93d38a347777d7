//! Instants shown as local date and time of a store, by the browser's Intl (which carries the
//! time-zone database, so the app does not ship one).

use chrono::{DateTime, NaiveDate, Utc};
use js_sys::{Date, Object, Reflect};
use multicaisse_core::format::Lang;
use wasm_bindgen::JsValue;

/// `29/11/2026 22:04` (fr) or `29/11/2026, 22:04` (en-GB), in the zone named (IANA).
pub fn local_date_time(at: DateTime<Utc>, zone: &str, lang: Lang) -> String {
    let options = intl_options(zone, &[("hour", "2-digit"), ("minute", "2-digit")]);
    let locale = match lang {
        Lang::Fr => "fr-FR",
        Lang::En => "en-GB",
    };
    js_date(at).to_locale_string(locale, &options).into()
}

fn js_date(at: DateTime<Utc>) -> Date {
    Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

/// Intl's options for the day's parts in `zone`, and `more` parts.
fn intl_options(zone: &str, more: &[(&str, &str)]) -> Object {
    let options = Object::new();
    let day = [
        ("timeZone", zone),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
    ];
    for (key, value) in day.iter().chain(more) {
        let _ = Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options
}

/// The browser's clock (chrono's own `now` needs a feature that wasm builds do not enable).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Date::now() as i64).unwrap_or_default()
}

/// The calendar day of `at` in the zone named (IANA): a store's business day. Intl gives the
/// day's parts; the UTC date is the fallback for a zone the browser does not know.
pub fn local_day(at: DateTime<Utc>, zone: &str) -> NaiveDate {
    let options = intl_options(zone, &[]);
    // British English writes `01/12/2026`, day first, in every browser.
    let text: String = js_date(at).to_locale_date_string("en-GB", &options).into();
    NaiveDate::parse_from_str(&text, "%d/%m/%Y").unwrap_or_else(|_| at.date_naive())
}

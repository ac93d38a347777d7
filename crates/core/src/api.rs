//! The JSON contract between the server and the app (and any other client).

use crate::money::Cents;
use crate::period::{DateRange, PeriodPreset, RangeError};
use crate::store::Register;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Every error the API returns has this shape.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    /// The query or path parameter at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesTotals {
    pub ticket_count: u64,
    pub ttc: Cents,
    pub ht: Cents,
    pub vat: Cents,
}

impl SalesTotals {
    pub fn add(&mut self, other: &SalesTotals) {
        self.ticket_count += other.ticket_count;
        self.ttc += other.ttc;
        self.ht += other.ht;
        self.vat += other.vat;
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSales {
    pub register: Register,
    pub totals: SalesTotals,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    pub store_id: i64,
    /// The preset asked for, or `None` for a custom range.
    pub period: Option<PeriodPreset>,
    pub range: DateRange,
    pub registers: Vec<RegisterSales>,
    pub total: SalesTotals,
}

impl SalesReport {
    pub fn new(
        store_id: i64,
        period: Option<PeriodPreset>,
        range: DateRange,
        registers: Vec<RegisterSales>,
    ) -> SalesReport {
        let mut total = SalesTotals::default();
        for r in &registers {
            total.add(&r.totals);
        }
        SalesReport {
            store_id,
            period,
            range,
            registers,
            total,
        }
    }
}

/// A query parameter that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter `{parameter}`: {message}")]
pub struct ParamError {
    pub parameter: String,
    pub message: String,
}

impl ParamError {
    pub fn new(parameter: &str, message: impl Into<String>) -> ParamError {
        ParamError {
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }
}

/// The period of a sales request: `?period=this_month`, or
/// `?period=custom&from=2026-01-01&to=2026-01-31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesPeriod {
    Preset(PeriodPreset),
    Custom(DateRange),
}

fn preset_list() -> String {
    let mut codes: Vec<&str> = PeriodPreset::ALL.iter().map(|p| p.code()).collect();
    codes.push("custom");
    codes.join(", ")
}

fn parse_date(parameter: &str, value: &str) -> Result<NaiveDate, ParamError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ParamError::new(parameter, format!("`{value}` is not a date (YYYY-MM-DD)")))
}

impl SalesPeriod {
    /// Parses the query string pairs of a sales request; unknown or repeated parameters are
    /// refused so a typo never silently falls back to a default.
    pub fn parse(params: &[(String, String)]) -> Result<SalesPeriod, ParamError> {
        const KNOWN: [&str; 3] = ["period", "from", "to"];
        let mut period = None;
        let mut from = None;
        let mut to = None;
        for (key, value) in params {
            let slot = match key.as_str() {
                "period" => &mut period,
                "from" => &mut from,
                "to" => &mut to,
                other => {
                    return Err(ParamError::new(
                        other,
                        format!("unknown parameter; expected one of {}", KNOWN.join(", ")),
                    ))
                }
            };
            if slot.replace(value.as_str()).is_some() {
                return Err(ParamError::new(key, "given more than once"));
            }
        }
        let period = period.ok_or_else(|| {
            ParamError::new(
                "period",
                format!("missing; expected one of {}", preset_list()),
            )
        })?;
        if period == "custom" {
            let from = parse_date(
                "from",
                from.ok_or_else(|| ParamError::new("from", "missing for a custom period"))?,
            )?;
            let to = parse_date(
                "to",
                to.ok_or_else(|| ParamError::new("to", "missing for a custom period"))?,
            )?;
            return DateRange::new(from, to)
                .map(SalesPeriod::Custom)
                .map_err(|e| match e {
                    RangeError::Reversed { .. } => ParamError::new("from", e.to_string()),
                    RangeError::TooLong => ParamError::new("to", e.to_string()),
                });
        }
        let preset = PeriodPreset::from_code(period).ok_or_else(|| {
            ParamError::new(
                "period",
                format!("`{period}` is not one of {}", preset_list()),
            )
        })?;
        if let Some((name, _)) = [("from", from), ("to", to)]
            .into_iter()
            .find(|(_, v)| v.is_some())
        {
            return Err(ParamError::new(name, "only allowed with period=custom"));
        }
        Ok(SalesPeriod::Preset(preset))
    }

    pub fn resolve(
        self,
        today: NaiveDate,
        fiscal_year_end_month: u8,
    ) -> (Option<PeriodPreset>, DateRange) {
        match self {
            SalesPeriod::Preset(p) => (Some(p), p.resolve(today, fiscal_year_end_month)),
            SalesPeriod::Custom(range) => (None, range),
        }
    }
}

/// Parses a numeric identifier from a path segment, naming the parameter when it is not one.
pub fn parse_id(parameter: &str, value: &str) -> Result<i64, ParamError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ParamError::new(parameter, format!("`{value}` is not an identifier")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn param_of(pairs: &[(&str, &str)]) -> String {
        SalesPeriod::parse(&q(pairs)).unwrap_err().parameter
    }

    #[test]
    fn presets_and_custom_ranges_parse() {
        assert_eq!(
            SalesPeriod::parse(&q(&[("period", "last_month")])),
            Ok(SalesPeriod::Preset(PeriodPreset::LastMonth))
        );
        let custom = SalesPeriod::parse(&q(&[
            ("period", "custom"),
            ("from", "2026-01-01"),
            ("to", "2026-01-31"),
        ]));
        assert!(matches!(custom, Ok(SalesPeriod::Custom(r)) if r.days() == 31));
    }

    #[test]
    fn errors_name_the_parameter() {
        assert_eq!(param_of(&[]), "period");
        assert_eq!(param_of(&[("period", "forever")]), "period");
        assert_eq!(
            param_of(&[("period", "custom"), ("to", "2026-01-01")]),
            "from"
        );
        assert_eq!(
            param_of(&[("period", "custom"), ("from", "2026-01-01")]),
            "to"
        );
        assert_eq!(
            param_of(&[
                ("period", "custom"),
                ("from", "2026-13-01"),
                ("to", "2026-01-01")
            ]),
            "from"
        );
        assert_eq!(
            param_of(&[
                ("period", "custom"),
                ("from", "2026-02-01"),
                ("to", "2026-01-01")
            ]),
            "from"
        );
        assert_eq!(
            param_of(&[
                ("period", "custom"),
                ("from", "2000-01-01"),
                ("to", "2026-01-01")
            ]),
            "to"
        );
        assert_eq!(
            param_of(&[("period", "today"), ("from", "2026-01-01")]),
            "from"
        );
        assert_eq!(
            param_of(&[("period", "today"), ("period", "today")]),
            "period"
        );
        assert_eq!(param_of(&[("period", "today"), ("store", "1")]), "store");
    }

    #[test]
    fn ids_are_positive_integers() {
        assert_eq!(parse_id("store", "12"), Ok(12));
        assert_eq!(parse_id("store", "0").unwrap_err().parameter, "store");
        assert!(parse_id("store", "abc").is_err());
    }
}

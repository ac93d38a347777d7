//! The JSON contract between the server and the app (and any other client).

use crate::format::Lang;
use crate::money::Cents;
use crate::period::{DateRange, PeriodPreset, RangeError};
use crate::rollup::DaySales;
use crate::store::Register;
use crate::ticket::Payment;
use crate::vat::VatLine;
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
    /// Why the server refused, when a page says it in its reader's language (`error` stays
    /// the English sentence, for other clients and the logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Conflict>,
}

impl ApiError {
    pub fn new(error: impl Into<String>) -> ApiError {
        ApiError {
            error: error.into(),
            parameter: None,
            conflict: None,
        }
    }
}

/// A refusal because of the state of things (409) that a person meets on a page, worded here
/// once in both languages.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    /// Revoking or demoting the store's last owner: a store always keeps one.
    LastOwner,
    /// The person acting lost their owner's access meanwhile.
    NoLongerOwner,
    /// Support accounts reach every store: they are never invited nor members.
    SupportAccount,
    /// A register suspended, or not activated yet, pairs no iPad and does not sync.
    RegisterOutOfService,
    /// The register synced between the wizard's check and the suspension.
    SyncedSinceCheck,
    /// Another shop already has this SIRET.
    SiretTaken,
    /// The shop's time zone or fiscal year is fixed once a register has recorded a sale: past
    /// sales would move to other days and years.
    ShopSettled,
    /// The shop has an owner already: they invite the others.
    ShopHasOwner,
}

impl Conflict {
    pub fn describe(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Conflict::LastOwner, Lang::Fr) => {
                "Une boutique garde toujours un propriétaire : nommez d'abord quelqu'un d'autre propriétaire."
            }
            (Conflict::LastOwner, Lang::En) => {
                "A shop always keeps an owner: make someone else owner first."
            }
            (Conflict::NoLongerOwner, Lang::Fr) => {
                "Vous n'êtes plus propriétaire de cette boutique : vos accès ont changé entre-temps."
            }
            (Conflict::NoLongerOwner, Lang::En) => {
                "You are no longer an owner of this shop: your access changed meanwhile."
            }
            (Conflict::SupportAccount, Lang::Fr) => {
                "C'est un compte du support : il accède déjà à toutes les boutiques et n'en devient jamais membre."
            }
            (Conflict::SupportAccount, Lang::En) => {
                "This is a support account: it reaches every shop already and is never a member of one."
            }
            (Conflict::RegisterOutOfService, Lang::Fr) => {
                "Cette caisse n'est pas en service : elle n'appaire plus d'iPad et ne se synchronise plus (ses Z restent téléchargeables)."
            }
            (Conflict::RegisterOutOfService, Lang::En) => {
                "This register is not in service: it no longer pairs an iPad nor syncs (its Z files stay downloadable)."
            }
            (Conflict::SyncedSinceCheck, Lang::Fr) => {
                "La caisse s'est synchronisée depuis la vérification : relisez l'assistant avant de la suspendre."
            }
            (Conflict::SyncedSinceCheck, Lang::En) => {
                "The register synced since the check: look at the wizard again before suspending it."
            }
            (Conflict::SiretTaken, Lang::Fr) => {
                "Une autre boutique a déjà ce SIRET : vérifiez-le, ou ouvrez plutôt cette boutique-là."
            }
            (Conflict::SiretTaken, Lang::En) => {
                "Another shop already has this SIRET: check it, or open that shop instead."
            }
            (Conflict::ShopSettled, Lang::Fr) => {
                "Le fuseau horaire et la clôture de l'exercice ne changent plus une fois une vente enregistrée : les ventes passées changeraient de jour et d'exercice."
            }
            (Conflict::ShopSettled, Lang::En) => {
                "The time zone and the fiscal year end no longer change once a sale is recorded: past sales would move to other days and years."
            }
            (Conflict::ShopHasOwner, Lang::Fr) => {
                "Cette boutique a déjà un propriétaire : c'est lui qui invite les autres personnes."
            }
            (Conflict::ShopHasOwner, Lang::En) => {
                "This shop has an owner already: they invite the other people."
            }
        }
    }
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

impl From<&DaySales> for SalesTotals {
    fn from(day: &DaySales) -> SalesTotals {
        SalesTotals {
            ticket_count: day.ticket_count(),
            ttc: day.ttc,
            ht: day.ht,
            vat: day.vat,
        }
    }
}

/// What a report says of a register (or of the store) beyond its totals.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesFigures {
    /// Sale tickets (refunds apart).
    pub sale_count: u64,
    pub refund_count: u64,
    /// What refunds gave back (zero or negative); the totals are net of it.
    pub refund_ttc: Cents,
    pub discounts: Cents,
    /// TTC of the sales (refunds apart) per sale ticket, rounded to the cent.
    pub average_basket: Cents,
    /// Share of the store's net TTC, in basis points (10 000 = all of it).
    pub share_bp: u32,
    /// VAT per rate, by rate.
    pub vat: Vec<VatLine>,
    /// Net amount per payment method, by method.
    pub payments: Vec<Payment>,
    /// Net TTC over the previous equivalent period.
    pub previous_ttc: Cents,
    /// Change of net TTC against it, in basis points; none when it sold nothing.
    pub change_bp: Option<i64>,
}

/// `numerator / denominator`, rounded half away from zero (0 when the denominator is 0).
pub(crate) fn ratio_rounded(numerator: i128, denominator: i128) -> i128 {
    if denominator == 0 {
        return 0;
    }
    let twice = 2 * numerator / denominator;
    twice / 2 + twice % 2
}

impl SalesFigures {
    pub fn compute(day: &DaySales, previous_ttc: Cents, store_ttc: Cents) -> SalesFigures {
        let gross_sales = i128::from((day.ttc - day.refund_ttc).0);
        let share = if store_ttc.0 > 0 && day.ttc.0 > 0 {
            ratio_rounded(i128::from(day.ttc.0) * 10_000, i128::from(store_ttc.0))
        } else {
            0
        };
        SalesFigures {
            sale_count: day.sale_count,
            refund_count: day.refund_count,
            refund_ttc: day.refund_ttc,
            discounts: day.discounts,
            average_basket: Cents(ratio_rounded(gross_sales, i128::from(day.sale_count)) as i64),
            share_bp: u32::try_from(share).unwrap_or(0),
            vat: day.vat_lines(),
            payments: day
                .by_payment
                .iter()
                .map(|(method, amount)| Payment {
                    method: *method,
                    amount: *amount,
                })
                .collect(),
            previous_ttc,
            change_bp: (previous_ttc.0 != 0).then(|| {
                ratio_rounded(
                    i128::from((day.ttc - previous_ttc).0) * 10_000,
                    i128::from(previous_ttc.0.abs()),
                ) as i64
            }),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSales {
    pub register: Register,
    pub totals: SalesTotals,
    pub figures: SalesFigures,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    pub store_id: i64,
    /// The preset asked for, or `None` for a custom range.
    pub period: Option<PeriodPreset>,
    pub range: DateRange,
    /// The previous equivalent period the figures compare with.
    pub previous_range: DateRange,
    pub registers: Vec<RegisterSales>,
    pub total: SalesTotals,
    pub total_figures: SalesFigures,
}

impl SalesReport {
    /// The report of each register's sales over `range`, and over `previous_range` (net TTC
    /// by register id), with the store's row.
    pub fn new(
        store_id: i64,
        period: Option<PeriodPreset>,
        (range, previous_range): (DateRange, DateRange),
        registers: Vec<(Register, DaySales)>,
        previous: &std::collections::HashMap<i64, Cents>,
    ) -> SalesReport {
        let mut store = DaySales::default();
        for (_, day) in &registers {
            store.merge(day);
        }
        let previous_of = |id: i64| previous.get(&id).copied().unwrap_or_default();
        let registers = registers
            .into_iter()
            .map(|(register, day)| RegisterSales {
                totals: SalesTotals::from(&day),
                figures: SalesFigures::compute(&day, previous_of(register.id), store.ttc),
                register,
            })
            .collect();
        SalesReport {
            store_id,
            period,
            range,
            previous_range,
            registers,
            total: SalesTotals::from(&store),
            total_figures: SalesFigures::compute(
                &store,
                previous.values().copied().sum(),
                store.ttc,
            ),
        }
    }
}

/// One register's net TTC and tickets per day of a period (every day, zero when closed).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySeries {
    pub register_id: i64,
    pub number: u32,
    pub label: String,
    pub days: Vec<DayAmount>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayAmount {
    pub date: NaiveDate,
    pub tickets: u64,
    pub ttc: Cents,
}

/// One register's tickets per local hour over a period (hours without tickets left out).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlySeries {
    pub register_id: i64,
    pub number: u32,
    pub label: String,
    pub hours: Vec<HourAmount>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourAmount {
    /// Local hour, 0–23.
    pub hour: u8,
    pub tickets: u64,
    pub ttc: Cents,
    pub ht: Cents,
}

/// What the sales charts draw, for the page's tables and sentences.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesCharts {
    pub range: DateRange,
    pub daily: Vec<DailySeries>,
    pub hourly: Vec<HourlySeries>,
    pub peak: crate::peak::PeakHours,
}

/// What the ticket search of a register looks for: a ticket number (`1041`, `n°1041`,
/// `#1041`) or an amount TTC (`12,50`, `12.50 €`: with a decimal separator or a euro sign),
/// matched on sales and refunds alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSearch {
    All,
    Number(u64),
    Amount(Cents),
}

impl TicketSearch {
    /// Why `text` finds nothing to search for, in the page's language.
    pub fn refusal(text: &str, lang: crate::format::Lang) -> String {
        let text = text.trim();
        match lang {
            crate::format::Lang::Fr => {
                format!("« {text} » n'est ni un numéro de ticket (1041) ni un montant (12,50 €).")
            }
            crate::format::Lang::En => {
                format!("“{text}” is neither a ticket number (1041) nor an amount (12.50).")
            }
        }
    }

    pub fn parse(parameter: &str, text: &str) -> Result<TicketSearch, ParamError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(TicketSearch::All);
        }
        let number = text
            .strip_prefix("n°")
            .or_else(|| text.strip_prefix('#'))
            .unwrap_or(text)
            .trim();
        let is_amount = text.contains([',', '.', '€']);
        if !is_amount {
            return number
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .map(TicketSearch::Number)
                .ok_or_else(|| {
                    ParamError::new(
                        parameter,
                        format!("`{text}` is neither a ticket number nor an amount (12,50)"),
                    )
                });
        }
        let cleaned: String = text
            .trim_end_matches('€')
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        let (euros, cents) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let bad = || {
            ParamError::new(
                parameter,
                format!("`{text}` is not an amount in euros (12,50)"),
            )
        };
        if cents.len() > 2 || (euros.is_empty() && cents.is_empty()) {
            return Err(bad());
        }
        let euros: i64 = if euros.is_empty() {
            0
        } else {
            euros.parse().map_err(|_| bad())?
        };
        let cents: i64 = if cents.is_empty() {
            0
        } else {
            format!("{cents:0<2}").parse().map_err(|_| bad())?
        };
        if !(0..=10_000_000).contains(&euros) {
            return Err(bad());
        }
        Ok(TicketSearch::Amount(Cents(euros * 100 + cents)))
    }
}

/// One line of a register's ticket list.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub sequence: u64,
    pub kind: crate::ticket::TicketKind,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub ttc: Cents,
    pub ht: Cents,
    pub items: u32,
    pub payments: Vec<Payment>,
}

/// A page of a register's tickets over a period, newest first.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPage {
    pub register: Register,
    pub range: DateRange,
    /// Tickets matching the search over the period.
    pub matching: u64,
    /// 1-based.
    pub page: u32,
    pub pages: u32,
    pub tickets: Vec<TicketSummary>,
}

/// Whether a ticket holds its place in its register's chain, as the server checks it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    /// Its hash is the hash of its content and its previous hash.
    pub hash_valid: bool,
    /// Its previous hash is the hash of the ticket before it (or the genesis hash for 1);
    /// None when the ticket before it has not reached the server.
    pub linked: Option<bool>,
    /// The register's first chain break, if there is one.
    pub first_break: Option<u64>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub register_id: i64,
    pub business_date: NaiveDate,
    pub ticket: crate::ticket::TicketBody,
    pub vat: crate::vat::VatBreakdown,
    pub previous_hash: crate::chain::ChainHash,
    pub hash: crate::chain::ChainHash,
    pub chain: ChainStatus,
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
    let day = value
        .parse::<NaiveDate>()
        .map_err(|_| ParamError::new(parameter, format!("`{value}` is not a date (YYYY-MM-DD)")))?;
    if !crate::period::is_plausible(day) {
        return Err(ParamError::new(
            parameter,
            format!("`{value}` {}", crate::period::implausible_reason()),
        ));
    }
    Ok(day)
}

impl SalesPeriod {
    /// The period a page's address asks for, among its other parameters (`register=2`…):
    /// this month when it asks for none it can have. The sales page and the answers asked
    /// for ahead of it read the address the same way.
    pub fn of_page(query: &[(String, String)]) -> SalesPeriod {
        SalesPeriod::parse(&Self::period_pairs(query))
            .unwrap_or(SalesPeriod::Preset(PeriodPreset::ThisMonth))
    }

    /// The page's parameters that say its period.
    pub fn period_pairs(query: &[(String, String)]) -> Vec<(String, String)> {
        query
            .iter()
            .filter(|(name, _)| ["period", "from", "to"].contains(&name.as_str()))
            .cloned()
            .collect()
    }

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

    /// The query string that asks for this period: `period=this_month`, or
    /// `period=custom&from=2026-01-01&to=2026-01-31`.
    pub fn query(&self) -> String {
        match self {
            SalesPeriod::Preset(p) => format!("period={}", p.code()),
            SalesPeriod::Custom(range) => {
                format!("period=custom&from={}&to={}", range.from, range.to)
            }
        }
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
    use crate::rollup::DaySales;

    #[test]
    fn a_page_reads_its_period_among_its_other_parameters() {
        let query = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let november = query(&[
            ("register", "2"),
            ("period", "custom"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
        ]);
        assert_eq!(
            SalesPeriod::of_page(&november).query(),
            "period=custom&from=2026-11-01&to=2026-11-30"
        );
        let this_month = SalesPeriod::Preset(PeriodPreset::ThisMonth);
        assert_eq!(
            SalesPeriod::of_page(&query(&[("register", "2")])),
            this_month
        );
        // A reversed range is not a period: the page shows this month, and says so.
        let reversed = query(&[
            ("period", "custom"),
            ("from", "2026-11-30"),
            ("to", "2026-11-01"),
        ]);
        assert_eq!(SalesPeriod::of_page(&reversed), this_month);
        assert_eq!(SalesPeriod::period_pairs(&reversed).len(), 3);
    }

    #[test]
    fn ticket_searches_tell_numbers_from_amounts() {
        let parse = |t: &str| TicketSearch::parse("q", t);
        assert_eq!(parse(""), Ok(TicketSearch::All));
        assert_eq!(parse("1041"), Ok(TicketSearch::Number(1041)));
        assert_eq!(parse("n°1041"), Ok(TicketSearch::Number(1041)));
        assert!(parse("abc").is_err());
        assert_eq!(
            TicketSearch::refusal(" abc ", crate::format::Lang::Fr),
            "« abc » n'est ni un numéro de ticket (1041) ni un montant (12,50 €)."
        );
        assert_eq!(parse(" #7 "), Ok(TicketSearch::Number(7)));
        assert_eq!(parse("12,50"), Ok(TicketSearch::Amount(Cents(1250))));
        assert_eq!(parse("12.5 €"), Ok(TicketSearch::Amount(Cents(1250))));
        assert_eq!(parse("12 €"), Ok(TicketSearch::Amount(Cents(1200))));
        assert_eq!(parse("1 234,56"), Ok(TicketSearch::Amount(Cents(123_456))));
        assert_eq!(parse(",5"), Ok(TicketSearch::Amount(Cents(50))));
        for bad in ["0", "abc", "12,345", "-3,00", "1,2,3", "€"] {
            assert_eq!(parse(bad).unwrap_err().parameter, "q", "{bad}");
        }
    }

    #[test]
    fn ratios_round_half_away_from_zero() {
        assert_eq!(super::ratio_rounded(3, 2), 2);
        assert_eq!(super::ratio_rounded(-3, 2), -2);
        assert_eq!(super::ratio_rounded(5, 4), 1);
        assert_eq!(super::ratio_rounded(7, 4), 2);
        assert_eq!(super::ratio_rounded(7, 0), 0);
    }

    #[test]
    fn figures_of_a_day_without_sales_are_zero_and_compare_with_nothing() {
        let none = SalesFigures::compute(&DaySales::default(), Cents(0), Cents(0));
        assert_eq!(none, SalesFigures::default());
        let dropped = SalesFigures::compute(&DaySales::default(), Cents(1000), Cents(0));
        assert_eq!(dropped.change_bp, Some(-10_000));
    }

    #[test]
    fn a_refund_heavy_period_has_no_share_and_a_signed_change() {
        let day = DaySales {
            refund_count: 1,
            ttc: Cents(-500),
            refund_ttc: Cents(-500),
            ..DaySales::default()
        };
        let figures = SalesFigures::compute(&day, Cents(-1000), Cents(2000));
        assert_eq!(figures.share_bp, 0, "a negative register takes no share");
        assert_eq!(figures.average_basket, Cents(0), "no sale, no basket");
        // From −10,00 € to −5,00 €: up by half of its size.
        assert_eq!(figures.change_bp, Some(5000));
    }

    use super::*;

    #[test]
    fn each_conflict_is_worded_in_both_languages_and_travels_by_name() {
        let all = [
            Conflict::LastOwner,
            Conflict::NoLongerOwner,
            Conflict::SupportAccount,
            Conflict::RegisterOutOfService,
            Conflict::SyncedSinceCheck,
        ];
        let mut seen = std::collections::BTreeSet::new();
        for conflict in all {
            let (fr, en) = (conflict.describe(Lang::Fr), conflict.describe(Lang::En));
            assert!(fr != en && !fr.is_empty() && !en.is_empty(), "{conflict:?}");
            assert!(
                seen.insert(fr) && seen.insert(en),
                "{conflict:?} said twice"
            );
        }
        let error = ApiError {
            conflict: Some(Conflict::LastOwner),
            ..ApiError::new("x is the last owner")
        };
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["conflict"], "last_owner");
        assert_eq!(serde_json::from_value::<ApiError>(json).unwrap(), error);
        // Absent, it is left out, and older answers without it still read.
        let plain = serde_json::to_value(ApiError::new("no")).unwrap();
        assert_eq!(plain, serde_json::json!({ "error": "no" }));
    }

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
    fn custom_dates_outside_plausible_years_are_refused() {
        for (from, to, named) in [
            ("-262143-01-01", "-262143-01-01", "from"),
            ("2026-01-01", "+262142-12-31", "to"),
            ("1999-12-31", "2000-01-01", "from"),
            ("2100-12-31", "2101-01-01", "to"),
        ] {
            let pairs = [("period", "custom"), ("from", from), ("to", to)];
            let error = SalesPeriod::parse(&q(&pairs)).unwrap_err();
            assert_eq!(error.parameter, named, "{from}..{to}");
            assert!(error.message.contains("2000 to 2100"), "{}", error.message);
        }
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

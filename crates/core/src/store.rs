//! Stores and their registers.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    pub id: i64,
    pub name: String,
    /// 14-digit French establishment number.
    pub siret: String,
    pub address: String,
    /// Intra-community VAT number (FR + key + SIREN).
    pub vat_number: String,
    /// Business days, months and fiscal years are counted in this zone (IANA name).
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub time_zone: StoreTimeZone,
    /// Month (1–12) whose last day closes the fiscal year.
    pub fiscal_year_end_month: u8,
}

/// A store's time zone: the server computes with it; the app only shows its name and leaves
/// converting times to the browser (`Intl`), so that the time-zone database (its names alone
/// weigh 9 KB) stays out of the wasm. Both read and write the same IANA name.
#[cfg(not(target_arch = "wasm32"))]
pub type StoreTimeZone = Tz;
#[cfg(target_arch = "wasm32")]
pub type StoreTimeZone = TimeZoneName;

/// An IANA time-zone name, unchecked: what the app holds of a store's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeZoneName(pub String);

impl TimeZoneName {
    pub fn name(&self) -> &str {
        &self.0
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Store {
    /// The local business day a moment belongs to.
    pub fn business_date(&self, at: DateTime<Utc>) -> NaiveDate {
        business_date(at, self.time_zone)
    }

    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        self.business_date(now)
    }
}

/// The local calendar day of `at` in `tz`: a sale at 23:30 UTC on 31 March is on 1 April in
/// Paris.
pub fn business_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The principal register is part of the base plan; each extra one is billed on its own.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    Principal,
    Extra,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterStatus {
    /// Requested, not yet activated by support.
    Pending,
    Active,
    DecommissionRequested,
    Suspended,
}

impl RegisterKind {
    pub fn code(self) -> &'static str {
        match self {
            RegisterKind::Principal => "principal",
            RegisterKind::Extra => "extra",
        }
    }

    pub fn from_code(code: &str) -> Option<RegisterKind> {
        [RegisterKind::Principal, RegisterKind::Extra]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

impl RegisterStatus {
    pub const ALL: [RegisterStatus; 4] = [
        RegisterStatus::Pending,
        RegisterStatus::Active,
        RegisterStatus::DecommissionRequested,
        RegisterStatus::Suspended,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RegisterStatus::Pending => "pending",
            RegisterStatus::Active => "active",
            RegisterStatus::DecommissionRequested => "decommission_requested",
            RegisterStatus::Suspended => "suspended",
        }
    }

    pub fn from_code(code: &str) -> Option<RegisterStatus> {
        RegisterStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the register may pair an iPad and sync: in service, or on its way out (a
    /// decommission needs its last syncs). Never once suspended: a register left installed
    /// after that would write into a chain that was closed for good.
    pub fn may_sync(self) -> bool {
        matches!(
            self,
            RegisterStatus::Active | RegisterStatus::DecommissionRequested
        )
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub id: i64,
    pub store_id: i64,
    /// 1 for the principal register, then 2, 3… in the order they were added.
    pub number: u32,
    pub label: String,
    pub kind: RegisterKind,
    pub status: RegisterStatus,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_day_follows_paris_not_utc() {
        let paris = chrono_tz::Europe::Paris;
        // 22:30 UTC on 31 March 2026 is 00:30 on 1 April in Paris (summer time).
        let late = Utc.with_ymd_and_hms(2026, 3, 31, 22, 30, 0).unwrap();
        assert_eq!(
            business_date(late, paris),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
        // In winter the offset is one hour: 22:30 UTC is still the same day.
        let winter = Utc.with_ymd_and_hms(2026, 1, 15, 22, 30, 0).unwrap();
        assert_eq!(
            business_date(winter, paris),
            NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in RegisterStatus::ALL {
            assert_eq!(RegisterStatus::from_code(s.code()), Some(s));
        }
        for k in [RegisterKind::Principal, RegisterKind::Extra] {
            assert_eq!(RegisterKind::from_code(k.code()), Some(k));
        }
        assert_eq!(RegisterStatus::from_code("deleted"), None);
    }
}

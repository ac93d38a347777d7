//! An owner's request for an extra register, permanent or for a season (the end-of-year rush),
//! and support staff's decision on it.

use crate::api::ParamError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest a season may last: beyond a year, a register is permanent.
pub const MAX_SEASON_DAYS: i64 = 366;
const MAX_LABEL: usize = 60;

/// The local days a seasonal register is wanted, both included.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Season {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// What an owner sends to ask for an extra register.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequestBody {
    /// Its name on the dashboard: "Caisse 4 — Dégustation".
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 60), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub label: String,
    /// For a season only; absent, the register is permanent.
    #[serde(default)]
    pub season: Option<Season>,
}

impl RegisterRequestBody {
    /// Checks it against the store's business day and the labels its registers and pending
    /// requests already use (compared without case or surrounding spaces).
    pub fn validate(&self, today: NaiveDate, labels_in_use: &[&str]) -> Result<(), ParamError> {
        let label = self.label.trim();
        if label.is_empty() || label.chars().count() > MAX_LABEL {
            return Err(ParamError::new(
                "label",
                format!("must be 1 to {MAX_LABEL} characters"),
            ));
        }
        crate::text::check_label("label", label)?;
        if labels_in_use
            .iter()
            .any(|used| used.trim().to_lowercase() == label.to_lowercase())
        {
            return Err(ParamError::new(
                "label",
                format!("`{label}` is already a register of this store, or asked for"),
            ));
        }
        if let Some(season) = self.season {
            if season.until < season.from {
                return Err(ParamError::new(
                    "season",
                    format!(
                        "ends on {} before it starts on {}",
                        season.until, season.from
                    ),
                ));
            }
            if season.until < today {
                return Err(ParamError::new(
                    "season",
                    format!("ended on {}, before today", season.until),
                ));
            }
            if (season.until - season.from).num_days() >= MAX_SEASON_DAYS {
                return Err(ParamError::new(
                    "season",
                    format!("lasts more than {MAX_SEASON_DAYS} days: ask for a permanent register"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Activated,
    Refused,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 3] = [
        RequestStatus::Pending,
        RequestStatus::Activated,
        RequestStatus::Refused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Activated => "activated",
            RequestStatus::Refused => "refused",
        }
    }

    pub fn from_code(code: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A request and what became of it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub id: i64,
    pub store_id: i64,
    pub store_name: String,
    pub label: String,
    pub season: Option<Season>,
    pub status: RequestStatus,
    /// Why support refused it.
    pub reason: Option<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The register its activation created.
    pub register_id: Option<i64>,
}

/// What activating a request gives support: the register made, and the code its iPad pairs with.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub request: RegisterRequest,
    pub register: crate::store::Register,
    pub pairing_code: crate::sync::PairingCode,
}

/// Support's refusal: the reason the owner will read.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalBody {
    /// 3 to 500 characters, spaces around not counted.
    #[cfg_attr(
        feature = "openapi",
        schemars(
            length(min = 3, max = 500),
            regex(path = "crate::text::REASON_PATTERN")
        )
    )]
    pub reason: String,
}

impl RefusalBody {
    pub fn validate(&self) -> Result<(), ParamError> {
        let length = self.reason.trim().chars().count();
        if !(3..=500).contains(&length) {
            return Err(ParamError::new("reason", "must be 3 to 500 characters"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn request(label: &str, season: Option<(NaiveDate, NaiveDate)>) -> RegisterRequestBody {
        RegisterRequestBody {
            label: label.into(),
            season: season.map(|(from, until)| Season { from, until }),
        }
    }

    #[test]
    fn a_request_names_a_new_register_and_a_season_that_makes_sense() {
        let today = day(11, 29);
        let used = ["Comptoir", "Dégustation"];
        assert!(request("Fêtes", Some((day(12, 1), day(12, 31))))
            .validate(today, &used)
            .is_ok());
        assert!(request("Cave à bières", None)
            .validate(today, &used)
            .is_ok());
        let refused = |r: RegisterRequestBody| r.validate(today, &used).unwrap_err();
        assert_eq!(refused(request("  ", None)).parameter, "label");
        assert_eq!(refused(request("Fêtes\u{0}", None)).parameter, "label");
        assert!(refused(request("Fê\ttes", None)).message.contains("U+0009"));
        assert!(refused(request(" dégustation ", None))
            .message
            .contains("already a register"));
        let backwards = refused(request("Fêtes", Some((day(12, 31), day(12, 1)))));
        assert_eq!(backwards.parameter, "season");
        assert!(backwards.message.contains("before it starts"));
        assert!(refused(request("Fêtes", Some((day(10, 1), day(11, 28)))))
            .message
            .contains("before today"));
        let too_long = request(
            "Fêtes",
            Some((day(12, 1), NaiveDate::from_ymd_opt(2027, 12, 5).unwrap())),
        );
        assert!(refused(too_long).message.contains("permanent"));
    }

    #[test]
    fn a_refusal_says_why() {
        assert!(RefusalBody {
            reason: "no".into()
        }
        .validate()
        .is_err());
        assert!(RefusalBody {
            reason: "Le contrat ne prévoit pas de quatrième caisse.".into()
        }
        .validate()
        .is_ok());
    }
}

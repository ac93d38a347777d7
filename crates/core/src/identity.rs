//! A French business's identifiers, checked before a shop is created or edited: the SIRET
//! (14 digits whose Luhn sum is a multiple of 10; La Poste's establishments excepted) and the
//! intra-community VAT number (`FR`, a two-digit key, the SIREN), whose key the SIREN fixes.

use crate::api::ParamError;
use crate::format::Lang;
use crate::text::forbidden_character;
#[cfg(not(target_arch = "wasm32"))]
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The longest shop name and address kept (what a receipt header and the FEC hold).
pub const MAX_SHOP_NAME_CHARS: usize = 100;
pub const MAX_ADDRESS_CHARS: usize = 200;

/// What a shop is, as support creates it and its owner edits it; checked by [`ShopInput::check`].
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopIdentity {
    pub name: String,
    /// 14 digits.
    pub siret: String,
    pub address: String,
    /// `FR` and 11 digits.
    pub vat_number: String,
    pub time_zone: Tz,
    /// 1 to 12: the month whose last day closes the fiscal year.
    pub fiscal_year_end_month: u8,
}

/// A shop's identity as typed, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopInput<'a> {
    pub name: &'a str,
    pub siret: &'a str,
    pub address: &'a str,
    pub vat_number: &'a str,
    pub time_zone: &'a str,
    pub fiscal_year_end_month: u8,
}

/// The body that creates a shop (support) or changes its identity (its owner).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopRequest {
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 100), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub name: String,
    /// 14 digits, spaces allowed between the groups.
    #[cfg_attr(feature = "openapi", schemars(length(min = 14, max = 20)))]
    pub siret: String,
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 200), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub address: String,
    /// `FR`, the two-digit key and the SIREN; spaces allowed.
    #[cfg_attr(feature = "openapi", schemars(length(min = 13, max = 20)))]
    pub vat_number: String,
    /// An IANA name: `Europe/Paris`, `America/Martinique`…
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 64)))]
    pub time_zone: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 12)))]
    pub fiscal_year_end_month: u8,
    /// The principal register's name, when a shop is created (`Caisse principale` if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(length(min = 1, max = 60), regex(path = "crate::text::LABEL_PATTERN"))
    )]
    pub register_label: Option<String>,
}

impl ShopRequest {
    pub fn input(&self) -> ShopInput<'_> {
        ShopInput {
            name: &self.name,
            siret: &self.siret,
            address: &self.address,
            vat_number: &self.vat_number,
            time_zone: &self.time_zone,
            fiscal_year_end_month: self.fiscal_year_end_month,
        }
    }
}

/// A new shop and its principal register, ready to pair.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopCreated {
    pub store: crate::store::Store,
    pub register: crate::store::Register,
}

/// Support invites a new shop's first owner.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstOwnerInvitation {
    #[cfg_attr(feature = "openapi", schemars(email, length(min = 3, max = 254)))]
    pub email: String,
    /// The language of the e-mail, when a mail server is set: the inviting page's.
    #[serde(default)]
    pub lang: Lang,
}

/// The principal register's name when support does not give one.
pub const PRINCIPAL_REGISTER_LABEL: &str = "Caisse principale";

/// The time zones of France and its overseas territories, the ones a shop is offered
/// (`Europe/Paris` first), with their names in French and English.
pub const SHOP_TIME_ZONES: [(&str, &str, &str); 11] = [
    (
        "Europe/Paris",
        "France métropolitaine et Corse",
        "Mainland France and Corsica",
    ),
    (
        "America/Guadeloupe",
        "Guadeloupe, Saint-Barthélemy, Saint-Martin",
        "Guadeloupe, Saint-Barthélemy, Saint-Martin",
    ),
    ("America/Martinique", "Martinique", "Martinique"),
    ("America/Cayenne", "Guyane", "French Guiana"),
    ("Indian/Reunion", "La Réunion", "Réunion"),
    ("Indian/Mayotte", "Mayotte", "Mayotte"),
    (
        "America/Miquelon",
        "Saint-Pierre-et-Miquelon",
        "Saint Pierre and Miquelon",
    ),
    ("Pacific/Noumea", "Nouvelle-Calédonie", "New Caledonia"),
    (
        "Pacific/Tahiti",
        "Polynésie française (Tahiti)",
        "French Polynesia (Tahiti)",
    ),
    ("Pacific/Wallis", "Wallis-et-Futuna", "Wallis and Futuna"),
    ("Europe/Monaco", "Monaco", "Monaco"),
];

/// What is wrong with a shop's identity as typed: the field, and why in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShopProblem {
    /// `name` or `address`: empty or longer than `max` characters.
    Length {
        field: &'static str,
        max: usize,
    },
    /// `name` or `address`: a control character (a line break, a direction override).
    Character {
        field: &'static str,
        character: char,
    },
    SiretDigits,
    SiretKey,
    VatPrefix,
    VatDigits,
    /// The VAT number's SIREN is not the SIRET's.
    VatSiren {
        typed: String,
        siret: String,
    },
    /// The VAT number's key is not the one its SIREN gives.
    VatKey {
        typed: String,
        expected: u64,
    },
    TimeZone,
    FiscalMonth,
}

impl ShopProblem {
    /// The field at fault, as the API and the forms name it.
    pub fn field(&self) -> &'static str {
        match self {
            ShopProblem::Length { field, .. } | ShopProblem::Character { field, .. } => field,
            ShopProblem::SiretDigits | ShopProblem::SiretKey => "siret",
            ShopProblem::VatPrefix
            | ShopProblem::VatDigits
            | ShopProblem::VatSiren { .. }
            | ShopProblem::VatKey { .. } => "vat_number",
            ShopProblem::TimeZone => "time_zone",
            ShopProblem::FiscalMonth => "fiscal_year_end_month",
        }
    }

    pub fn describe(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            ShopProblem::Length { field, max } => match (*field, fr) {
                ("name", true) => format!("Le nom de la boutique doit compter de 1 à {max} caractères."),
                ("address", true) => format!("L'adresse doit compter de 1 à {max} caractères."),
                (_, true) => format!("Ce champ doit compter de 1 à {max} caractères."),
                ("name", false) => format!("The shop's name must be 1 to {max} characters."),
                ("address", false) => format!("The address must be 1 to {max} characters."),
                (_, false) => format!("This field must be 1 to {max} characters."),
            },
            ShopProblem::Character { character, .. } => {
                let code = format!("U+{:04X}", u32::from(*character));
                if fr {
                    format!("Ce texte contient le caractère de contrôle {code} : une seule ligne de texte imprimable est acceptée.")
                } else {
                    format!("This text holds the control character {code}: only printable text on one line is accepted.")
                }
            }
            ShopProblem::SiretDigits if fr => "Le SIRET compte 14 chiffres (les espaces entre les groupes sont acceptés).".into(),
            ShopProblem::SiretDigits => "A SIRET is 14 digits (spaces between the groups are accepted).".into(),
            ShopProblem::SiretKey if fr => "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas, un chiffre est sans doute mal tapé.".into(),
            ShopProblem::SiretKey => "This SIRET is not valid: its check digit does not match, a digit is probably mistyped.".into(),
            ShopProblem::VatPrefix if fr => "Le numéro de TVA intracommunautaire commence par FR.".into(),
            ShopProblem::VatPrefix => "The intra-community VAT number starts with FR.".into(),
            ShopProblem::VatDigits if fr => "Le numéro de TVA est FR suivi de 11 chiffres : la clé (2 chiffres) et le SIREN.".into(),
            ShopProblem::VatDigits => "The VAT number is FR followed by 11 digits: the two-digit key and the SIREN.".into(),
            ShopProblem::VatSiren { typed, siret } if fr => format!("Le numéro de TVA porte le SIREN {typed}, mais celui du SIRET est {siret}."),
            ShopProblem::VatSiren { typed, siret } => format!("The VAT number names the SIREN {typed}, but the SIRET's is {siret}."),
            ShopProblem::VatKey { typed, expected } if fr => format!("La clé du numéro de TVA est {expected:02} pour ce SIREN, pas {typed}."),
            ShopProblem::VatKey { typed, expected } => format!("The VAT number's key is {expected:02} for this SIREN, not {typed}."),
            ShopProblem::TimeZone if fr => "Choisissez un fuseau horaire de la liste (par exemple Europe/Paris).".into(),
            ShopProblem::TimeZone => "Choose a time zone from the list (for example Europe/Paris).".into(),
            ShopProblem::FiscalMonth if fr => "Le mois de clôture de l'exercice va de 1 (janvier) à 12 (décembre).".into(),
            ShopProblem::FiscalMonth => "The month the fiscal year ends is 1 (January) to 12 (December).".into(),
        }
    }
}

impl From<ShopProblem> for ParamError {
    fn from(problem: ShopProblem) -> ParamError {
        ParamError::new(problem.field(), problem.describe(Lang::En))
    }
}

/// The fields of a shop once checked, its time zone still a name (the app checks a form with
/// this, without the time-zone database; the server parses the name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedShop {
    pub name: String,
    pub siret: String,
    pub address: String,
    pub vat_number: String,
    pub time_zone: String,
    pub fiscal_year_end_month: u8,
}

impl ShopInput<'_> {
    /// Every field but the time zone's existence, which only the server can know: the first
    /// that is wrong, in the order of the form.
    pub fn check_fields(&self) -> Result<CheckedShop, ShopProblem> {
        let name = one_line("name", self.name, MAX_SHOP_NAME_CHARS)?;
        let siret = siret_digits(self.siret)?;
        let address = one_line("address", self.address, MAX_ADDRESS_CHARS)?;
        let vat_number = vat_number_of(self.vat_number, &siret)?;
        let time_zone = self.time_zone.trim();
        if time_zone.is_empty() || time_zone.len() > 64 {
            return Err(ShopProblem::TimeZone);
        }
        if !(1..=12).contains(&self.fiscal_year_end_month) {
            return Err(ShopProblem::FiscalMonth);
        }
        Ok(CheckedShop {
            name,
            siret,
            address,
            vat_number,
            time_zone: time_zone.to_string(),
            fiscal_year_end_month: self.fiscal_year_end_month,
        })
    }

    /// The identity, or the first field that is wrong and why (fields named as in the API).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn check(&self) -> Result<ShopIdentity, ParamError> {
        let shop = self.check_fields()?;
        let time_zone: Tz = shop.time_zone.parse().map_err(|_| ShopProblem::TimeZone)?;
        Ok(ShopIdentity {
            name: shop.name,
            siret: shop.siret,
            address: shop.address,
            vat_number: shop.vat_number,
            time_zone,
            fiscal_year_end_month: shop.fiscal_year_end_month,
        })
    }
}

/// A one-line text, trimmed, 1 to `max` characters.
fn one_line(field: &'static str, text: &str, max: usize) -> Result<String, ShopProblem> {
    let text = text.trim();
    if let Some(character) = forbidden_character(text) {
        return Err(ShopProblem::Character { field, character });
    }
    let length = text.chars().count();
    if length == 0 || length > max {
        return Err(ShopProblem::Length { field, max });
    }
    Ok(text.to_string())
}

/// La Poste's SIREN: its establishments' SIRETs are checked by their digit sum instead, as
/// INSEE does (there are more of them than the Luhn key leaves room for).
const LA_POSTE_SIREN: &str = "356000000";

/// A SIRET as entered, spaces allowed between the groups (`832 145 676 00017`).
pub fn parse_siret(field: &str, input: &str) -> Result<String, ParamError> {
    siret_digits(input).map_err(|problem| ParamError::new(field, problem.describe(Lang::En)))
}

fn siret_digits(input: &str) -> Result<String, ShopProblem> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ShopProblem::SiretDigits);
    }
    let sound = if digits.starts_with(LA_POSTE_SIREN) && &digits[9..] != "00001" {
        digits
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .sum::<u32>()
            .is_multiple_of(5)
    } else {
        luhn_sound(&digits)
    };
    if !sound {
        return Err(ShopProblem::SiretKey);
    }
    Ok(digits)
}

/// The SIREN of a valid SIRET: the company, without the establishment.
pub fn siren_of(siret: &str) -> &str {
    &siret[..9]
}

/// A French VAT number as entered (`FR 32 832145676`), for the shop whose SIRET is `siret`
/// (already parsed): its SIREN must be the SIRET's and its key the one that SIREN gives.
pub fn parse_vat_number(field: &str, input: &str, siret: &str) -> Result<String, ParamError> {
    vat_number_of(input, siret)
        .map_err(|problem| ParamError::new(field, problem.describe(Lang::En)))
}

fn vat_number_of(input: &str, siret: &str) -> Result<String, ShopProblem> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let Some(rest) = compact.strip_prefix("FR") else {
        return Err(ShopProblem::VatPrefix);
    };
    if rest.len() != 11 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ShopProblem::VatDigits);
    }
    let (key, siren) = rest.split_at(2);
    if siren != siren_of(siret) {
        return Err(ShopProblem::VatSiren {
            typed: siren.to_string(),
            siret: siren_of(siret).to_string(),
        });
    }
    let expected = vat_key(siren);
    if key != format!("{expected:02}") {
        return Err(ShopProblem::VatKey {
            typed: key.to_string(),
            expected,
        });
    }
    Ok(compact)
}

/// The key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97.
pub fn vat_key(siren: &str) -> u64 {
    let siren: u64 = siren.parse().unwrap_or(0);
    (12 + 3 * (siren % 97)) % 97
}

/// Luhn: every second digit from the right doubled (minus 9 above 9), the sum a multiple of 10.
fn luhn_sound(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The last digit that makes `first13` a sound SIRET.
    fn completed(first13: &str) -> String {
        (0..10)
            .map(|d| format!("{first13}{d}"))
            .find(|s| luhn_sound(s))
            .unwrap()
    }

    #[test]
    fn the_demo_shops_identifiers_are_sound() {
        let siret = parse_siret("siret", "832 145 676 00017").unwrap();
        assert_eq!(siret, "83214567600017");
        assert_eq!(
            parse_vat_number("vat_number", "fr 32 832145676", &siret).unwrap(),
            "FR32832145676"
        );
    }

    #[test]
    fn a_mistyped_siret_or_vat_number_is_named() {
        assert_eq!(
            parse_siret("siret", "8321456760001").unwrap_err().message,
            "A SIRET is 14 digits (spaces between the groups are accepted)."
        );
        assert!(parse_siret("siret", "83214567600018")
            .unwrap_err()
            .message
            .contains("check digit"));
        assert!(parse_siret("siret", "8321456760001a").is_err());
        let siret = "83214567600017";
        let wrong = |vat: &str| {
            parse_vat_number("vat_number", vat, siret)
                .unwrap_err()
                .message
        };
        assert_eq!(
            wrong("DE32832145676"),
            "The intra-community VAT number starts with FR."
        );
        assert!(wrong("FR3283214567").contains("11 digits"));
        assert!(wrong("FR33832145676").contains("key is 32 for this SIREN, not 33"));
        assert!(wrong("FR32832145677").contains("the SIRET's is 832145676"));
    }

    #[test]
    fn a_shop_is_checked_field_by_field() {
        let good = ShopInput {
            name: " Cave des Canuts ",
            siret: "832 145 676 00017",
            address: "12 rue d'Austerlitz, 69004 Lyon",
            vat_number: "FR 32 832 145 676",
            time_zone: "Europe/Paris",
            fiscal_year_end_month: 12,
        };
        let shop = good.check().unwrap();
        assert_eq!(shop.name, "Cave des Canuts");
        assert_eq!(shop.siret, "83214567600017");
        assert_eq!(shop.vat_number, "FR32832145676");
        assert_eq!(shop.time_zone, chrono_tz::Europe::Paris);
        let field = |input: ShopInput| input.check().unwrap_err().parameter;
        assert_eq!(
            field(ShopInput {
                name: "  ",
                ..good.clone()
            }),
            "name"
        );
        assert_eq!(
            field(ShopInput {
                name: "Cave\u{202E}",
                ..good.clone()
            }),
            "name"
        );
        assert_eq!(
            field(ShopInput {
                siret: "123",
                ..good.clone()
            }),
            "siret"
        );
        assert_eq!(
            field(ShopInput {
                address: "",
                ..good.clone()
            }),
            "address"
        );
        assert_eq!(
            field(ShopInput {
                vat_number: "FR00832145676",
                ..good.clone()
            }),
            "vat_number"
        );
        assert_eq!(
            field(ShopInput {
                time_zone: "Paris",
                ..good.clone()
            }),
            "time_zone"
        );
        assert_eq!(
            field(ShopInput {
                fiscal_year_end_month: 13,
                ..good.clone()
            }),
            "fiscal_year_end_month"
        );
        assert_eq!(
            field(ShopInput {
                fiscal_year_end_month: 0,
                ..good
            }),
            "fiscal_year_end_month"
        );
    }

    #[test]
    fn each_problem_is_worded_in_french_and_english_and_names_its_field() {
        let siret = "83214567600017";
        let problems = [
            one_line("name", "", MAX_SHOP_NAME_CHARS).unwrap_err(),
            one_line("address", "12 rue\nde Lyon", MAX_ADDRESS_CHARS).unwrap_err(),
            siret_digits("1234").unwrap_err(),
            siret_digits("83214567600018").unwrap_err(),
            vat_number_of("DE1", siret).unwrap_err(),
            vat_number_of("FR1", siret).unwrap_err(),
            vat_number_of("FR32832145677", siret).unwrap_err(),
            vat_number_of("FR33832145676", siret).unwrap_err(),
            ShopProblem::TimeZone,
            ShopProblem::FiscalMonth,
        ];
        let fields: Vec<&str> = problems.iter().map(ShopProblem::field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "address",
                "siret",
                "siret",
                "vat_number",
                "vat_number",
                "vat_number",
                "vat_number",
                "time_zone",
                "fiscal_year_end_month"
            ]
        );
        for problem in &problems {
            let (fr, en) = (problem.describe(Lang::Fr), problem.describe(Lang::En));
            assert!(!fr.is_empty() && !en.is_empty() && fr != en, "{problem:?}");
        }
        assert!(problems[1].describe(Lang::Fr).contains("U+000A"));
    }

    #[test]
    fn the_form_and_the_server_find_the_same_problem() {
        let good = ShopInput {
            name: "Cave des Canuts",
            siret: "832 145 676 00017",
            address: "12 rue d'Austerlitz, 69004 Lyon",
            vat_number: "FR32832145676",
            time_zone: "Indian/Reunion",
            fiscal_year_end_month: 6,
        };
        assert_eq!(good.check_fields().unwrap().time_zone, "Indian/Reunion");
        for input in [
            ShopInput {
                siret: "832 145 676 00018",
                ..good.clone()
            },
            ShopInput {
                vat_number: "FR32 000000000",
                ..good.clone()
            },
            ShopInput {
                name: "",
                siret: "1",
                ..good.clone()
            },
            ShopInput {
                fiscal_year_end_month: 0,
                ..good.clone()
            },
        ] {
            let problem = input.check_fields().unwrap_err();
            let refused = input.check().unwrap_err();
            assert_eq!(refused.parameter, problem.field());
            assert_eq!(refused.message, problem.describe(Lang::En));
        }
        // Only the server knows which names exist.
        let unknown = ShopInput {
            time_zone: "Europe/Lyon",
            ..good
        };
        assert!(unknown.check_fields().is_ok());
        assert_eq!(unknown.check().unwrap_err().parameter, "time_zone");
    }

    #[test]
    fn every_offered_time_zone_exists() {
        for (name, fr, en) in SHOP_TIME_ZONES {
            assert!(name.parse::<Tz>().is_ok(), "{name}");
            assert!(!fr.is_empty() && !en.is_empty());
        }
    }

    #[test]
    fn la_postes_establishments_are_checked_by_their_digit_sum() {
        // 356 000 000 09075: digits sum to 35.
        assert!(parse_siret("siret", "35600000009075").is_ok());
        assert!(parse_siret("siret", "35600000009076").is_err());
    }

    proptest! {
        #[test]
        fn every_completed_siret_is_accepted_and_one_changed_digit_is_refused(
            first13 in "[1-9][0-9]{12}", at in 0usize..14, by in 1u8..10,
        ) {
            prop_assume!(!first13.starts_with(LA_POSTE_SIREN));
            let siret = completed(&first13);
            prop_assert_eq!(parse_siret("siret", &siret).unwrap(), siret.clone());
            let mut bytes = siret.clone().into_bytes();
            bytes[at] = b'0' + (bytes[at] - b'0' + by) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assume!(!changed.starts_with(LA_POSTE_SIREN));
            // Luhn catches every single-digit error.
            prop_assert!(parse_siret("siret", &changed).is_err());
        }

        #[test]
        fn the_vat_number_of_a_siret_is_its_key_and_siren(first13 in "[1-9][0-9]{12}") {
            prop_assume!(!first13.starts_with(LA_POSTE_SIREN));
            let siret = completed(&first13);
            let vat = format!("FR{:02}{}", vat_key(siren_of(&siret)), siren_of(&siret));
            prop_assert_eq!(parse_vat_number("vat_number", &vat, &siret).unwrap(), vat);
        }
    }
}

//! A French business's identifiers, checked before a shop is created or edited: the SIRET
//! (14 digits whose Luhn sum is a multiple of 10; La Poste's establishments excepted) and the
//! intra-community VAT number (`FR`, a two-digit key, the SIREN), whose key the SIREN fixes.

use crate::api::ParamError;
use crate::text::check_label;
use chrono_tz::Tz;

/// The longest shop name and address kept (what a receipt header and the FEC hold).
pub const MAX_SHOP_NAME_CHARS: usize = 100;
pub const MAX_ADDRESS_CHARS: usize = 200;

/// What a shop is, as support creates it and its owner edits it; checked by [`ShopInput::check`].
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

impl ShopInput<'_> {
    /// The identity, or the first field that is wrong and why (fields named as in the API).
    pub fn check(&self) -> Result<ShopIdentity, ParamError> {
        let name = one_line("name", self.name, MAX_SHOP_NAME_CHARS)?;
        let siret = parse_siret("siret", self.siret)?;
        let address = one_line("address", self.address, MAX_ADDRESS_CHARS)?;
        let vat_number = parse_vat_number("vat_number", self.vat_number, &siret)?;
        let time_zone: Tz = self.time_zone.trim().parse().map_err(|_| {
            ParamError::new(
                "time_zone",
                "is not a time zone of the IANA database (for example Europe/Paris)",
            )
        })?;
        if !(1..=12).contains(&self.fiscal_year_end_month) {
            return Err(ParamError::new(
                "fiscal_year_end_month",
                "must be a month, from 1 to 12",
            ));
        }
        Ok(ShopIdentity {
            name,
            siret,
            address,
            vat_number,
            time_zone,
            fiscal_year_end_month: self.fiscal_year_end_month,
        })
    }
}

/// A one-line text, trimmed, 1 to `max` characters.
fn one_line(field: &str, text: &str, max: usize) -> Result<String, ParamError> {
    let text = text.trim();
    check_label(field, text)?;
    let length = text.chars().count();
    if length == 0 || length > max {
        return Err(ParamError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(text.to_string())
}

/// La Poste's SIREN: its establishments' SIRETs are checked by their digit sum instead, as
/// INSEE does (there are more of them than the Luhn key leaves room for).
const LA_POSTE_SIREN: &str = "356000000";

/// A SIRET as entered, spaces allowed between the groups (`832 145 676 00017`).
pub fn parse_siret(field: &str, input: &str) -> Result<String, ParamError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParamError::new(field, "must be 14 digits"));
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
        return Err(ParamError::new(
            field,
            "is not a valid SIRET (its check digit does not match: look for a mistyped digit)",
        ));
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
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let Some(rest) = compact.strip_prefix("FR") else {
        return Err(ParamError::new(field, "must start with FR"));
    };
    if rest.len() != 11 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParamError::new(
            field,
            "must be FR followed by 11 digits (a two-digit key and the SIREN)",
        ));
    }
    let (key, siren) = rest.split_at(2);
    if siren != siren_of(siret) {
        return Err(ParamError::new(
            field,
            format!(
                "names the SIREN {siren}, but the SIRET's is {}",
                siren_of(siret)
            ),
        ));
    }
    let expected = vat_key(siren);
    if key != format!("{expected:02}") {
        return Err(ParamError::new(
            field,
            format!("has the key {key}, but the SIREN {siren} gives {expected:02}"),
        ));
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
            "must be 14 digits"
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
        assert_eq!(wrong("DE32832145676"), "must start with FR");
        assert!(wrong("FR3283214567").contains("11 digits"));
        assert!(wrong("FR33832145676").contains("the SIREN 832145676 gives 32"));
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

//! Whether a register was set up right, from what it reported at its last sync, never ticked
//! by hand: the shop's identity and fiscal year as the store's, the ticket template and the
//! payment methods as the principal register's, and loyalty on.

use crate::format::Lang;
use crate::sync::RegisterSettings;
use crate::ticket::PaymentMethod;
use serde::{Deserialize, Serialize};

/// The five things checked after an installation.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupItem {
    ShopInfo,
    DocumentTemplate,
    FiscalYearEnd,
    PaymentMethods,
    Loyalty,
}

impl SetupItem {
    pub const ALL: [SetupItem; 5] = [
        SetupItem::ShopInfo,
        SetupItem::DocumentTemplate,
        SetupItem::FiscalYearEnd,
        SetupItem::PaymentMethods,
        SetupItem::Loyalty,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (SetupItem::ShopInfo, Lang::Fr) => "informations de la boutique",
            (SetupItem::ShopInfo, Lang::En) => "shop information",
            (SetupItem::DocumentTemplate, Lang::Fr) => "modèle des tickets",
            (SetupItem::DocumentTemplate, Lang::En) => "ticket template",
            (SetupItem::FiscalYearEnd, Lang::Fr) => "fin d'exercice",
            (SetupItem::FiscalYearEnd, Lang::En) => "fiscal year end",
            (SetupItem::PaymentMethods, Lang::Fr) => "moyens de paiement",
            (SetupItem::PaymentMethods, Lang::En) => "payment methods",
            (SetupItem::Loyalty, Lang::Fr) => "programme de fidélité",
            (SetupItem::Loyalty, Lang::En) => "loyalty programme",
        }
    }
}

/// One way a register's settings differ from what they should be.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Externally tagged: an internally tagged enum's deserializer weighed 14 KB in the wasm.
#[serde(rename_all = "snake_case")]
pub enum Difference {
    /// A field of the shop's identity (`name`, `address`, `siret`): the register's, the store's.
    Shop {
        field: String,
        register: String,
        expected: String,
    },
    /// The ticket header or footer (`header`, `footer`): the register's, the principal's.
    Template {
        field: String,
        register: String,
        expected: String,
    },
    FiscalYearEnd {
        register: u8,
        expected: u8,
    },
    /// A method the principal register takes and this one does not.
    MissingPaymentMethod {
        method: PaymentMethod,
    },
    /// A method this register takes and the principal one does not.
    ExtraPaymentMethod {
        method: PaymentMethod,
    },
    LoyaltyOff,
    /// The principal register has not reported its settings: nothing to compare with.
    PrincipalUnknown,
}

impl Difference {
    /// What differs, in a sentence fragment: "la caisse 2 n'a pas « Chèque »".
    pub fn describe(&self, register_number: u32, lang: Lang) -> String {
        let n = register_number;
        match (self, lang) {
            (Difference::Shop { field, register, expected }, Lang::Fr) => format!(
                "{} : « {register} » sur la caisse {n}, « {expected} » pour la boutique",
                shop_field(field, lang)
            ),
            (Difference::Shop { field, register, expected }, Lang::En) => format!(
                "{}: “{register}” on register {n}, “{expected}” for the store",
                shop_field(field, lang)
            ),
            (Difference::Template { field, register, expected }, Lang::Fr) => format!(
                "{} : « {register} » sur la caisse {n}, « {expected} » sur la caisse principale",
                if field == "header" { "en-tête" } else { "pied de ticket" }
            ),
            (Difference::Template { field, register, expected }, Lang::En) => format!(
                "{}: “{register}” on register {n}, “{expected}” on the principal register",
                if field == "header" { "header" } else { "footer" }
            ),
            (Difference::FiscalYearEnd { register, expected }, Lang::Fr) => format!(
                "la caisse {n} clôt l'exercice en fin de mois {register}, la boutique en fin de mois {expected}"
            ),
            (Difference::FiscalYearEnd { register, expected }, Lang::En) => format!(
                "register {n} ends the fiscal year with month {register}, the store with month {expected}"
            ),
            (Difference::MissingPaymentMethod { method }, Lang::Fr) => {
                format!("la caisse {n} n'a pas « {} »", method.label(Lang::Fr))
            }
            (Difference::MissingPaymentMethod { method }, Lang::En) => {
                format!("register {n} lacks “{}”", method.label(Lang::En))
            }
            (Difference::ExtraPaymentMethod { method }, Lang::Fr) => format!(
                "la caisse {n} accepte « {} », pas la caisse principale",
                method.label(Lang::Fr)
            ),
            (Difference::ExtraPaymentMethod { method }, Lang::En) => format!(
                "register {n} takes “{}”, the principal register does not",
                method.label(Lang::En)
            ),
            (Difference::LoyaltyOff, Lang::Fr) => format!("inactif sur la caisse {n}"),
            (Difference::LoyaltyOff, Lang::En) => format!("off on register {n}"),
            (Difference::PrincipalUnknown, Lang::Fr) => {
                "la caisse principale n'a pas encore envoyé ses réglages".into()
            }
            (Difference::PrincipalUnknown, Lang::En) => {
                "the principal register has not reported its settings yet".into()
            }
        }
    }
}

fn shop_field(field: &str, lang: Lang) -> &'static str {
    match (field, lang) {
        ("name", Lang::Fr) => "nom",
        ("name", Lang::En) => "name",
        ("address", Lang::Fr) => "adresse",
        ("address", Lang::En) => "address",
        (_, _) => "SIRET",
    }
}

/// One item of the checklist: passed when nothing differs.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupCheck {
    pub item: SetupItem,
    pub differences: Vec<Difference>,
}

impl SetupCheck {
    pub fn passed(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Worth a look though not a failure.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupWarning {
    /// An extra register with no printer and e-mail tickets off cannot give a receipt.
    NoReceipt,
}

impl SetupWarning {
    pub fn describe(self, register_number: u32, lang: Lang) -> String {
        match lang {
            Lang::Fr => format!(
                "la caisse {register_number} n'a pas d'imprimante et l'envoi des tickets par e-mail est désactivé : elle ne peut remettre aucun ticket"
            ),
            Lang::En => format!(
                "register {register_number} has no printer and e-mail tickets are off: it cannot give any receipt"
            ),
        }
    }
}

/// What the store says the shop is, to compare each register's settings with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopIdentity<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub siret: &'a str,
    pub fiscal_year_end_month: u8,
}

/// The checklist of a register from its settings, the store's identity and the principal
/// register's settings (`None` if it has not reported). `extra` registers also get warnings.
pub fn check_setup(
    shop: &ShopIdentity<'_>,
    principal: Option<&RegisterSettings>,
    settings: &RegisterSettings,
    extra: bool,
) -> (Vec<SetupCheck>, Vec<SetupWarning>) {
    // Spaces around and repeated inside do not make a difference a person would see.
    let same = |a: &str, b: &str| {
        a.split_whitespace().collect::<Vec<_>>() == b.split_whitespace().collect::<Vec<_>>()
    };
    let mut shop_differences = Vec::new();
    for (field, register, expected) in [
        ("name", &settings.shop_name, shop.name),
        ("address", &settings.shop_address, shop.address),
        ("siret", &settings.siret, shop.siret),
    ] {
        let matches = if field == "siret" {
            register.replace(' ', "") == expected.replace(' ', "")
        } else {
            same(register, expected)
        };
        if !matches {
            shop_differences.push(Difference::Shop {
                field: field.into(),
                register: register.clone(),
                expected: expected.into(),
            });
        }
    }
    let compared = |differences: fn(&RegisterSettings, &RegisterSettings) -> Vec<Difference>| {
        principal.map_or_else(
            || vec![Difference::PrincipalUnknown],
            |principal| differences(settings, principal),
        )
    };
    let template = compared(|settings, principal| {
        [
            (
                "header",
                &settings.document_header,
                &principal.document_header,
            ),
            (
                "footer",
                &settings.document_footer,
                &principal.document_footer,
            ),
        ]
        .into_iter()
        .filter(|(_, mine, theirs)| mine.trim() != theirs.trim())
        .map(|(field, mine, theirs)| Difference::Template {
            field: field.into(),
            register: mine.clone(),
            expected: theirs.clone(),
        })
        .collect()
    });
    let payments = compared(|settings, principal| {
        let missing = principal
            .payment_methods
            .iter()
            .filter(|m| !settings.payment_methods.contains(m))
            .map(|m| Difference::MissingPaymentMethod { method: *m });
        let extra = settings
            .payment_methods
            .iter()
            .filter(|m| !principal.payment_methods.contains(m))
            .map(|m| Difference::ExtraPaymentMethod { method: *m });
        missing.chain(extra).collect()
    });
    let checks = vec![
        SetupCheck {
            item: SetupItem::ShopInfo,
            differences: shop_differences,
        },
        SetupCheck {
            item: SetupItem::DocumentTemplate,
            differences: template,
        },
        SetupCheck {
            item: SetupItem::FiscalYearEnd,
            differences: (settings.fiscal_year_end_month != shop.fiscal_year_end_month)
                .then_some(Difference::FiscalYearEnd {
                    register: settings.fiscal_year_end_month,
                    expected: shop.fiscal_year_end_month,
                })
                .into_iter()
                .collect(),
        },
        SetupCheck {
            item: SetupItem::PaymentMethods,
            differences: payments,
        },
        SetupCheck {
            item: SetupItem::Loyalty,
            differences: (!settings.loyalty_enabled)
                .then_some(Difference::LoyaltyOff)
                .into_iter()
                .collect(),
        },
    ];
    let warnings = (extra && !settings.printer_configured && !settings.email_tickets)
        .then_some(SetupWarning::NoReceipt)
        .into_iter()
        .collect();
    (checks, warnings)
}

/// A register's checklist as the API gives it: the checks, and the same in words in the
/// language asked for.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSetup {
    pub register_id: i64,
    /// When it last reported its settings; `None`: never (nothing can be checked yet).
    pub reported_at: Option<chrono::DateTime<chrono::Utc>>,
    pub checks: Vec<SetupCheck>,
    pub warnings: Vec<SetupWarning>,
    #[serde(flatten)]
    pub in_words: SetupInWords,
}

/// A checklist in words: what the page shows, so that the app carries neither the checks'
/// types nor their sentences.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupInWords {
    pub number: u32,
    pub label: String,
    /// Every item passes (a register that never reported passes nothing).
    pub complete: bool,
    pub reported: bool,
    /// One line per item: "✓ fin d'exercice", "✗ moyens de paiement : la caisse 2 n'a pas « Chèque »".
    pub lines: Vec<SetupLine>,
    pub warning_texts: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupLine {
    pub passed: bool,
    pub text: String,
}

impl RegisterSetup {
    pub fn new(
        register_id: i64,
        number: u32,
        label: String,
        reported_at: Option<chrono::DateTime<chrono::Utc>>,
        (checks, warnings): (Vec<SetupCheck>, Vec<SetupWarning>),
        lang: Lang,
    ) -> RegisterSetup {
        let lines = checks
            .iter()
            .map(|check| {
                let item = check.item.label(lang);
                let said: Vec<String> = check
                    .differences
                    .iter()
                    .map(|d| d.describe(number, lang))
                    .collect();
                SetupLine {
                    passed: check.passed(),
                    text: if check.passed() {
                        format!("✓ {item}")
                    } else {
                        // French puts a space before the colon and the semicolon.
                        match lang {
                            Lang::Fr => format!("✗ {item} : {}", said.join(" ; ")),
                            Lang::En => format!("✗ {item}: {}", said.join("; ")),
                        }
                    },
                }
            })
            .collect();
        let in_words = SetupInWords {
            number,
            label,
            complete: reported_at.is_some() && checks.iter().all(SetupCheck::passed),
            reported: reported_at.is_some(),
            lines,
            warning_texts: warnings.iter().map(|w| w.describe(number, lang)).collect(),
        };
        RegisterSetup {
            register_id,
            reported_at,
            checks,
            warnings,
            in_words,
        }
    }

    /// Every item passes (a register that never reported passes nothing).
    pub fn complete(&self) -> bool {
        self.in_words.complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> ShopIdentity<'static> {
        ShopIdentity {
            name: "Cave des Canuts",
            address: "12 rue d'Austerlitz, 69004 Lyon",
            siret: "832 145 676 00018",
            fiscal_year_end_month: 12,
        }
    }

    fn principal() -> RegisterSettings {
        RegisterSettings {
            shop_name: "Cave des Canuts".into(),
            shop_address: "12 rue d'Austerlitz, 69004 Lyon".into(),
            siret: "83214567600018".into(),
            document_header: "Cave des Canuts — vins et épicerie fine".into(),
            document_footer: "Merci de votre visite".into(),
            fiscal_year_end_month: 12,
            payment_methods: vec![
                PaymentMethod::Card,
                PaymentMethod::Cash,
                PaymentMethod::Cheque,
            ],
            loyalty_enabled: true,
            printer_configured: true,
            email_tickets: false,
            app_version: "4.2.0".into(),
            pending_local_changes: 0,
        }
    }

    fn failing(checks: &[SetupCheck]) -> Vec<SetupItem> {
        checks
            .iter()
            .filter(|c| !c.passed())
            .map(|c| c.item)
            .collect()
    }

    #[test]
    fn a_register_set_up_like_the_principal_passes_everything() {
        let (checks, warnings) = check_setup(&shop(), Some(&principal()), &principal(), true);
        assert_eq!(checks.len(), 5);
        assert!(failing(&checks).is_empty(), "{checks:?}");
        assert!(warnings.is_empty());
    }

    #[test]
    fn each_mismatch_is_named() {
        let mut register = principal();
        register.shop_name = "Cave des Canut".into();
        let (checks, _) = check_setup(&shop(), Some(&principal()), &register, true);
        assert_eq!(failing(&checks), [SetupItem::ShopInfo]);
        assert_eq!(
            checks[0].differences[0].describe(2, Lang::Fr),
            "nom : « Cave des Canut » sur la caisse 2, « Cave des Canuts » pour la boutique"
        );

        let mut register = principal();
        register.document_footer = "À bientôt".into();
        let (checks, _) = check_setup(&shop(), Some(&principal()), &register, true);
        assert_eq!(failing(&checks), [SetupItem::DocumentTemplate]);

        let mut register = principal();
        register.fiscal_year_end_month = 3;
        let (checks, _) = check_setup(&shop(), Some(&principal()), &register, true);
        assert_eq!(failing(&checks), [SetupItem::FiscalYearEnd]);

        let mut register = principal();
        register.payment_methods = vec![
            PaymentMethod::Card,
            PaymentMethod::Cash,
            PaymentMethod::GiftVoucher,
        ];
        let (checks, _) = check_setup(&shop(), Some(&principal()), &register, true);
        assert_eq!(failing(&checks), [SetupItem::PaymentMethods]);
        let said: Vec<String> = checks[3]
            .differences
            .iter()
            .map(|d| d.describe(2, Lang::Fr))
            .collect();
        assert_eq!(
            said,
            [
                "la caisse 2 n'a pas « Chèque »",
                "la caisse 2 accepte « Bon d'achat », pas la caisse principale"
            ]
        );
        assert_eq!(
            checks[3].differences[0].describe(2, Lang::En),
            "register 2 lacks “Cheque”"
        );

        let mut register = principal();
        register.loyalty_enabled = false;
        let (checks, _) = check_setup(&shop(), Some(&principal()), &register, true);
        assert_eq!(failing(&checks), [SetupItem::Loyalty]);
    }

    #[test]
    fn spacing_is_not_a_difference_but_the_principal_must_have_reported() {
        let mut register = principal();
        register.shop_address = "12  rue d'Austerlitz,  69004 Lyon ".into();
        register.siret = "832 145 676 00018".into();
        let (checks, _) = check_setup(&shop(), None, &register, true);
        assert_eq!(
            failing(&checks),
            [SetupItem::DocumentTemplate, SetupItem::PaymentMethods]
        );
        assert_eq!(checks[1].differences, [Difference::PrincipalUnknown]);
    }

    #[test]
    fn an_extra_register_that_cannot_give_a_receipt_is_flagged() {
        let mut register = principal();
        register.printer_configured = false;
        register.email_tickets = false;
        let (checks, warnings) = check_setup(&shop(), Some(&principal()), &register, true);
        assert!(failing(&checks).is_empty());
        assert_eq!(warnings, [SetupWarning::NoReceipt]);
        register.email_tickets = true;
        assert!(check_setup(&shop(), Some(&principal()), &register, true)
            .1
            .is_empty());
        register.email_tickets = false;
        assert!(check_setup(&shop(), Some(&principal()), &register, false)
            .1
            .is_empty());
    }
}

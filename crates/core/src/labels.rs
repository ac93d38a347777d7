//! What a person reads for each of the domain's enums, in both languages: payment methods,
//! register kinds and statuses, ticket kinds, roles, audit events, decommission steps and
//! period presets. One exhaustive match each, so a new variant does not compile until it is
//! worded; the app, the charts, the CSV, the PDF and the FEC all read these.

use crate::auth::{AuditEvent, Role};
use crate::decommission::Step;
use crate::format::Lang;
use crate::period::PeriodPreset;
use crate::store::{RegisterKind, RegisterStatus};
use crate::ticket::{PaymentMethod, TicketKind};

impl PaymentMethod {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (PaymentMethod::Card, Lang::Fr) => "Carte bancaire",
            (PaymentMethod::Card, Lang::En) => "Card",
            (PaymentMethod::Cash, Lang::Fr) => "Espèces",
            (PaymentMethod::Cash, Lang::En) => "Cash",
            (PaymentMethod::Cheque, Lang::Fr) => "Chèque",
            (PaymentMethod::Cheque, Lang::En) => "Cheque",
            (PaymentMethod::GiftVoucher, Lang::Fr) => "Bon d'achat",
            (PaymentMethod::GiftVoucher, Lang::En) => "Gift voucher",
        }
    }
}

impl RegisterKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RegisterKind::Principal, Lang::Fr) => "Principale",
            (RegisterKind::Principal, Lang::En) => "Principal",
            (RegisterKind::Extra, Lang::Fr) => "Supplémentaire",
            (RegisterKind::Extra, Lang::En) => "Extra",
        }
    }
}

impl RegisterStatus {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RegisterStatus::Pending, Lang::Fr) => "En attente d'activation",
            (RegisterStatus::Pending, Lang::En) => "Awaiting activation",
            (RegisterStatus::Active, _) => "Active",
            (RegisterStatus::DecommissionRequested, Lang::Fr) => "Mise hors service demandée",
            (RegisterStatus::DecommissionRequested, Lang::En) => "Decommission requested",
            (RegisterStatus::Suspended, Lang::Fr) => "Suspendue",
            (RegisterStatus::Suspended, Lang::En) => "Suspended",
        }
    }
}

impl TicketKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (TicketKind::Sale, Lang::Fr) => "Vente",
            (TicketKind::Sale, Lang::En) => "Sale",
            (TicketKind::Refund, Lang::Fr) => "Remboursement",
            (TicketKind::Refund, Lang::En) => "Refund",
        }
    }
}

impl Role {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Owner, Lang::Fr) => "Propriétaire",
            (Role::Owner, Lang::En) => "Owner",
            (Role::Accountant, Lang::Fr) => "Comptable",
            (Role::Accountant, Lang::En) => "Accountant",
        }
    }
}

/// A person's standing in a store: their role, or support staff (who have none).
pub fn standing_label(role: Option<Role>, lang: Lang) -> &'static str {
    role.map_or("Support", |role| role.label(lang))
}

impl AuditEvent {
    pub fn label(self, lang: Lang) -> &'static str {
        use AuditEvent::*;
        match (self, lang) {
            (SignIn, Lang::Fr) => "Connexion",
            (SignIn, Lang::En) => "Sign-in",
            (SignInFailed, Lang::Fr) => "Échec de connexion",
            (SignInFailed, Lang::En) => "Failed sign-in",
            (SignInThrottled, Lang::Fr) => "Connexion bloquée",
            (SignInThrottled, Lang::En) => "Sign-in blocked",
            (SignOut, Lang::Fr) => "Déconnexion",
            (SignOut, Lang::En) => "Sign-out",
            (InvitationCreated, Lang::Fr) => "Invitation envoyée",
            (InvitationCreated, Lang::En) => "Invitation sent",
            (InvitationCancelled, Lang::Fr) => "Invitation annulée",
            (InvitationCancelled, Lang::En) => "Invitation cancelled",
            (InvitationAccepted, Lang::Fr) => "Invitation acceptée",
            (InvitationAccepted, Lang::En) => "Invitation accepted",
            (AccessRevoked, Lang::Fr) => "Accès retiré",
            (AccessRevoked, Lang::En) => "Access revoked",
            (RoleChanged, Lang::Fr) => "Rôle modifié",
            (RoleChanged, Lang::En) => "Role changed",
            (RegisterRequested, Lang::Fr) => "Caisse demandée",
            (RegisterRequested, Lang::En) => "Register requested",
            (RegisterActivated, Lang::Fr) => "Caisse activée",
            (RegisterActivated, Lang::En) => "Register activated",
            (RegisterRefused, Lang::Fr) => "Demande de caisse refusée",
            (RegisterRefused, Lang::En) => "Register request refused",
            (DecommissionStarted, Lang::Fr) => "Mise hors service commencée",
            (DecommissionStarted, Lang::En) => "Decommission started",
            (DecommissionSuspended, Lang::Fr) => "Caisse suspendue et appareil révoqué",
            (DecommissionSuspended, Lang::En) => "Register suspended and device revoked",
            (DecommissionUninstalled, Lang::Fr) => "Désinstallation confirmée",
            (DecommissionUninstalled, Lang::En) => "Uninstall confirmed",
            (DecommissionCancelled, Lang::Fr) => "Mise hors service annulée",
            (DecommissionCancelled, Lang::En) => "Decommission cancelled",
            (DevicePaired, Lang::Fr) => "iPad appairé",
            (DevicePaired, Lang::En) => "iPad paired",
            (DevicesRevoked, Lang::Fr) => "iPad révoqué",
            (DevicesRevoked, Lang::En) => "iPad revoked",
            (AccountCreated, Lang::Fr) => "Compte support créé",
            (AccountCreated, Lang::En) => "Support account created",
            (AccountDisabled, Lang::Fr) => "Compte désactivé",
            (AccountDisabled, Lang::En) => "Account disabled",
            (StoreCreated, Lang::Fr) => "Boutique créée",
            (StoreCreated, Lang::En) => "Shop created",
            (PasswordChanged, Lang::Fr) => "Mot de passe changé",
            (PasswordChanged, Lang::En) => "Password changed",
            (PasswordResetIssued, Lang::Fr) => "Lien de nouveau mot de passe envoyé",
            (PasswordResetIssued, Lang::En) => "Password reset link issued",
            (PasswordReset, Lang::Fr) => "Mot de passe réinitialisé",
            (PasswordReset, Lang::En) => "Password reset",
            (StoreIdentityChanged, Lang::Fr) => "Informations de la boutique modifiées",
            (StoreIdentityChanged, Lang::En) => "Shop information changed",
        }
    }
}

impl Step {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Step::Started, Lang::Fr) => "Mise hors service commencée",
            (Step::Started, Lang::En) => "Decommission started",
            (Step::FinalClosure, Lang::Fr) => "Z mensuel final reçu",
            (Step::FinalClosure, Lang::En) => "Final monthly Z received",
            (Step::Syncs, Lang::Fr) => "Deux synchronisations complètes après ce Z",
            (Step::Syncs, Lang::En) => "Two complete syncs after that Z",
            (Step::SalesOnDashboard, Lang::Fr) => "Toutes les ventes sur le tableau de bord",
            (Step::SalesOnDashboard, Lang::En) => "All sales on the dashboard",
            (Step::Suspended, Lang::Fr) => "Abonnement suspendu (confirmé par le support)",
            (Step::Suspended, Lang::En) => "Subscription suspended (confirmed by support)",
            (Step::Revoked, Lang::Fr) => "Appareil révoqué",
            (Step::Revoked, Lang::En) => "Device revoked",
            (Step::Uninstalled, Lang::Fr) => "Désinstallation de l'application confirmée",
            (Step::Uninstalled, Lang::En) => "App uninstall confirmed",
        }
    }
}

impl PeriodPreset {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (PeriodPreset::Today, Lang::Fr) => "Aujourd'hui",
            (PeriodPreset::Today, Lang::En) => "Today",
            (PeriodPreset::Yesterday, Lang::Fr) => "Hier",
            (PeriodPreset::Yesterday, Lang::En) => "Yesterday",
            (PeriodPreset::ThisWeek, Lang::Fr) => "Cette semaine",
            (PeriodPreset::ThisWeek, Lang::En) => "This week",
            (PeriodPreset::ThisMonth, Lang::Fr) => "Ce mois-ci",
            (PeriodPreset::ThisMonth, Lang::En) => "This month",
            (PeriodPreset::LastMonth, Lang::Fr) => "Le mois dernier",
            (PeriodPreset::LastMonth, Lang::En) => "Last month",
            (PeriodPreset::FiscalYear, Lang::Fr) => "Cet exercice",
            (PeriodPreset::FiscalYear, Lang::En) => "This fiscal year",
            (PeriodPreset::Last12Months, Lang::Fr) => "Les 12 derniers mois",
            (PeriodPreset::Last12Months, Lang::En) => "Last 12 months",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Within one enum and one language, two variants never read alike (a person could not
    /// tell them apart); and no label is a code or an enum name.
    fn distinct<T: Copy>(all: &[T], label: impl Fn(T, Lang) -> &'static str, codes: &[&str]) {
        for lang in [Lang::Fr, Lang::En] {
            let labels: Vec<&str> = all.iter().map(|v| label(*v, lang)).collect();
            let unique: HashSet<&str> = labels.iter().copied().collect();
            assert_eq!(unique.len(), labels.len(), "{labels:?}");
            for text in labels {
                assert!(!text.is_empty() && !text.contains('_'), "{text}");
                assert!(!codes.contains(&text), "{text} is a code");
            }
        }
    }

    #[test]
    fn every_variant_has_a_label_of_its_own_in_both_languages() {
        let codes: Vec<&str> = AuditEvent::ALL.iter().map(|e| e.code()).collect();
        distinct(&AuditEvent::ALL, AuditEvent::label, &codes);
        distinct(&PaymentMethod::ALL, PaymentMethod::label, &["card", "cash"]);
        distinct(&RegisterStatus::ALL, RegisterStatus::label, &["pending"]);
        distinct(&Step::ALL, Step::label, &[]);
        distinct(&PeriodPreset::ALL, PeriodPreset::label, &[]);
        distinct(&[Role::Owner, Role::Accountant], Role::label, &["owner"]);
        distinct(
            &[RegisterKind::Principal, RegisterKind::Extra],
            RegisterKind::label,
            &["extra"],
        );
        distinct(
            &[TicketKind::Sale, TicketKind::Refund],
            TicketKind::label,
            &[],
        );
        assert_eq!(standing_label(None, Lang::Fr), "Support");
        assert_eq!(PaymentMethod::GiftVoucher.label(Lang::Fr), "Bon d'achat");
    }
}

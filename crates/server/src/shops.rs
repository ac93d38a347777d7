//! A shop's life at the counter of support: opening it with its principal register (from
//! the app or the admin command), inviting its first owner, and its owner keeping its
//! identity right. Each change and its audit entry are written in one transaction; the rules
//! (SIRET, VAT number, time zone) are core's `identity`.

use crate::access;
use crate::admin::{entry, AdminError, Operator};
use crate::error::{AppError, AppResult};
use crate::storage::accounts::{NewAuditEntry, User};
use crate::storage::Storage;
use chrono::{DateTime, Utc};
use multicaisse_core::api::{Conflict, ParamError};
use multicaisse_core::auth::{AuditEvent, Invitation, InvitationRequest, Role};
use multicaisse_core::format::Lang;
use multicaisse_core::identity::ShopInput;
use multicaisse_core::store::{Register, Store};

/// Who opens a shop: the operator at the command line, or a support agent in the app.
#[derive(Debug, Clone, Copy)]
pub enum Acting<'a> {
    Operator(&'a Operator),
    Support(&'a User),
}

impl Acting<'_> {
    fn entry(
        self,
        event: AuditEvent,
        store_id: i64,
        at: DateTime<Utc>,
        detail: String,
    ) -> NewAuditEntry {
        match self {
            Acting::Operator(operator) => NewAuditEntry {
                store_id: Some(store_id),
                ..entry(event, at, format!("{detail}, {}", operator.said()))
            },
            Acting::Support(user) => NewAuditEntry::by(user, event, store_id, at, detail),
        }
    }
}

impl From<AdminError> for AppError {
    fn from(error: AdminError) -> AppError {
        match error {
            AdminError::Invalid(e) => AppError::BadParameter(e),
            AdminError::NoSuchAccount(said) => AppError::NotFound(said),
            AdminError::Conflict(said) => AppError::Conflict(said),
            AdminError::Storage(e) => AppError::Storage(e),
        }
    }
}

/// A shop and its principal register, ready to pair. A SIRET another shop has is refused.
pub async fn open_shop(
    storage: &dyn Storage,
    input: &ShopInput<'_>,
    register_label: &str,
    acting: Acting<'_>,
    now: DateTime<Utc>,
) -> Result<(Store, Register), AdminError> {
    let shop = input.check()?;
    multicaisse_core::text::check_label("register_label", register_label)?;
    let register_label = register_label.trim();
    if register_label.is_empty() || register_label.chars().count() > 60 {
        return Err(ParamError::new("register_label", "must be 1 to 60 characters").into());
    }
    let audit = move |store: &Store, register: &Register| {
        acting.entry(
            AuditEvent::StoreCreated,
            store.id,
            now,
            format!(
                "SIRET {}, principal register {} ({})",
                store.siret, register.number, register.label
            ),
        )
    };
    Ok(storage
        .create_store(&shop, register_label, now, &audit)
        .await?)
}

/// What changed between two states of a shop, field by field, for the audit.
fn changes(before: &Store, after: &Store) -> Vec<String> {
    let fields = [
        ("name", before.name.clone(), after.name.clone()),
        ("SIRET", before.siret.clone(), after.siret.clone()),
        ("address", before.address.clone(), after.address.clone()),
        (
            "VAT number",
            before.vat_number.clone(),
            after.vat_number.clone(),
        ),
        (
            "time zone",
            before.time_zone.name().to_string(),
            after.time_zone.name().to_string(),
        ),
        (
            "fiscal year end month",
            before.fiscal_year_end_month.to_string(),
            after.fiscal_year_end_month.to_string(),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, was, is)| was != is)
        .map(|(field, was, is)| format!("{field}: «{was}» → «{is}»"))
        .collect()
}

/// The shop's identity as its owner (or support) corrects it; the audit names each field
/// that changed, from what to what. Nothing changed, nothing written.
pub async fn change_identity(
    storage: &dyn Storage,
    store_id: i64,
    input: &ShopInput<'_>,
    actor: &User,
    now: DateTime<Utc>,
) -> AppResult<Store> {
    let identity = input.check()?;
    let audit = |before: &Store, after: &Store| {
        let changed = changes(before, after);
        (!changed.is_empty()).then(|| {
            NewAuditEntry::by(
                actor,
                AuditEvent::StoreIdentityChanged,
                store_id,
                now,
                changed.join("; "),
            )
        })
    };
    storage
        .update_store(store_id, &identity, &audit)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no store {store_id}")))
}

/// Support invites the owner of a shop that has none yet; once it has one, its owners
/// invite (support never hands out access to a shop's books).
pub async fn invite_first_owner(
    storage: &dyn Storage,
    actor: &User,
    store: &Store,
    email: &str,
    lang: Lang,
    links_to: &str,
    now: DateTime<Utc>,
) -> AppResult<Invitation> {
    let has_owner = storage
        .members(store.id)
        .await?
        .iter()
        .any(|m| m.role == Role::Owner);
    let owner_invited = storage
        .pending_invitations(store.id, now)
        .await?
        .iter()
        .any(|i| i.role == Role::Owner);
    if has_owner || owner_invited {
        return Err(AppError::Refused {
            conflict: Conflict::ShopHasOwner,
            message: format!(
                "{} has an owner already, or one invited: its owners invite the others",
                store.name
            ),
        });
    }
    let request = InvitationRequest {
        email: email.to_string(),
        role: Role::Owner,
        lang,
    };
    access::invite(storage, actor, store, &request, links_to, now).await
}

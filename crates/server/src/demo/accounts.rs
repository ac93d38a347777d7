//! The demo's accounts, one per role, printed at start so that anyone can sign in as each.

use crate::accounts::create_user;
use crate::storage::{Storage, StorageResult};
use chrono::Utc;
use multicaisse_core::auth::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// In French, as printed: propriétaire, comptable, support.
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
}

pub const OWNER: DemoAccount = DemoAccount {
    role: "propriétaire",
    email: "camille@cave-des-canuts.fr",
    password: "canuts-proprietaire",
    display_name: "Camille Roux",
};

pub const ACCOUNTANT: DemoAccount = DemoAccount {
    role: "comptable",
    email: "expert@cabinet-brun.fr",
    password: "canuts-comptable",
    display_name: "Cabinet Brun",
};

pub const SUPPORT: DemoAccount = DemoAccount {
    role: "support",
    email: "support@multicaisse.fr",
    password: "multicaisse-support",
    display_name: "Support Multicaisse",
};

/// The owner owns every demo store; the accountant keeps the books of `accountant_stores`.
pub async fn seed(
    storage: &dyn Storage,
    owned_stores: &[i64],
    accountant_stores: &[i64],
) -> StorageResult<Vec<DemoAccount>> {
    let now = Utc::now();
    // An account that already exists (a support account made before the demo) is reused.
    let create = |account: &'static DemoAccount, support: bool| async move {
        match storage.credentials(account.email).await? {
            Some((user, _)) => Ok(user),
            None => {
                create_user(
                    storage,
                    account.email,
                    account.display_name,
                    account.password,
                    support,
                )
                .await
            }
        }
    };
    let owner = create(&OWNER, false).await?;
    for store in owned_stores {
        storage.grant(*store, owner.id, Role::Owner, now).await?;
    }
    let accountant = create(&ACCOUNTANT, false).await?;
    for store in accountant_stores {
        storage
            .grant(*store, accountant.id, Role::Accountant, now)
            .await?;
    }
    create(&SUPPORT, true).await?;
    Ok(vec![OWNER, ACCOUNTANT, SUPPORT])
}

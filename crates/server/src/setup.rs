//! Each register's set-up checks, from what it last reported (core's `check_setup`): read by
//! the checklist on *Appareils* and by the alerts.

use crate::storage::{Storage, StorageResult};
use chrono::{DateTime, Utc};
use multicaisse_core::setup::{check_setup, SetupCheck, SetupWarning, ShopIdentity};
use multicaisse_core::store::{Register, RegisterKind, Store};

/// One register's checks: when it reported its settings (never: none), and what was found.
pub struct Checked {
    pub reported_at: Option<DateTime<Utc>>,
    pub checks: Vec<SetupCheck>,
    pub warnings: Vec<SetupWarning>,
}

/// The checks of each of `registers`, in their order.
pub async fn shop_setup(
    storage: &dyn Storage,
    store: &Store,
    registers: &[Register],
) -> StorageResult<Vec<Checked>> {
    let mut reported = Vec::with_capacity(registers.len());
    for register in registers {
        reported.push(storage.register_settings(register.id).await?);
    }
    let principal = registers
        .iter()
        .zip(&reported)
        .find(|(r, _)| r.kind == RegisterKind::Principal)
        .and_then(|(_, settings)| settings.as_ref().map(|(s, _)| s));
    let shop = ShopIdentity {
        name: &store.name,
        address: &store.address,
        siret: &store.siret,
        fiscal_year_end_month: store.fiscal_year_end_month,
    };
    Ok(registers
        .iter()
        .zip(&reported)
        .map(|(register, settings)| {
            let (checks, warnings) = settings.as_ref().map_or_else(Default::default, |(s, _)| {
                check_setup(&shop, principal, s, register.kind == RegisterKind::Extra)
            });
            Checked {
                reported_at: settings.as_ref().map(|(_, at)| *at),
                checks,
                warnings,
            }
        })
        .collect())
}

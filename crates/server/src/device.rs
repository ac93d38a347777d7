//! Device credentials: one-time pairing codes and the bearer tokens they are exchanged for.
//! Both are random and only their SHA-256 is stored; both have enough entropy that a slow hash
//! would add nothing.

use crate::error::AppResult;
use crate::storage::accounts::{NewAuditEntry, User};
use crate::storage::Storage;
use chrono::{DateTime, Duration, Utc};
use multicaisse_core::auth::AuditEvent;
use multicaisse_core::store::Register;
use multicaisse_core::sync::{PairingCode, PAIRING_CODE_HOURS};
use rand::rngs::OsRng;
use rand::Rng;

/// Letters and digits that cannot be misread on a phone call (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A pairing code to read out or type on the iPad: `XXXXX-XXXXX` (about 49 bits).
pub fn new_pairing_code() -> String {
    let mut rng = OsRng;
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        code.push(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char);
    }
    code
}

/// The same code whatever case or separators it was typed with.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub use crate::secret::{new_token, secret_hash};

/// A new one-time code for a register's iPad (support reads it to the shop), stored as its
/// hash.
pub async fn issue_pairing_code(
    storage: &dyn Storage,
    register_id: i64,
    now: DateTime<Utc>,
) -> AppResult<PairingCode> {
    let code = new_pairing_code();
    let expires_at = now + Duration::hours(PAIRING_CODE_HOURS);
    storage
        .create_pairing_code(
            register_id,
            &secret_hash(&normalize_code(&code)),
            expires_at,
        )
        .await?;
    Ok(PairingCode {
        code,
        register_id,
        expires_at,
    })
}

/// Support revokes every live token of a register's iPad (lost, stolen, replaced), with the
/// audit entry in the same transaction; returns how many were revoked.
pub async fn revoke(
    storage: &dyn Storage,
    actor: &User,
    register: &Register,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let audit = |revoked: u64| {
        let detail = format!(
            "register {} `{}`: {revoked} token(s) revoked: {reason}",
            register.number, register.label
        );
        NewAuditEntry::by(
            actor,
            AuditEvent::DevicesRevoked,
            register.store_id,
            now,
            detail,
        )
        .on_register(register.id)
    };
    Ok(storage
        .revoke_devices(register.id, reason, now, &audit)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_normalize() {
        let code = new_pairing_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(normalize_code(&code)
            .bytes()
            .all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalize_code(" abcde-fghjk "), "ABCDEFGHJK");
        assert_ne!(new_pairing_code(), new_pairing_code());
    }

    #[test]
    fn tokens_are_long_and_hashed() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_eq!(secret_hash(&token).len(), 64);
        assert_ne!(secret_hash(&token), token);
    }
}

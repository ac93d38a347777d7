//! Random secrets handed out once (device tokens, session cookies, invitation links) and the
//! hash under which the server keeps them. They carry 256 bits of entropy, so a slow hash
//! would add nothing: SHA-256 is enough to make a database leak useless.

use rand::rngs::OsRng;
use rand::Rng;
use sha2::{Digest, Sha256};

/// 256 random bits, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = OsRng.gen();
    hex::encode(bytes)
}

pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

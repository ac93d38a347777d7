//! Pokes: "this store's shared changes now go up to N", told to the store's registers after
//! each commit that carries shared changes, so that each pulls at once instead of at its next
//! sync. No data travels with a poke: a register pulls what it lacks, as it always did.
//!
//! Within one process a poke goes from the push that committed to every stream held open
//! here. With several processes on one PostgreSQL database, each push also sends a
//! `NOTIFY` in its transaction (delivered on commit only), which every process's listener
//! hands to its own streams: a process then hears its own pushes twice, and a stream sends
//! only numbers above the last it sent.

use tokio::sync::{broadcast, watch};

/// The PostgreSQL channel pushes notify on; the payload is `store_id:head`.
pub const CHANNEL: &str = "multicaisse_changes";

/// A store's change log goes up to `head` now (the number of its last committed change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poke {
    pub store_id: i64,
    pub head: i64,
}

impl Poke {
    /// The payload of a `NOTIFY` on [`CHANNEL`].
    pub fn payload(self) -> String {
        format!("{}:{}", self.store_id, self.head)
    }

    pub fn from_payload(payload: &str) -> Option<Poke> {
        let (store, head) = payload.split_once(':')?;
        Some(Poke {
            store_id: store.parse().ok()?,
            head: head.parse().ok()?,
        })
    }
}

/// Pokes of every store, for every stream held open in this process.
#[derive(Clone)]
pub struct Pokes {
    sender: broadcast::Sender<Poke>,
    stopping: watch::Sender<bool>,
}

/// Pokes a slow stream may fall behind by before it is told to read the head again.
const BACKLOG: usize = 4096;

impl Default for Pokes {
    fn default() -> Self {
        Pokes {
            sender: broadcast::channel(BACKLOG).0,
            stopping: watch::channel(false).0,
        }
    }
}

impl Pokes {
    pub fn send(&self, poke: Poke) {
        // No stream open: nobody to tell, which is fine.
        let _ = self.sender.send(poke);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Poke> {
        self.sender.subscribe()
    }

    /// Resolves when the server stops, so that open streams end and the server drains.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    pub fn stop(&self) {
        let _ = self.stopping.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poke_survives_its_notification() {
        let poke = Poke {
            store_id: 12,
            head: 3456,
        };
        assert_eq!(Poke::from_payload(&poke.payload()), Some(poke));
        for bad in ["", "12", "12:", ":5", "a:5", "12:b", "12:5:6"] {
            assert_eq!(Poke::from_payload(bad), None, "{bad}");
        }
    }
}

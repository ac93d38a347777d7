//! A small store whose sales were computed by hand, to check the server's sums against.

use chrono::{DateTime, TimeZone, Utc};
use multicaisse_core::chain::ChainHash;
use multicaisse_core::store::{Register, RegisterKind, RegisterStatus, Store};
use multicaisse_core::ticket::{
    Payment, PaymentMethod, Ticket, TicketBody, TicketKind, TicketLine,
};
use multicaisse_core::{Cents, VatRate};
use multicaisse_server::storage::{NewRegister, NewStore, Storage};

pub struct Fixture {
    pub store: Store,
    pub registers: Vec<Register>,
}

pub fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn line(label: &str, quantity: i32, price: i64, rate: VatRate, discount: i64) -> TicketLine {
    TicketLine {
        label: label.into(),
        quantity,
        unit_price_ttc: Cents(price),
        vat_rate: rate,
        discount: Cents(discount),
    }
}

pub fn body(
    sequence: u64,
    at: DateTime<Utc>,
    lines: Vec<TicketLine>,
    method: PaymentMethod,
) -> TicketBody {
    let total = lines.iter().map(TicketLine::amount_ttc).sum();
    TicketBody {
        sequence,
        kind: TicketKind::Sale,
        issued_at: at,
        lines,
        payments: vec![Payment {
            method,
            amount: total,
        }],
    }
}

/// A refund ticket: the lines' amounts paid back.
pub fn refund(
    sequence: u64,
    at: DateTime<Utc>,
    lines: Vec<TicketLine>,
    method: PaymentMethod,
) -> TicketBody {
    let mut refund = body(sequence, at, lines, method);
    refund.kind = TicketKind::Refund;
    for payment in &mut refund.payments {
        payment.amount = -payment.amount;
    }
    refund
}

pub fn seal_all(bodies: Vec<TicketBody>) -> Vec<Ticket> {
    let mut previous = ChainHash::GENESIS;
    bodies
        .into_iter()
        .map(|b| {
            let t = b.seal(previous);
            previous = t.hash;
            t
        })
        .collect()
}

pub fn new_store(name: &str) -> NewStore {
    NewStore {
        name: name.into(),
        siret: "83214567600017".into(),
        address: "12 rue d'Austerlitz, 69004 Lyon".into(),
        vat_number: "FR32832145676".into(),
        time_zone: chrono_tz::Europe::Paris,
        fiscal_year_end_month: 12,
    }
}

pub fn new_register(store_id: i64, number: u32, kind: RegisterKind) -> NewRegister {
    NewRegister {
        store_id,
        number,
        label: format!("Caisse {number}"),
        kind,
        status: RegisterStatus::Active,
        created_at: paris(2026, 1, 5, 9, 0),
        activated_at: Some(paris(2026, 1, 5, 9, 0)),
        suspended_at: None,
    }
}

/// A store with `count` registers (1 is the principal), in service since `activated`, or since
/// `new_register`'s day.
pub async fn store_with_registers(
    storage: &dyn Storage,
    name: &str,
    count: u32,
    activated: Option<DateTime<Utc>>,
) -> (Store, Vec<Register>) {
    let store = storage.insert_store(&new_store(name)).await.unwrap();
    let mut registers = Vec::new();
    for number in 1..=count {
        let kind = if number == 1 {
            RegisterKind::Principal
        } else {
            RegisterKind::Extra
        };
        let mut register = new_register(store.id, number, kind);
        if let Some(activated) = activated {
            register.created_at = activated;
            register.activated_at = Some(activated);
        }
        registers.push(storage.insert_register(&register).await.unwrap());
    }
    (store, registers)
}

/// Register 1: two March tickets (mixed rates) and one at 22:30 UTC on 31 March, which is
/// 1 April in Paris. Register 2: a case of six with its discount, and a refund. Register 3:
/// nothing.
///
/// By hand, March: register 1 = 2 tickets, TTC 64,80, VAT 8,17 + (1,48 + 0,36) = 10,01,
/// HT 54,79; register 2 = 2 tickets, TTC 58,86 − 10,90 = 47,96, VAT 9,81 − 1,82 = 7,99,
/// HT 39,97. April: register 1 = 1 ticket of 12,00 (VAT 2,00).
pub async fn small_store(storage: &dyn Storage) -> Fixture {
    let (store, registers) = store_with_registers(storage, "Cave d'essai", 3, None).await;
    let std = VatRate::STANDARD;
    let r1 = seal_all(vec![
        body(
            1,
            paris(2026, 3, 10, 10, 15),
            vec![line("Saint-Joseph 2021", 2, 2450, std, 0)],
            PaymentMethod::Card,
        ),
        body(
            2,
            paris(2026, 3, 10, 18, 0),
            vec![
                line("Rillettes", 1, 690, VatRate::REDUCED, 0),
                line("Côtes-du-Rhône", 1, 890, std, 0),
            ],
            PaymentMethod::Cash,
        ),
        body(
            3,
            Utc.with_ymd_and_hms(2026, 3, 31, 22, 30, 0).unwrap(),
            vec![line("Crémant", 1, 1200, std, 0)],
            PaymentMethod::Card,
        ),
    ]);
    let r2 = seal_all(vec![
        body(
            1,
            paris(2026, 3, 15, 11, 0),
            vec![line("Beaujolais", 6, 1090, std, 654)],
            PaymentMethod::Card,
        ),
        refund(
            2,
            paris(2026, 3, 20, 16, 30),
            vec![line("Beaujolais", 1, 1090, std, 0)],
            PaymentMethod::Cash,
        ),
    ]);
    multicaisse_server::ingest::push_tickets(storage, &registers[0], store.time_zone, None, &r1)
        .await
        .unwrap();
    multicaisse_server::ingest::push_tickets(storage, &registers[1], store.time_zone, None, &r2)
        .await
        .unwrap();
    Fixture { store, registers }
}

/// Tickets `first..=last` of a register's chain (one Sancerre each, on 2 April 2026), sealed
/// from `previous`.
pub fn sancerre_chain(first: u64, last: u64, previous: ChainHash) -> Vec<Ticket> {
    let mut previous = previous;
    (first..=last)
        .map(|n| {
            let t = body(
                n,
                paris(2026, 4, 2, 10, (n % 60) as u32),
                vec![line("Sancerre", 1, 2290 + n as i64, VatRate::STANDARD, 0)],
                PaymentMethod::Card,
            )
            .seal(previous);
            previous = t.hash;
            t
        })
        .collect()
}

/// What the small store's registers report of themselves, with `pending` unsent changes.
pub fn settings(pending: u32) -> serde_json::Value {
    serde_json::json!({
        "shop_name": "Cave d'essai", "shop_address": "12 rue d'Austerlitz, 69004 Lyon",
        "siret": "83214567600017", "document_header": "Merci !", "document_footer": "À bientôt",
        "fiscal_year_end_month": 12, "payment_methods": ["card", "cash"], "loyalty_enabled": true,
        "printer_configured": false, "email_tickets": true, "app_version": "4.2.0",
        "pending_local_changes": pending
    })
}

//! The first screen's figures over HTTP: today so far against the same weekday last week up
//! to the same time, the month so far against last month to the same day and time, each
//! register's comparison left out when it was not in service then. Tickets are placed around
//! the real clock, on both sides of each cut.

use crate::support;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use multicaisse_core::glance::{same_time_on, Glance, GlanceWindows, Span};
use multicaisse_core::store::RegisterKind;
use multicaisse_core::ticket::{PaymentMethod, Ticket, TicketBody};
use multicaisse_core::{Cents, VatRate};
use multicaisse_server::ingest::push_tickets;
use support::fixture::{body, line, new_register, new_store, refund, seal_all};
use support::{Backend, TestApp};

const PARIS: chrono_tz::Tz = chrono_tz::Europe::Paris;

fn start_of(day: chrono::NaiveDate) -> DateTime<Utc> {
    PARIS
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// Halfway between two instants.
fn between(a: DateTime<Utc>, b: DateTime<Utc>) -> DateTime<Utc> {
    a + (b - a) / 2
}

fn sale(sequence: u64, at: DateTime<Utc>, price: i64) -> TicketBody {
    body(
        sequence,
        at,
        vec![line("Morgon 2022", 1, price, VatRate::STANDARD, 0)],
        PaymentMethod::Card,
    )
}

/// Tickets a span counts: by the oracle of its definition, not the server's code.
fn counted(span: &Span, tickets: &[Ticket]) -> (u64, i64) {
    let from = start_of(span.first_day);
    let to = span
        .until
        .unwrap_or_else(|| start_of(span.last_day + Duration::days(1)));
    let inside: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| from <= t.body.issued_at && t.body.issued_at < to)
        .collect();
    (
        inside.len() as u64,
        inside
            .iter()
            .map(|t| t.body.vat_breakdown().total_ttc().0)
            .sum(),
    )
}

async fn today_is_compared_with_the_same_hours_of_last_week_and_month(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let store = storage
        .insert_store(&new_store("Cave du matin"))
        .await
        .unwrap();
    let now = Utc::now();
    let windows = GlanceWindows::at(now, PARIS);
    let today = windows.today.last_day;
    let long_ago = now - Duration::days(90);
    let mut old = new_register(store.id, 1, RegisterKind::Principal);
    (old.created_at, old.activated_at) = (long_ago, Some(long_ago));
    let old = storage.insert_register(&old).await.unwrap();
    // In service since yesterday: nothing of last week or last month is a base for it.
    let since = start_of(today) - Duration::hours(12);
    let mut new = new_register(store.id, 2, RegisterKind::Extra);
    (new.created_at, new.activated_at) = (since, Some(since));
    let new = storage.insert_register(&new).await.unwrap();

    // Register 1: on last month's day and last week's, one ticket before the cut and one
    // after it; one today, and a refund today.
    let mut bodies = Vec::new();
    let mut cuts = Vec::new();
    for span in [windows.previous_month, windows.last_week] {
        let day = span.last_day;
        let cut = span.until.unwrap_or_else(|| same_time_on(day, now, PARIS));
        cuts.push((start_of(day), cut, start_of(day + Duration::days(1))));
    }
    let mut sequence = 0;
    let mut next = || {
        sequence += 1;
        sequence
    };
    for (start, cut, end) in &cuts {
        bodies.push(sale(next(), between(*start, *cut), 2_000));
        bodies.push(sale(next(), between(*cut, *end), 5_000));
    }
    let start_today = start_of(today);
    bodies.push(sale(next(), between(start_today, now), 3_000));
    let refunded = refund(
        next(),
        between(start_today, now) + Duration::milliseconds(1),
        vec![line("Morgon 2022", 1, 500, VatRate::STANDARD, 0)],
        PaymentMethod::Card,
    );
    bodies.push(refunded);
    let one = seal_all(bodies);
    push_tickets(storage.as_ref(), &old, PARIS, None, &one)
        .await
        .unwrap();
    let two = seal_all(vec![sale(1, between(start_today, now), 1_000)]);
    push_tickets(storage.as_ref(), &new, PARIS, None, &two)
        .await
        .unwrap();

    let (status, body) = app
        .get_json(&format!("/api/stores/{}/glance", store.id))
        .await;
    assert_eq!(status, 200, "{body}");
    let glance: Glance = serde_json::from_value(body).unwrap();
    assert_eq!(glance.windows.today.last_day, today);
    let [first, second] = &glance.registers[..] else {
        panic!("two registers: {:?}", glance.registers)
    };
    assert_eq!(first.register.number, 1);

    // Today: 30,00 € and a 5,00 € refund against last week's morning ticket of 20,00 €; the
    // one after the cut does not count.
    assert_eq!(first.today.now.ttc, Cents(2_500));
    assert_eq!((first.today.now.sales, first.today.now.refunds), (1, 1));
    assert_eq!(first.today.before.ttc, Cents(2_000));
    assert!(first.today.comparable);
    let changes = first.today.changes();
    assert_eq!(changes.takings_bp, Some(2_500));
    assert_eq!(changes.tickets_bp, Some(10_000));
    assert_eq!(changes.basket_bp, Some(5_000));

    // The month, whatever day it is: what the spans' definitions count.
    assert_eq!(
        counted(&windows.month, &one),
        (first.month.now.tickets(), first.month.now.ttc.0)
    );
    assert_eq!(
        counted(&windows.previous_month, &one),
        (first.month.before.tickets(), first.month.before.ttc.0)
    );
    assert!(first.month.before.ttc.0 >= 2_000);

    // Register 2 sold today but was not in service a week ago: no change, and why.
    assert_eq!(second.today.now.ttc, Cents(1_000));
    assert!(!second.today.comparable && !second.month.comparable);
    assert_eq!(second.today.changes().takings_bp, None);
    assert!(second
        .today
        .why_not_compared(multicaisse_core::format::Lang::Fr)
        .unwrap()
        .contains("pas encore en service"));

    // The shop's line is both registers, compared with what the shop sold then.
    assert_eq!(glance.today.now.ttc, Cents(3_500));
    assert_eq!(glance.today.before.ttc, Cents(2_000));
    assert_eq!(glance.today.changes().takings_bp, Some(7_500));
    assert_eq!(first.sync.state.code(), "never_synced");
}

/// A morning with no sale against a morning with none is "—", not "▼ 100 %"; the shop's day
/// before opening says nothing fell.
async fn a_shop_before_opening_is_not_down(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let store = storage
        .insert_store(&new_store("Cave fermée"))
        .await
        .unwrap();
    let now = Utc::now();
    let windows = GlanceWindows::at(now, PARIS);
    let long_ago = now - Duration::days(90);
    let mut register = new_register(store.id, 1, RegisterKind::Principal);
    (register.created_at, register.activated_at) = (long_ago, Some(long_ago));
    let register = storage.insert_register(&register).await.unwrap();
    // Last week and yesterday the shop sold only after the time it is now.
    let day = windows.last_week.last_day;
    let cut = windows.last_week.until.unwrap();
    let yesterday = windows.today.last_day - Duration::days(1);
    let late = seal_all(vec![
        sale(1, between(cut, start_of(day + Duration::days(1))), 9_000),
        sale(
            2,
            between(
                same_time_on(yesterday, now, PARIS),
                start_of(windows.today.last_day),
            ),
            7_000,
        ),
    ]);
    push_tickets(storage.as_ref(), &register, PARIS, None, &late)
        .await
        .unwrap();
    let (status, body) = app
        .get_json(&format!("/api/stores/{}/glance", store.id))
        .await;
    assert_eq!(status, 200, "{body}");
    let glance: Glance = serde_json::from_value(body).unwrap();
    assert_eq!(glance.today.before.ttc, Cents(0));
    assert_eq!(glance.today.changes().takings_bp, None);
    assert_eq!(glance.registers[0].today.changes().takings_bp, None);

    // The sales report of today compares with yesterday's same hours: no "▼ 100 %".
    let (status, report) = app
        .get_json(&format!("/api/stores/{}/sales?period=today", store.id))
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["total_figures"]["previous_ttc"], 0, "{report}");
    assert!(report["total_figures"]["change_bp"].is_null(), "{report}");
}

on_both_backends!(
    today_is_compared_with_the_same_hours_of_last_week_and_month,
    a_shop_before_opening_is_not_down,
);

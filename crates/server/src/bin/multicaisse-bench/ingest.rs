//! Push ingestion against a plain bulk insert of the same rows.

use crate::common::*;
use multicaisse_core::sync::PairRequest;
use multicaisse_core::sync::MAX_TICKETS_PER_PUSH;
use multicaisse_core::ticket::Ticket;
use multicaisse_server::register_client::RegisterClient;
use multicaisse_server::storage::DatabaseTarget;
use sqlx::Connection;
use std::time::Instant;

/// The baseline: the same rows, multi-row INSERTs of 1000 in one transaction per batch,
/// with none of the service around them. A macro so it runs on either backend's connection.
macro_rules! plain_insert {
    ($conn:expr, $db:ty, $register_id:expr, $tickets:expr) => {{
        let now = chrono::Utc::now();
        let result: Result<(), sqlx::Error> = async {
            for batch in $tickets.chunks(MAX_TICKETS_PER_PUSH) {
                let mut tx = $conn.begin().await?;
                for chunk in batch.chunks(1000) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tickets (register_id, sequence, kind, issued_at, business_date, lines, \
                         payments, total_ttc, total_ht, total_vat, discount_total, previous_hash, hash, \
                         content_hash, received_at) ",
                    );
                    insert.push_values(chunk, |mut row, t: &Ticket| {
                        let vat = t.body.vat_breakdown();
                        row.push_bind($register_id)
                            .push_bind(t.body.sequence as i64)
                            .push_bind(if t.body.kind.is_sale() { "sale" } else { "refund" })
                            .push_bind(t.body.issued_at)
                            .push_bind(t.body.issued_at.date_naive())
                            .push_bind(serde_json::to_string(&t.body.lines).unwrap_or_default())
                            .push_bind(serde_json::to_string(&t.body.payments).unwrap_or_default())
                            .push_bind(vat.total_ttc().0)
                            .push_bind(vat.total_ht().0)
                            .push_bind(vat.total_vat().0)
                            .push_bind(t.body.discount_total().0)
                            .push_bind(t.previous_hash.to_hex())
                            .push_bind(t.hash.to_hex())
                            .push_bind(t.hash.to_hex())
                            .push_bind(now);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Ok(())
        }
        .await;
        result
    }};
}

pub(crate) async fn ingest(tickets: usize, database_url: Option<String>) -> Result<(), String> {
    let (server, data, store) = bench_server(database_url.clone(), "Banc d'essai").await?;
    let storage = server.storage.clone();
    let mut register_ids = Vec::new();
    for number in 1..=2 {
        register_ids.push(bench_register(storage.as_ref(), store.id, number).await?.id);
    }
    let journal = journal(tickets);
    let bodies: Vec<String> = journal
        .chunks(MAX_TICKETS_PER_PUSH)
        .map(|c| serde_json::to_string(c).unwrap_or_default())
        .collect();

    // Through the API, as an iPad pushes: pair (support asks for the code), begin, push
    // batches, end.
    let base = server.url();
    let client = signed_in_client(storage.as_ref(), &base, None).await?;
    let code: serde_json::Value = client
        .post(format!(
            "{base}/api/registers/{}/pairing-codes",
            register_ids[0]
        ))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let pairing = PairRequest {
        code: code["code"].as_str().unwrap_or_default().to_string(),
        device_name: "bench".into(),
        device_model: "bench".into(),
    };
    let (register, _) = RegisterClient::pair(&client, &base, &pairing)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let session = register
        .begin()
        .await
        .map_err(|e| e.to_string())?
        .session_id;
    for tickets_json in &bodies {
        // Serialised before the clock started: the server's work is measured, not the client's.
        let body = format!("{{\"session_id\":{session},\"tickets\":{tickets_json}}}");
        register
            .push_json(body)
            .await
            .map_err(|e| format!("push refused: {e}"))?;
    }
    register.end(session).await.map_err(|e| e.to_string())?;
    let push_seconds = started.elapsed().as_secs_f64();

    let target = DatabaseTarget::from_config(database_url.as_deref(), data.path())
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    match &target {
        DatabaseTarget::Sqlite(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .map_err(|e| e.to_string())?;
            plain_insert!(conn, sqlx::Sqlite, register_ids[1], journal)
                .map_err(|e| e.to_string())?;
        }
        DatabaseTarget::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            plain_insert!(conn, sqlx::Postgres, register_ids[1], journal)
                .map_err(|e| e.to_string())?;
        }
    }
    let plain_seconds = started.elapsed().as_secs_f64();
    let stored = storage
        .chain_head(register_ids[0])
        .await
        .map_err(|e| e.to_string())?
        .map_or(0, |h| h.sequence);
    if stored != tickets as u64 {
        return Err(format!("push stored {stored} tickets of {tickets}"));
    }
    let (push_rate, plain_rate) = (
        tickets as f64 / push_seconds,
        tickets as f64 / plain_seconds,
    );
    println!("ingest on {} — {tickets} tickets", storage.backend());
    println!("  push over HTTP : {push_seconds:>7.2} s  {push_rate:>9.0} tickets/s");
    println!("  plain INSERT   : {plain_seconds:>7.2} s  {plain_rate:>9.0} tickets/s");
    println!("  ratio push / plain insert: {:.2}", push_rate / plain_rate);
    Ok(())
}

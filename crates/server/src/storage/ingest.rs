//! What a push writes: a register's chains (tickets, closures) and receipts, the gaps and breaks they reveal, and the shared changes with the balances they move, all in one transaction.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait Ingest: Send + Sync {
    /// What the server holds of a register's chain around tickets `first..=last`: the hashes
    /// of `first - 1..=last` and the newest number.
    async fn known_chain(
        &self,
        register_id: i64,
        first: u64,
        last: u64,
    ) -> StorageResult<KnownChain>;

    /// Like [`Storage::known_chain`], for the register's closures.
    async fn known_closures(
        &self,
        register_id: i64,
        first: u64,
        last: u64,
    ) -> StorageResult<KnownChain>;

    /// The payloads (JSON) of the register's shared changes among `ids`, by id.
    async fn known_changes(
        &self,
        register_id: i64,
        ids: &[&str],
    ) -> StorageResult<std::collections::HashMap<String, String>>;

    /// Writes a planned push in one transaction: new tickets (business dates in
    /// `time_zone`) and closures, the gaps and chain breaks they revealed, the settings, the
    /// shared changes with the balances they move, and the session's count. All or none.
    async fn ingest(
        &self,
        register: &Register,
        time_zone: Tz,
        session_id: Option<i64>,
        plan: &PushPlan<'_>,
    ) -> StorageResult<()>;

    /// The answer stored for a batch digest, if this register pushed that batch before, and
    /// the sync session that pushed it.
    async fn push_receipt(
        &self,
        register_id: i64,
        digest: &str,
    ) -> StorageResult<Option<(String, Option<i64>)>>;
}

/// The SQL of [`Ingest`], for either backend's storage.
macro_rules! impl_ingest {
    ($storage:ty, $db:ty) => {
        // An anonymous block, so that its imports reach the bodies without leaking.
        const _: () = {
            #[allow(unused_imports)]
            use $crate::storage::rows::*;
            #[allow(unused_imports)]
            use $crate::storage::{StorageError, StorageResult};
            #[allow(unused_imports)]
            use chrono::{DateTime, Utc};

            impl $storage {
                /// A push's shared changes, in a few multi-row statements whatever their
                /// number: each balance moves once by the sum of its deltas (so concurrent pushes
                /// still add up), and each log entry keeps the balance its movement left.
                /// Takes the store's next `count` change numbers. The counter row stays
                /// locked until the push commits, so a change numbered lower has committed
                /// before a higher number is handed out: a pull reading up to the counter's
                /// committed value never passes a change that commits later.
                async fn take_change_numbers_in(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    store_id: i64,
                    count: usize,
                ) -> StorageResult<i64> {
                    let count = i64::try_from(count)
                        .map_err(|_| StorageError::Corrupt("too many changes in one push".into()))?;
                    let (last,): (i64,) = sqlx::query_as(
                        "INSERT INTO store_change_heads (store_id, seq) VALUES ($1, $2) \
                         ON CONFLICT (store_id) DO UPDATE SET seq = store_change_heads.seq + excluded.seq \
                         RETURNING seq",
                    )
                    .bind(store_id)
                    .bind(count)
                    .fetch_one(&mut **tx)
                    .await?;
                    Ok(last - count + 1)
                }

                async fn insert_changes_in(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    register: &multicaisse_core::store::Register,
                    changes: &[&multicaisse_core::sync::SharedChange],
                    first_seq: i64,
                    now: DateTime<Utc>,
                ) -> StorageResult<()> {
                    use multicaisse_core::sync::Balance;
                    let mut sums: std::collections::BTreeMap<(Balance, String), i64> =
                        std::collections::BTreeMap::new();
                    for (balance, entity, delta) in changes.iter().filter_map(|c| c.change.movement()) {
                        *sums.entry((balance, entity.to_string())).or_default() += delta;
                    }
                    let mut finals = std::collections::BTreeMap::new();
                    for (balance, table, column, key) in [
                        (Balance::Stock, "stock_levels", "quantity", "product"),
                        (Balance::Loyalty, "loyalty_balances", "points", "customer"),
                    ] {
                        let moved: Vec<(&String, &i64)> = sums
                            .iter()
                            .filter(|((b, _), _)| *b == balance)
                            .map(|((_, entity), sum)| (entity, sum))
                            .collect();
                        for chunk in moved.chunks(CHANGE_INSERT_CHUNK) {
                            let mut upsert = sqlx::QueryBuilder::<$db>::new(format!(
                                "INSERT INTO {table} (store_id, {key}, {column}) "
                            ));
                            upsert.push_values(chunk, |mut row, (entity, sum)| {
                                row.push_bind(register.store_id)
                                    .push_bind((*entity).clone())
                                    .push_bind(**sum);
                            });
                            upsert.push(format!(
                                " ON CONFLICT (store_id, {key}) DO UPDATE \
                                 SET {column} = {table}.{column} + excluded.{column} \
                                 RETURNING {key}, {column}"
                            ));
                            let rows: Vec<(String, i64)> =
                                upsert.build_query_as().fetch_all(&mut **tx).await?;
                            finals.extend(rows.into_iter().map(|(entity, level)| ((balance, entity), level)));
                        }
                    }
                    let after = multicaisse_core::sync::balances_after(changes, &finals);
                    let rows = changes
                        .iter()
                        .zip(after)
                        .zip(first_seq..)
                        .map(|((shared, level_after), seq)| {
                            Ok((shared, to_json(&shared.change)?, level_after, seq))
                        })
                        .collect::<StorageResult<Vec<_>>>()?;
                    for chunk in rows.chunks(CHANGE_INSERT_CHUNK) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO store_changes (store_id, seq, origin_register_id, change_id, \
                             kind, entity, payload, at, received_at, level_after) ",
                        );
                        insert.push_values(chunk, |mut row, (shared, payload, level_after, seq)| {
                            row.push_bind(register.store_id)
                                .push_bind(*seq)
                                .push_bind(register.id)
                                .push_bind(shared.id.clone())
                                .push_bind(shared.change.kind())
                                .push_bind(shared.change.entity().to_string())
                                .push_bind(payload.clone())
                                .push_bind(shared.at)
                                .push_bind(now)
                                .push_bind(*level_after);
                        });
                        insert.build().execute(&mut **tx).await?;
                    }
                    Ok(())
                }

                /// The stored records of one chain around `first..=last` (see `known_chain`).
                async fn known_records(
                    &self,
                    table: ChainTable,
                    register_id: i64,
                    first: u64,
                    last: u64,
                ) -> StorageResult<multicaisse_core::sync::KnownChain> {
                    let number = number;
                    let table = table.name();
                    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
                        "SELECT sequence, hash, content_hash, previous_hash FROM {table} \
                         WHERE register_id = $1 AND sequence BETWEEN $2 AND $3"
                    ))
                    .bind(register_id)
                    .bind(number(first.saturating_sub(1)))
                    .bind(number(last.saturating_add(1)))
                    .fetch_all(&self.pool)
                    .await?;
                    let (newest,): (Option<i64>,) =
                        sqlx::query_as(&format!("SELECT MAX(sequence) FROM {table} WHERE register_id = $1"))
                            .bind(register_id)
                            .fetch_one(&self.pool)
                            .await?;
                    known_chain(rows, newest)
                }
            }

            #[async_trait::async_trait]
            impl $crate::storage::ingest::Ingest for $storage {
                async fn known_chain(
                    &self,
                    register_id: i64,
                    first: u64,
                    last: u64,
                ) -> StorageResult<multicaisse_core::sync::KnownChain> {
                    self.known_records(ChainTable::Tickets, register_id, first, last)
                        .await
                }

                async fn known_closures(
                    &self,
                    register_id: i64,
                    first: u64,
                    last: u64,
                ) -> StorageResult<multicaisse_core::sync::KnownChain> {
                    self.known_records(ChainTable::Closures, register_id, first, last)
                        .await
                }

                async fn known_changes(
                    &self,
                    register_id: i64,
                    ids: &[&str],
                ) -> StorageResult<std::collections::HashMap<String, String>> {
                    let mut known = std::collections::HashMap::new();
                    for chunk in ids.chunks(500) {
                        let mut query = sqlx::QueryBuilder::<$db>::new(
                            "SELECT change_id, payload FROM store_changes WHERE origin_register_id = ",
                        );
                        query.push_bind(register_id).push(" AND change_id IN (");
                        let mut list = query.separated(", ");
                        for id in chunk {
                            list.push_bind(id.to_string());
                        }
                        query.push(")");
                        let rows: Vec<(String, String)> =
                            query.build_query_as().fetch_all(&self.pool).await?;
                        known.extend(rows);
                    }
                    Ok(known)
                }

                async fn ingest(
                    &self,
                    register: &multicaisse_core::store::Register,
                    time_zone: chrono_tz::Tz,
                    session_id: Option<i64>,
                    plan: &$crate::storage::PushPlan<'_>,
                ) -> StorageResult<()> {
                    use $crate::storage::rows as q;
                    let register_id = register.id;
                    let rows = plan
                        .tickets
                        .new
                        .iter()
                        .zip(&plan.tickets.content_hashes)
                        .map(|(t, content_hash)| q::TicketInsert::new(t, content_hash, time_zone))
                        .collect::<StorageResult<Vec<_>>>()?;
                    let now = chrono::Utc::now();
                    let mut tx = self.write_tx().await?;
                    if let (Some(session_id), Some(now_ms)) = (session_id, plan.lease_held_at_ms) {
                        Self::hold_lease_in(&mut tx, register, session_id, now_ms).await?;
                    }
                    // Judged in the writing transaction, the register's row held until commit: a
                    // decommission's suspension either commits first (and this push is refused)
                    // or waits for this push (and sees what it brought).
                    let (status,): (String,) = sqlx::query_as(&format!(
                        "SELECT status FROM registers WHERE id = $1{}",
                        Self::ROW_LOCK
                    ))
                    .bind(register_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if !multicaisse_core::store::RegisterStatus::from_code(&status).is_some_and(|s| s.may_sync()) {
                        return Err(StorageError::Conflict(format!(
                            "register {} is out of service ({status}): nothing more is recorded for it",
                            register.number
                        )));
                    }
                    // First of the store's rows this push locks, so that pushes of one store
                    // carrying shared changes queue here, not in a cycle over each other's
                    // sync status rows (their settings, then the others' `behind`).
                    let first_seq = if plan.changes.is_empty() {
                        None
                    } else {
                        Some(Self::take_change_numbers_in(&mut tx, register.store_id, plan.changes.len()).await?)
                    };
                    for chunk in rows.chunks(q::TICKET_INSERT_CHUNK) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO tickets (register_id, sequence, kind, issued_at, business_date, \
                             lines, payments, total_ttc, total_ht, total_vat, discount_total, \
                             previous_hash, hash, content_hash, received_at) ",
                        );
                        insert.push_values(chunk, |mut row, t| {
                            row.push_bind(register_id)
                                .push_bind(t.sequence)
                                .push_bind(t.kind)
                                .push_bind(t.issued_at)
                                .push_bind(t.business_date)
                                .push_bind(t.lines.clone())
                                .push_bind(t.payments.clone())
                                .push_bind(t.total_ttc)
                                .push_bind(t.total_ht)
                                .push_bind(t.total_vat)
                                .push_bind(t.discount_total)
                                .push_bind(t.previous_hash.clone())
                                .push_bind(t.hash.clone())
                                .push_bind(t.content_hash.clone())
                                .push_bind(now);
                        });
                        insert.build().execute(&mut *tx).await?;
                    }
                    // The day totals move with the tickets, in the same transaction.
                    let days = multicaisse_core::rollup::roll_up(
                        plan.tickets.new.iter().map(|t| &t.body),
                        time_zone,
                    );
                    Self::upsert_rollups(&mut tx, register_id, &days).await?;
                    for (closure, content_hash) in plan.closures.new.iter().zip(&plan.closures.content_hashes) {
                        let c = q::ClosureInsert::new(closure, content_hash)?;
                        sqlx::query(
                            "INSERT INTO closures (register_id, sequence, kind, period_start, \
                             period_end, first_sequence, last_sequence, ticket_count, total_ttc, \
                             total_ht, vat_breakdown, payments, cancellations_ttc, \
                             period_grand_total, perpetual_grand_total, last_ticket_hash, \
                             previous_hash, hash, content_hash, closed_at, received_at, \
                             corrects_closure_id) VALUES \
                             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                             $16, $17, $18, $19, $20, $21, (SELECT id FROM closures \
                             WHERE register_id = $1 AND sequence = $22))",
                        )
                        .bind(register_id)
                        .bind(c.sequence)
                        .bind(c.kind)
                        .bind(c.period_start)
                        .bind(c.period_end)
                        .bind(c.first_ticket)
                        .bind(c.last_ticket)
                        .bind(c.ticket_count)
                        .bind(c.total_ttc)
                        .bind(c.total_ht)
                        .bind(c.vat)
                        .bind(c.payments)
                        .bind(c.cancellations_ttc)
                        .bind(c.period_grand_total)
                        .bind(c.perpetual_grand_total)
                        .bind(c.last_ticket_hash)
                        .bind(c.previous_hash)
                        .bind(c.hash)
                        .bind(c.content_hash)
                        .bind(c.closed_at)
                        .bind(now)
                        .bind(closure.body.corrects.map(q::number))
                        .execute(&mut *tx)
                        .await?;
                    }
                    for gap in &plan.tickets.new_gaps {
                        sqlx::query(
                            "INSERT INTO ticket_gaps (register_id, first_missing, last_missing, \
                             detected_at, session_id) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (register_id, first_missing) DO NOTHING",
                        )
                        .bind(register_id)
                        .bind(q::number(gap.first))
                        .bind(q::number(gap.last))
                        .bind(now)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let breaks = [("ticket", plan.tickets.chain_break), ("closure", plan.closures.chain_break)];
                    for (record, sequence) in breaks {
                        let Some(sequence) = sequence else { continue };
                        // The lowest break of a chain is kept, whenever it arrives (a late record
                        // can break below one found earlier): everything after it is suspect.
                        sqlx::query(
                            "INSERT INTO chain_breaks (register_id, record, first_sequence, \
                             detected_at, session_id) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (register_id, record) DO UPDATE SET \
                             first_sequence = excluded.first_sequence, \
                             detected_at = excluded.detected_at, session_id = excluded.session_id \
                             WHERE excluded.first_sequence < chain_breaks.first_sequence",
                        )
                        .bind(register_id)
                        .bind(record)
                        .bind(q::number(sequence))
                        .bind(now)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for explanation in plan.gap_explanations {
                        sqlx::query(
                            "UPDATE ticket_gaps SET explanation = $1, explained_at = $2 \
                             WHERE register_id = $3 AND first_missing = $4 AND last_missing = $5",
                        )
                        .bind(explanation.reason.trim())
                        .bind(now)
                        .bind(register_id)
                        .bind(q::number(explanation.first))
                        .bind(q::number(explanation.last))
                        .execute(&mut *tx)
                        .await?;
                    }
                    if let Some(settings) = plan.settings {
                        Self::report_settings_in(&mut tx, register_id, settings, now).await?;
                    }
                    if let Some(first_seq) = first_seq {
                        Self::insert_changes_in(&mut tx, register, &plan.changes, first_seq, now).await?;
                        if let Some(notify) = Self::NOTIFY_CHANGES {
                            // Delivered to every process's listener on commit, never before.
                            let poke = $crate::pokes::Poke {
                                store_id: register.store_id,
                                head: first_seq + plan.changes.len() as i64 - 1,
                            };
                            sqlx::query(notify).bind(poke.payload()).execute(&mut *tx).await?;
                        }
                    }
                    if !plan.changes.is_empty() {
                        // Every other register of the store now lacks these changes.
                        sqlx::query(
                            "UPDATE register_sync_status SET behind = behind + $1 \
                             WHERE store_id = $2 AND register_id <> $3",
                        )
                        .bind(plan.changes.len() as i64)
                        .bind(register.store_id)
                        .bind(register_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let (digest, response) = &plan.receipt;
                    sqlx::query(
                        "INSERT INTO push_receipts (register_id, digest, response, created_at, \
                         session_id) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(register_id)
                    .bind(*digest)
                    .bind(response)
                    .bind(now)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(session_id) = session_id {
                        sqlx::query(
                            "UPDATE sync_sessions SET tickets_pushed = tickets_pushed + $1 WHERE id = $2",
                        )
                        .bind(rows.len() as i64)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn push_receipt(
                    &self,
                    register_id: i64,
                    digest: &str,
                ) -> StorageResult<Option<(String, Option<i64>)>> {
                    let row: Option<(String, Option<i64>)> = sqlx::query_as(
                        "SELECT response, session_id FROM push_receipts \
                         WHERE register_id = $1 AND digest = $2",
                    )
                    .bind(register_id)
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row)
                }
            }
        };
    };
}

pub(super) use impl_ingest;

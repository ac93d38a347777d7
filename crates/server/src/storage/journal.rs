//! Reading a register's journal: tickets and closures in order or by page, the chain heads and breaks, open gaps, the perpetual total, and sales totals.

#[allow(unused_imports)]
use super::*;

#[async_trait]
pub trait Journal: Send + Sync {
    /// A register's gaps that later tickets have not (entirely) filled, by first number.
    async fn open_gaps(
        &self,
        register_id: i64,
    ) -> StorageResult<Vec<multicaisse_core::sync::OpenGap>>;

    /// The first broken ticket and the first broken closure of a register, if any.
    async fn chain_breaks(&self, register_id: i64) -> StorageResult<(Option<u64>, Option<u64>)>;

    /// A register's closures from number `from_sequence` on, in order.
    async fn closures(
        &self,
        register_id: i64,
        from_sequence: u64,
        limit: u32,
    ) -> StorageResult<Vec<Closure>>;

    async fn chain_head(&self, register_id: i64) -> StorageResult<Option<ChainHead>>;

    /// The newest closure of a register: where its closure chain continues.
    async fn closure_head(&self, register_id: i64) -> StorageResult<Option<ChainHead>>;

    /// The sum of every ticket of a register (its perpetual grand total as the server sees it).
    async fn register_total(&self, register_id: i64) -> StorageResult<multicaisse_core::Cents>;

    /// A page of a register's tickets matching a search (a number whatever the period, else
    /// within it), newest first, and how many match in all.
    async fn ticket_page(
        &self,
        register_id: i64,
        range: DateRange,
        search: multicaisse_core::api::TicketSearch,
        offset: u64,
        limit: u32,
    ) -> StorageResult<(u64, Vec<Ticket>)>;

    /// Up to `limit` tickets of a register from sequence `from_sequence` on, in order.
    async fn tickets(
        &self,
        register_id: i64,
        from_sequence: u64,
        limit: u32,
    ) -> StorageResult<Vec<Ticket>>;

    /// The same, each with the columns the server derived from it when storing it.
    async fn stored_tickets(
        &self,
        register_id: i64,
        from_sequence: u64,
        limit: u32,
    ) -> StorageResult<Vec<(Ticket, multicaisse_core::verification::StoredTicket)>>;

    /// Sales totals of every register of a store over local business days, keyed by register
    /// id (registers without sales are absent).
    async fn sales_by_register(
        &self,
        store_id: i64,
        range: DateRange,
    ) -> StorageResult<Vec<(i64, SalesTotals)>>;
}

/// The SQL of [`Journal`], for either backend's storage.
macro_rules! impl_journal {
    ($storage:ty, $db:ty, $stored_tickets_page:expr) => {
        // An anonymous block, so that its imports reach the bodies without leaking.
        const _: () = {
            #[allow(unused_imports)]
            use $crate::storage::rows::*;
            #[allow(unused_imports)]
            use $crate::storage::{StorageError, StorageResult};
            #[allow(unused_imports)]
            use chrono::{DateTime, Utc};

            #[async_trait::async_trait]
            impl $crate::storage::journal::Journal for $storage {
                async fn open_gaps(
                    &self,
                    register_id: i64,
                ) -> StorageResult<Vec<multicaisse_core::sync::OpenGap>> {
                    let rows: Vec<(i64, i64, Option<String>, i64)> = sqlx::query_as(
                        "SELECT g.first_missing, g.last_missing, g.explanation, \
                                CAST((SELECT COUNT(*) FROM tickets t WHERE t.register_id = g.register_id \
                                      AND t.sequence BETWEEN g.first_missing AND g.last_missing) AS BIGINT) \
                         FROM ticket_gaps g WHERE g.register_id = $1 ORDER BY g.first_missing",
                    )
                    .bind(register_id)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .filter_map(|(first, last, explanation, present)| {
                            let size = last - first + 1;
                            (present < size).then(|| multicaisse_core::sync::OpenGap {
                                first: u64::try_from(first).unwrap_or(0),
                                last: u64::try_from(last).unwrap_or(0),
                                missing: u64::try_from(size - present).unwrap_or(0),
                                explanation,
                            })
                        })
                        .collect())
                }

                async fn chain_breaks(
                    &self,
                    register_id: i64,
                ) -> StorageResult<(Option<u64>, Option<u64>)> {
                    let rows: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT record, first_sequence FROM chain_breaks WHERE register_id = $1",
                    )
                    .bind(register_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let of = |record: &str| {
                        rows.iter()
                            .find(|(r, _)| r == record)
                            .and_then(|(_, n)| u64::try_from(*n).ok())
                    };
                    Ok((of("ticket"), of("closure")))
                }

                async fn closures(
                    &self,
                    register_id: i64,
                    from_sequence: u64,
                    limit: u32,
                ) -> StorageResult<Vec<multicaisse_core::closure::Closure>> {
                    let sql = format!(
                        "SELECT {} FROM closures WHERE register_id = $1 AND sequence >= $2 \
                         ORDER BY sequence LIMIT $3",
                        CLOSURE_COLUMNS
                    );
                    let rows: Vec<ClosureRow> = sqlx::query_as(&sql)
                        .bind(register_id)
                        .bind(number(from_sequence))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn chain_head(
                    &self,
                    register_id: i64,
                ) -> StorageResult<Option<$crate::storage::ChainHead>> {
                    let row: Option<(i64, String)> = sqlx::query_as(
                        "SELECT sequence, hash FROM tickets WHERE register_id = $1 \
                         ORDER BY sequence DESC LIMIT 1",
                    )
                    .bind(register_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    chain_head(row)
                }

                async fn closure_head(
                    &self,
                    register_id: i64,
                ) -> StorageResult<Option<$crate::storage::ChainHead>> {
                    let row: Option<(i64, String)> = sqlx::query_as(
                        "SELECT sequence, hash FROM closures WHERE register_id = $1 \
                         ORDER BY sequence DESC LIMIT 1",
                    )
                    .bind(register_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    chain_head(row)
                }

                async fn register_total(
                    &self,
                    register_id: i64,
                ) -> StorageResult<multicaisse_core::Cents> {
                    let (total,): (i64,) = sqlx::query_as(
                        "SELECT CAST(COALESCE(SUM(total_ttc), 0) AS BIGINT) FROM tickets WHERE register_id = $1",
                    )
                    .bind(register_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(multicaisse_core::Cents(total))
                }

                async fn ticket_page(
                    &self,
                    register_id: i64,
                    range: multicaisse_core::period::DateRange,
                    search: multicaisse_core::api::TicketSearch,
                    offset: u64,
                    limit: u32,
                ) -> StorageResult<(u64, Vec<multicaisse_core::ticket::Ticket>)> {
                    use multicaisse_core::api::TicketSearch;
                    // A number is looked for whatever the period; an amount within it.
                    let (filter, key) = match search {
                        TicketSearch::All => ("business_date BETWEEN $2 AND $3", 0),
                        TicketSearch::Number(n) => (
                            "sequence = $4 AND $2 <= $3",
                            i64::try_from(n).unwrap_or(i64::MAX),
                        ),
                        TicketSearch::Amount(amount) => (
                            "business_date BETWEEN $2 AND $3 AND (total_ttc = $4 OR total_ttc = -$4)",
                            amount.0,
                        ),
                    };
                    let (count,): (i64,) = sqlx::query_as(&format!(
                        "SELECT COUNT(*) FROM tickets WHERE register_id = $1 AND {filter} \
                         AND $4 = $4"
                    ))
                    .bind(register_id)
                    .bind(range.from)
                    .bind(range.to)
                    .bind(key)
                    .fetch_one(&self.pool)
                    .await?;
                    let rows: Vec<TicketRow> = sqlx::query_as(&format!(
                        "SELECT {} FROM tickets WHERE register_id = $1 AND {filter} AND $4 = $4 \
                         ORDER BY sequence DESC LIMIT $5 OFFSET $6",
                        TICKET_COLUMNS
                    ))
                    .bind(register_id)
                    .bind(range.from)
                    .bind(range.to)
                    .bind(key)
                    .bind(i64::from(limit))
                    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?;
                    let tickets = rows
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect::<StorageResult<Vec<_>>>()?;
                    Ok((u64::try_from(count).unwrap_or(0), tickets))
                }

                async fn tickets(
                    &self,
                    register_id: i64,
                    from_sequence: u64,
                    limit: u32,
                ) -> StorageResult<Vec<multicaisse_core::ticket::Ticket>> {
                    let sql = format!(
                        "SELECT {} FROM tickets WHERE register_id = $1 AND sequence >= $2 \
                         ORDER BY sequence LIMIT $3",
                        TICKET_COLUMNS
                    );
                    let rows: Vec<TicketRow> = sqlx::query_as(&sql)
                        .bind(register_id)
                        .bind(i64::try_from(from_sequence).unwrap_or(i64::MAX))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn stored_tickets(
                    &self,
                    register_id: i64,
                    from_sequence: u64,
                    limit: u32,
                ) -> StorageResult<
                    Vec<(multicaisse_core::ticket::Ticket, multicaisse_core::verification::StoredTicket)>,
                > {
                    let from = i64::try_from(from_sequence).unwrap_or(i64::MAX);
                    // SQLite builds the page as one JSON text (much faster there); PostgreSQL reads rows.
                    if let Some(page_sql) = $stored_tickets_page {
                        let page: String =
                            sqlx::query_scalar(page_sql)
                                .bind(register_id)
                                .bind(from)
                                .bind(i64::from(limit))
                                .fetch_one(&self.pool)
                                .await?;
                        return stored_tickets_of_page(&page, from_sequence);
                    }
                    let sql = format!(
                        "SELECT {} FROM tickets WHERE register_id = $1 AND sequence >= $2 \
                         ORDER BY sequence LIMIT $3",
                        STORED_TICKET_COLUMNS
                    );
                    let rows: Vec<StoredTicketRow> = sqlx::query_as(&sql)
                        .bind(register_id)
                        .bind(from)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn sales_by_register(
                    &self,
                    store_id: i64,
                    range: multicaisse_core::period::DateRange,
                ) -> StorageResult<Vec<(i64, multicaisse_core::api::SalesTotals)>>
                {
                    // CAST keeps PostgreSQL's SUM(bigint) (a NUMERIC) an integer on both backends.
                    let rows: Vec<SalesRow> = sqlx::query_as(
                        "SELECT t.register_id AS register_id, \
                                CAST(COUNT(*) AS BIGINT) AS ticket_count, \
                                CAST(SUM(t.total_ttc) AS BIGINT) AS ttc, \
                                CAST(SUM(t.total_ht) AS BIGINT) AS ht, \
                                CAST(SUM(t.total_vat) AS BIGINT) AS vat \
                         FROM tickets t JOIN registers r ON r.id = t.register_id \
                         WHERE r.store_id = $1 AND t.business_date BETWEEN $2 AND $3 \
                         GROUP BY t.register_id ORDER BY t.register_id",
                    )
                    .bind(store_id)
                    .bind(range.from)
                    .bind(range.to)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }
            }
        };
    };
}

pub(super) use impl_journal;

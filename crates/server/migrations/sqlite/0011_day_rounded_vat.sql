-- A register's day now rounds its VAT once per rate on the day's TTC, as its daily Z does
-- (core::vat), where the rollups used to add each ticket's rounded VAT. Rollups are derived
-- data: emptied here, they are rebuilt from the tickets at start, register by register, each
-- in one transaction (storage::backfill_rollups).
DELETE FROM register_day_hours;
DELETE FROM register_day_rates;
DELETE FROM register_day_sales;

//! Every test of the server, in one binary so that a change links once: the real server over
//! HTTP on SQLite and PostgreSQL, one module per subject.

#[macro_use]
mod support;

mod access_matrix;
mod accounts;
mod alerts;
mod api;
mod backups;
mod conformance;
mod decommission;
mod freshness;
mod glance;
mod hostile_accounts;
mod hostile_requests;
mod hostile_sync;
mod lease_race;
mod openapi;
mod operations;
mod passwords;
mod pruning;
mod rollups;
mod shared_data;
mod shops;
mod simulate;
mod startup;
mod subscription;
mod sync;
mod sync_events;
mod watching;
mod zfiles;

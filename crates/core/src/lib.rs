//! Multicaisse domain: the rules shared by the server and the app.
//!
//! Nothing here does I/O: the server owns persistence and HTTP, the app owns the DOM.
//! The serde types in [`api`] are the contract between the two.

pub mod alerts;
pub mod api;
pub mod auth;
pub mod chain;
pub mod closure;
pub mod decommission;
pub mod failure;
pub mod fec;
pub mod format;
pub mod freshness;
pub mod glance;
pub mod identity;
pub mod integrity;
pub mod labels;
pub mod mail;
pub mod money;
pub mod pages;
pub mod peak;
pub mod period;
pub mod requests;
pub mod rollup;
#[cfg(feature = "openapi")]
mod schema;
pub mod setup;
pub mod store;
pub mod subscription;
pub mod sync;
pub mod text;
pub mod ticket;
pub mod vat;
pub mod verification;
pub mod zperiod;

pub use money::Cents;
pub use vat::VatRate;

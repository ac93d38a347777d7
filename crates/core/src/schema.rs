//! JSON Schemas of the types whose serde form is written by hand (feature `openapi`).

use crate::chain::ChainHash;
use crate::ticket::{Ticket, TicketWire};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Metadata, Schema, SchemaObject, StringValidation};
use schemars::JsonSchema;

impl JsonSchema for ChainHash {
    fn schema_name() -> String {
        "ChainHash".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            string: Some(Box::new(StringValidation {
                pattern: Some("^[0-9a-f]{64}$".into()),
                min_length: Some(64),
                max_length: Some(64),
            })),
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "SHA-256 of the previous hash and the canonical bytes, lowercase hex".into(),
                ),
                ..Metadata::default()
            })),
            ..SchemaObject::default()
        }
        .into()
    }
}

/// A ticket travels as one flat object: its wire form.
impl JsonSchema for Ticket {
    fn schema_name() -> String {
        "Ticket".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        TicketWire::json_schema(generator)
    }
}

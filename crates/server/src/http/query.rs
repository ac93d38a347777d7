//! Query strings, typed. A route's parameters are a struct: its JSON Schema documents them in
//! the OpenAPI document and states the limits this extractor enforces (lengths, values,
//! ranges), and serde parses them. Whatever the route, a parameter it does not take, one given
//! twice or one it needs and lacks is refused with a 400 naming it, before the handler runs.

use super::query_pairs;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use multicaisse_core::api::ParamError;
use schemars::gen::SchemaSettings;
use schemars::schema::{InstanceType, Schema, SchemaObject, SingleOrVec};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// The parameters of a query, parsed and checked against their schema.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + JsonSchema + 'static> FromRequestParts<S>
    for ApiQuery<T>
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(ApiQuery(parse(parts.uri.query())?))
    }
}

/// A route that takes no query parameter: any is refused by name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// `?lang=`: the language of the sentences an answer carries.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LangQuery {
    /// fr (default) or en
    #[serde(default)]
    pub lang: multicaisse_core::format::Lang,
}

/// One query parameter as documented and enforced.
#[derive(Debug, Clone)]
pub struct QueryParam {
    pub name: String,
    pub required: bool,
    pub description: String,
    /// Its JSON Schema, inline (no `$ref`): type, enum, length or range.
    pub schema: SchemaObject,
}

impl QueryParam {
    /// Refuses a value its schema excludes, naming the parameter.
    fn check(&self, value: &str) -> Result<(), ParamError> {
        let schema = &self.schema;
        if let Some(allowed) = &schema.enum_values {
            if !allowed.iter().any(|v| v.as_str() == Some(value)) {
                let words: Vec<&str> = allowed.iter().filter_map(|v| v.as_str()).collect();
                return Err(ParamError::new(
                    &self.name,
                    format!("`{}` is not one of {}", shown(value), words.join(", ")),
                ));
            }
        }
        if let Some(string) = &schema.string {
            let length = value.chars().count();
            if let Some(max) = string.max_length.filter(|max| length > *max as usize) {
                return Err(ParamError::new(
                    &self.name,
                    format!("is longer than {max} characters"),
                ));
            }
            if let Some(min) = string.min_length.filter(|min| length < *min as usize) {
                return Err(ParamError::new(
                    &self.name,
                    format!("is shorter than {min} characters"),
                ));
            }
        }
        if is_integer(schema) {
            let number: i64 = value.parse().map_err(|_| {
                ParamError::new(
                    &self.name,
                    format!("`{}` is not a whole number", shown(value)),
                )
            })?;
            if let Some(number_rules) = &schema.number {
                let below = number_rules
                    .minimum
                    .is_some_and(|min| (number as f64) < min);
                let above = number_rules
                    .maximum
                    .is_some_and(|max| (number as f64) > max);
                if below || above {
                    let (min, max) = (number_rules.minimum, number_rules.maximum);
                    let bounds = match (min, max) {
                        (Some(min), Some(max)) => format!("from {min} to {max}"),
                        (Some(min), None) => format!("at least {min}"),
                        (None, Some(max)) => format!("at most {max}"),
                        (None, None) => String::new(),
                    };
                    return Err(ParamError::new(
                        &self.name,
                        format!("`{number}` is out of range: {bounds}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn is_integer(schema: &SchemaObject) -> bool {
    match &schema.instance_type {
        Some(SingleOrVec::Single(t)) => **t == InstanceType::Integer,
        Some(SingleOrVec::Vec(types)) => types.contains(&InstanceType::Integer),
        None => false,
    }
}

/// A value as an error message quotes it: long ones cut.
fn shown(value: &str) -> String {
    if value.chars().count() > 40 {
        format!("{}…", value.chars().take(40).collect::<String>())
    } else {
        value.to_string()
    }
}

/// The parameters of `T`, from its schema, made once per type.
pub fn parameters<T: JsonSchema + 'static>() -> Arc<[QueryParam]> {
    static MADE: OnceLock<RwLock<HashMap<TypeId, Arc<[QueryParam]>>>> = OnceLock::new();
    let made = MADE.get_or_init(Default::default);
    let id = TypeId::of::<T>();
    if let Some(found) = made.read().ok().and_then(|m| m.get(&id).cloned()) {
        return found;
    }
    let params: Arc<[QueryParam]> = parameters_of::<T>().into();
    if let Ok(mut m) = made.write() {
        m.insert(id, params.clone());
    }
    params
}

fn parameters_of<T: JsonSchema>() -> Vec<QueryParam> {
    let generator = SchemaSettings::openapi3()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let root = generator.into_root_schema_for::<T>();
    let Some(object) = root.schema.object else {
        return Vec::new();
    };
    object
        .properties
        .iter()
        .map(|(name, schema)| {
            let schema = match schema {
                Schema::Object(o) => o.clone(),
                Schema::Bool(_) => SchemaObject::default(),
            };
            let description = schema
                .metadata
                .as_ref()
                .and_then(|m| m.description.clone())
                .unwrap_or_default();
            QueryParam {
                name: name.clone(),
                required: object.required.contains(name),
                description,
                schema,
            }
        })
        .collect()
}

/// Checks a query string against a route's parameters: every one known, given once and
/// within its schema, and none it needs missing.
pub fn check(
    params: &[QueryParam],
    query: Option<&str>,
) -> Result<Vec<(String, String)>, ParamError> {
    let pairs = query_pairs(query)?;
    for (name, value) in &pairs {
        let Some(param) = params.iter().find(|p| p.name == *name) else {
            let known: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            let takes = if known.is_empty() {
                "this route takes none".to_string()
            } else {
                format!("this route takes {}", known.join(", "))
            };
            return Err(ParamError::new(
                name,
                format!("is not a parameter: {takes}"),
            ));
        };
        param.check(value)?;
    }
    if let Some(missing) = params
        .iter()
        .find(|p| p.required && !pairs.iter().any(|(name, _)| *name == p.name))
    {
        let hint = if missing.description.is_empty() {
            String::new()
        } else {
            format!(": {}", missing.description)
        };
        return Err(ParamError::new(&missing.name, format!("is missing{hint}")));
    }
    Ok(pairs)
}

/// Parses a query string into `T`, once [`check`] has passed it.
pub fn parse<T: DeserializeOwned + JsonSchema + 'static>(
    query: Option<&str>,
) -> Result<T, ParamError> {
    let pairs = check(&parameters::<T>(), query)?;
    let decoded = form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(decoded)).map_err(|e| {
        let name = e.path().to_string();
        let value = pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str());
        ParamError::new(
            &name,
            format!("`{}` is not accepted: {}", shown(value), e.inner()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tickets' parameters as a route declares them.
    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Asked {
        /// fr or en
        #[schemars(length(max = 2))]
        lang: Option<String>,
        /// which page
        #[schemars(range(min = 1, max = 1000))]
        page: Option<u32>,
        status: Status,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Status {
        Pending,
        All,
    }

    fn refused(query: &str) -> (String, String) {
        let e = parse::<Asked>(Some(query)).unwrap_err();
        (e.parameter, e.message)
    }

    #[test]
    fn a_query_parses_into_its_struct() {
        assert_eq!(
            parse::<Asked>(Some("status=all&page=3")).unwrap(),
            Asked {
                lang: None,
                page: Some(3),
                status: Status::All
            }
        );
    }

    #[test]
    fn every_refusal_names_its_parameter() {
        assert_eq!(refused("status=all&colour=red").0, "colour");
        assert!(refused("status=all&colour=red")
            .1
            .contains("lang, page, status"));
        assert_eq!(refused("status=all&page=1&page=2").0, "page");
        assert_eq!(refused("page=2"), ("status".into(), "is missing".into()));
        assert_eq!(refused("status=some").0, "status");
        assert!(refused("status=some").1.contains("pending, all"));
        assert_eq!(refused("status=all&lang=fra").0, "lang");
        assert_eq!(refused("status=all&page=0").0, "page");
        assert_eq!(refused("status=all&page=1001").0, "page");
        assert_eq!(refused("status=all&page=x").0, "page");
        assert_eq!(refused("status=all&page=99999999999999999999").0, "page");
        assert_eq!(parse::<NoQuery>(Some("a=1")).unwrap_err().parameter, "a");
        assert!(parse::<NoQuery>(None).is_ok());
    }

    #[test]
    fn parameters_come_from_the_schema() {
        let params = parameters::<Asked>();
        let page = params.iter().find(|p| p.name == "page").unwrap();
        assert!(!page.required);
        assert_eq!(page.description, "which page");
        assert!(params.iter().find(|p| p.name == "status").unwrap().required);
        assert!(Arc::ptr_eq(&params, &parameters::<Asked>()));
    }
}

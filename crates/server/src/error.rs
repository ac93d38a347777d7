//! The server's one error type for HTTP, and its mapping to status codes, in one place.

use crate::ingest::IngestError;
use crate::storage::StorageError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use multicaisse_core::api::{ApiError, ParamError};
use multicaisse_core::decommission::Refusal;
use multicaisse_core::sync::{LeaseBusy, PushRefusal};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The server runs but cannot serve now (its database does not answer).
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    BadParameter(#[from] ParamError),
    /// A request body that could not be read as the expected JSON (status from the reader:
    /// 400 syntax, 413 too large, 415 not JSON, 422 wrong shape).
    #[error("{message}")]
    BadBody { status: StatusCode, message: String },
    /// Missing, unknown or revoked credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but this account may not do that (or a cross-site request).
    #[error("{0}")]
    Forbidden(String),
    /// Sign-in closed for a while after repeated failures.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_seconds: i64,
    },
    #[error("{0}")]
    Conflict(String),
    /// A conflict a page words itself, with its English sentence for everyone else.
    #[error("{message}")]
    Refused {
        conflict: multicaisse_core::api::Conflict,
        message: String,
    },
    /// A pairing code used after its expiry.
    #[error("{0}")]
    Gone(String),
    #[error("{}", .0.error)]
    LeaseBusy(LeaseBusy),
    #[error(transparent)]
    PushRefused(PushRefusal),
    /// A decommission step the server will not take: the principal register, a step out of
    /// order or not holding yet (409 when it is a matter of state, 422 otherwise).
    #[error(transparent)]
    Decommission(multicaisse_core::decommission::Refusal),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A mistake in the server itself (a route wired to the wrong extractor): a 500.
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<IngestError> for AppError {
    fn from(error: IngestError) -> AppError {
        match error {
            IngestError::Refused(refusal) => AppError::PushRefused(refusal),
            IngestError::Storage(e) => AppError::Storage(e),
        }
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadParameter(_) => StatusCode::BAD_REQUEST,
            AppError::BadBody { status, .. } => *status,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) | AppError::Refused { .. } | AppError::LeaseBusy(_) => {
                StatusCode::CONFLICT
            }
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PushRefused(
                PushRefusal::ConflictingReplay { .. } | PushRefusal::ConflictingChange(_),
            ) => StatusCode::CONFLICT,
            AppError::PushRefused(
                PushRefusal::TooManyTickets(_) | PushRefusal::TooManyRecords { .. },
            ) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::PushRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Decommission(Refusal::Principal | Refusal::NotReady { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Decommission(_) => StatusCode::CONFLICT,
            AppError::Storage(StorageError::Conflict(_) | StorageError::Refused { .. }) => {
                StatusCode::CONFLICT
            }
            AppError::Storage(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::LeaseBusy(busy) = self {
            // The register knows when to try again without parsing the message.
            let mut response = (status, Json(&busy)).into_response();
            if let Ok(value) = HeaderValue::from_str(&busy.retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        if let AppError::TooManyRequests {
            retry_after_seconds,
            ..
        } = &self
        {
            let retry_after = HeaderValue::from(retry_after_seconds.max(&1).unsigned_abs());
            let body = ApiError::new(self.to_string());
            let mut response = (status, Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after);
            return response;
        }
        let body = match &self {
            AppError::BadParameter(e) => ApiError {
                parameter: Some(e.parameter.clone()),
                ..ApiError::new(e.to_string())
            },
            AppError::Refused { conflict, message }
            | AppError::Storage(StorageError::Refused { conflict, message }) => ApiError {
                conflict: Some(*conflict),
                ..ApiError::new(message.clone())
            },
            AppError::Unavailable(_) => {
                tracing::warn!(error = %self, "unavailable");
                ApiError::new(self.to_string())
            }
            // Internal details go to the log, never to the client.
            _ if status.is_server_error() => {
                tracing::error!(error = %self, "request failed");
                ApiError::new("internal error; the server log has the details")
            }
            _ => ApiError::new(self.to_string()),
        };
        (status, Json(body)).into_response()
    }
}

/// What a handler's panic becomes (tower-http's `CatchPanicLayer`): the API's 500, with the
/// panic in the log, instead of a connection dropped without an answer.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(panic = message, "request handler panicked");
    let body = ApiError::new("internal error; the server log has the details");
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

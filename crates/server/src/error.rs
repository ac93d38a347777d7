//! The server's one error type for HTTP, and its mapping to status codes, in one place.

use crate::storage::StorageError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use multicaisse_core::api::{ApiError, ParamError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    BadParameter(#[from] ParamError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadParameter(_) => StatusCode::BAD_REQUEST,
            AppError::Storage(StorageError::Conflict(_)) => StatusCode::CONFLICT,
            AppError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            AppError::BadParameter(e) => ApiError {
                error: e.to_string(),
                parameter: Some(e.parameter.clone()),
            },
            // Internal details go to the log, never to the client.
            _ if status.is_server_error() => {
                tracing::error!(error = %self, "request failed");
                ApiError {
                    error: "internal error; the server log has the details".into(),
                    parameter: None,
                }
            }
            _ => ApiError {
                error: self.to_string(),
                parameter: None,
            },
        };
        (status, Json(body)).into_response()
    }
}

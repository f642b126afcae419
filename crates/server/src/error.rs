//! One error type for handlers: the API answers it as JSON `{"error": {"code", "message"}}`,
//! pages as an HTML page a person can read ([`PageError`]). Database errors are logged and never
//! shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use throughline_service::ServiceError;
use throughline_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The database is busy with another write (SQLite during an import): 503 with
    /// `Retry-After`, nothing changed.
    #[error("{0}")]
    Busy(String),
    #[error("something went wrong on our side; it has been logged")]
    Internal(String),
}

/// How long a client is asked to wait when the database is busy.
const RETRY_AFTER_SECONDS: &str = "5";

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound(m) => Self::NotFound(m),
            ServiceError::Invalid(m) => Self::Invalid(m),
            ServiceError::Forbidden(m) => Self::Forbidden(m),
            ServiceError::Store(StoreError::Busy) => Self::Busy(StoreError::Busy.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy => Self::Busy(err.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl AppError {
    fn status(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let (status, code) = self.status();
        let body = serde_json::json!({ "error": { "code": code, "message": self.to_string() } });
        let mut response = (status, Json(body)).into_response();
        if let Self::Busy(_) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

/// An error on a page: the same error and status, answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

impl From<ServiceError> for PageError {
    fn from(err: ServiceError) -> Self {
        Self(err.into())
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "page failed");
        }
        let (status, _) = self.0.status();
        let heading = match status {
            StatusCode::UNAUTHORIZED => "Sign in first",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::UNPROCESSABLE_ENTITY => "That did not work",
            StatusCode::SERVICE_UNAVAILABLE => "Busy for a moment",
            _ => "Something went wrong",
        };
        let context = serde_json::json!({
            "status": status.as_u16(),
            "heading": heading,
            "message": self.0.to_string(),
        });
        let busy = matches!(self.0, AppError::Busy(_));
        match crate::render("error.html", context) {
            Ok(body) if busy => (
                status,
                [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
                axum::response::Html(body),
            )
                .into_response(),
            Ok(body) => (status, axum::response::Html(body)).into_response(),
            Err(err) => err.into_response(),
        }
    }
}

/// `Json` (also the response), `Query` and `Path` whose rejections (malformed JSON, a wrong field, a bad id) come
/// back in the app's error shape, as 422 with what was wrong.
pub mod extract {
    use axum::extract::{FromRequest, FromRequestParts, Request};
    use axum::http::request::Parts;
    use serde::de::DeserializeOwned;

    use super::AppError;

    #[derive(Debug)]
    pub struct Json<T>(pub T);

    impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
        type Rejection = AppError;

        async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
            axum::Json::<T>::from_request(req, state)
                .await
                .map(|axum::Json(value)| Self(value))
                .map_err(|rejection| AppError::Invalid(rejection.body_text()))
        }
    }

    impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
        fn into_response(self) -> axum::response::Response {
            axum::Json(self.0).into_response()
        }
    }

    #[derive(Debug)]
    pub struct Query<T>(pub T);

    impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
        type Rejection = AppError;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            axum::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map(|axum::extract::Query(value)| Self(value))
                .map_err(|rejection| AppError::Invalid(rejection.body_text()))
        }
    }

    #[derive(Debug)]
    pub struct Path<T>(pub T);

    impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
        type Rejection = AppError;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            axum::extract::Path::<T>::from_request_parts(parts, state)
                .await
                .map(|axum::extract::Path(value)| Self(value))
                .map_err(|rejection| AppError::Invalid(rejection.body_text()))
        }
    }
}

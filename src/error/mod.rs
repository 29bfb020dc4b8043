//! Every failure a client can see ([`ApiError`], rendered as RFC 9457
//! problem+json), the responses the OpenAPI document names for them, and
//! which database errors are its weather (503, 507) rather than a fault.

mod problem;
pub mod responses;
pub mod weather;

pub use problem::{AllValid, ApiError, AuthFailure, FieldError, Problem};

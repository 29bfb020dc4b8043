//! Who is calling: the [`AuthUser`] and [`MaybeAuthUser`] extractors.
//!
//! What a caller may do is decided next to the resource, by explicit calls such
//! as [`AuthUser::require`].

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::error::{ApiError, AuthFailure};
use crate::state::AppState;
use crate::store;
use crate::users::{self, Role};

/// An authenticated caller whose token is valid and not revoked.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i32,
    pub role: Role,
    /// The refresh-token family (session) the access token belongs to.
    pub session: String,
}

impl AuthUser {
    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(match role {
                Role::Admin => "This needs the admin role.",
                Role::Editor => "This needs the editor role.",
                Role::Author => "This needs the author role.",
                Role::Contributor => "This needs the contributor role.",
                Role::Reader => "This needs an account.",
            }))
        }
    }
}

/// The caller when a token is sent, or anonymous when none is. A token that is
/// sent but bad is a 401, never anonymous: a client must learn that its
/// session ended rather than silently see the public view.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl MaybeAuthUser {
    pub fn id(&self) -> Option<i32> {
        self.0.as_ref().map(|user| user.id)
    }
}

pub(crate) fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = ApiError::Unauthorized(AuthFailure::InvalidToken);
    let value = value.to_str().map_err(|_| invalid)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::Unauthorized(AuthFailure::InvalidToken)),
    }
}

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<AuthUser, ApiError> {
    let invalid = || ApiError::Unauthorized(AuthFailure::InvalidToken);
    let claims = state.jwt.verify(&token).ok_or_else(invalid)?;
    let user_id: i32 = claims.sub.parse().map_err(|_| invalid())?;
    let session = claims.sid;
    let sessions = state.caches.sessions();
    if let Some(role) = sessions.and_then(|sessions| sessions.check(user_id, claims.ver, &session)) {
        return Ok(AuthUser { id: user_id, role, session });
    }
    let mark = sessions.map(|sessions| (sessions, sessions.mark(user_id)));
    let credentials = store::read(&state.pool, {
        let session = session.clone();
        move |conn| users::db::credentials(conn, user_id, &session)
    })
    .await?;
    match credentials {
        Some((user, until)) if !user.disabled && user.token_version == claims.ver => {
            if let Some((sessions, mark)) = mark {
                sessions.remember(mark, &session, &user, until);
            }
            Ok(AuthUser { id: user.id, role: user.role, session })
        }
        _ => Err(invalid()),
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("AppState is not registered".into()))
}

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            match token? {
                None => Ok(Self(None)),
                Some(token) => authenticate(state?, token).await.map(|user| Self(Some(user))),
            }
        })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let maybe = MaybeAuthUser::from_request(req, payload);
        Box::pin(async move { maybe.await?.0.ok_or(ApiError::Unauthorized(AuthFailure::MissingToken)) })
    }
}

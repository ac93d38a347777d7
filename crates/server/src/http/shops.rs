//! Opening a shop (support), inviting its first owner (support), correcting its identity
//! (its owner, or support).

use super::access::{base_url, mail_invitation};
use super::caller::Caller;
use super::json::ApiJson;
use super::routes::{schema, Access, ApiRoutes, RouteDoc};
use super::scope::InStore;
use super::AppState;
use crate::error::AppResult;
use crate::shops::{self, Acting};
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::Json;
use chrono::Utc;
use multicaisse_core::auth::{Capability, Invitation};
use multicaisse_core::identity::{
    FirstOwnerInvitation, ShopCreated, ShopRequest, PRINCIPAL_REGISTER_LABEL,
};
use multicaisse_core::store::Store;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores",
                "Open a shop with its principal register, ready to pair (a SIRET another shop has is refused)",
                Access::Support,
                Some(schema::<ShopRequest>),
                schema::<ShopCreated>,
            ),
            open_shop,
        )
        .add(
            RouteDoc::new(
                Method::PUT,
                "/stores/{store_id}",
                "Correct the shop's identity (audited field by field); its time zone and fiscal year end are fixed once a sale is recorded",
                Access::Store(Capability::EditShop),
                Some(schema::<ShopRequest>),
                schema::<Store>,
            ),
            change_identity,
        )
        .add(
            RouteDoc::new(
                Method::POST,
                "/stores/{store_id}/owner-invitation",
                "Invite the first owner of a shop that has none (support staff); afterwards its owners invite",
                Access::Store(Capability::InviteFirstOwner),
                Some(schema::<FirstOwnerInvitation>),
                schema::<Invitation>,
            ),
            invite_first_owner,
        )
}

async fn open_shop(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<ShopRequest>,
) -> AppResult<Json<ShopCreated>> {
    let label = request
        .register_label
        .as_deref()
        .unwrap_or(PRINCIPAL_REGISTER_LABEL);
    let (store, register) = shops::open_shop(
        state.storage.as_ref(),
        &request.input(),
        label,
        Acting::Support(&caller.user),
        Utc::now(),
    )
    .await?;
    Ok(Json(ShopCreated { store, register }))
}

async fn change_identity(
    State(state): State<AppState>,
    scope: InStore,
    ApiJson(request): ApiJson<ShopRequest>,
) -> AppResult<Json<Store>> {
    if request.register_label.is_some() {
        return Err(multicaisse_core::api::ParamError::new(
            "register_label",
            "is only given when a shop is opened: rename a register on its page",
        )
        .into());
    }
    Ok(Json(
        shops::change_identity(
            state.storage.as_ref(),
            scope.store_id,
            &request.input(),
            &scope.caller.user,
            Utc::now(),
        )
        .await?,
    ))
}

async fn invite_first_owner(
    State(state): State<AppState>,
    headers: HeaderMap,
    scope: InStore,
    ApiJson(request): ApiJson<FirstOwnerInvitation>,
) -> AppResult<Json<Invitation>> {
    let store = scope.store(&state).await?;
    let invitation = shops::invite_first_owner(
        state.storage.as_ref(),
        &scope.caller.user,
        &store,
        &request.email,
        request.lang,
        &base_url(&state, &headers),
        Utc::now(),
    )
    .await?;
    mail_invitation(
        &state,
        &scope.caller.user,
        &store,
        &invitation,
        request.lang,
    );
    Ok(Json(invitation))
}

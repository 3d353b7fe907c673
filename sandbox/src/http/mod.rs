//! The sandbox's HTTP surface, one file per route family: `graphql.rs`
//! (`/graphql`), `oauth.rs` (the token endpoint and health), `files.rs`
//! (the stand-in object store for export files), `uploads.rs` (the upload
//! proxy), `control.rs` (`/_sandbox/`); `app.rs` is what they share.

mod app;
mod control;
mod files;
mod graphql;
mod oauth;
mod uploads;

use axum::Router;
use axum::routing::{get, post};

pub(crate) use app::App;
pub use control::CONTROL_TOKEN_HEADER;
use control::{
    control_add_script, control_arm_fault, control_clear_faults, control_clear_scripts,
    control_create_job, control_create_project, control_expire_tokens, control_file_ready_after,
    control_issue_token, control_reset_stats, control_stats, control_uploads,
    require_control_token,
};

pub(crate) fn router(app: App) -> Router {
    let control = Router::new()
        .route("/_sandbox/jobs", post(control_create_job))
        .route("/_sandbox/projects", post(control_create_project))
        .route(
            "/_sandbox/scripts",
            post(control_add_script).delete(control_clear_scripts),
        )
        .route("/_sandbox/tokens", post(control_issue_token))
        .route("/_sandbox/tokens/expire", post(control_expire_tokens))
        .route(
            "/_sandbox/faults",
            post(control_arm_fault).delete(control_clear_faults),
        )
        .route(
            "/_sandbox/stats",
            get(control_stats).delete(control_reset_stats),
        )
        .route("/_sandbox/uploads", get(control_uploads))
        .route(
            "/_sandbox/files/ready-after",
            axum::routing::put(control_file_ready_after),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            require_control_token,
        ));
    let router = Router::new()
        .route("/graphql", post(graphql::graphql))
        .route("/api/oauth/token", post(oauth::oauth_token))
        // Datasaur's TypeScript tool asks for this first.
        .route("/api/health", get(oauth::health))
        // The stand-in object store: no control token, as a presigned URL needs none.
        .route("/_sandbox/files/{key}/{name}", get(files::file))
        // Uploads are streamed and capped by `SandboxConfig::max_upload_bytes`, not axum's 2 MB.
        .route(
            crate::uploads::UPLOAD_PATH,
            post(uploads::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .merge(control);
    let router = if app.state.config.allow_remote {
        router
    } else {
        router.layer(axum::middleware::from_fn(
            crate::local_only::only_loopback_names,
        ))
    };
    router.with_state(app)
}

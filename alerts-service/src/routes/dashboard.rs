//! Serves the dashboard's production build (`frontend/dist`) at `/`: hashed assets with a
//! year-long immutable cache, precompressed when the build wrote `.br`/`.gz` files
//! (`precompressed.rs`), and `index.html` (never cached) for every other path that is not
//! an API route, so deep links like `/alerts/<id>` work after a reload.

use std::path::Path;

use actix_files::Files;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};

/// Mounts the dashboard if its build exists (API-only deployments simply have none).
pub fn configure(cfg: &mut web::ServiceConfig, dist: &Path) {
    let index = dist.join("index.html");
    if !index.is_file() {
        return;
    }
    cfg.service(
        web::scope("/assets")
            .app_data(web::Data::new(super::precompressed::AssetDir(
                dist.join("assets"),
            )))
            .route("/{name}", web::get().to(super::precompressed::asset))
            .route("/{name}", web::head().to(super::precompressed::asset)),
    );
    // The shell is read once: it is small, and a new build comes with a restart anyway.
    let Ok(shell) = std::fs::read_to_string(&index) else {
        tracing::warn!(path = %index.display(), "dashboard index.html unreadable; not serving the dashboard");
        return;
    };
    let shell: std::sync::Arc<str> = shell.into();
    cfg.service(
        Files::new("/", dist)
            .index_file("index.html")
            .default_handler(fn_service(move |req: ServiceRequest| {
                let shell = shell.clone();
                async move { spa_fallback(req, shell) }
            })),
    );
}

/// Unknown API paths stay JSON 404s; everything else gets the app shell.
fn spa_fallback(
    req: ServiceRequest,
    shell: std::sync::Arc<str>,
) -> Result<ServiceResponse, actix_web::Error> {
    let (req, _) = req.into_parts();
    let path = req.path();
    if path.starts_with("/api/") || path.starts_with("/auth/") {
        let response = crate::error::ApiError::not_found("route");
        return Ok(ServiceResponse::new(
            req,
            actix_web::ResponseError::error_response(&response),
        ));
    }
    let response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body(shell.to_string());
    Ok(ServiceResponse::new(req, response))
}

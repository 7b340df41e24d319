//! The dashboard's hashed assets, served from the `.br` / `.gz` files that `npm run build`
//! writes beside them when the browser accepts that encoding: compressed once at build time at
//! the highest level, never per request.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, ContentEncoding, HeaderValue, VARY};
use actix_web::{HttpRequest, HttpResponse, web};

/// The encodings tried, best first, with the suffix of their precompressed file.
const ENCODINGS: [(&str, &str, ContentEncoding); 2] = [
    ("br", "br", ContentEncoding::Brotli),
    ("gzip", "gz", ContentEncoding::Gzip),
];

/// Serves `GET /assets/{name}` from `dir`: the precompressed variant the request accepts, else the
/// file itself; 404 for anything that is not a plain file name in `dir`. Always `Vary:
/// Accept-Encoding` (caches must keep the variants apart) and a year-long immutable cache on
/// success (the names carry a content hash).
pub async fn asset(
    req: HttpRequest,
    name: web::Path<String>,
    dir: web::Data<AssetDir>,
) -> actix_web::Result<HttpResponse> {
    let Some(original) = file_in(&dir.0, &name) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    if !original.is_file() {
        return Ok(HttpResponse::NotFound().finish());
    }
    let accepted = accepted_encodings(&req);
    let mut file = None;
    for (token, suffix, encoding) in ENCODINGS {
        if !accepted.iter().any(|a| a == token) {
            continue;
        }
        let mut path = original.clone().into_os_string();
        path.push(".");
        path.push(suffix);
        if let Ok(handle) = std::fs::File::open(&path) {
            // Named after the original, so the Content-Type is the script's or stylesheet's.
            file = Some(NamedFile::from_file(handle, &original)?.set_content_encoding(encoding));
            break;
        }
    }
    let file = match file {
        Some(file) => file,
        None => NamedFile::open(&original)?,
    };
    let mut response = file.into_response(&req);
    if response.status().is_success() {
        response.headers_mut().insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

/// The directory the assets are served from.
#[derive(Clone, Debug)]
pub struct AssetDir(pub PathBuf);

/// `dir/name` if `name` is one plain file name (Vite writes assets flat: no `/`, no `..`).
fn file_in(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    plain.then(|| dir.join(name))
}

/// The content codings the request accepts (`q=0` means refused), lower-cased.
fn accepted_encodings(req: &HttpRequest) -> Vec<String> {
    req.headers()
        .get_all(ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = parts.next()?.trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (!coding.is_empty() && !refused).then_some(coding)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_are_served() {
        let dir = Path::new("/srv/assets");
        assert_eq!(
            file_in(dir, "index-AbC_1.js"),
            Some(dir.join("index-AbC_1.js"))
        );
        for bad in ["", "../secret", "a/b.js", ".hidden", "a\\b.js", "%2e%2e"] {
            assert_eq!(file_in(dir, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_coding_with_q_zero_is_not_accepted() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((ACCEPT_ENCODING, "gzip;q=0, BR ;q=0.5, deflate"))
            .to_http_request();
        assert_eq!(accepted_encodings(&req), vec!["br", "deflate"]);
    }
}

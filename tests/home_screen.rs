//! The dashboard can be put on an iPad's home screen and opened full screen: the page links
//! its web app manifest and an icon for iOS, the manifest says how it opens, every icon it
//! names is served as a PNG of its stated size, and Chromium reads the manifest under the
//! page's Content-Security-Policy.

use multicaisse_e2e::{Browser, DemoServer};
use serde_json::Value;

/// A PNG's width and height, from its header.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let signature = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(signature) || bytes.len() < 24 {
        return None;
    }
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((word(16), word(20)))
}

async fn get(server: &DemoServer, path: &str) -> reqwest::Response {
    let response = reqwest::get(server.url(path))
        .await
        .expect("the server answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_goes_on_the_home_screen_and_opens_full_screen() {
    let server = DemoServer::start().await;
    let index = get(&server, "/").await.text().await.expect("index.html");
    assert!(
        index.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#),
        "{index}"
    );
    assert!(index.contains(r#"<link rel="apple-touch-icon" href="/icons/apple-touch-icon.png""#));

    let response = get(&server, "/manifest.webmanifest").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/manifest+json",
        "{:?}",
        response.headers()
    );
    let manifest: Value = response.json().await.expect("the manifest is JSON");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["name"], "Multicaisse");
    let icons = manifest["icons"].as_array().expect("icons");
    let mut sizes = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().expect("src");
        let stated = icon["sizes"].as_str().expect("sizes");
        let bytes = get(&server, src).await.bytes().await.expect("an icon");
        let (w, h) = png_size(&bytes).unwrap_or_else(|| panic!("{src} is not a PNG"));
        assert_eq!(format!("{w}x{h}"), stated, "{src}");
        sizes.push(w);
    }
    // What Chromium asks of an installable app, and what an iPad's home screen shows.
    assert!(sizes.contains(&192) && sizes.contains(&512), "{sizes:?}");
    let apple = get(&server, "/icons/apple-touch-icon.png")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&apple), Some((180, 180)));

    // The browser fetches it too, under the page's policy.
    let browser = Browser::start().await;
    browser.client.goto(&server.url("/")).await.expect("open");
    let read = browser
        .wait_for(
            "the manifest, read by the page",
            "const link = document.querySelector('link[rel=manifest]'); \
             if (!link || !window.__manifest) { \
                 if (link && !window.__asked) { window.__asked = true; \
                     fetch(link.href).then(r => r.json()).then(m => window.__manifest = m); } \
                 return null; } \
             return window.__manifest;",
            |v| (!v.is_null()).then(|| v.clone()),
        )
        .await;
    assert_eq!(read, manifest);
    browser.close().await;
}

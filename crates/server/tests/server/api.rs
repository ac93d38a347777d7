//! The HTTP API over a real server and a real database, on SQLite and on PostgreSQL.

use crate::support;

use chrono::NaiveDate;
use multicaisse_core::api::{
    SalesCharts, SalesFigures, SalesReport, SalesTotals, TicketDetail, TicketPage,
};
use multicaisse_core::store::business_date;
use multicaisse_core::ticket::PaymentMethod;
use multicaisse_core::Cents;
use multicaisse_server::demo::{self, DemoPlan};
use std::collections::HashMap;
use support::fixture::small_store;
use support::{Backend, TestApp, TEST_INDEX_HTML};

on_both_backends!(
    the_apps_files_say_how_long_to_keep_them,
    a_page_names_what_it_needs_before_the_app_asks,
    tickets_drill_down,
    charts_and_csv_agree_with_the_report,
    sales_figures_match_hand_computed_ones,
    sales_compare_with_the_previous_equivalent_period,
    health_names_the_backend,
    unknown_api_routes_get_a_json_404,
    wrong_methods_get_a_json_405,
    client_routes_get_the_app,
    stores_and_registers_are_listed,
    sales_per_register_match_hand_computed_totals,
    a_sale_after_local_midnight_counts_on_the_local_day,
    demo_sales_equal_a_direct_sum_over_its_tickets,
    bad_parameters_are_named,
    unknown_stores_are_404,
    an_empty_periods_charts_have_distinct_axis_labels,
);

/// The amounts an SVG chart writes on its axis (texts ending in €).
fn euro_labels(svg: &str) -> Vec<String> {
    svg.split('<')
        .filter_map(|part| part.strip_prefix("text").and_then(|t| t.split_once('>')))
        .map(|(_, text)| text.trim().to_string())
        .filter(|text| text.ends_with('€') || text.starts_with('€'))
        .collect()
}

/// A period without a sale (the 1st of the month before opening) used to have an axis of
/// "1 €, 1 €, 0 €": each amount on an axis is written once.
async fn an_empty_periods_charts_have_distinct_axis_labels(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    for kind in ["daily", "payments"] {
        for query in [
            "period=custom&from=2026-02-01&to=2026-02-01",
            "period=custom&from=2026-02-01&to=2026-02-28",
        ] {
            let svg = app
                .get(&format!(
                    "/api/stores/{store}/sales/chart?kind={kind}&{query}"
                ))
                .await
                .text()
                .await
                .unwrap();
            let labels = euro_labels(&svg);
            assert!(labels.len() >= 3, "{kind} {query}: {labels:?}");
            let mut distinct = labels.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), labels.len(), "{kind} {query}: {labels:?}");
        }
    }
}

async fn health_names_the_backend(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (status, body) = app.get_json("/api/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres { .. } => "postgres",
    };
    assert_eq!(body["database"], expected);
}

async fn unknown_api_routes_get_a_json_404(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (status, body) = app.get_json("/api/no/such/thing").await;
    assert_eq!(status, 404);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("/api/no/such/thing"),
        "{body}"
    );
}

async fn wrong_methods_get_a_json_405(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let response = app
        .client
        .delete(format!("{}/api/stores", app.server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "DELETE is not allowed on /api/stores");
}

async fn client_routes_get_the_app(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for path in ["/", "/ventes", "/z", "/mise-hors-service"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.text().await.unwrap(), TEST_INDEX_HTML, "{path}");
    }
}

/// The app's files: a hashed name is kept a year by browsers and sent compressed; the page and
/// its client routes are asked again each time; a hashed name that is gone (a page open across
/// an upgrade) is a 404 rather than the page, which would be cached a year under that name.
async fn the_apps_files_say_how_long_to_keep_them(backend: Backend) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), TEST_INDEX_HTML).unwrap();
    let module = "chunk_7-0123456789abcdef.wasm";
    std::fs::write(dist.path().join(module), vec![0u8; 4096]).unwrap();
    // Not real brotli: what is sent must be the file, not a compression of it.
    std::fs::write(dist.path().join(format!("{module}.br")), b"brotli bytes").unwrap();
    let app = TestApp::spawn_serving(&backend, dist).await;
    let get = |path: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}{path}", app.server.url()))
                .header("accept-encoding", "gzip")
                .send()
                .await
                .unwrap()
        }
    };
    let response = get(format!("/{module}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.headers()["content-encoding"], "gzip");
    for page in ["/", "/index.html", "/ventes"] {
        let response = get(page.to_string()).await;
        assert_eq!(response.status(), 200, "{page}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{page}");
    }
    let gone = get("/chunk_7-fedcba9876543210.wasm".into()).await;
    assert_eq!(gone.status(), 404);
    assert_ne!(
        gone.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let api = get("/api/health".into()).await;
    assert_eq!(api.headers()["cache-control"], "no-store");

    // Compressed at build time: the `.br` beside a file goes to a browser that takes brotli,
    // kept as long; one that takes only gzip gets the file compressed on the fly.
    let brotli = app
        .client
        .get(format!("{}/{module}", app.server.url()))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.status(), 200);
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(
        brotli.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(brotli.bytes().await.unwrap().as_ref(), b"brotli bytes");
}

/// A page's answer names, in its `Link` header, the page's modules and the loader of modules,
/// and for a live session the first two answers the app asks for: the browser fetches them
/// with the shell. They used to come one after the other, each once the previous had run.
async fn a_page_names_what_it_needs_before_the_app_asks(backend: Backend) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), TEST_INDEX_HTML).unwrap();
    let files = serde_json::json!({
        "shell": ["__wasm_split-0123456789abcdef.js"],
        "pages": {
            "z_page": ["split_z_page_1-0123456789abcdef.wasm", "chunk_3-0123456789abcdef.wasm"],
            "today_page": ["split_today_page_1-0123456789abcdef.wasm"],
        }
    });
    std::fs::write(dist.path().join("page-modules.json"), files.to_string()).unwrap();
    std::fs::write(dist.path().join("chunk_3-0123456789abcdef.wasm"), [0u8; 8]).unwrap();
    let app = TestApp::spawn_serving(&backend, dist).await;
    let anonymous = reqwest::Client::new();
    let link = |response: reqwest::Response| {
        assert_eq!(response.status(), 200, "{}", response.url());
        assert!(response.headers().get("last-modified").is_none());
        response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let url = |path: &str| format!("{}{path}", app.server.url());

    let z = link(app.client.get(url("/z")).send().await.unwrap());
    for hint in [
        "</__wasm_split-0123456789abcdef.js>; rel=modulepreload",
        "</split_z_page_1-0123456789abcdef.wasm>; rel=preload; as=fetch; crossorigin",
        "</chunk_3-0123456789abcdef.wasm>; rel=preload; as=fetch; crossorigin",
        "</api/auth/me>; rel=preload; as=fetch; crossorigin",
        "</api/stores>; rel=preload; as=fetch; crossorigin",
    ] {
        assert!(z.contains(hint), "{hint} missing from {z}");
    }
    assert!(!z.contains("today"), "{z}");
    let home = link(app.client.get(url("/")).send().await.unwrap());
    assert!(home.contains("split_today_page_1"), "{home}");
    assert!(!home.contains("split_z_page"), "{home}");

    // Signed out, or with a session that is no more: the code, not the answers.
    for cookie in ["", "multicaisse_session=not-a-session"] {
        let mut request = anonymous.get(url("/z"));
        if !cookie.is_empty() {
            request = request.header("cookie", cookie);
        }
        let z = link(request.send().await.unwrap());
        assert!(z.contains("split_z_page_1"), "{cookie}: {z}");
        assert!(!z.contains("/api/"), "{cookie}: {z}");
    }
    // A path that is no page gets the loader only; a file of code and the API get nothing.
    let other = link(anonymous.get(url("/nulle-part")).send().await.unwrap());
    assert_eq!(
        other,
        "</__wasm_split-0123456789abcdef.js>; rel=modulepreload"
    );
    let chunk = app
        .client
        .get(url("/chunk_3-0123456789abcdef.wasm"))
        .send()
        .await
        .unwrap();
    assert!(chunk.headers().get("link").is_none());
    let api = app.client.get(url("/api/health")).send().await.unwrap();
    assert!(api.headers().get("link").is_none());

    // A list the server cannot read: the pages still open, without hints for code.
    let (db, dist) = app.into_parts();
    std::fs::write(dist.path().join("page-modules.json"), "{ not json").unwrap();
    let app = TestApp::restart(db, dist, |_| {}).await;
    let z = link(
        app.client
            .get(format!("{}/z", app.server.url()))
            .send()
            .await
            .unwrap(),
    );
    assert!(!z.contains(".wasm") && !z.contains(".js"), "{z}");
}

async fn stores_and_registers_are_listed(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let (status, stores) = app.get_json("/api/stores").await;
    assert_eq!(status, 200);
    assert_eq!(stores.as_array().unwrap().len(), 1);
    assert_eq!(stores[0]["name"], "Cave d'essai");
    assert_eq!(stores[0]["time_zone"], "Europe/Paris");
    let (status, registers) = app
        .get_json(&format!("/api/stores/{}/registers", fixture.store.id))
        .await;
    assert_eq!(status, 200);
    let numbers: Vec<u64> = registers
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2, 3]);
    assert_eq!(registers[0]["kind"], "principal");
    assert_eq!(registers[1]["kind"], "extra");
}

async fn sales_for(app: &TestApp, store_id: i64, from: &str, to: &str) -> SalesReport {
    let response = app
        .get(&format!(
            "/api/stores/{store_id}/sales?period=custom&from={from}&to={to}"
        ))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn totals(ticket_count: u64, ttc: i64, ht: i64, vat: i64) -> SalesTotals {
    SalesTotals {
        ticket_count,
        ttc: Cents(ttc),
        ht: Cents(ht),
        vat: Cents(vat),
    }
}

async fn sales_per_register_match_hand_computed_totals(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let report = sales_for(&app, fixture.store.id, "2026-03-01", "2026-03-31").await;
    assert_eq!(report.period, None);
    let per_register: Vec<(u32, SalesTotals)> = report
        .registers
        .iter()
        .map(|r| (r.register.number, r.totals))
        .collect();
    assert_eq!(
        per_register,
        vec![
            (1, totals(2, 6480, 5479, 1001)),
            (2, totals(2, 4796, 3997, 799)),
            // A register without sales is listed, with zeros.
            (3, totals(0, 0, 0, 0)),
        ]
    );
    assert_eq!(report.total, totals(4, 11276, 9476, 1800));
}

/// Refunds apart, VAT per rate, payments, average basket and share, computed by hand from the
/// fixture's tickets.
async fn sales_figures_match_hand_computed_ones(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let report = sales_for(&app, fixture.store.id, "2026-03-01", "2026-03-31").await;
    let [one, two, three] = &report.registers[..] else {
        panic!("three registers")
    };
    let f = &one.figures;
    assert_eq!(
        (f.sale_count, f.refund_count, f.refund_ttc),
        (2, 0, Cents(0))
    );
    assert_eq!(f.average_basket, Cents(3240));
    assert_eq!(f.share_bp, 5747);
    let vat: Vec<(u16, i64, i64, i64)> = f
        .vat
        .iter()
        .map(|l| (l.rate.basis_points(), l.ttc.0, l.ht.0, l.vat.0))
        .collect();
    // Each ticket's VAT is rounded per rate: 817 + 148 on the standard rate, 36 on the reduced.
    assert_eq!(vat, vec![(550, 690, 654, 36), (2000, 5790, 4825, 965)]);
    let payments: Vec<(PaymentMethod, i64)> =
        f.payments.iter().map(|p| (p.method, p.amount.0)).collect();
    assert_eq!(
        payments,
        vec![(PaymentMethod::Card, 4900), (PaymentMethod::Cash, 1580)]
    );

    let f = &two.figures;
    assert_eq!(
        (f.sale_count, f.refund_count, f.refund_ttc),
        (1, 1, Cents(-1090))
    );
    assert_eq!(f.discounts, Cents(654));
    assert_eq!(f.average_basket, Cents(5886), "the refund is not a basket");
    assert_eq!(f.share_bp, 4253);
    let payments: Vec<(PaymentMethod, i64)> =
        f.payments.iter().map(|p| (p.method, p.amount.0)).collect();
    assert_eq!(
        payments,
        vec![(PaymentMethod::Card, 5886), (PaymentMethod::Cash, -1090)]
    );

    assert_eq!(three.figures, SalesFigures::default(), "no sales: all zero");
    let store = &report.total_figures;
    assert_eq!((store.sale_count, store.refund_count), (3, 1));
    assert_eq!(store.average_basket, Cents(4122));
    assert_eq!(store.share_bp, 10_000);
    // 31 days compare with the 31 days before, which sold nothing.
    assert_eq!(
        report.previous_range.from,
        NaiveDate::from_ymd_opt(2026, 1, 29).unwrap()
    );
    assert_eq!(
        report.previous_range.to,
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
    );
    assert_eq!(store.change_bp, None);
}

/// 11–20 March against 1–10 March: register 1 sold everything before and nothing now.
async fn sales_compare_with_the_previous_equivalent_period(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let report = sales_for(&app, fixture.store.id, "2026-03-11", "2026-03-20").await;
    assert_eq!(
        report.previous_range.from,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    );
    assert_eq!(
        report.previous_range.to,
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    );
    let changes: Vec<(i64, Option<i64>)> = report
        .registers
        .iter()
        .map(|r| (r.figures.previous_ttc.0, r.figures.change_bp))
        .collect();
    assert_eq!(changes, vec![(6480, Some(-10_000)), (0, None), (0, None)]);
    // (4 796 − 6 480) / 6 480 = −25.99 %
    assert_eq!(report.total_figures.previous_ttc, Cents(6480));
    assert_eq!(report.total_figures.change_bp, Some(-2599));
}

/// The charts' data add up to the report; the SVG names every register; the CSV is what a
/// French spreadsheet opens.
async fn charts_and_csv_agree_with_the_report(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let store = fixture.store.id;
    let query = "period=custom&from=2026-03-01&to=2026-04-30";
    let report = sales_for(&app, store, "2026-03-01", "2026-04-30").await;
    let (status, charts) = app
        .get_json(&format!("/api/stores/{store}/sales/charts?{query}"))
        .await;
    assert_eq!(status, 200, "{charts}");
    let charts: SalesCharts = serde_json::from_value(charts).unwrap();
    assert_eq!(charts.daily.len(), 3);
    for (series, row) in charts.daily.iter().zip(&report.registers) {
        assert_eq!(series.days.len(), 61, "every day of the range");
        let ttc: Cents = series.days.iter().map(|d| d.ttc).sum();
        assert_eq!(ttc, row.totals.ttc);
        let tickets: u64 = series.days.iter().map(|d| d.tickets).sum();
        assert_eq!(tickets, row.totals.ticket_count);
    }
    for (series, row) in charts.hourly.iter().zip(&report.registers) {
        let tickets: u64 = series.hours.iter().map(|h| h.tickets).sum();
        assert_eq!(tickets, row.totals.ticket_count);
    }
    // Register 1 sold at 10 h, 18 h and 0 h 30 (local); register 2 at 11 h and 16 h.
    assert_eq!(charts.peak.hours, vec![0, 10, 11]);
    // Register 2 (extra) is billed from its activation on 5 January: both months, 78 € HT.
    assert_eq!(charts.peak.extra_registers, 2);
    assert_eq!(charts.peak.extra_cost_ht, Cents(2 * 7800));

    for kind in ["daily", "hours", "payments"] {
        let response = app
            .get(&format!(
                "/api/stores/{store}/sales/chart?kind={kind}&{query}"
            ))
            .await;
        assert_eq!(response.status(), 200, "{kind}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        assert!(svg.starts_with("<svg"), "{kind}");
        for register in &report.registers {
            assert!(
                svg.contains(&register.register.label),
                "{kind} names {}",
                register.register.label
            );
        }
    }
    let english = app
        .get(&format!(
            "/api/stores/{store}/sales/chart?kind=payments&lang=en&{query}"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains("Gift voucher") && english.contains('€'));
    for (bad, parameter) in [
        ("kind=pie", "kind"),
        ("kind=daily&lang=de", "lang"),
        ("kind=daily&kind=hours", "kind"),
        ("lang=fr", "kind"),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/stores/{store}/sales/chart?{bad}&{query}"))
            .await;
        assert_eq!(
            (status, body["parameter"].as_str()),
            (400, Some(parameter)),
            "{bad}: {body}"
        );
    }

    let response = app
        .get(&format!("/api/stores/{store}/sales.csv?{query}"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        disposition,
        "attachment; filename=\"ventes-cave-d-essai-2026-03-01-2026-04-30.csv\""
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
    assert_eq!(lines.len(), 5, "header, three registers, the store: {text}");
    assert_eq!(lines[0][..3], ["Caisse", "Libellé", "Statut"]);
    let column = |name: &str| lines[0].iter().position(|h| *h == name).unwrap();
    // Register 1: 6 480 + 1 200 in March–April.
    assert_eq!(lines[1][column("TTC")], "76,80");
    assert_eq!(lines[2][column("Montant remboursé")], "-10,90");
    assert_eq!(lines[4][column("Libellé")], "Total boutique");
    assert_eq!(lines[4][column("TTC")], "124,76");
    assert_eq!(lines[4][column("Part (%)")], "100,00");
    assert_eq!(lines[2][column("Espèces")], "-10,90");
}

/// A register's tickets: paged newest first, found by number or amount, each with its detail
/// and its place in the chain.
async fn tickets_drill_down(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let [r1, r2, r3] = [0, 1, 2].map(|i| fixture.registers[i].id);
    let march = "period=custom&from=2026-03-01&to=2026-03-31";
    let (status, page) = app
        .get_json(&format!("/api/registers/{r2}/tickets?{march}"))
        .await;
    assert_eq!(status, 200, "{page}");
    let page: TicketPage = serde_json::from_value(page).unwrap();
    assert_eq!((page.matching, page.page, page.pages), (2, 1, 1));
    let listed: Vec<(u64, i64)> = page.tickets.iter().map(|t| (t.sequence, t.ttc.0)).collect();
    assert_eq!(
        listed,
        vec![(2, -1090), (1, 5886)],
        "newest first, refunds negative"
    );
    assert_eq!(page.tickets[1].items, 6);
    // An amount finds the refund as well as a sale of that amount.
    let (_, found) = app
        .get_json(&format!(
            "/api/registers/{r2}/tickets?{march}&q=10,90%20%E2%82%AC"
        ))
        .await;
    assert_eq!(found["matching"], 1, "{found}");
    assert_eq!(found["tickets"][0]["sequence"], 2);
    // A number is found whatever the period.
    let (_, found) = app
        .get_json(&format!(
            "/api/registers/{r1}/tickets?period=custom&from=2026-01-01&to=2026-01-02&q=n%C2%B03"
        ))
        .await;
    assert_eq!(found["tickets"][0]["sequence"], 3, "{found}");
    let (_, empty) = app
        .get_json(&format!("/api/registers/{r1}/tickets?{march}&page=9"))
        .await;
    assert_eq!(
        (
            empty["matching"].as_u64(),
            empty["tickets"].as_array().map(Vec::len)
        ),
        (Some(2), Some(0))
    );
    for (bad, parameter) in [
        ("q=abc", "q"),
        ("page=0", "page"),
        ("page=1&page=2", "page"),
        ("q=1&x=2", "x"),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/registers/{r1}/tickets?{march}&{bad}"))
            .await;
        assert_eq!(
            (status, body["parameter"].as_str()),
            (400, Some(parameter)),
            "{bad}: {body}"
        );
    }
    let (status, _) = app
        .get_json(&format!("/api/registers/999/tickets?{march}"))
        .await;
    assert_eq!(status, 404);

    let (status, detail) = app
        .get_json(&format!("/api/registers/{r1}/tickets/2"))
        .await;
    assert_eq!(status, 200, "{detail}");
    let detail: TicketDetail = serde_json::from_value(detail).unwrap();
    assert_eq!(detail.ticket.lines.len(), 2);
    assert_eq!(detail.vat.total_ttc(), Cents(1580));
    assert_eq!(
        detail.business_date,
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    );
    assert!(detail.chain.hash_valid);
    assert_eq!(detail.chain.linked, Some(true));
    assert_eq!(detail.chain.first_break, None);
    let (status, body) = app
        .get_json(&format!("/api/registers/{r1}/tickets/9"))
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains("no ticket 9"));

    // A ticket edited after sealing is kept as sent, and its detail says it does not verify.
    let mut tampered = support::fixture::seal_all(vec![support::fixture::body(
        1,
        support::fixture::paris(2026, 3, 12, 10, 0),
        vec![support::fixture::line(
            "Chablis",
            1,
            1800,
            multicaisse_core::VatRate::STANDARD,
            0,
        )],
        PaymentMethod::Card,
    )]);
    tampered[0].body.issued_at += chrono::Duration::minutes(5);
    let register3 = fixture.registers[2].clone();
    multicaisse_server::ingest::push_tickets(
        app.storage().as_ref(),
        &register3,
        fixture.store.time_zone,
        None,
        &tampered,
    )
    .await
    .unwrap();
    let (_, detail) = app
        .get_json(&format!("/api/registers/{r3}/tickets/1"))
        .await;
    assert_eq!(detail["chain"]["hash_valid"], false, "{detail}");
    assert_eq!(detail["chain"]["first_break"], 1);
}

async fn a_sale_after_local_midnight_counts_on_the_local_day(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    // Ticket 3 of register 1 was sold at 22:30 UTC on 31 March: 00:30 on 1 April in Paris.
    let april = sales_for(&app, fixture.store.id, "2026-04-01", "2026-04-01").await;
    assert_eq!(april.registers[0].totals, totals(1, 1200, 1000, 200));
    let march_31 = sales_for(&app, fixture.store.id, "2026-03-31", "2026-03-31").await;
    assert_eq!(march_31.total, totals(0, 0, 0, 0));
}

/// The demo's year, summed by the API, equals a sum computed here from every stored ticket.
async fn demo_sales_equal_a_direct_sum_over_its_tickets(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let storage = app.storage();
    let until = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    let mut plan = DemoPlan::new(Some(until), demo::DEFAULT_SEED);
    plan.not_after = until.and_hms_opt(23, 59, 59).unwrap().and_utc();
    let summary = demo::seed(storage.as_ref(), &plan).await.unwrap();
    assert_eq!(summary.registers.len(), 3);
    // The demo's shops pass the checks an owner's shop passes (the second one's SIRET and
    // VAT number did not).
    for store in storage.stores().await.unwrap() {
        let zone = store.time_zone.name().to_string();
        let input = multicaisse_core::identity::ShopInput {
            name: &store.name,
            siret: &store.siret,
            address: &store.address,
            vat_number: &store.vat_number,
            time_zone: &zone,
            fiscal_year_end_month: store.fiscal_year_end_month,
        };
        assert!(input.check().is_ok(), "{}: {:?}", store.name, input.check());
    }
    let (from, to) = ("2025-12-01", "2025-12-31");
    let report = sales_for(&app, summary.store.id, from, to).await;
    let range = (
        NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(),
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    );
    // Each register's day rounds its VAT once per rate on the day's TTC (`core::vat`).
    let mut expected: HashMap<i64, SalesTotals> = HashMap::new();
    for (register, count) in &summary.registers {
        let tickets = storage.tickets(register.id, 1, u32::MAX).await.unwrap();
        assert_eq!(tickets.len() as u64, *count);
        let mut days: std::collections::BTreeMap<NaiveDate, (u64, Vec<_>)> = Default::default();
        for ticket in tickets {
            ticket.verify().expect("demo tickets are sealed and valid");
            let day = business_date(ticket.body.issued_at, summary.store.time_zone);
            if range.0 <= day && day <= range.1 {
                let (count, amounts) = days.entry(day).or_default();
                *count += 1;
                amounts.extend(ticket.body.line_amounts());
            }
        }
        let entry = expected.entry(register.id).or_default();
        for (count, amounts) in days.into_values() {
            let vat = multicaisse_core::vat::VatBreakdown::from_ttc_amounts(amounts);
            entry.add(&totals(
                count,
                vat.total_ttc().0,
                vat.total_ht().0,
                vat.total_vat().0,
            ));
        }
    }
    for row in &report.registers {
        assert_eq!(
            row.totals, expected[&row.register.id],
            "register {}",
            row.register.number
        );
        // December: all three registers sold, the seasonal one included.
        assert!(
            row.totals.ticket_count > 50,
            "register {} sold {}",
            row.register.number,
            row.totals.ticket_count
        );
    }
    // Its registers' closures, as the day after: each verifies against the tickets, and none
    // is missing.
    let today = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    for (register, _) in &summary.registers {
        let verified = multicaisse_server::zfiles::verify_register(
            storage.as_ref(),
            &summary.store,
            register,
            today,
            multicaisse_server::zfiles::Reading::Full,
        )
        .await
        .unwrap();
        assert!(
            verified.is_intact(),
            "register {}: {:?}",
            register.number,
            verified.missing
        );
        let months: Vec<&str> = verified
            .closures
            .iter()
            .filter(|c| c.closure.kind == multicaisse_core::closure::ClosureKind::Monthly)
            .filter_map(|c| c.period.as_deref())
            .collect();
        assert!(months.contains(&"2026-01"), "{months:?}");
    }
}

async fn bad_parameters_are_named(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let fixture = small_store(app.storage().as_ref()).await;
    let id = fixture.store.id;
    let cases = [
        (format!("/api/stores/{id}/sales"), "period"),
        (format!("/api/stores/{id}/sales?period=forever"), "period"),
        (
            format!("/api/stores/{id}/sales?period=custom&to=2026-01-01"),
            "from",
        ),
        (
            format!("/api/stores/{id}/sales?period=custom&from=2026-02-30&to=2026-03-01"),
            "from",
        ),
        (
            format!("/api/stores/{id}/sales?period=custom&from=2026-03-01&to=2026-02-01"),
            "from",
        ),
        (
            format!("/api/stores/{id}/sales?period=custom&from=2001-01-01&to=2026-02-01"),
            "to",
        ),
        (
            format!("/api/stores/{id}/sales?period=today&colour=red"),
            "colour",
        ),
        ("/api/stores/abc/sales?period=today".to_string(), "store_id"),
        ("/api/stores/-4".to_string(), "store_id"),
    ];
    for (path, parameter) in cases {
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["parameter"], parameter, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(parameter),
            "{path}: {body}"
        );
    }
}

async fn unknown_stores_are_404(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for path in [
        "/api/stores/999",
        "/api/stores/999/registers",
        "/api/stores/999/sales?period=today",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "store 999 does not exist");
    }
}

//! A server that cannot start says why in one line and exits non-zero.

use std::process::Command;

fn serve(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_multicaisse"));
    // Defaults through the environment, so the flags a test passes override them.
    command
        .arg("serve")
        .args(args)
        .env("MULTICAISSE_PORT", "0")
        .env("MULTICAISSE_DATA_DIR", data_dir.path())
        .env_remove("DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run multicaisse");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_line(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got: {stderr}");
    assert!(lines[0].starts_with("multicaisse: "), "{stderr}");
    assert!(lines[0].contains(expected), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unreachable_postgres_is_one_line_without_the_password() {
    let (ok, stderr) = serve(
        &[],
        &[(
            "DATABASE_URL",
            "postgres://shop:s3cret@127.0.0.1:1/multicaisse",
        )],
    );
    assert!(!ok);
    assert_one_clear_line(
        &stderr,
        "cannot open the database postgres://shop:***@127.0.0.1:1/multicaisse",
    );
    assert!(!stderr.contains("s3cret"));
}

#[test]
fn unsupported_database_url_is_refused() {
    let (ok, stderr) = serve(&[], &[("DATABASE_URL", "mysql://root@localhost/shop")]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "is not supported");
}

#[test]
fn unusable_data_directory_is_one_line() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let below_a_file = file.path().join("data");
    let (ok, stderr) = serve(&["--data-dir", below_a_file.to_str().unwrap()], &[]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "cannot create the data directory");
}

#[test]
fn busy_port_is_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (ok, stderr) = serve(&["--port", &port], &[]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "cannot listen on 127.0.0.1:");
}

#[test]
fn a_price_that_is_not_one_is_refused_at_start() {
    let (ok, stderr) = serve(&["--extra-register-price-cents", "0"], &[]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "--extra-register-price-cents");
    let (ok, stderr) = serve(&[], &[("MULTICAISSE_SUBSCRIPTION_VAT_BP", "12000")]);
    assert!(!ok);
    assert_one_clear_line(&stderr, "--subscription-vat-bp");
}

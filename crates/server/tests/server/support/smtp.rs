//! A real SMTP server over TCP for the tests: Python's aiosmtpd (installed by
//! scripts/tools.sh), writing what it receives into a Maildir that the tests read back,
//! decoded by Python's own `email` package.

use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::process::{Child, Command};

pub struct SmtpServer {
    _child: Child,
    dir: TempDir,
    pub url: String,
}

/// One received message, decoded.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub body: String,
}

const READ_MAILDIR: &str = r#"
import email, email.policy, json, pathlib, sys
out = []
# In the order they arrived: a maildir's names hold the microseconds unpadded, so by name
# a mail can sort before one received earlier in the same second.
for path in sorted(pathlib.Path(sys.argv[1], "new").glob("*"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    out.append({"to": str(message["To"]), "from": str(message["From"]),
                "subject": str(message["Subject"]), "body": message.get_content()})
print(json.dumps(out))
"#;

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("mail"))
            .kill_on_drop(true)
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/tools.sh installs it)");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "aiosmtpd did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        SmtpServer {
            _child: child,
            dir,
            url: format!("smtp://127.0.0.1:{port}"),
        }
    }

    /// Every message received so far.
    pub async fn received(&self) -> Vec<Mail> {
        let maildir = self.dir.path().join("mail");
        if !maildir.join("new").exists() {
            return Vec::new();
        }
        let output = Command::new("python3")
            .args(["-c", READ_MAILDIR])
            .arg(&maildir)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Waits (at most 15 s) until `count` messages went to `address`.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let to: Vec<Mail> = self
                .received()
                .await
                .into_iter()
                .filter(|m| m.to.contains(address))
                .collect();
            if to.len() >= count {
                return to;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{count} message(s) to {address}; received {to:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The first link of `body` whose path starts with `path`.
pub fn link_in(body: &str, path: &str) -> String {
    body.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(path))
        .unwrap_or_else(|| panic!("a {path} link in {body}"))
        .to_string()
}

//! E-mail over SMTP with lettre, when `--smtp-url` is set: invitations and password reset
//! links. Without it nothing is sent, and the links are read on the page (or printed by
//! `multicaisse admin reset-link`) as before.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use multicaisse_core::mail::MailText;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp://host:port` (STARTTLS when offered… as lettre's URL says: `smtps://` for TLS,
    /// `?tls=required` to insist), and the sender's address.
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url is not an SMTP URL ({e})"))?
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("--mail-from is not an address ({e})"))?;
        Ok(Mailer { transport, from })
    }

    pub async fn send(&self, to: &str, text: &MailText) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("{to} is not an address ({e})"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&text.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Sends in the background: a request does not wait on the mail server, and its answer
    /// takes as long whether a mail left or not (a reset must not tell whether an address has
    /// an account). A failure is logged.
    pub fn send_later(self: &std::sync::Arc<Self>, to: String, text: MailText) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(e) = mailer.send(&to, &text).await {
                tracing::warn!(error = %e, "an e-mail could not be sent");
            }
        });
    }
}

//! E-mail: an outbox in the data file and a mailer that drains it over SMTP.
//!
//! The notifier writes an [`OutboxMail`] in the same job as the notification, so a mail is
//! never lost nor queued twice. The mailer sends what is due and marks it sent; while the
//! relay is down it retries with capped backoff, for as long as it takes. A crash between
//! sending and marking means the mail goes again (at least once), with the same Message-ID,
//! which is the idempotency key receivers use to drop the duplicate.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::notify::Notification;
use crate::store::{Reader, Record, Store, StoreError, WriteTx};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxMail {
    pub id: u64,
    pub notification_id: u64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
    pub next_attempt_ms: i64,
    pub sent_at_ms: Option<i64>,
    pub last_error: Option<String>,
}

const PENDING: &str = "outbox.pending";

impl Record for OutboxMail {
    const TABLE: &'static str = "outbox";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        if self.sent_at_ms.is_some() {
            return Vec::new();
        }
        let mut k = self.next_attempt_ms.max(0).to_be_bytes().to_vec();
        k.extend(self.id.to_be_bytes());
        vec![(PENDING, k)]
    }
}

impl OutboxMail {
    pub fn enqueue(w: &mut WriteTx<'_>, n: &Notification, to: &str) -> crate::store::Result<()> {
        let id = w.next_id(Self::TABLE)?;
        let mail = OutboxMail {
            id,
            notification_id: n.id,
            to: to.to_owned(),
            subject: format!("Barrio: {}", n.text),
            body: format!(
                "{}\n\nOpen Barrio to see it: {}\n\nYou can turn these e-mails off in your profile.\n",
                n.text, n.link
            ),
            attempts: 0,
            next_attempt_ms: w.now_ms(),
            sent_at_ms: None,
            last_error: None,
        };
        w.insert(&mail)
    }
}

pub struct Mailer {
    store: Store,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base: Duration,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Mailer {
    /// `url` like `smtp://127.0.0.1:2525` (plain), `smtps://user:pass@host` (TLS) or
    /// `smtp://host?tls=required` (STARTTLS).
    pub fn new(store: Store, url: &str, from: &str, base: Duration) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("BARRIO_SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from: Mailbox =
            from.parse().map_err(|e| anyhow::anyhow!("BARRIO_SMTP_FROM is not an address: {e}"))?;
        Ok(Mailer { store, transport, from, base })
    }

    fn message(&self, m: &OutboxMail) -> Result<Message, String> {
        let to: Mailbox = m.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let host = self.from.email.domain().to_owned();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<barrio-outbox-{}@{host}>", m.id)))
            .body(m.body.clone())
            .map_err(|e| e.to_string())
    }

    /// Sends what is due now; returns how many went out.
    pub async fn step(&self) -> Result<usize, StoreError> {
        let now = now_ms();
        let mut upto = now.max(0).to_be_bytes().to_vec();
        upto.extend(u64::MAX.to_be_bytes());
        let due: Vec<OutboxMail> = self.store.read(|r| {
            let keys = r.scan(PENDING, &[], None, 20, false)?;
            keys.into_iter()
                .filter(|(k, _)| k.as_slice() <= upto.as_slice())
                .filter_map(|(_, id)| r.get::<OutboxMail>(id).transpose())
                .collect()
        })?;
        let mut sent = 0;
        for mail in due {
            let outcome = match self.message(&mail) {
                Ok(msg) => self.transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let id = mail.id;
            let base = self.base;
            let ok = outcome.is_ok();
            self.store
                .write(None, move |w| {
                    let Some(mut m) = w.get::<OutboxMail>(id)? else { return Ok(()) };
                    match &outcome {
                        Ok(()) => m.sent_at_ms = Some(w.now_ms()),
                        Err(e) => {
                            m.attempts += 1;
                            let factor =
                                1u32.checked_shl(m.attempts.min(16) - 1).unwrap_or(u32::MAX);
                            let delay = base.saturating_mul(factor).min(base.saturating_mul(60));
                            m.next_attempt_ms = w.now_ms() + delay.as_millis() as i64;
                            m.last_error = Some(e.clone());
                        }
                    }
                    w.update(&m)
                })
                .await?;
            if ok {
                sent += 1;
            } else {
                // The relay is down or refuses: stop this round, the rest waits its turn.
                tracing::warn!(mail = id, "sending failed; will retry");
                break;
            }
        }
        Ok(sent)
    }

    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut changes = self.store.changes();
        loop {
            if *stop.borrow() {
                return;
            }
            if let Err(e) = self.step().await {
                tracing::error!("mailer: {e}");
            }
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(self.base.min(Duration::from_secs(1))) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Mails not yet sent, for `/metrics`.
pub fn pending(r: &impl Reader) -> crate::store::Result<usize> {
    Ok(r.scan(PENDING, &[], None, 100_000, false)?.len())
}

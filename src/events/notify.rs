//! Notifications: the notifier subscriber turns domain events into one notification per
//! recipient (and, when e-mail is on, one outbox mail), inside the job that advances its
//! cursor, so each recipient hears of each event exactly once.

use serde::{Deserialize, Serialize};

use super::mail::OutboxMail;
use super::subscriber::{HandlerError, Subscriber};
use super::{Event, EventRecord};
use crate::accounts::User;
use crate::auth::Role;
use crate::http::rfc3339;
use crate::store::{Change, Op, Reader, Record, WriteTx};

/// Every kind of notification, as users see it and can mute it for e-mail.
pub const KINDS: &[&str] = &["welcome", "price_changed"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    pub id: u64,
    pub user_id: u64,
    pub kind: String,
    pub text: String,
    /// Where the UI takes the person (a path of the UI).
    pub link: String,
    pub event_id: u64,
    pub created_at_ms: i64,
    pub read_at_ms: Option<i64>,
}

pub const BY_USER: &str = "notifications.user";
pub const UNREAD: &str = "notifications.unread";
const ONCE: &str = "notifications.event_user";

pub fn user_key(user_id: u64, id: u64) -> Vec<u8> {
    let mut k = user_id.to_be_bytes().to_vec();
    k.extend(id.to_be_bytes());
    k
}

impl Record for Notification {
    const TABLE: &'static str = "notifications";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    // One notification per (event, recipient), whatever happens upstream.
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(ONCE, format!("{}:{}", self.event_id, self.user_id))]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut keys = vec![(BY_USER, user_key(self.user_id, self.id))];
        if self.read_at_ms.is_none() {
            keys.push((UNREAD, user_key(self.user_id, self.id)));
        }
        keys
    }
}

/// A notification as its recipient sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: u64,
    pub kind: String,
    pub text: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind.clone(),
            text: n.text.clone(),
            link: n.link.clone(),
            created_at: rfc3339(n.created_at_ms),
            read: n.read_at_ms.is_some(),
        }
    }
}

/// Who hears of an event, and what they read.
struct Delivery {
    user_id: u64,
    kind: &'static str,
    text: String,
    link: String,
}

fn money(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, (cents % 100).abs())
}

fn staff(r: &impl Reader) -> crate::store::Result<Vec<u64>> {
    let mut ids = Vec::new();
    for role in [Role::Admin, Role::SuperAdmin] {
        ids.extend(
            r.scan(crate::accounts::ROLE_INDEX, &[role as u8], None, usize::MAX, false)?
                .into_iter()
                .map(|(_, id)| id),
        );
    }
    Ok(ids)
}

fn deliveries(r: &impl Reader, event: &EventRecord) -> crate::store::Result<Vec<Delivery>> {
    Ok(match &event.event {
        Event::SignedUp { user_id } => {
            let name = r.get::<User>(*user_id)?.map(|u| u.username).unwrap_or_default();
            vec![Delivery {
                user_id: *user_id,
                kind: "welcome",
                text: format!("Welcome to Barrio, {name}!"),
                link: "/profile".into(),
            }]
        }
        Event::PriceChanged { product_id, old_cents, new_cents } => {
            let text = format!(
                "Price of product #{product_id} changed from {} to {}",
                money(*old_cents),
                money(*new_cents)
            );
            staff(r)?
                .into_iter()
                .map(|user_id| Delivery {
                    user_id,
                    kind: "price_changed",
                    text: text.clone(),
                    link: format!("/products/{product_id}"),
                })
                .collect()
        }
    })
}

/// The subscriber that writes notifications (and e-mails to the outbox).
pub struct Notifier {
    /// Whether e-mail is configured; without it no outbox mail is written.
    pub mail: bool,
}

impl Subscriber for Notifier {
    fn name(&self) -> &'static str {
        "notifier"
    }

    fn wants(&self, change: &Change) -> bool {
        change.kind == EventRecord::TABLE && change.op == Op::Create
    }

    fn handle(&self, w: &mut WriteTx<'_>, change: &Change) -> Result<(), HandlerError> {
        let Some(event) = w.get::<EventRecord>(change.id)? else { return Ok(()) };
        for d in deliveries(w, &event)? {
            if w.unique(ONCE, &format!("{}:{}", event.id, d.user_id))?.is_some() {
                continue;
            }
            let Some(user) = w.get::<User>(d.user_id)? else { continue };
            let id = w.next_id(Notification::TABLE)?;
            let n = Notification {
                id,
                user_id: d.user_id,
                kind: d.kind.to_owned(),
                text: d.text,
                link: d.link,
                event_id: event.id,
                created_at_ms: w.now_ms(),
                read_at_ms: None,
            };
            w.insert(&n)?;
            if self.mail
                && let Some(to) = &user.email
                && !user.email_off.iter().any(|k| k == d.kind)
            {
                OutboxMail::enqueue(w, &n, to)?;
            }
        }
        Ok(())
    }
}

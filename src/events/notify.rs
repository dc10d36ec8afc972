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
pub const KINDS: &[&str] = &[
    "welcome",
    "price_changed",
    "enrolled",
    "waitlist_promoted",
    "course_cancelled",
    "course_rescheduled",
    "delivery_on_the_way",
    "delivery_delivered",
    "travel_cancelled",
    "new_follower",
    "post_liked",
];

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

/// Everyone on a course: enrolled and waiting.
fn course_members(r: &impl Reader, course_id: u64) -> crate::store::Result<Vec<u64>> {
    let prefix = crate::courses::course_prefix(course_id, None);
    let mut users = Vec::new();
    for (_, id) in r.scan(crate::courses::COURSE_INDEX, &prefix, None, usize::MAX, false)? {
        if let Some(e) = r.get::<crate::courses::Enrolment>(id)? {
            users.push(e.user_id);
        }
    }
    Ok(users)
}

fn course_title(r: &impl Reader, course_id: u64) -> crate::store::Result<String> {
    Ok(r.get::<crate::courses::Course>(course_id)?
        .map_or_else(|| format!("course #{course_id}"), |c| c.title))
}

/// The member account linked to a travel's client, if any.
fn travel_member(r: &impl Reader, travel_id: u64) -> crate::store::Result<Option<u64>> {
    let Some(t) = r.get::<crate::deliveries::Travel>(travel_id)? else { return Ok(None) };
    Ok(r.get::<crate::deliveries::Client>(t.client_id)?.and_then(|c| c.user_id))
}

fn username(r: &impl Reader, user_id: u64) -> crate::store::Result<String> {
    Ok(r.get::<User>(user_id)?.map_or_else(|| format!("account #{user_id}"), |u| u.username))
}

fn to_all(users: Vec<u64>, kind: &'static str, text: String, link: String) -> Vec<Delivery> {
    users
        .into_iter()
        .map(|user_id| Delivery { user_id, kind, text: text.clone(), link: link.clone() })
        .collect()
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
            let name = r
                .get::<crate::catalog::Product>(*product_id)?
                .map_or_else(|| format!("product #{product_id}"), |p| p.name);
            let text = format!(
                "Price of {name} changed from {} to {}",
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
        Event::Enrolled { course_id, user_id } => vec![Delivery {
            user_id: *user_id,
            kind: "enrolled",
            text: format!("You are enrolled in {}", course_title(r, *course_id)?),
            link: format!("/courses/{course_id}"),
        }],
        Event::PromotedFromWaitlist { course_id, user_id } => vec![Delivery {
            user_id: *user_id,
            kind: "waitlist_promoted",
            text: format!(
                "A seat freed up: you are now enrolled in {}",
                course_title(r, *course_id)?
            ),
            link: format!("/courses/{course_id}"),
        }],
        Event::CourseCancelled { course_id } => to_all(
            course_members(r, *course_id)?,
            "course_cancelled",
            format!("{} was cancelled", course_title(r, *course_id)?),
            format!("/courses/{course_id}"),
        ),
        Event::CourseRescheduled { course_id, new_starts_at_ms, .. } => to_all(
            course_members(r, *course_id)?,
            "course_rescheduled",
            format!("{} now starts {}", course_title(r, *course_id)?, rfc3339(*new_starts_at_ms)),
            format!("/courses/{course_id}"),
        ),
        Event::TravelStatusChanged { travel_id, status } => {
            let link = format!("/travels/{travel_id}");
            match status.as_str() {
                "on_the_way" => to_all(
                    travel_member(r, *travel_id)?.into_iter().collect(),
                    "delivery_on_the_way",
                    format!("Your delivery #{travel_id} is on its way"),
                    link,
                ),
                "delivered" => to_all(
                    travel_member(r, *travel_id)?.into_iter().collect(),
                    "delivery_delivered",
                    format!("Your delivery #{travel_id} was delivered"),
                    link,
                ),
                "cancelled" => to_all(
                    staff(r)?,
                    "travel_cancelled",
                    format!("Delivery #{travel_id} was cancelled"),
                    link,
                ),
                _ => Vec::new(),
            }
        }
        Event::Followed { follower_id, followee_id } => vec![Delivery {
            user_id: *followee_id,
            kind: "new_follower",
            text: format!("{} started following you", username(r, *follower_id)?),
            link: format!("/users/{follower_id}"),
        }],
        Event::Liked { post_id, liker_id, author_id } => vec![Delivery {
            user_id: *author_id,
            kind: "post_liked",
            text: format!("{} liked your post", username(r, *liker_id)?),
            link: format!("/posts/{post_id}"),
        }],
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

/// An account is being deleted: its notifications go with it.
pub fn forget_account(w: &mut WriteTx<'_>, user_id: u64) -> crate::store::Result<()> {
    for (_, id) in w.scan(BY_USER, &user_id.to_be_bytes(), None, usize::MAX, false)? {
        w.remove::<Notification>(id)?;
    }
    Ok(())
}

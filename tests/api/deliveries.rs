//! Deliveries: clients, locations, resources and travels; the travel state machine (every
//! pair of statuses), no overlapping assignments (also under 20 concurrent ones), the role
//! matrix with couriers and clients' members, references that block deletion, bad input.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestServer, assert_error};

async fn created(got: (StatusCode, Value)) -> u64 {
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    got.1["id"].as_u64().unwrap()
}

/// A window on the `day`th day (counted in 28-day months from 2027-01-01), from `from` to
/// `to` o'clock (UTC).
fn window(day: u32, from: u32, to: u32) -> (String, String) {
    let at = |h: u32| format!("2027-{:02}-{:02}T{h:02}:00:00Z", 1 + day / 28, 1 + day % 28);
    (at(from), at(to))
}

/// The shop's world: a client with a member account and a home, the shop's own place, a
/// resource with a courier.
struct World {
    owner: String,
    client: u64,
    member: (u64, String),
    home: u64,
    shop: u64,
    resource: u64,
    courier: (u64, String),
}

async fn world(s: &TestServer) -> World {
    let (_, owner) = s.owner().await;
    let member = s.member("vecina").await;
    let courier = s.member("ciclista").await;
    let o = Some(owner.as_str());
    let client = created(
        s.post(
            "/api/clients",
            o,
            json!({"name": "Vecina", "phone": "+54 11 4555-1234", "email": "vecina@example.com", "notes": "timbre 2", "user_id": member.0}),
        )
        .await,
    )
    .await;
    let home = created(
        s.post(
            "/api/locations",
            o,
            json!({"label": "Casa", "street": "Av. Corrientes 1234", "city": "CABA", "lat": -34.6, "lng": -58.4, "client_id": client}),
        )
        .await,
    )
    .await;
    let shop = created(
        s.post("/api/locations", o, json!({"label": "Librería", "street": "Thames 1"})).await,
    )
    .await;
    let resource = created(
        s.post(
            "/api/resources",
            o,
            json!({"name": "Bici roja", "kind": "bicycle", "capacity": 4, "courier_id": courier.0}),
        )
        .await,
    )
    .await;
    World { owner, client, member, home, shop, resource, courier }
}

impl World {
    fn travel_body(&self, day: u32, resource: Option<u64>) -> Value {
        let (start, end) = window(day, 10, 12);
        let mut b = json!({"client_id": self.client, "from_location_id": self.shop, "to_location_id": self.home,
            "window_start": start, "window_end": end, "notes": "2 libros"});
        if let Some(r) = resource {
            b["resource_id"] = json!(r);
        }
        b
    }

    async fn travel(&self, s: &TestServer, day: u32, resource: Option<u64>) -> u64 {
        created(s.post("/api/travels", Some(&self.owner), self.travel_body(day, resource)).await)
            .await
    }
}

#[tokio::test]
async fn staff_manage_clients_locations_resources_and_travels() {
    let s = TestServer::start().await;
    let w = world(&s).await;
    let o = Some(w.owner.as_str());

    let c = s.get(&format!("/api/clients/{}", w.client), o).await.1;
    for (k, v) in [
        ("name", json!("Vecina")),
        ("phone", json!("+54 11 4555-1234")),
        ("email", json!("vecina@example.com")),
        ("notes", json!("timbre 2")),
        ("user_id", json!(w.member.0)),
    ] {
        assert_eq!(c[k], v, "{k}");
    }
    let l = s.get(&format!("/api/locations/{}", w.home), o).await.1;
    for (k, v) in [
        ("label", json!("Casa")),
        ("street", json!("Av. Corrientes 1234")),
        ("city", json!("CABA")),
        ("notes", Value::Null),
        ("lat", json!(-34.6)),
        ("lng", json!(-58.4)),
        ("client_id", json!(w.client)),
    ] {
        assert_eq!(l[k], v, "{k}");
    }
    let r = s.get(&format!("/api/resources/{}", w.resource), o).await.1;
    for (k, v) in [
        ("name", json!("Bici roja")),
        ("kind", json!("bicycle")),
        ("capacity", json!(4)),
        ("courier_id", json!(w.courier.0)),
        ("active", json!(true)),
    ] {
        assert_eq!(r[k], v, "{k}");
    }

    // Travels: planned without a resource, assigned with one; PATCH assigns.
    let t = w.travel(&s, 1, None).await;
    let (st, tv) = s.get(&format!("/api/travels/{t}"), o).await;
    assert_eq!(st, StatusCode::OK);
    for (k, v) in [
        ("client_id", json!(w.client)),
        ("from_location_id", json!(w.shop)),
        ("to_location_id", json!(w.home)),
        ("resource_id", Value::Null),
        ("window_start", json!("2027-01-02T10:00:00.000Z")),
        ("window_end", json!("2027-01-02T12:00:00.000Z")),
        ("notes", json!("2 libros")),
        ("status", json!("planned")),
    ] {
        assert_eq!(tv[k], v, "{k}");
    }
    assert_eq!(tv["history"].as_array().unwrap().len(), 1);
    let (st, tv) =
        s.patch(&format!("/api/travels/{t}"), o, json!({"resource_id": w.resource})).await;
    assert_eq!((st, tv["status"].as_str()), (StatusCode::OK, Some("assigned")), "{tv}");
    let h = &tv["history"][1];
    assert_eq!(
        (h["status"].as_str(), h["by"].as_u64().is_some(), h["at"].is_string()),
        (Some("assigned"), true, true)
    );
    let t2 = w.travel(&s, 2, Some(w.resource)).await;
    assert_eq!(s.get(&format!("/api/travels/{t2}"), o).await.1["status"], "assigned");

    // Edits.
    let (st, c) = s
        .patch(
            &format!("/api/clients/{}", w.client),
            o,
            json!({"phone": null, "name": "Vecina del 3º"}),
        )
        .await;
    assert_eq!(
        (st, c["phone"].is_null(), c["name"].as_str()),
        (StatusCode::OK, true, Some("Vecina del 3º"))
    );
    let (st, l) = s
        .patch(
            &format!("/api/locations/{}", w.home),
            o,
            json!({"lat": null, "lng": null, "notes": "portón verde"}),
        )
        .await;
    assert_eq!(
        (st, l["lat"].is_null(), l["notes"].as_str()),
        (StatusCode::OK, true, Some("portón verde"))
    );
    let (st, r) = s
        .patch(
            &format!("/api/resources/{}", w.resource),
            o,
            json!({"kind": "motorbike", "capacity": null}),
        )
        .await;
    assert_eq!(
        (st, r["kind"].as_str(), r["capacity"].is_null()),
        (StatusCode::OK, Some("motorbike"), true)
    );
    let (st, tv) = s
        .patch(
            &format!("/api/travels/{t}"),
            o,
            json!({"notes": "3 libros", "window_end": "2027-01-02T13:00:00Z"}),
        )
        .await;
    assert_eq!(
        (st, tv["notes"].as_str(), tv["window_end"].as_str()),
        (StatusCode::OK, Some("3 libros"), Some("2027-01-02T13:00:00.000Z"))
    );

    // Lists and filters.
    let n = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(n(&s.get("/api/clients", o).await.1), 1);
    assert_eq!(n(&s.get("/api/locations", o).await.1), 2);
    assert_eq!(n(&s.get(&format!("/api/locations?client_id={}", w.client), o).await.1), 1);
    assert_eq!(n(&s.get("/api/resources?active=true", o).await.1), 1);
    assert_eq!(n(&s.get("/api/resources?active=false", o).await.1), 0);
    assert_eq!(n(&s.get("/api/travels", o).await.1), 2);
    assert_eq!(n(&s.get("/api/travels?status=assigned", o).await.1), 2);
    assert_eq!(n(&s.get("/api/travels?status=planned", o).await.1), 0);
    let page = s.get("/api/travels?limit=1", o).await.1;
    assert_eq!(page["items"][0]["id"], t);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(
        s.get(&format!("/api/travels?limit=1&cursor={cursor}"), o).await.1["items"][0]["id"],
        t2
    );

    // Deleting what travels refer to is refused, naming the travel; the rest goes.
    for path in [
        format!("/api/clients/{}", w.client),
        format!("/api/locations/{}", w.home),
        format!("/api/locations/{}", w.shop),
        format!("/api/resources/{}", w.resource),
    ] {
        let got = s.delete(&path, o).await;
        assert_error(&got, StatusCode::CONFLICT, None);
        assert!(
            got.1["error"]["message"].as_str().unwrap().contains(&format!("travel {t}")),
            "{path}: {}",
            got.1
        );
    }
    assert_eq!(s.delete(&format!("/api/travels/{t}"), o).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.delete(&format!("/api/travels/{t2}"), o).await.0, StatusCode::NO_CONTENT);
    assert_error(&s.get(&format!("/api/travels/{t}"), o).await, StatusCode::NOT_FOUND, None);
    assert_eq!(
        s.delete(&format!("/api/resources/{}", w.resource), o).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.delete(&format!("/api/locations/{}", w.shop), o).await.0, StatusCode::NO_CONTENT);
    // A client goes with its locations.
    assert_eq!(s.delete(&format!("/api/clients/{}", w.client), o).await.0, StatusCode::NO_CONTENT);
    assert_error(
        &s.get(&format!("/api/locations/{}", w.home), o).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(
        &s.delete(&format!("/api/clients/{}", w.client), o).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn a_resource_never_holds_two_overlapping_travels() {
    let s = TestServer::start().await;
    let w = world(&s).await;
    let o = Some(w.owner.as_str());
    let first = w.travel(&s, 5, Some(w.resource)).await;

    // Overlapping at either end or inside: refused, naming the travel that holds it.
    for (from, to) in [(9, 11), (11, 13), (10, 12), (8, 14), (11, 12)] {
        let (start, end) = window(5, from, to);
        let mut b = w.travel_body(5, Some(w.resource));
        b["window_start"] = json!(start);
        b["window_end"] = json!(end);
        let got = s.post("/api/travels", o, b).await;
        assert_error(&got, StatusCode::CONFLICT, Some("resource_id"));
        assert!(
            got.1["error"]["message"].as_str().unwrap().contains(&format!("travel {first}")),
            "{}",
            got.1
        );
    }
    // Back to back is fine.
    let mut b = w.travel_body(5, Some(w.resource));
    let (start, end) = window(5, 12, 14);
    b["window_start"] = json!(start);
    b["window_end"] = json!(end);
    let after = created(s.post("/api/travels", o, b).await).await;
    // Moving a window onto another travel is refused too.
    let got = s
        .patch(&format!("/api/travels/{after}"), o, json!({"window_start": window(5, 11, 12).0}))
        .await;
    assert_error(&got, StatusCode::CONFLICT, Some("resource_id"));
    // A cancelled travel frees the resource; a delivered one too.
    let planned = w.travel(&s, 5, None).await;
    let assign = |t: u64| {
        let path = format!("/api/travels/{t}");
        let s = &s;
        async move { s.patch(&path, o, json!({"resource_id": w.resource})).await }
    };
    assert_error(&assign(planned).await, StatusCode::CONFLICT, Some("resource_id"));
    s.post(&format!("/api/travels/{first}/status"), o, json!({"status": "cancelled"})).await;
    assert_eq!(assign(planned).await.0, StatusCode::OK);
    // An inactive resource takes no travels.
    s.patch(&format!("/api/resources/{}", w.resource), o, json!({"active": false})).await;
    let got = s.post("/api/travels", o, w.travel_body(9, Some(w.resource))).await;
    assert_error(&got, StatusCode::CONFLICT, Some("resource_id"));
}

#[tokio::test]
async fn twenty_racing_assignments_of_one_resource() {
    let s = TestServer::start().await;
    let w = world(&s).await;
    let o = Some(w.owner.as_str());
    // 20 travels whose windows all overlap (each starts a minute after the previous).
    let mut travels = Vec::new();
    for i in 0..20 {
        let mut b = w.travel_body(7, None);
        b["window_start"] = json!(format!("2027-03-07T10:{i:02}:00Z"));
        b["window_end"] = json!(format!("2027-03-07T11:{i:02}:00Z"));
        travels.push(created(s.post("/api/travels", o, b).await).await);
    }
    let results = join_all(travels.iter().map(|t| {
        let path = format!("/api/travels/{t}");
        let s = &s;
        async move { s.patch(&path, o, json!({"resource_id": w.resource})).await }
    }))
    .await;
    let won: Vec<usize> = (0..20).filter(|&i| results[i].0.is_success()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    let winner = travels[won[0]];
    for (i, r) in results.iter().enumerate() {
        if i != won[0] {
            assert_error(r, StatusCode::CONFLICT, Some("resource_id"));
            assert!(
                r.1["error"]["message"].as_str().unwrap().contains(&format!("travel {winner}")),
                "{}",
                r.1
            );
        }
    }
    let assigned = s.get(&format!("/api/travels?resource_id={}", w.resource), o).await.1;
    let ids: Vec<u64> =
        assigned["items"].as_array().unwrap().iter().map(|t| t["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![winner]);
    let planned = s.get("/api/travels?status=planned&limit=200", o).await.1;
    assert_eq!(planned["items"].as_array().unwrap().len(), 19);
}

const STATUSES: [&str; 5] = ["planned", "assigned", "on_the_way", "delivered", "cancelled"];

/// The moves the issue allows, written out independently of the server's table.
const ALLOWED: [(&str, &str); 6] = [
    ("planned", "assigned"),
    ("planned", "cancelled"),
    ("assigned", "on_the_way"),
    ("assigned", "cancelled"),
    ("on_the_way", "delivered"),
    ("on_the_way", "cancelled"),
];

/// The path from `planned` to each status.
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "planned" => &[],
        "assigned" => &["assigned"],
        "on_the_way" => &["assigned", "on_the_way"],
        "delivered" => &["assigned", "on_the_way", "delivered"],
        _ => &["cancelled"],
    }
}

#[tokio::test]
async fn every_move_of_the_state_machine() {
    let s = TestServer::start().await;
    let w = world(&s).await;
    let me = s.get("/api/session", Some(&w.owner)).await.1["user"]["id"].as_u64().unwrap();
    let o = Some(w.owner.as_str());
    let body = |status: &str| {
        if status == "assigned" {
            json!({"status": status, "resource_id": w.resource})
        } else {
            json!({"status": status})
        }
    };
    let mut day = 0;
    let mut checked = 0;
    for from in STATUSES {
        for to in STATUSES {
            day += 1;
            let t = w.travel(&s, day, None).await;
            let path = format!("/api/travels/{t}/status");
            for step in path_to(from) {
                let (st, v) = s.post(&path, o, body(step)).await;
                assert_eq!(st, StatusCode::OK, "{from}: {step}: {v}");
            }
            let got = s.post(&path, o, body(to)).await;
            if ALLOWED.contains(&(from, to)) {
                assert_eq!(got.0, StatusCode::OK, "{from} -> {to}: {}", got.1);
                assert_eq!(got.1["status"], to);
                let history = got.1["history"].as_array().unwrap();
                assert_eq!(history.len(), path_to(from).len() + 2, "{from} -> {to}");
                let last = history.last().unwrap();
                assert_eq!((last["status"].as_str(), last["by"].as_u64()), (Some(to), Some(me)));
            } else {
                assert_error(&got, StatusCode::CONFLICT, Some("status"));
                let message = got.1["error"]["message"].as_str().unwrap();
                for (_, next) in ALLOWED.iter().filter(|(f, _)| *f == from) {
                    assert!(message.contains(next), "{from} -> {to}: {message}");
                }
                assert_eq!(
                    s.get(&format!("/api/travels/{t}"), o).await.1["status"],
                    from,
                    "unchanged"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 25);
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    User,
    Admin,
    SuperAdmin,
    Courier,
    ClientMember,
}

const WHO: [Who; 6] =
    [Who::Anonymous, Who::User, Who::Admin, Who::SuperAdmin, Who::Courier, Who::ClientMember];

#[derive(Debug, Clone, Copy)]
enum Action {
    CreateClient,
    ListClients,
    GetClient,
    PatchClient,
    DeleteClient,
    CreateLocation,
    ListLocations,
    GetHome,
    GetShop,
    DeleteLocation,
    CreateResource,
    ListResources,
    GetResource,
    DeleteResource,
    CreateTravel,
    ListTravels,
    GetTravel,
    PatchTravel,
    SetOnTheWay,
    SetDelivered,
    Cancel,
    DeleteTravel,
}

/// Expected statuses for (anonymous, user, admin, super_admin, courier, client's member),
/// as the issue describes them: staff manage everything; a courier sees and moves its own
/// travels (and reads its resource and where it goes); a client's member sees its own
/// deliveries. A travel one may not see is 404.
const MATRIX: &[(Action, [u16; 6])] = {
    use Action::*;
    &[
        (CreateClient, [401, 403, 201, 201, 403, 403]),
        (ListClients, [401, 403, 200, 200, 403, 403]),
        (GetClient, [401, 403, 200, 200, 200, 200]),
        (PatchClient, [401, 403, 200, 200, 403, 403]),
        (DeleteClient, [401, 403, 204, 204, 403, 403]),
        (CreateLocation, [401, 403, 201, 201, 403, 403]),
        (ListLocations, [401, 403, 200, 200, 403, 403]),
        (GetHome, [401, 403, 200, 200, 200, 200]),
        (GetShop, [401, 403, 200, 200, 200, 403]),
        (DeleteLocation, [401, 403, 204, 204, 403, 403]),
        (CreateResource, [401, 403, 201, 201, 403, 403]),
        (ListResources, [401, 403, 200, 200, 403, 403]),
        (GetResource, [401, 403, 200, 200, 200, 403]),
        (DeleteResource, [401, 403, 204, 204, 403, 403]),
        (CreateTravel, [401, 403, 201, 201, 403, 403]),
        (ListTravels, [401, 200, 200, 200, 200, 200]),
        (GetTravel, [401, 404, 200, 200, 200, 200]),
        (PatchTravel, [401, 403, 200, 200, 403, 403]),
        (SetOnTheWay, [401, 404, 200, 200, 200, 403]),
        (SetDelivered, [401, 404, 200, 200, 200, 403]),
        (Cancel, [401, 404, 200, 200, 403, 403]),
        (DeleteTravel, [401, 403, 204, 204, 403, 403]),
    ]
};

#[tokio::test]
async fn the_role_matrix_of_deliveries() {
    let s = TestServer::start().await;
    let w = world(&s).await;
    let o = Some(w.owner.as_str());
    let (_, user) = s.member("curioso").await;
    let (_, admin) = s.staff(&w.owner, "admin1", "admin").await;
    let (_, superadmin) = s.staff(&w.owner, "super2", "super_admin").await;
    let token = |who: Who| -> Option<String> {
        match who {
            Who::Anonymous => None,
            Who::User => Some(user.clone()),
            Who::Admin => Some(admin.clone()),
            Who::SuperAdmin => Some(superadmin.clone()),
            Who::Courier => Some(w.courier.1.clone()),
            Who::ClientMember => Some(w.member.1.clone()),
        }
    };
    // The courier's and the member's travel that every read looks at.
    let seen = w.travel(&s, 1, Some(w.resource)).await;
    // Someone else's travel, by nobody's resource: only staff see it.
    let other_client = created(s.post("/api/clients", o, json!({"name": "Otro"})).await).await;
    let mut b = w.travel_body(2, None);
    b["client_id"] = json!(other_client);
    let hidden = created(s.post("/api/travels", o, b).await).await;

    let mut day = 10;
    let mut checked = 0;
    for &(action, expected) in MATRIX {
        for (col, who) in WHO.into_iter().enumerate() {
            let t = token(who);
            let t = t.as_deref();
            day += 1;
            let got = match action {
                Action::CreateClient => s.post("/api/clients", t, json!({"name": "Nuevo"})).await,
                Action::ListClients => s.get("/api/clients", t).await,
                Action::GetClient => s.get(&format!("/api/clients/{}", w.client), t).await,
                Action::PatchClient => {
                    s.patch(&format!("/api/clients/{}", w.client), t, json!({"notes": "x"})).await
                }
                Action::DeleteClient => {
                    let c =
                        created(s.post("/api/clients", o, json!({"name": "Efímero"})).await).await;
                    s.delete(&format!("/api/clients/{c}"), t).await
                }
                Action::CreateLocation => {
                    s.post("/api/locations", t, json!({"label": "Depósito"})).await
                }
                Action::ListLocations => s.get("/api/locations", t).await,
                Action::GetHome => s.get(&format!("/api/locations/{}", w.home), t).await,
                Action::GetShop => s.get(&format!("/api/locations/{}", w.shop), t).await,
                Action::DeleteLocation => {
                    let l = created(s.post("/api/locations", o, json!({"label": "Efímera"})).await)
                        .await;
                    s.delete(&format!("/api/locations/{l}"), t).await
                }
                Action::CreateResource => {
                    s.post("/api/resources", t, json!({"name": "A pie", "kind": "on_foot"})).await
                }
                Action::ListResources => s.get("/api/resources", t).await,
                Action::GetResource => s.get(&format!("/api/resources/{}", w.resource), t).await,
                Action::DeleteResource => {
                    let r = created(
                        s.post("/api/resources", o, json!({"name": "Van", "kind": "van"})).await,
                    )
                    .await;
                    s.delete(&format!("/api/resources/{r}"), t).await
                }
                Action::CreateTravel => s.post("/api/travels", t, w.travel_body(day, None)).await,
                Action::ListTravels => s.get("/api/travels", t).await,
                Action::GetTravel => s.get(&format!("/api/travels/{seen}"), t).await,
                Action::PatchTravel => {
                    s.patch(&format!("/api/travels/{seen}"), t, json!({"notes": "y"})).await
                }
                Action::SetOnTheWay | Action::SetDelivered | Action::Cancel => {
                    let tr = w.travel(&s, day, Some(w.resource)).await;
                    let path = format!("/api/travels/{tr}/status");
                    let to = match action {
                        Action::SetOnTheWay => "on_the_way",
                        Action::SetDelivered => {
                            s.post(&path, o, json!({"status": "on_the_way"})).await;
                            "delivered"
                        }
                        _ => "cancelled",
                    };
                    s.post(&path, t, json!({"status": to})).await
                }
                Action::DeleteTravel => {
                    let tr = w.travel(&s, day, None).await;
                    s.delete(&format!("/api/travels/{tr}"), t).await
                }
            };
            assert_eq!(got.0.as_u16(), expected[col], "{action:?} as {who:?}: {}", got.1);
            if got.0.is_client_error() {
                assert!(got.1["error"]["code"].is_string(), "{action:?} as {who:?}: {}", got.1);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, MATRIX.len() * WHO.len());

    // What each one's list holds: staff everything, the courier its resource's travels, the
    // member its client's, anyone else nothing; the hidden travel is hidden.
    let listed = |who: Who| {
        let t = token(who);
        let s = &s;
        async move {
            let page = s.get("/api/travels?limit=200", t.as_deref()).await.1;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_u64().unwrap())
                .collect::<Vec<u64>>()
        }
    };
    let all = listed(Who::Admin).await;
    assert!(all.contains(&seen) && all.contains(&hidden));
    assert!(listed(Who::User).await.is_empty());
    let courier = listed(Who::Courier).await;
    let member = listed(Who::ClientMember).await;
    assert!(courier.contains(&seen) && !courier.contains(&hidden));
    assert!(member.contains(&seen) && !member.contains(&hidden));
    for who in [Who::User, Who::Courier, Who::ClientMember] {
        let got = s.get(&format!("/api/travels/{hidden}"), token(who).as_deref()).await;
        assert_error(&got, StatusCode::NOT_FOUND, None);
        let got = s
            .post(
                &format!("/api/travels/{hidden}/status"),
                token(who).as_deref(),
                json!({"status": "cancelled"}),
            )
            .await;
        assert_error(&got, StatusCode::NOT_FOUND, None);
    }
    // The courier's move is in the history under its name.
    let tr = w.travel(&s, 200, Some(w.resource)).await;
    let got = s
        .post(
            &format!("/api/travels/{tr}/status"),
            Some(&w.courier.1),
            json!({"status": "on_the_way"}),
        )
        .await;
    assert_eq!(got.1["history"].as_array().unwrap().last().unwrap()["by"], w.courier.0);
}

#[tokio::test]
async fn bad_delivery_input_is_refused_and_writes_nothing() {
    let s = TestServer::start().await;
    let w = world(&s).await;
    let o = Some(w.owner.as_str());
    let t = w.travel(&s, 1, None).await;
    let writes = s.records_written().await;
    let travel = |k: &str, v: Value| {
        let mut b = w.travel_body(3, None);
        b[k] = v;
        b
    };
    let tp = format!("/api/travels/{t}");
    let status = format!("{tp}/status");
    let cases: Vec<((StatusCode, Value), StatusCode, Option<&str>)> = vec![
        (
            s.post("/api/travels", o, travel("window_end", json!(window(3, 9, 9).0))).await,
            StatusCode::BAD_REQUEST,
            Some("window_end"),
        ),
        (
            s.post("/api/travels", o, travel("window_start", json!("mañana"))).await,
            StatusCode::BAD_REQUEST,
            Some("window_start"),
        ),
        (
            s.post("/api/travels", o, travel("client_id", json!(999))).await,
            StatusCode::BAD_REQUEST,
            Some("client_id"),
        ),
        (
            s.post("/api/travels", o, travel("from_location_id", json!(999))).await,
            StatusCode::BAD_REQUEST,
            Some("from_location_id"),
        ),
        (
            s.post("/api/travels", o, travel("to_location_id", json!(999))).await,
            StatusCode::BAD_REQUEST,
            Some("to_location_id"),
        ),
        (
            s.post("/api/travels", o, travel("resource_id", json!(999))).await,
            StatusCode::BAD_REQUEST,
            Some("resource_id"),
        ),
        (
            s.post("/api/travels", o, travel("status", json!("delivered"))).await,
            StatusCode::BAD_REQUEST,
            Some("status"),
        ),
        (
            s.patch(&tp, o, json!({"window_end": window(1, 9, 9).0})).await,
            StatusCode::BAD_REQUEST,
            Some("window_end"),
        ),
        (
            s.patch(&tp, o, json!({"resource_id": null})).await,
            StatusCode::BAD_REQUEST,
            Some("resource_id"),
        ),
        (
            s.patch(&tp, o, json!({"to_location_id": 999})).await,
            StatusCode::BAD_REQUEST,
            Some("to_location_id"),
        ),
        (s.patch("/api/travels/999", o, json!({"notes": "x"})).await, StatusCode::NOT_FOUND, None),
        (
            s.post(&status, o, json!({"status": "flying"})).await,
            StatusCode::BAD_REQUEST,
            Some("status"),
        ),
        (
            s.post(&status, o, json!({"status": "assigned"})).await,
            StatusCode::BAD_REQUEST,
            Some("resource_id"),
        ),
        (
            s.post(&status, o, json!({"status": "assigned", "resource_id": 999})).await,
            StatusCode::BAD_REQUEST,
            Some("resource_id"),
        ),
        (
            s.post(&status, o, json!({"status": "delivered"})).await,
            StatusCode::CONFLICT,
            Some("status"),
        ),
        (
            s.post("/api/travels/999/status", o, json!({"status": "cancelled"})).await,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            s.post("/api/resources", o, json!({"name": "Van", "kind": "van", "capacity": -1}))
                .await,
            StatusCode::BAD_REQUEST,
            Some("capacity"),
        ),
        (
            s.post("/api/resources", o, json!({"name": "Cohete", "kind": "rocket"})).await,
            StatusCode::BAD_REQUEST,
            Some("kind"),
        ),
        (
            s.post("/api/resources", o, json!({"name": "Van", "kind": "van", "courier_id": 999}))
                .await,
            StatusCode::BAD_REQUEST,
            Some("courier_id"),
        ),
        (
            s.patch(&format!("/api/resources/{}", w.resource), o, json!({"capacity": -2})).await,
            StatusCode::BAD_REQUEST,
            Some("capacity"),
        ),
        (
            s.post("/api/locations", o, json!({"label": "Polo", "lat": 91.0, "lng": 0.0})).await,
            StatusCode::BAD_REQUEST,
            Some("lat"),
        ),
        (
            s.post("/api/locations", o, json!({"label": "Lejos", "lat": 0.0, "lng": -180.5})).await,
            StatusCode::BAD_REQUEST,
            Some("lng"),
        ),
        (
            s.post("/api/locations", o, json!({"label": "Medio", "lat": 10.0})).await,
            StatusCode::BAD_REQUEST,
            Some("lng"),
        ),
        (
            s.post("/api/locations", o, json!({"label": "Ajena", "client_id": 999})).await,
            StatusCode::BAD_REQUEST,
            Some("client_id"),
        ),
        (
            s.post("/api/locations", o, json!({"label": ""})).await,
            StatusCode::BAD_REQUEST,
            Some("label"),
        ),
        (
            s.patch(&format!("/api/locations/{}", w.home), o, json!({"lat": null})).await,
            StatusCode::BAD_REQUEST,
            Some("lat"),
        ),
        (
            s.post("/api/clients", o, json!({"name": "X", "user_id": 999})).await,
            StatusCode::BAD_REQUEST,
            Some("user_id"),
        ),
        (
            s.post("/api/clients", o, json!({"name": "X", "email": "no-mail"})).await,
            StatusCode::BAD_REQUEST,
            Some("email"),
        ),
        (
            s.post("/api/clients", o, json!({"name": "X", "phone": "call me"})).await,
            StatusCode::BAD_REQUEST,
            Some("phone"),
        ),
        (
            s.post("/api/clients", o, json!({"name": "X", "user_id": w.member.0})).await,
            StatusCode::CONFLICT,
            Some("user_id"),
        ),
        (s.patch("/api/clients/999", o, json!({"name": "X"})).await, StatusCode::NOT_FOUND, None),
        (s.get("/api/travels?status=lost", o).await, StatusCode::BAD_REQUEST, Some("status")),
    ];
    for (i, (got, status, field)) in cases.iter().enumerate() {
        assert_eq!(got.0, *status, "case {i}: {}", got.1);
        assert_error(got, *status, *field);
    }
    assert_eq!(s.records_written().await, writes, "refusals wrote nothing");
    let tv = s.get(&tp, o).await.1;
    assert_eq!(
        (tv["status"].as_str(), tv["history"].as_array().unwrap().len()),
        (Some("planned"), 1)
    );
}

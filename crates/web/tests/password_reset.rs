//! A one-time password-reset link (issued by the administrator's CLI, here straight
//! through the store): it sets a new password under the sign-up rules, works once, expires,
//! replaces earlier links, and signs the account out everywhere.

mod common;

use axum::http::StatusCode;
use common::*;
use retrowalk_store::Store;
use retrowalk_web::auth::{new_token, token_hash};
use serde_json::json;

const OLD: &str = "correct horse battery";
const NEW: &str = "a brand new passphrase";

async fn issue(t: &TestApp, user: i64, ttl_s: i64) -> String {
    let token = new_token();
    t.state
        .svc
        .store
        .create_password_reset(&token_hash(&token), user, ttl_s)
        .await
        .unwrap();
    token
}

async fn reset(c: &mut Client, token: &str, password: &str) -> Resp {
    c.post(
        "/api/password-reset",
        json!({"token": token, "password": password}),
    )
    .await
}

async fn a_reset_link_sets_the_password_once_and_signs_out_everywhere(store: Store) {
    let t = TestApp::new(store);
    let mut phone = t.client();
    let id = phone.signup("ada@example.org", "walker").await["id"]
        .as_i64()
        .unwrap();
    let mut laptop = t.client();
    laptop
        .login("ada@example.org", OLD)
        .await
        .expect(StatusCode::OK);
    let token = issue(&t, id, 3600).await;
    // Only the hash is a key: the token itself opens nothing in the store.
    let s = &t.state.svc.store;
    assert_eq!(s.password_reset_user(&token).await.unwrap(), None);
    assert_eq!(
        s.password_reset_user(&token_hash(&token)).await.unwrap(),
        Some(id)
    );

    let mut anon = t.client();
    anon.csrf().await;
    // The sign-up rules hold, and a refused password leaves the link usable.
    let r = reset(&mut anon, &token, "short").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password")),
        "{}",
        r.text()
    );
    let r = reset(&mut anon, &token, "password123").await;
    assert_eq!(r.field().as_deref(), Some("password"), "{}", r.text());
    reset(&mut anon, &token, NEW)
        .await
        .expect(StatusCode::NO_CONTENT);

    // Every sign-in of hers ended; the old password is gone, the new one works.
    phone.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);
    laptop.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);
    let mut again = t.client();
    again
        .login("ada@example.org", OLD)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    again
        .login("ada@example.org", NEW)
        .await
        .expect(StatusCode::OK);

    // Once only.
    let r = reset(&mut anon, &token, "yet another passphrase").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("token"))
    );
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("administrator"));
    let mut check = t.client();
    check
        .login("ada@example.org", NEW)
        .await
        .expect(StatusCode::OK);
}

async fn expired_replaced_and_made_up_links_change_nothing(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    let id = c.signup("bo@example.org", "walker").await["id"]
        .as_i64()
        .unwrap();
    let mut anon = t.client();
    anon.csrf().await;

    let expired = issue(&t, id, -1).await;
    let r = reset(&mut anon, &expired, NEW).await;
    assert_eq!(r.field().as_deref(), Some("token"), "{}", r.text());

    // A newer link replaces the older one.
    let first = issue(&t, id, 3600).await;
    let second = issue(&t, id, 3600).await;
    let r = reset(&mut anon, &first, NEW).await;
    assert_eq!(r.field().as_deref(), Some("token"), "{}", r.text());

    for bad in [new_token(), "not a token".to_string(), String::new()] {
        let r = reset(&mut anon, &bad, NEW).await;
        assert_eq!(
            (r.status, r.field().as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("token")),
            "{bad:?}: {}",
            r.text()
        );
    }
    // Still signed in with the old password: nothing above changed it.
    c.get("/api/me").await.expect(StatusCode::OK);
    let mut other = t.client();
    other
        .login("bo@example.org", OLD)
        .await
        .expect(StatusCode::OK);

    reset(&mut anon, &second, NEW)
        .await
        .expect(StatusCode::NO_CONTENT);
    c.get("/api/me").await.expect(StatusCode::UNAUTHORIZED);
}

/// Two submissions of one link at once: exactly one sets the password.
async fn a_link_raced_from_two_tabs_works_once(store: Store) {
    let t = TestApp::new(store);
    let mut c = t.client();
    let id = c.signup("cy@example.org", "walker").await["id"]
        .as_i64()
        .unwrap();
    let token = issue(&t, id, 3600).await;
    let mut a = t.client();
    a.csrf().await;
    let mut b = t.client();
    b.csrf().await;
    let (ra, rb) = tokio::join!(
        reset(&mut a, &token, "first passphrase here"),
        reset(&mut b, &token, "second passphrase here")
    );
    let ok = [&ra, &rb]
        .iter()
        .filter(|r| r.status == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(ok, 1, "{} / {}", ra.text(), rb.text());
    let winner = if ra.status == StatusCode::NO_CONTENT {
        "first passphrase here"
    } else {
        "second passphrase here"
    };
    let mut d = t.client();
    d.login("cy@example.org", winner)
        .await
        .expect(StatusCode::OK);
}

retrowalk_store::both_backends!(
    a_reset_link_sets_the_password_once_and_signs_out_everywhere,
    expired_replaced_and_made_up_links_change_nothing,
    a_link_raced_from_two_tabs_works_once,
);

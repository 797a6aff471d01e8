//! The CLI through the real binary, on a real database file.

use predicates::prelude::*;

mod common;
use common::{profile_args, Env};

const START: &str = "2026-11-23";

#[test]
fn help_is_everywhere() {
    let e = Env::new();
    for sub in [
        &[][..],
        &["profile"],
        &["profile", "create"],
        &["today"],
        &["plan"],
        &["log"],
        &["morning"],
        &["history"],
        &["progress"],
        &["screening"],
        &["admin"],
        &["admin", "approve"],
    ] {
        e.cmd()
            .args(sub)
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}

#[test]
fn a_whole_week_in_the_terminal() {
    let e = Env::new();
    e.cmd()
        .args(profile_args(START))
        .assert()
        .success()
        .stdout(predicate::str::contains("CAUTION"));
    let s = e.json(&["screening"]);
    assert_eq!(s["tier"], "caution");
    assert_eq!(s["reasons"][0]["rule"], "Scr11KneeCondition");

    // Numbers in the person's units.
    e.cmd()
        .args(["today", "--date", "2026-11-23"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1.3 km/h").and(predicate::str::contains("Safety key")))
        .stdout(predicate::str::contains("Glance, don't twist"));
    let t = e.json(&["today", "--date", "2026-11-23"]);
    assert_eq!(t["status"]["status"], "active");
    assert_eq!(t["plan"]["load"]["backward_s"], 240);

    e.cmd()
        .args([
            "log",
            "--date",
            "2026-11-23",
            "--effort",
            "4",
            "--pain-before",
            "2",
            "--pain-during",
            "6",
            "--pain-after",
            "5",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("STEP BACK").and(predicate::str::contains("6/10")));
    let t = e.json(&["today", "--date", "2026-11-24"]);
    assert_eq!(
        t["plan"]["load"]["backward_s"], 120,
        "stepped back by 2 minutes"
    );
    assert_eq!(t["morning_check_due"], "2026-11-23");

    e.cmd()
        .args(["morning", "--pain", "5"])
        .assert()
        .success()
        .stdout(predicate::str::contains("did not settle"));
    let h = e.json(&["history"]);
    assert_eq!(h.as_array().unwrap().len(), 2);
    let p = e.json(&["progress"]);
    assert_eq!(p["sessions"][0]["pain_during"], 6);
    let plan = e.json(&["plan", "--weeks", "2", "--date", "2026-11-24"]);
    assert!(plan.as_array().unwrap().len() >= 5);
    // Everything was kept: a second process sees the same state.
    let again = e.json(&["history"]);
    assert_eq!(again, h);
}

#[test]
fn clearance_gate_in_the_terminal() {
    let e = Env::new();
    e.cmd()
        .args([
            "profile",
            "create",
            "--name",
            "Bo",
            "--age",
            "72",
            "--mass-kg",
            "80",
            "--units",
            "mph",
            "--goal",
            "balance",
            "--knee",
            "none",
            "--knee-pain",
            "0",
            "--poor-balance",
            "--days",
            "tue,thu",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("CLEARANCE REQUIRED")
                .and(predicate::str::contains("No programme yet")),
        );
    e.cmd()
        .arg("today")
        .assert()
        .success()
        .stdout(predicate::str::contains("clearance"));
    e.cmd().args(["log", "--effort", "3"]).assert().failure();
    e.cmd()
        .args(["profile", "clearance"])
        .assert()
        .success()
        .stdout(predicate::str::contains("SUPERVISED"));
    let t = e.json(&["today"]);
    let ids: Vec<&str> = t["plan"]["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"spotter") && ids.contains(&"continuous_rails"),
        "{ids:?}"
    );
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let e = Env::new();
    e.cmd()
        .args(["profile", "create", "--name", "X", "--age", "12"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("age must be between 16 and 110"));
    e.cmd()
        .args(["profile", "create", "--name", "X", "--age", "40"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing --mass-kg"));
    let mut args = profile_args(START);
    let i = args.iter().position(|a| *a == "mon,wed,fri").unwrap();
    args[i] = "mon";
    e.cmd()
        .args(&args)
        .assert()
        .failure()
        .stderr(predicate::str::contains("2 or 3 different weekdays"));
    e.cmd().args(profile_args(START)).assert().success();
    e.cmd()
        .args(["log", "--effort", "11"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("11"));
    e.cmd()
        .args(["log", "--date", "2026-13-01", "--effort", "1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a date"));
    for far in ["1900-01-01", "9999-12-31"] {
        e.cmd()
            .args(["log", "--date", far, "--effort", "1"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "between 2000-01-01 and 2099-12-31",
            ));
        e.cmd()
            .args(["today", "--date", far])
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "between 2000-01-01 and 2099-12-31",
            ));
    }
    e.cmd()
        .args(["--db", "mysql://nope", "today"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unsupported database URL"));
}

#[test]
fn backup_and_restore_through_files() {
    let (a, b) = (Env::new(), Env::new());
    a.cmd().args(profile_args(START)).assert().success();
    a.cmd()
        .args([
            "log",
            "--date",
            "2026-11-23",
            "--effort",
            "3",
            "--pain-before",
            "0",
            "--pain-during",
            "1",
            "--pain-after",
            "1",
        ])
        .assert()
        .success();
    let file = a.dir.path().join("me.json");
    a.cmd()
        .args(["backup", "--out", file.to_str().unwrap()])
        .assert()
        .success();
    b.cmd()
        .args(["restore", file.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("Restored 1 event"));
    assert_eq!(a.json(&["history"]), b.json(&["history"]));
    assert_eq!(
        a.json(&["today", "--date", "2026-11-25"]),
        b.json(&["today", "--date", "2026-11-25"])
    );
    b.cmd()
        .args(["restore", file.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("replace"));
    std::fs::write(&file, "{not json").unwrap();
    b.cmd()
        .args(["restore", file.to_str().unwrap(), "--replace"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a retrowalk backup"));
}

/// Issue 14: `retrowalk admin` approves clinicians (and withdraws approval) and makes
/// administrators, on the server's database, without creating the CLI's local person.
#[test]
fn admin_approves_clinicians_and_grants_administrators() {
    use retrowalk_store::{Role, Store};
    let e = Env::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // Two web sign-ups, as `serve` makes them: the first administers the server.
        let store = Store::open(&e.db).await.unwrap();
        store
            .create_user("owner@example.org", "Owner", Some("hash"), Role::Person)
            .await
            .unwrap();
        store
            .create_user("rex@example.org", "Dr Rex", Some("hash"), Role::Clinician)
            .await
            .unwrap();
        store.close().await;
    });
    let ok = |args: &[&str]| e.cmd().arg("admin").args(args).assert().success();

    ok(&["list-pending"]).stdout(predicate::str::contains(
        "Dr Rex <rex@example.org>: waiting for approval",
    ));
    let pending = e.json(&["admin", "list-pending"]);
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["email"], "rex@example.org");
    assert_eq!(pending[0]["approved"], false);

    ok(&["approve", "REX@example.org"]).stdout(predicate::str::contains("Approved"));
    assert_eq!(e.json(&["admin", "list-pending"]), serde_json::json!([]));
    let all = e.json(&["admin", "list"]);
    let by = |email: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .cloned()
            .unwrap_or_else(|| panic!("{email} in {all}"))
    };
    assert_eq!(by("rex@example.org")["approved"], true);
    assert_eq!(by("owner@example.org")["admin"], true);
    assert_eq!(all.as_array().unwrap().len(), 2, "no local person: {all}");

    ok(&["revoke", "rex@example.org"]).stdout(predicate::str::contains("withdrawn"));
    assert_eq!(
        e.json(&["admin", "list-pending"])[0]["email"],
        "rex@example.org"
    );

    ok(&["grant", "rex@example.org"]);
    assert_eq!(e.json(&["admin", "list-pending"])[0]["admin"], true);
    ok(&["ungrant", "rex@example.org"]);
    assert_eq!(e.json(&["admin", "list-pending"])[0]["admin"], false);

    // A walker needs no approval, and an unknown email is named.
    e.cmd()
        .args(["admin", "approve", "owner@example.org"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a clinician"));
    e.cmd()
        .args(["admin", "approve", "nobody@example.org"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no web account"));
}

/// One planned session, one decision (issues 11 and 14): a retried `log` with the same key
/// records one session, a morning check needs a logged session, and `check` finds the
/// several-decisions-a-day state an older version could leave in a database.
#[test]
fn one_decision_a_day_in_the_terminal() {
    let e = Env::with_profile(START);
    let log = [
        "log",
        "--date",
        START,
        "--effort",
        "3",
        "--pain-before",
        "0",
        "--pain-during",
        "0",
        "--pain-after",
        "0",
        "--idempotency-key",
        "cli-retry-1",
    ];
    let first = e.json(&log);
    let again = e.json(&log);
    assert_eq!(first, again, "a retry answers the first answer");
    let sessions = |h: &serde_json::Value| {
        h.as_array()
            .unwrap()
            .iter()
            .filter(|x| x["event"]["kind"] == "session")
            .count()
    };
    assert_eq!(sessions(&e.json(&["history"])), 1);
    e.cmd()
        .args(["morning", "--pain", "1", "--session-date", "2026-11-25"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no logged session"));
    e.cmd().arg("check").assert().success();

    // What an older version stored for a second walk that day: another deciding session.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = retrowalk_store::Store::open(&e.db).await.unwrap();
        let me = store.local_user().await.unwrap();
        let state = store.programme(me).await.unwrap().unwrap().state;
        let date = time::Date::from_calendar_date(2026, time::Month::November, 23).unwrap();
        let log = retrowalk_core::SessionLog::clean(date, &state.next);
        store
            .record(me, &retrowalk_core::Event::Session(log), Some(me))
            .await
            .unwrap();
        drop(store);
        // Today's store keeps a second log of a day as an extra walk (PRG-08); an older
        // version stored it as a deciding session, which is what the check must catch.
        let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", e.db))
            .await
            .unwrap();
        let changed = sqlx::query(
            "UPDATE events SET data = replace(data, '\"extra\":true', '\"extra\":false') \
             WHERE seq = (SELECT max(seq) FROM events) AND kind = 'session'",
        )
        .execute(&db)
        .await
        .unwrap()
        .rows_affected();
        assert_eq!(changed, 1, "the second log was stored as an extra walk");
    });
    e.cmd()
        .arg("check")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "2026-11-23: 2 sessions each made a progression decision",
        ));
}

/// Issue 12: the heart questions, the activity level and the time since knee surgery
/// through the CLI; the person reads plain reasons, the JSON keeps the rules.
#[test]
fn new_screening_questions_in_the_terminal() {
    let e = Env::new();
    let base = [
        "profile",
        "create",
        "--name",
        "Cal",
        "--age",
        "31",
        "--mass-kg",
        "80",
        "--units",
        "mph",
        "--goal",
        "fitness",
        "--knee",
        "acl-reconstruction",
        "--knee-pain",
        "1",
        "--days",
        "tue,thu,sat",
        "--start",
        START,
    ];
    // Four months after ACL reconstruction, on a beta-blocker.
    let out = e
        .cmd()
        .args(base)
        .args(["--surgery-months", "4", "--heart-rate-medicine"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CLEARANCE REQUIRED"))
        .stdout(predicate::str::contains("4 months ago"))
        .stdout(predicate::str::contains("go by effort, not heart rate"));
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!text.contains("SCR-") && !text.contains("[Scr"), "{text}");
    let s = e.json(&["screening"]);
    let rules: Vec<&str> = s["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["Scr05KneeSurgery", "Scr16RateLimitingMedicine"]);

    // Ten years after it, no medicine, but inactive: a gentle start, no clearance.
    e.cmd()
        .args(base)
        .args(["--surgery-months", "120", "--activity", "inactive"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CAUTION"))
        .stdout(predicate::str::contains("10 years ago"))
        .stdout(predicate::str::contains("little or no planned exercise"))
        .stdout(predicate::str::contains("SCR-").not());
    let s = e.json(&["screening"]);
    assert_eq!(s["tier"], "caution");
    let p = e.json(&["profile", "show"]);
    assert_eq!(p["knee_surgery_months"], 120);
    assert_eq!(p["activity"], "inactive");
    assert_eq!(p["heart"]["rate_limiting_medicine"], false);
    e.cmd()
        .args(["profile", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Heart and circulation: no to every question",
        ))
        .stdout(predicate::str::contains("Knee operation: 120 months ago"));

    // A bad answer names the flag.
    e.cmd()
        .args(base)
        .args(["--activity", "sometimes"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("inactive, some or regular"));
}

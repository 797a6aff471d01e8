//! The OpenAPI 3.1 document, built from one table of operations. A test checks that the
//! table and the router list exactly the same routes.

use serde_json::{json, Map, Value};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed.
    Public,
    /// Any signed-in person.
    Any,
    /// A signed-in walker, acting on their own data.
    Walker,
    /// A signed-in clinician a server administrator has approved, for linked patients only.
    Clinician,
    /// A signed-in server administrator.
    Admin,
}

#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// A schema name under components/schemas, for operations with a JSON body.
    pub body: Option<&'static str>,
    /// Query parameters: (name, description).
    pub query: &'static [(&'static str, &'static str)],
    /// The success status.
    pub ok: u16,
}

const DATE_Q: (&str, &str) = (
    "date",
    "The day to act as today, YYYY-MM-DD (default: the server's local date).",
);

const fn op(method: &'static str, path: &'static str, access: Access, summary: &'static str) -> Op {
    Op {
        method,
        path,
        access,
        summary,
        body: None,
        query: &[],
        ok: 200,
    }
}

const fn body(mut o: Op, schema: &'static str) -> Op {
    o.body = Some(schema);
    o
}

const fn status(mut o: Op, ok: u16) -> Op {
    o.ok = ok;
    o
}

const fn query(mut o: Op, q: &'static [(&'static str, &'static str)]) -> Op {
    o.query = q;
    o
}

use Access::*;

const EXPORT_Q: &[(&str, &str)] = &[
    (
        "date",
        "session.fit/.tcx: the session's day; programme.ics: the first day (default today).",
    ),
    (
        "run",
        "session.fit/.tcx: a treadmill run id instead of a day.",
    ),
    ("weeks", "programme.ics: how many weeks, 1–26 (default 8)."),
    (
        "at",
        "programme.ics: the sessions' start time, HH:MM (default all-day events).",
    ),
];

const IMPORT_Q: &[(&str, &str)] = &[
    ("effort", "How hard the walks felt, 0–10 (required)."),
    ("pain_before", "Knee pain before, 0–10 (required)."),
    ("pain_during", "Worst knee pain during, 0–10 (required)."),
    ("pain_after", "Knee pain after, 0–10 (required)."),
    ("dizziness", "true if dizzy."),
    ("near_fall", "true if you slipped or nearly fell."),
    ("fall", "true if you fell."),
    ("rails", "none, light or full (default: as planned)."),
    ("stopped", "A stop reason if you stopped early."),
    ("name", "Raw-body uploads: the file's name."),
    ("utc_offset_min", "Minutes east of UTC of the device the walks were recorded on (-Date.getTimezoneOffset()), for files that carry no offset of their own; default UTC."),
    DATE_Q,
];

pub const OPS: &[Op] = &[
    op("GET", "/api/csrf", Public, "The CSRF token to send as X-CSRF-Token on every POST/PUT/PATCH/DELETE; also set as the readable cookie rw_csrf."),
    status(body(op("POST", "/api/signup", Public, "Create an account and sign in (sets the rw_session cookie)."), "Signup"), 201),
    body(op("POST", "/api/login", Public, "Sign in. 401 on a wrong email or password. Attempts are counted per client address and email: the first 5 are answered at once, then each must wait twice as long as the one before (1 s, 2 s, 4 s … up to 15 minutes; 429 with Retry-After); a success or 15 quiet minutes start the count again."), "Login"),
    status(op("POST", "/api/logout", Public, "Sign out: revokes this sign-in, every token it was renewed into included."), 204),
    status(body(op("POST", "/api/password", Any, "Change my password: {current, new}. 422 (field current) when the current password is wrong, (field new) when the new one is too short, too long or among the commonest passwords; wrong current passwords are throttled like sign-ins. Every other sign-in of mine ends; this one stays."), "PasswordChange"), 204),
    status(body(op("POST", "/api/password-reset", Public, "Choose a new password with a one-time reset link from the server's administrator (`retrowalk user reset-password EMAIL` prints it; the token is the link's #token=…). 422 (field token) when the link is malformed, unknown, used or expired; (field password) when the password breaks the sign-up rules. The link works once; every sign-in of the account ends."), "PasswordReset"), 204),
    status(op("POST", "/api/sessions/revoke-all", Any, "Sign out everywhere: revokes every session of this account."), 204),
    op("GET", "/api/me", Any, "Who is signed in: {id, email, name, role, has_profile, units, admin, approved}. approved is false for a clinician still waiting for a server administrator's approval (every patient route answers 403 until then), null for a walker."),
    query(body(op("PUT", "/api/profile", Walker, "Save the profile (screening answers and training days), screen it, and start the programme when allowed. Returns the Onboarding: screening (tier, reasons, requirements), whether the programme started, and clinician_tier (tier, by, message) when a tier the clinician set stands over the answers' own."), "Profile"), &[DATE_Q]),
    op("GET", "/api/profile", Walker, "The saved profile (404 before onboarding)."),
    op("GET", "/api/screening", Walker, "The risk tier, its reasons (each a plain sentence, text, with the tier it calls for and the rule id from docs/evidence.md, rule) and requirements."),
    query(op("GET", "/api/today", Walker, "Today: status, the next session's plan (segments, cues, checklist), adherence, the morning check due, the last decision and its reason, and the programme version seq."), &[DATE_Q]),
    query(op("GET", "/api/plan", Walker, "The coming weeks if every session goes as planned."), &[("weeks", "How many weeks, 1–26 (default 6)."), DATE_Q]),
    op("GET", "/api/plan/{date}", Walker, "The session planned for one date: {planned, plan, heart_rate}. heart_rate {by_effort, bpm, text}: the heart rate that stops a linked belt and the sentence to show before the session; by_effort is true for a person whose medicine slows the heart (SCR-16): effort guides them and bpm is only a backstop, never their limit."),
    query(body(op("POST", "/api/log", Walker, "Log a session; returns the decision for the next one (outcome, rule, why, sentence) and the next Today. The first log on a training day (from the programme's start) is that day's planned session and the only one that can change the programme; a walk on a rest day or a second log on a day is extra (why: extra, rule PRG-08, marked extra: true in the history): it counts toward the week's minutes but never advances the load. A date before the programme's start or after today is 422 (field date). Send an Idempotency-Key so a retry never counts twice."), "SessionLog"), &[DATE_Q]),
    query(body(op("POST", "/api/morning", Walker, "The next-morning knee check; returns the decision, if it changed the next session. 422 (field date) for a day with no logged session or a day after today."), "Morning"), &[DATE_Q]),
    op("GET", "/api/history", Walker, "Every logged session and change, with the decision each led to."),
    op("GET", "/api/progress", Walker, "Per-session and per-week figures for the charts, as walked: from the treadmill's telemetry, an imported file's records, or the plan up to where STOP was pressed (each session's `source` says which)."),
    op("GET", "/api/audit", Walker, "Changes others (clinicians) made to my programme: who, when, what, and the note they gave (a pause reason, a clearance note)."),
    body(op("POST", "/api/invites/accept", Walker, "Link to a clinician with the code they gave you; returns {clinician: {id, name}}. A used, revoked or expired code is 422 (field code)."), "AcceptInvite"),
    op("GET", "/api/clinicians", Walker, "The clinicians linked to me, {clinicians: [{id, name, email, linked_at}], caps, caps_text, units}: caps_text is the limits in force in my unit, named (null for none)."),
    query(op("POST", "/api/clinicians/{clinician}/unlink", Walker, "End my link with a clinician: they lose access to my programme at once (their routes answer 404 for me). Their limits and a pause they set stay in force, for safety, until a clinician changes them; {unlinked: {id, name}, caps, caps_text, paused, message} says so. 404 for an id that is not one of my clinicians."), &[DATE_Q]),
    status(body(op("POST", "/api/runs", Walker, "Start a session run: {run_id, plan, planned}. treadmill \"sim\" drives a simulated treadmill through the plan from this server process, and \"bluetooth\" the real treadmill named by device (with an optional hr_strap) the same way (caps: the segment, the prescription, the clinician's caps, the machine's range, the heart-rate cap); its belt stops on STOP, pause, a missing heartbeat or server shutdown. For \"bluetooth\": 501 when the server was built without Bluetooth, 422 (field device or hr_strap) when the device is not found, 502 when connecting fails, 503 without an adapter; nothing is started then."), "StartRun"), 201),
    status(op("POST", "/api/runs/{id}/heartbeat", Walker, "The runner is alive (send every second); a treadmill run's belt stops after a few seconds without one."), 204),
    body(op("POST", "/api/runs/{id}/stop", Walker, "Stop the run with a reason; a reason other than finished is carried into the session log sent with this run_id. For a treadmill run the stop is handed to its controller before the answer; from another server process it is recorded and that process stops the belt within about a second (treadmill_forwarded)."), "StopRun"),
    op("POST", "/api/runs/{id}/pause", Walker, "Pause the run."),
    op("POST", "/api/runs/{id}/resume", Walker, "Resume the run."),
    op("GET", "/api/runs/{id}/live", Walker, "Live treadmill events as Server-Sent Events: telemetry {speed_kmh, incline_pct, distance_m, hr_bpm, ...}, state, segment, cue, warning, and stopped {reason, detail, confirmed} last; 409 for a run without a treadmill or one that has stopped; 503 when another server process drives the run's treadmill."),
    query(op("GET", "/api/devices", Walker, "Bluetooth treadmills and heart-rate straps in range, strongest first: {seconds, devices: [{name, address, kind (treadmill, heart_rate_strap), label, rssi}]}; pass name or address as device / hr_strap to POST /api/runs. 501 with how to build with Bluetooth when this server has none; 503 without an adapter."), &[("seconds", "How long to listen, 1–20 (default 5).")]),
    status(op("POST", "/api/invites", Clinician, "Create an invitation code for a patient: {code, expires_at (Unix seconds), state, join_url}. join_url opens the app with the code filled in."), 201),
    op("GET", "/api/invites", Clinician, "My invitation codes, newest first (50 at most): [{code, state (unused, used, expired, revoked), created_at, expires_at, accepted_by, accepted_by_name, accepted_at, revoked_at, join_url}]."),
    op("GET", "/api/invites/{code}/qr", Clinician, "An unused code's join_url as a QR code (image/svg+xml); 409 for a used, expired or revoked code, 404 for a code that is not mine."),
    op("POST", "/api/invites/{code}/revoke", Clinician, "Revoke one of my codes so nobody can accept it: {code, state: revoked}. 409 for a code already used (the patient it linked unlinks in their settings), 404 for a code that is not mine."),
    query(op("GET", "/api/patients", Clinician, "My linked patients with their flags. Every clinician route answers 403 while the clinician is not approved by a server administrator."), &[DATE_Q]),
    query(op("GET", "/api/patients/{id}", Clinician, "One linked patient: {user, profile, screening, today, history, progress, audit, flags, caps, seq}. 404 for anyone who is not a linked patient."), &[DATE_Q]),
    body(op("PUT", "/api/patients/{id}/caps", Clinician, "Set caps; 409 if expected_seq is stale (someone else changed the programme); 403 naming the clinician when the new caps would loosen or remove limits another clinician still linked to the patient set (tightening is always allowed)."), "Caps"),
    query(body(op("POST", "/api/patients/{id}/pause", Clinician, "Pause the patient's programme."), "Reason"), &[DATE_Q]),
    query(op("POST", "/api/patients/{id}/resume", Clinician, "Resume the patient's programme. 403 naming the clinician when another clinician still linked to the patient paused it: only they can lift their pause."), &[DATE_Q]),
    query(body(op("POST", "/api/patients/{id}/clearance", Clinician, "Record clearance, kept in the patient's audit trail with the note; `tier` (standard, caution or supervised; default supervised) is the tier the patient starts in. Starts the programme when screening allows."), "Reason"), &[DATE_Q]),
    body(op("PUT", "/api/patients/{id}/tier", Clinician, "Set the patient's tier. 403 naming the clinician when a lower tier would undo one another clinician still linked to the patient set."), "Tier"),
    query(op("GET", "/api/export/{file}", Walker, "Download my data as a file: session.fit or session.tcx (one logged session, by ?date= or ?run=, default the last; a run not logged yet too), as walked, sessions.csv, segments.csv, backup.json (everything: the JSON backup `retrowalk restore` reads), programme.ics (the planned sessions; ?date= first day, ?weeks=, ?at=HH:MM)."), EXPORT_Q),
    query(op("GET", "/api/patients/{id}/export/{file}", Clinician, "A linked patient's session.fit, session.tcx, sessions.csv, segments.csv or programme.ics (not the backup: that is the person's own to take)."), EXPORT_Q),
    op("GET", "/api/calendar/feed", Walker, "Whether my calendar feed exists: {active, created_at}."),
    status(op("POST", "/api/calendar/feed", Walker, "Make a new calendar feed link, {path, url, created_at}; any earlier link stops working. The URL carries a secret token (calendar apps cannot send cookies): share it only with your calendar."), 201),
    query(op("POST", "/api/import/fit", Walker, "Upload activity files (multipart/form-data, any number of file parts, or one file as the raw body named by ?name=), up to 8 MiB in all: FIT (also chained or .fit.gz), TCX, GPX, or a ZIP of them such as Garmin's export. Walks are imported in the order they happened, each on the person's local date; rides, runs, rows and anything averaging over 10 km/h are refused by name. Each walk becomes a logged session with its telemetry, or an error for that entry; good ones are kept. {imported, failed, files: [{name, ok, date, backward_min, records, run} or {name, ok: false, error}]}; 422 when no file could be imported."), IMPORT_Q),
    query(op("POST", "/api/import/backup", Walker, "Restore my JSON backup (the body is the file from GET /api/export/backup.json or `retrowalk backup`, up to 64 MiB), by the same rules as `retrowalk restore`: it replaces my profile, programme, history and runs in one transaction; 409 when I already have a programme unless ?replace=true, and 409 when the file lacks a change my clinician made (a restore cannot undo it). The data always becomes the signed-in person's, whatever the file names. {restored, events, runs, samples}; 422 with `field` (a path into the file, e.g. runs[0].samples[3].t_ms) for a malformed file."), &[("replace", "true to overwrite the programme already here (after the person confirms).")]),
    op("GET", "/api/admin/clinicians", Admin, "Every clinician account, oldest first: [{id, email, name, approved, approved_at, created_at, admin}]. For the server's administrators only."),
    op("POST", "/api/admin/clinicians/{id}/approve", Admin, "Approve a clinician, who can then invite and look after patients; returns the clinician as in the list."),
    op("POST", "/api/admin/clinicians/{id}/revoke", Admin, "Withdraw a clinician's approval: from the next request on they cannot see or change any patient; returns the clinician as in the list."),
    op("GET", "/api/openapi.json", Public, "This document."),
    op("GET", "/healthz", Public, "Health: {ok, db}; 503 when the database is unreachable."),
    op("GET", "/assets/{*path}", Public, "The web UI's static files."),
    op("GET", "/sw.js", Public, "The web UI's service worker (offline app shell), versioned by the build."),
    op("GET", "/calendar/{file}", Public, "A subscribed calendar: /calendar/TOKEN.ics from POST /api/calendar/feed, as text/calendar: the sessions logged in the last 4 weeks (as done) and the planned ones from today for 12 weeks, each under a stable UID (the person and the day), so a walk is updated in place as it passes. No cookie: the token is the key; 404 once replaced."),
];

fn schemas() -> Value {
    let pain = json!({"type": "integer", "minimum": 0, "maximum": 10});
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string", "description": "What was wrong and how to fix it."},
                "field": {"type": "string", "description": "The request field at fault, when one is."}
            }
        },
        "Signup": {
            "type": "object",
            "required": ["email", "password", "name", "role"],
            "properties": {
                "email": {"type": "string", "format": "email", "maxLength": 254},
                "password": {"type": "string", "minLength": 10, "maxLength": 1024},
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "role": {"enum": ["walker", "clinician"]}
            }
        },
        "Login": {
            "type": "object",
            "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"}}
        },
        "PasswordReset": {
            "type": "object",
            "required": ["token", "password"],
            "properties": {"token": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "password": {"type": "string", "minLength": 10, "maxLength": 1024}}
        },
        "PasswordChange": {
            "type": "object",
            "required": ["current", "new"],
            "properties": {"current": {"type": "string"}, "new": {"type": "string", "minLength": 10, "maxLength": 1024}}
        },
        "Profile": {
            "type": "object",
            "description": "The core Profile. Weekdays are named in full (\"Monday\"); 2 or 3 of them.",
            "required": ["name", "age", "body_mass", "goal", "schedule"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 80},
                "age": {"type": "integer", "minimum": 16, "maximum": 110},
                "body_mass": {"type": "number", "minimum": 20, "maximum": 350, "description": "kg"},
                "sex": {"enum": ["female", "male", null]},
                "units": {"enum": ["mph", "kmh"]},
                "goal": {"type": "string"},
                "knee": {"type": "string"},
                "knee_pain": pain,
                "flags": {"type": "object", "properties": {
                    "poor_balance_or_falls": {"type": "boolean"},
                    "vestibular_or_dizziness": {"type": "boolean"},
                    "neurological": {"type": "boolean"},
                    "vision_impairment": {"type": "boolean"}
                }},
                "heart": {"type": ["object", "null"], "description": "Heart and circulation answers (PAR-Q+ in spirit; SCR-15/16): any true needs clearance; rate_limiting_medicine (a beta-blocker, verapamil, diltiazem) also makes effort, not heart rate, the intensity guide. Missing fields are false; null (a profile saved before these questions) keeps the tier and asks for them.", "properties": {
                    "heart_condition": {"type": "boolean"},
                    "chest_pain": {"type": "boolean", "description": "At rest, in daily life or when active."},
                    "fainting": {"type": "boolean", "description": "Fainted, blacked out or lost balance from dizziness in the last 12 months."},
                    "high_blood_pressure": {"type": "boolean"},
                    "rate_limiting_medicine": {"type": "boolean"}
                }},
                "activity": {"enum": ["inactive", "some", "regular", null], "description": "Activity now (SCR-17): inactive starts in the caution tier; regular is 30 min of at least moderate exercise on 3+ days a week for 3 months. null: not asked."},
                "knee_surgery_months": {"type": ["integer", "null"], "minimum": 0, "description": "Whole months since the knee operation (knee acl_reconstruction or other_surgery), at most the person's age in months (422, field knee_surgery_months). Under 12 or null: clearance required (SCR-05); 12–23: caution; 24 or more: the operation alone sets no tier (SCR-18)."},
                "backward_walk_test_s": {"type": ["number", "null"], "minimum": 1, "maximum": 60},
                "clearance": {"type": "boolean"},
                "schedule": {"type": "object", "properties": {"days": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3}}}
            }
        },
        "SessionLog": {
            "type": "object",
            "required": ["date", "backward_min", "effort", "pain_before", "pain_during", "pain_after", "rails"],
            "properties": {
                "date": {"type": "string", "format": "date"},
                "backward_min": {"type": "number", "minimum": 0, "maximum": 120},
                "effort": pain,
                "pain_before": pain,
                "pain_during": pain,
                "pain_after": pain,
                "dizziness": {"type": "boolean"},
                "near_fall": {"type": "boolean"},
                "fall": {"type": "boolean"},
                "rails": {"enum": ["none", "light", "full"]},
                "stopped_early": {"description": "A stop reason, or true with stop_reason, or false/null.",
                    "oneOf": [{"type": ["boolean", "null"]}, {"enum": ["dizziness", "pain", "discomfort", "slip", "fall", "other"]}]},
                "stop_reason": {"enum": ["dizziness", "pain", "discomfort", "slip", "fall", "other"]},
                "notes": {"type": "string", "maxLength": 2000},
                "run_id": {"type": "string", "description": "The run this log is for; its stop reason is carried over, and the note typed at STOP is kept with the log's notes."},
                "idempotency_key": {"type": "string", "maxLength": 100, "description": "As the Idempotency-Key header: a retry with the same key records nothing new and answers with the first decision."}
            }
        },
        "Morning": {
            "type": "object",
            "required": ["date", "pain"],
            "properties": {"date": {"type": "string", "format": "date", "description": "The session's date."}, "pain": pain}
        },
        "AcceptInvite": {
            "type": "object",
            "required": ["code"],
            "properties": {"code": {"type": "string", "maxLength": 32}}
        },
        "StartRun": {
            "type": "object",
            "required": ["date"],
            "properties": {
                "date": {"type": "string", "format": "date"},
                "treadmill": {"enum": ["none", "sim", "bluetooth"]},
                "device": {"type": "string", "maxLength": 100, "description": "With treadmill bluetooth: the treadmill's name or address."},
                "hr_strap": {"type": "string", "maxLength": 100, "description": "With treadmill bluetooth: a heart-rate strap's name or address."}
            }
        },
        "StopRun": {
            "type": "object",
            "required": ["reason"],
            "properties": {
                "reason": {"enum": ["dizziness", "pain", "discomfort", "slip", "fall", "other", "finished"]},
                "note": {"type": "string", "maxLength": 2000}
            }
        },
        "Caps": {
            "type": "object",
            "required": ["expected_seq"],
            "properties": {
                "max_speed_kmh": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 30},
                "max_incline_pct": {"type": ["number", "null"], "minimum": 0},
                "max_backward_min": {"type": ["number", "null"], "minimum": 1, "maximum": 120},
                "expected_seq": {"type": "integer", "description": "The seq the editor last saw."}
            }
        },
        "Reason": {
            "type": "object",
            "properties": {"reason": {"type": "string", "maxLength": 2000}, "note": {"type": "string", "maxLength": 2000}, "tier": {"enum": ["standard", "caution", "supervised"]}}
        },
        "Tier": {
            "type": "object",
            "required": ["tier"],
            "properties": {"tier": {"enum": ["standard", "caution", "supervised", "clearance_required"]}}
        }
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn operation(o: &Op) -> Value {
    let mut params: Vec<Value> = o
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            json!({"name": name.trim_start_matches('*'), "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect();
    params.extend(o.query.iter().map(|(name, d)| {
        json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": "string"}})
    }));
    if o.path == "/api/log" {
        params.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "A key for this log, e.g. a UUID, 1–100 printable characters (or the body's idempotency_key; if both are sent they must be equal). A retry with the same key records nothing new and answers with the first decision; the same key with a different log is 422 (field idempotency_key). Unique per person.",
            "schema": {"type": "string", "maxLength": 100}
        }));
    }
    let mut responses = Map::new();
    let ok_desc = match o.ok {
        204 => json!({"description": "Done."}),
        _ if o.path == "/api/runs/{id}/live" => {
            json!({"description": "An event stream.", "content": {"text/event-stream": {}}})
        }
        _ if o.path.starts_with("/assets/") || o.path == "/sw.js" => {
            json!({"description": "The file."})
        }
        _ if o.path.ends_with("/export/{file}") => {
            json!({"description": "The file, as an attachment.", "content": {
            "application/vnd.ant.fit": {}, "application/vnd.garmin.tcx+xml": {}, "text/csv": {},
            "application/json": {}, "text/calendar": {}}})
        }
        _ if o.path.ends_with("/qr") => {
            json!({"description": "The QR code.", "content": {"image/svg+xml": {}}})
        }
        _ if o.path.starts_with("/calendar/") => {
            json!({"description": "The calendar.", "content": {"text/calendar": {}}})
        }
        _ => {
            json!({"description": "Success.", "content": {"application/json": {"schema": {"type": ["object", "array"]}}}})
        }
    };
    responses.insert(o.ok.to_string(), ok_desc);
    if o.body.is_some() || !o.query.is_empty() || o.path.contains('{') {
        responses.insert("400".into(), error_response("Malformed request."));
        responses.insert(
            "422".into(),
            error_response("A value out of range; `field` names it."),
        );
    }
    if o.body.is_some() {
        responses.insert("413".into(), error_response("Body larger than 64 KiB."));
    }
    if o.path == "/api/import/fit" {
        responses.insert("413".into(), error_response("Upload larger than 8 MiB."));
    }
    if o.path == "/api/import/backup" {
        responses.insert("413".into(), error_response("Backup larger than 64 MiB."));
        responses.insert(
            "409".into(),
            error_response("A programme exists: confirm and send replace=true."),
        );
        responses.insert(
            "422".into(),
            error_response("Not a backup this version can read; `field` says where."),
        );
    }
    if o.method != "GET" && o.path.starts_with("/api/") {
        responses.insert(
            "403".into(),
            error_response("Missing or wrong X-CSRF-Token, or not allowed."),
        );
    }
    if o.access != Access::Public {
        responses.insert("401".into(), error_response("Not signed in."));
        responses.insert(
            "403".into(),
            error_response("Not allowed for this role (or missing CSRF token)."),
        );
    }
    if o.path.contains('{') {
        responses.insert(
            "404".into(),
            error_response("No such item among yours (other people's ids look the same)."),
        );
    }
    if matches!(o.path, "/api/login" | "/api/invites/accept") {
        responses.insert(
            "429".into(),
            error_response("Too many failures; see Retry-After."),
        );
    }
    if o.path == "/api/patients/{id}/caps" {
        responses.insert(
            "409".into(),
            error_response("expected_seq is stale: reload and try again."),
        );
    }
    let tag = match o.access {
        Access::Clinician => "clinician",
        Access::Admin => "admin",
        Access::Walker => "walker",
        Access::Any | Access::Public if o.path.starts_with("/api/") => "account",
        _ => "meta",
    };
    let mut v = json!({
        "operationId": format!("{} {}", o.method.to_ascii_lowercase(), o.path),
        "summary": o.summary,
        "tags": [tag],
        "parameters": params,
        "responses": responses,
    });
    if let Some(schema) = o.body {
        v["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
        });
    }
    if o.path == "/api/import/fit" {
        v["requestBody"] = json!({
            "required": true,
            "content": {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
                "application/vnd.ant.fit": {"schema": {"type": "string", "format": "binary"}}
            }
        });
    }
    if o.path == "/api/import/backup" {
        v["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {"type": "object", "description": "A retrowalk backup (format retrowalk-backup, version 1)."}}}
        });
    }
    if o.access == Access::Public {
        v["security"] = json!([]);
    }
    v
}

/// The OpenAPI 3.1 document for every route the app serves.
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in OPS {
        // OpenAPI names a catch-all segment like any other.
        let key = o.path.replace("{*", "{");
        let entry = paths.entry(key).or_insert_with(|| json!({}));
        entry[o.method.to_ascii_lowercase()] = operation(o);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "retrowalk",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The retrowalk web API. Sign in with POST /api/login; the rw_session cookie carries the session. Every POST/PUT/PATCH/DELETE needs X-CSRF-Token equal to the rw_csrf cookie (GET /api/csrf). Errors are {error, field?}."
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "rw_session"}
            }
        },
        "security": [{"session": []}]
    })
}

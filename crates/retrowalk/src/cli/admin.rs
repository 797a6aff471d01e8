//! `retrowalk admin`: the server's administrators and the clinicians they approve
//! (issue 14). It works on the database directly, so it is how a server gets its first
//! administrator when it already had accounts before approval existed.

use super::print_json;
use anyhow::{bail, Result};
use clap::Subcommand;
use retrowalk_service::Service;
use retrowalk_store::{Role, User, LOCAL_EMAIL};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum AdminCmd {
    /// Make a web account a server administrator, who approves clinicians.
    Grant {
        /// The account's email.
        email: String,
    },
    /// Take the administrator role away from an account.
    Ungrant {
        /// The account's email.
        email: String,
    },
    /// Clinician accounts waiting for approval.
    ListPending,
    /// Every clinician account (approved or not) and every administrator.
    List,
    /// Approve a clinician: they can then invite and look after patients.
    Approve {
        /// The clinician's email.
        email: String,
    },
    /// Withdraw a clinician's approval: at once, they can no longer see or change any patient.
    Revoke {
        /// The clinician's email.
        email: String,
    },
}

async fn account(svc: &Service, email: &str) -> Result<User> {
    match svc.store.user_by_email(email).await? {
        Some(u) if u.email != LOCAL_EMAIL => Ok(u),
        _ => bail!("there is no web account with the email {email}"),
    }
}

fn clinician_json(u: &User) -> serde_json::Value {
    json!({
        "id": u.id,
        "email": u.email,
        "name": u.display_name,
        "role": match u.role { Role::Person => "walker", Role::Clinician => "clinician" },
        "approved": u.approved_at.is_some(),
        "admin": u.is_admin(),
    })
}

fn line(u: &User) -> String {
    let mut tags = Vec::new();
    if u.role == Role::Clinician {
        tags.push(if u.approved_at.is_some() {
            "approved"
        } else {
            "waiting for approval"
        });
    }
    if u.is_admin() {
        tags.push("administrator");
    }
    format!("{} <{}>: {}", u.display_name, u.email, tags.join(", "))
}

fn show(u: &User, json: bool, what: &str) -> Result<()> {
    if json {
        print_json(&clinician_json(u))
    } else {
        println!("{what}: {}", line(u));
        Ok(())
    }
}

pub async fn run(svc: &Service, cmd: AdminCmd, json: bool) -> Result<()> {
    let store = &svc.store;
    match cmd {
        AdminCmd::Grant { email } => {
            let u = account(svc, &email).await?;
            let u = store.set_admin(u.id, true).await?;
            show(&u, json, "Administrator")
        }
        AdminCmd::Ungrant { email } => {
            let u = account(svc, &email).await?;
            let u = store.set_admin(u.id, false).await?;
            show(&u, json, "No longer an administrator")
        }
        AdminCmd::Approve { email } => {
            let u = account(svc, &email).await?;
            let u = store.set_clinician_approved(u.id, true).await?;
            show(&u, json, "Approved")
        }
        AdminCmd::Revoke { email } => {
            let u = account(svc, &email).await?;
            let u = store.set_clinician_approved(u.id, false).await?;
            show(&u, json, "Approval withdrawn")
        }
        AdminCmd::ListPending => {
            let pending: Vec<User> = store
                .clinicians()
                .await?
                .into_iter()
                .filter(|u| u.approved_at.is_none())
                .collect();
            if json {
                return print_json(&pending.iter().map(clinician_json).collect::<Vec<_>>());
            }
            if pending.is_empty() {
                println!("No clinician is waiting for approval.");
            }
            for u in &pending {
                println!("{}", line(u));
            }
            Ok(())
        }
        AdminCmd::List => {
            let mut all = store.clinicians().await?;
            for a in store.admins().await? {
                if a.role != Role::Clinician {
                    all.push(a);
                }
            }
            if json {
                return print_json(&all.iter().map(clinician_json).collect::<Vec<_>>());
            }
            if all.is_empty() {
                println!("No clinician and no administrator yet.");
            }
            for u in &all {
                println!("{}", line(u));
            }
            Ok(())
        }
    }
}

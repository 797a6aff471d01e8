//! Account administration for whoever runs the server: a one-time password-reset link, for
//! a self-hosted server that sends no email.

use super::{open, print_json, Global};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Print a one-time link with which EMAIL chooses a new password. Give it to them
    /// privately: it works once, expires, and using it signs the account out everywhere.
    ResetPassword(ResetArgs),
}

#[derive(Args, Debug)]
pub struct ResetArgs {
    /// The account's email.
    pub email: String,
    /// The address people open retrowalk at, for the link.
    #[arg(long, env = "RETROWALK_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// How long the link works, in minutes (5 to 1440).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(5..=1440))]
    pub valid_minutes: u32,
}

pub async fn run(global: &Global, cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::ResetPassword(a) => reset_password(global, a).await,
    }
}

async fn reset_password(global: &Global, a: ResetArgs) -> Result<()> {
    let base = a.url.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        bail!(
            "--url must start with http:// or https:// (got {:?})",
            a.url
        );
    }
    let svc = open(global).await?;
    let Some(user) = svc.store.user_by_email(&a.email).await? else {
        bail!(
            "there is no account with the email {:?} on this database (check the spelling, or --db)",
            a.email.trim()
        );
    };
    if user.password_hash.is_none() {
        bail!(
            "{} is the terminal's own person, which has no password to reset",
            user.email
        );
    }
    let token = retrowalk_web::auth::new_token();
    let ttl_s = i64::from(a.valid_minutes) * 60;
    svc.store
        .create_password_reset(&retrowalk_web::auth::token_hash(&token), user.id, ttl_s)
        .await?;
    // The token rides in the fragment, which browsers never send to a server or a proxy log.
    let link = format!("{base}/reset-password#token={token}");
    let expires_at = retrowalk_store::now() + ttl_s;
    if global.json {
        print_json(&serde_json::json!({
            "email": user.email,
            "link": link,
            "expires_at": expires_at,
            "valid_minutes": a.valid_minutes,
        }))?;
    } else {
        println!("Password-reset link for {}:\n\n  {link}\n", user.email);
        println!(
            "It works once, for {} minutes; any earlier link for this account no longer works.\n\
             Give it to them privately. Setting the new password signs them out everywhere.",
            a.valid_minutes
        );
    }
    Ok(())
}

//! `retrowalk serve`: the web app on the same database as the CLI.

use super::Global;
use anyhow::Result;
use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the line printed says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Mark cookies Secure (use when a TLS proxy sits in front; a request with
    /// `X-Forwarded-Proto: https` gets Secure cookies anyway).
    #[arg(long)]
    pub secure_cookies: bool,
}

pub async fn run(global: &Global, args: ServeArgs) -> Result<()> {
    let db = match &global.db {
        Some(d) => d.clone(),
        None => super::default_db()?,
    };
    retrowalk_web::serve(retrowalk_web::ServeConfig {
        addr: args.addr,
        db,
        secure_cookies: args.secure_cookies,
    })
    .await
}

use crate::read::{Arg, Cols};
use crate::{now, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub type UserId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Person,
    Clinician,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Person => "person",
            Role::Clinician => "clinician",
        }
    }
    fn parse(s: &str) -> Result<Role> {
        match s {
            "person" => Ok(Role::Person),
            "clinician" => Ok(Role::Clinician),
            other => Err(StoreError::Corrupt(format!("unknown role {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub role: Role,
    pub created_at: i64,
}

/// The email the CLI's single local person is stored under.
pub const LOCAL_EMAIL: &str = "local@retrowalk.invalid";

fn user_from(row: &dyn Cols) -> Result<User> {
    Ok(User {
        id: row.int("id")?,
        email: row.text("email")?,
        display_name: row.text("display_name")?,
        password_hash: row.opt_text("password_hash")?,
        role: Role::parse(&row.text("role")?)?,
        created_at: row.int("created_at")?,
    })
}

const USER_COLS: &str = "id, email, display_name, password_hash, role, created_at";

impl Store {
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password_hash: Option<&str>,
        role: Role,
    ) -> Result<UserId> {
        let email = email.trim().to_ascii_lowercase();
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&email)
        .bind(display_name.trim())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("an account with the email {email} already exists"))
            }
            other => other,
        })?;
        Ok(row.try_get("id")?)
    }

    /// Replaces a person's password hash (a change or an administrator's reset).
    pub async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        self.read_optional(
            &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
            &[Arg::Int(id)],
            user_from,
        )
        .await
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_ascii_lowercase();
        self.read_optional(
            &format!("SELECT {USER_COLS} FROM users WHERE email = $1"),
            &[Arg::Text(&email)],
            user_from,
        )
        .await
    }

    pub async fn set_display_name(&self, id: UserId, name: &str) -> Result<()> {
        sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
            .bind(name.trim())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The single person the CLI works for, created on first use.
    pub async fn local_user(&self) -> Result<UserId> {
        if let Some(u) = self.user_by_email(LOCAL_EMAIL).await? {
            return Ok(u.id);
        }
        match self
            .create_user(LOCAL_EMAIL, "Me", None, Role::Person)
            .await
        {
            Ok(id) => Ok(id),
            // Another process created it first.
            Err(StoreError::Conflict(_)) => self
                .user_by_email(LOCAL_EMAIL)
                .await?
                .map(|u| u.id)
                .ok_or(StoreError::NotFound("local user")),
            Err(e) => Err(e),
        }
    }
}

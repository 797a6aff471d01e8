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
    /// When a server administrator approved this clinician; a clinician without it can
    /// sign in but cannot see or change any patient.
    #[serde(default)]
    pub approved_at: Option<i64>,
    /// Since when this account administers the server (approves clinicians).
    #[serde(default)]
    pub admin_at: Option<i64>,
}

impl User {
    /// A clinician an administrator has approved (people who walk need no approval).
    pub fn approved_clinician(&self) -> bool {
        self.role == Role::Clinician && self.approved_at.is_some()
    }

    pub fn is_admin(&self) -> bool {
        self.admin_at.is_some()
    }
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
        approved_at: row.opt_int("approved_at")?,
        admin_at: row.opt_int("admin_at")?,
    })
}

const USER_COLS: &str =
    "id, email, display_name, password_hash, role, created_at, approved_at, admin_at";

impl Store {
    /// Creates an account. The first account made with a password on a server that has
    /// never had one becomes its administrator (and, if a clinician, is approved): decided
    /// in the same transaction, so two sign-ups racing on an empty server cannot both win.
    /// Any other clinician starts unapproved.
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password_hash: Option<&str>,
        role: Role,
    ) -> Result<UserId> {
        let email = email.trim().to_ascii_lowercase();
        let t = now();
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&email)
        .bind(display_name.trim())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("an account with the email {email} already exists"))
            }
            other => other,
        })?;
        let id: UserId = row.try_get("id")?;
        // The CLI's local person (no password) never takes the server's first account.
        if password_hash.is_some() {
            let first = sqlx::query(
                "INSERT INTO server_once (name, user_id, at) VALUES ('first_account', $1, $2) \
                 ON CONFLICT (name) DO NOTHING RETURNING user_id",
            )
            .bind(id)
            .bind(t)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
            if first {
                sqlx::query(
                    "UPDATE users SET admin_at = $1, \
                     approved_at = CASE WHEN role = 'clinician' THEN $1 ELSE NULL END \
                     WHERE id = $2",
                )
                .bind(t)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Approves a clinician (`true`) or withdraws the approval (`false`); an approval
    /// keeps its first date. Refused for an account that is not a clinician's.
    pub async fn set_clinician_approved(&self, id: UserId, approved: bool) -> Result<User> {
        let user = self
            .user(id)
            .await?
            .ok_or(StoreError::NotFound("account"))?;
        if user.role != Role::Clinician {
            return Err(StoreError::Invalid(format!(
                "{} is not a clinician's account: only clinicians need approval",
                user.email
            )));
        }
        let t = now();
        let (sql, args) = if approved {
            (
                "UPDATE users SET approved_at = COALESCE(approved_at, $1) WHERE id = $2",
                vec![Arg::Int(t), Arg::Int(id)],
            )
        } else {
            (
                "UPDATE users SET approved_at = NULL WHERE id = $1",
                vec![Arg::Int(id)],
            )
        };
        self.exec_once(sql, &args).await?;
        self.user(id).await?.ok_or(StoreError::NotFound("account"))
    }

    /// Makes an account a server administrator (`true`) or no longer one (`false`).
    pub async fn set_admin(&self, id: UserId, admin: bool) -> Result<User> {
        let t = now();
        let (sql, args) = if admin {
            (
                "UPDATE users SET admin_at = COALESCE(admin_at, $1) WHERE id = $2",
                vec![Arg::Int(t), Arg::Int(id)],
            )
        } else {
            (
                "UPDATE users SET admin_at = NULL WHERE id = $1",
                vec![Arg::Int(id)],
            )
        };
        if self.exec_once(sql, &args).await? == 0 {
            return Err(StoreError::NotFound("account"));
        }
        self.user(id).await?.ok_or(StoreError::NotFound("account"))
    }

    /// Every clinician's account, oldest first, approved or not.
    pub async fn clinicians(&self) -> Result<Vec<User>> {
        self.read_all(
            &format!(
                "SELECT {USER_COLS} FROM users WHERE role = 'clinician' ORDER BY created_at, id"
            ),
            &[],
            user_from,
        )
        .await
    }

    /// Every server administrator, oldest first.
    pub async fn admins(&self) -> Result<Vec<User>> {
        self.read_all(
            &format!(
                "SELECT {USER_COLS} FROM users WHERE admin_at IS NOT NULL ORDER BY admin_at, id"
            ),
            &[],
            user_from,
        )
        .await
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

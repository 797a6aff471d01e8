use crate::{Result, Service, ServiceError};
use retrowalk_core::{screen, Profile, Progression, Schedule, Screening};
use retrowalk_store::UserId;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Onboarding {
    pub screening: Screening,
    /// False while clearance is outstanding (SCR-13).
    pub programme_started: bool,
}

impl Service {
    /// Saves the profile and screens it; starts the programme when screening allows, or
    /// carries an existing programme over to the new tier without losing its history.
    pub async fn onboard(&self, user: UserId, profile: Profile, start: Date) -> Result<Onboarding> {
        retrowalk_core::dates::in_window("start date", start)?;
        profile.validate()?;
        let schedule = profile.schedule.clone().ok_or_else(|| {
            ServiceError::Invalid("choose 2 or 3 training days, e.g. mon,wed,fri".into())
        })?;
        self.store.save_profile(user, &profile).await?;
        let screening = screen(&profile);
        let started = self
            .ensure_programme(user, &profile, &screening, schedule, start, user, None)
            .await?;
        Ok(Onboarding {
            screening,
            programme_started: started,
        })
    }

    /// Starts a programme if none exists and screening allows; if one exists, records the
    /// new tier and schedule as events, made by `actor` (the person, or the clinician
    /// whose clearance brought the change) with `note`. Returns whether a programme is
    /// running.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn ensure_programme(
        &self,
        user: UserId,
        profile: &Profile,
        screening: &Screening,
        schedule: Schedule,
        start: Date,
        actor: UserId,
        note: Option<&str>,
    ) -> Result<bool> {
        if !screening.may_start() {
            return Ok(false);
        }
        retrowalk_core::dates::in_window("start date", start)?;
        match self.store.programme(user).await? {
            None => {
                let prog = Progression::new(profile, screening, schedule, start)
                    .map_err(|_| ServiceError::NeedsClearance)?;
                self.store
                    .start_programme(user, &prog, start, false)
                    .await?;
            }
            Some(rec) => {
                let ev = Progression::retier_event(profile, screening)
                    .map_err(|_| ServiceError::NeedsClearance)?;
                let changed = match &ev {
                    retrowalk_core::Event::Retiered {
                        tier,
                        limits,
                        start,
                    } => {
                        *tier != rec.state.tier
                            || *limits != rec.state.limits
                            || *start != rec.state.start
                    }
                    _ => true,
                };
                if changed {
                    self.store
                        .record_noted(user, &ev, Some(actor), None, note)
                        .await?;
                }
                if rec.state.schedule != schedule {
                    self.store
                        .record(
                            user,
                            &retrowalk_core::Event::ScheduleSet { schedule },
                            // The training days are always the person's own choice.
                            Some(user),
                        )
                        .await?;
                }
            }
        }
        Ok(true)
    }

    pub async fn screening(&self, user: UserId) -> Result<Screening> {
        let p = self
            .store
            .profile(user)
            .await?
            .ok_or(ServiceError::NoProfile)?;
        Ok(screen(&p))
    }
}

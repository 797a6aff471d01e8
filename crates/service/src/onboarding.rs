use crate::{Result, Service, ServiceError};
use retrowalk_core::{screen, ClearedBy, Event, Profile, Progression, Schedule, Screening, Tier};
use retrowalk_store::UserId;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Onboarding {
    pub screening: Screening,
    /// False while clearance is outstanding (SCR-13).
    pub programme_started: bool,
    /// Set when the tier in force is the one a clinician chose, not the answers' own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician_tier: Option<ClinicianTier>,
}

/// A clinician's tier that stands over what the person's answers screen to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicianTier {
    pub tier: Tier,
    /// The clinician's name.
    pub by: String,
    /// What this means, for the person.
    pub message: String,
}

/// The tier a clinician last set, the event that set it, who, and the tier it replaced.
struct ClinicianSet {
    tier: Tier,
    event: Event,
    by: String,
    replaced: Tier,
}

impl Service {
    /// Saves the profile and screens it; starts the programme when screening allows, or
    /// carries an existing programme over to the new tier without losing its history.
    pub async fn onboard(
        &self,
        user: UserId,
        mut profile: Profile,
        start: Date,
    ) -> Result<Onboarding> {
        retrowalk_core::dates::in_window("start date", start)?;
        profile.validate()?;
        self.settle_clearance(user, &mut profile).await?;
        let schedule = profile.schedule.clone().ok_or_else(|| {
            ServiceError::Invalid("choose 2 or 3 training days, e.g. mon,wed,fri".into())
        })?;
        self.store.save_profile(user, &profile).await?;
        let screening = screen(&profile);
        let (started, clinician_tier) = self
            .ensure_programme(user, &profile, &screening, schedule, start, user, None)
            .await?;
        Ok(Onboarding {
            screening,
            programme_started: started,
            clinician_tier,
        })
    }

    /// The last tier change someone other than `user` (their clinician) made, if any.
    async fn clinicians_tier(&self, user: UserId) -> Result<Option<ClinicianSet>> {
        let mut tier = self.store.initial_state(user).await?.tier;
        let mut found = None;
        for e in self.store.events(user).await? {
            if let Event::Retiered { tier: to, .. } = e.event {
                if e.actor_id.is_some_and(|a| a != user) {
                    found = Some(ClinicianSet {
                        tier: to,
                        event: e.event,
                        by: e.actor_name.unwrap_or_else(|| "your clinician".into()),
                        replaced: tier,
                    });
                }
                tier = to;
            }
        }
        Ok(found)
    }

    /// Decides who a clearance in the person's own answers comes from (SCR-12, SCR-14),
    /// whatever the answers claim: one already stored stays as it was; a new one is refused
    /// while the person is linked to a clinician (only the clinician records it) and is
    /// otherwise self-attested.
    async fn settle_clearance(&self, user: UserId, profile: &mut Profile) -> Result<()> {
        if !profile.clearance {
            profile.clearance_by = None;
            return Ok(());
        }
        let stored = self.store.profile(user).await?.filter(|p| p.clearance);
        if let Some(stored) = stored {
            profile.clearance_by = stored.clearance_by;
            return Ok(());
        }
        if !self.store.clinicians_of(user).await?.is_empty() {
            return Err(ServiceError::Forbidden(
                "your clinician records your clearance in retrowalk; ask them to record it on your patient page",
            ));
        }
        profile.clearance_by = Some(ClearedBy::SelfAttested);
        Ok(())
    }

    /// Starts a programme if none exists and screening allows; if one exists, records the
    /// new tier and schedule as events, made by `actor` (the person, or the clinician
    /// whose clearance brought the change) with `note`. Returns whether a programme is
    /// running, and the clinician's tier when it stands over the person's answers.
    ///
    /// The person's own answers do not undo a tier their clinician set (issue 14): the
    /// clinician weighed the answers they had, so only answers calling for a stricter
    /// tier than both the clinician's and the one the clinician replaced change it. When
    /// they stop doing so, the clinician's tier is back in force.
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
    ) -> Result<(bool, Option<ClinicianTier>)> {
        if !screening.may_start() {
            return Ok((false, None));
        }
        retrowalk_core::dates::in_window("start date", start)?;
        let mut kept = None;
        match self.store.programme(user).await? {
            None => {
                let prog = Progression::new(profile, screening, schedule, start)
                    .map_err(|_| ServiceError::NeedsClearance)?;
                self.store
                    .start_programme(user, &prog, start, false)
                    .await?;
            }
            Some(rec) => {
                let mut ev = Progression::retier_event(profile, screening)
                    .map_err(|_| ServiceError::NeedsClearance)?;
                if actor == user {
                    if let Some(set) = self.clinicians_tier(user).await? {
                        if screening.tier <= set.tier.max(set.replaced) {
                            kept = Some(ClinicianTier {
                                tier: set.tier,
                                message: format!(
                                    "Your clinician, {}, set your tier to {}. It stays until they change it, unless your answers call for a stricter one; your answers alone would give {}.",
                                    set.by,
                                    set.tier.label(),
                                    screening.tier.label()
                                ),
                                by: set.by,
                            });
                            ev = set.event;
                        }
                    }
                }
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
        Ok((true, kept))
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

//! Who may start, and with what supervision. A profile maps to a risk tier plus the reasons
//! that produced it; the highest tier any rule gives wins.

use crate::rules::Rule;
use crate::units::{Age, BodyMass, InvalidValue, Pain, Units};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    KneeRehab,
    Strength,
    Balance,
    Fitness,
    Variety,
}

impl Goal {
    pub const ALL: [Goal; 5] = [
        Goal::KneeRehab,
        Goal::Strength,
        Goal::Balance,
        Goal::Fitness,
        Goal::Variety,
    ];
    pub fn describe(self) -> &'static str {
        match self {
            Goal::KneeRehab => "knee rehabilitation",
            Goal::Strength => "quadriceps strength",
            Goal::Balance => "balance and fall prevention",
            Goal::Fitness => "fitness",
            Goal::Variety => "variety",
        }
    }
}

impl std::str::FromStr for Goal {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "knee_rehab" | "knee" | "rehab" | "knee_rehabilitation" => Ok(Goal::KneeRehab),
            "strength" => Ok(Goal::Strength),
            "balance" | "fall_prevention" => Ok(Goal::Balance),
            "fitness" => Ok(Goal::Fitness),
            "variety" => Ok(Goal::Variety),
            other => Err(InvalidValue {
                what: "goal",
                accepted: "knee-rehab, strength, balance, fitness or variety",
                got: other.to_string(),
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum KneeCondition {
    #[default]
    None,
    Osteoarthritis,
    PatellofemoralPain,
    AclReconstruction,
    OtherSurgery,
}

impl KneeCondition {
    pub const ALL: [KneeCondition; 5] = [
        KneeCondition::None,
        KneeCondition::Osteoarthritis,
        KneeCondition::PatellofemoralPain,
        KneeCondition::AclReconstruction,
        KneeCondition::OtherSurgery,
    ];
    pub fn describe(self) -> &'static str {
        match self {
            KneeCondition::None => "no knee condition",
            KneeCondition::Osteoarthritis => "knee osteoarthritis",
            KneeCondition::PatellofemoralPain => "patellofemoral pain",
            KneeCondition::AclReconstruction => "ACL reconstruction",
            KneeCondition::OtherSurgery => "other knee surgery",
        }
    }
}

impl std::str::FromStr for KneeCondition {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "none" => Ok(KneeCondition::None),
            "osteoarthritis" | "oa" => Ok(KneeCondition::Osteoarthritis),
            "patellofemoral_pain" | "pfp" | "patellofemoral" => {
                Ok(KneeCondition::PatellofemoralPain)
            }
            "acl" | "acl_reconstruction" | "aclr" => Ok(KneeCondition::AclReconstruction),
            "other_surgery" | "surgery" => Ok(KneeCondition::OtherSurgery),
            other => Err(InvalidValue {
                what: "knee condition",
                accepted:
                    "none, osteoarthritis, patellofemoral-pain, acl-reconstruction or other-surgery",
                got: other.to_string(),
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// Conditions that raise the risk of falling off the back of the belt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct RiskFlags {
    pub poor_balance_or_falls: bool,
    pub vestibular_or_dizziness: bool,
    pub neurological: bool,
    pub vision_impairment: bool,
}

/// Answers to the heart and circulation questions, worded in the spirit of the PAR-Q+
/// (SCR-15, SCR-16). Any "yes" sends the person to a clinician before the first session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct HeartAnswers {
    /// A doctor has said they have a heart condition.
    pub heart_condition: bool,
    /// Pain or pressure in the chest at rest, in daily life or when active.
    pub chest_pain: bool,
    /// Fainted, blacked out or lost balance because of dizziness in the last 12 months.
    pub fainting: bool,
    /// A doctor has said they have high blood pressure.
    pub high_blood_pressure: bool,
    /// Takes a medicine that slows the heart (a beta-blocker such as bisoprolol or
    /// metoprolol, or a rate-limiting calcium-channel blocker such as verapamil).
    pub rate_limiting_medicine: bool,
}

impl HeartAnswers {
    /// True when any answer is "yes".
    pub fn any(&self) -> bool {
        self.heart_condition
            || self.chest_pain
            || self.fainting
            || self.high_blood_pressure
            || self.rate_limiting_medicine
    }
}

/// How active a person is now, before backward walking (SCR-17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityLevel {
    /// Little or no planned exercise.
    Inactive,
    /// Some planned exercise, but less than the regular level.
    Some,
    /// Planned exercise of at least moderate effort, 30 minutes on 3 or more days a week,
    /// for the last 3 months (ACSM's definition of "currently exercising").
    Regular,
}

impl ActivityLevel {
    pub const ALL: [ActivityLevel; 3] = [
        ActivityLevel::Inactive,
        ActivityLevel::Some,
        ActivityLevel::Regular,
    ];
    pub fn describe(self) -> &'static str {
        match self {
            ActivityLevel::Inactive => "little or no planned exercise",
            ActivityLevel::Some => "some exercise, less than 30 minutes on 3 days a week",
            ActivityLevel::Regular => "regular exercise, 30 minutes on 3 or more days a week",
        }
    }
}

impl std::str::FromStr for ActivityLevel {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "inactive" | "none" => Ok(ActivityLevel::Inactive),
            "some" => Ok(ActivityLevel::Some),
            "regular" | "active" => Ok(ActivityLevel::Regular),
            other => Err(InvalidValue {
                what: "activity level",
                accepted: "inactive, some or regular",
                got: other.to_string(),
            }),
        }
    }
}

/// Knee surgery at least this many months ago no longer needs clearance (SCR-05, SCR-18).
pub const SURGERY_CLEARANCE_MONTHS: u16 = 12;
/// Knee surgery at least this many months ago no longer sets the tier by itself (SCR-18).
pub const SURGERY_CAUTION_MONTHS: u16 = 24;

/// What a person tells retrowalk about themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub age: Age,
    pub body_mass: BodyMass,
    /// Only used for energy figures.
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub units: Units,
    pub goal: Goal,
    #[serde(default)]
    pub knee: KneeCondition,
    #[serde(default)]
    pub knee_pain: Pain,
    #[serde(default)]
    pub flags: RiskFlags,
    /// The heart and circulation answers; `None` in a profile saved before they were asked
    /// (SCR-15 then asks for them without changing the tier).
    #[serde(default)]
    pub heart: Option<HeartAnswers>,
    /// How active the person is now; `None` when not asked (then it changes nothing).
    #[serde(default)]
    pub activity: Option<ActivityLevel>,
    /// Whole months since the knee operation, for `KneeCondition::AclReconstruction` and
    /// `OtherSurgery`; `None` when not known (then SCR-05 asks for clearance).
    #[serde(default)]
    pub knee_surgery_months: Option<u16>,
    /// Seconds for the 3-m backward walk test, if it was measured.
    #[serde(default)]
    pub backward_walk_test_s: Option<f64>,
    /// Someone has cleared this person to start: who, in [`Profile::clearance_by`].
    #[serde(default)]
    pub clearance: bool,
    /// Who gave the clearance (SCR-12, SCR-14). The service sets it, never the person's own
    /// answers: a clearance stored before this was kept reads as self-attested.
    #[serde(default)]
    pub clearance_by: Option<ClearedBy>,
    /// The weekdays chosen for training; kept here so a person waiting for clearance
    /// need not choose again.
    #[serde(default)]
    pub schedule: Option<crate::prescription::Schedule>,
}

impl Profile {
    /// A profile with no risk factors (every heart question answered "no"), no knee
    /// condition and no pain, activity not asked, in mph, for the given person; set the
    /// other fields as needed.
    pub fn new(name: impl Into<String>, age: Age, body_mass: BodyMass, goal: Goal) -> Profile {
        Profile {
            name: name.into(),
            age,
            body_mass,
            sex: None,
            units: Units::Mph,
            goal,
            knee: KneeCondition::None,
            knee_pain: Pain::default(),
            flags: RiskFlags::default(),
            heart: Some(HeartAnswers::default()),
            activity: None,
            knee_surgery_months: None,
            backward_walk_test_s: None,
            clearance: false,
            clearance_by: None,
            schedule: None,
        }
    }

    /// True when the clearance rests on the person's word alone (SCR-14), including one
    /// stored before retrowalk kept who gave it.
    pub fn clearance_self_attested(&self) -> bool {
        self.clearance && !matches!(self.clearance_by, Some(ClearedBy::Clinician { .. }))
    }

    /// Checks what the types cannot: the name, and the walk test's plausibility.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(InvalidValue {
                what: "name",
                accepted: "between 1 and 80 characters",
                got: format!("{} characters", name.chars().count()),
            });
        }
        if let Some(m) = self.knee_surgery_months {
            // Nobody had the operation before they were born.
            let max = u32::from(self.age.years()) * 12;
            if u32::from(m) > max {
                return Err(InvalidValue {
                    what: "months since knee surgery",
                    accepted: "whole months, no more than your age in months",
                    got: m.to_string(),
                });
            }
        }
        if let Some(t) = self.backward_walk_test_s {
            if !(t.is_finite() && (1.0..=60.0).contains(&t)) {
                return Err(InvalidValue {
                    what: "3-m backward walk test time",
                    accepted: "between 1 and 60 seconds",
                    got: t.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Backward walking speed measured by the 3-m test, in m/s.
    pub fn measured_backward_mps(&self) -> Option<f64> {
        self.backward_walk_test_s.map(|t| 3.0 / t)
    }
}

/// Who cleared a person whose screening asks for clearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ClearedBy {
    /// A linked clinician recorded it in retrowalk and chose the tier to start in (SCR-12).
    Clinician { tier: Tier },
    /// The person said a doctor or physical therapist cleared them; nobody in retrowalk
    /// has confirmed it (SCR-14).
    SelfAttested,
}

/// Risk tiers, lowest to highest.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    Standard,
    Caution,
    Supervised,
    ClearanceRequired,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Caution => "caution",
            Tier::Supervised => "supervised",
            Tier::ClearanceRequired => "clearance required",
        }
    }

    /// What the tier asks of the person, in plain words.
    pub fn explain(self) -> &'static str {
        match self {
            Tier::Standard => "You can start on your own with the standard beginner programme.",
            Tier::Caution => "You can start, more gently: slower, shorter bouts, and time goes up before speed.",
            Tier::Supervised => "Every session needs a spotter beside you and continuous contact with the rails.",
            Tier::ClearanceRequired => "Please see a physical therapist or doctor first. retrowalk will build your programme once a clinician's clearance is recorded.",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for Tier {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "standard" => Ok(Tier::Standard),
            "caution" => Ok(Tier::Caution),
            "supervised" => Ok(Tier::Supervised),
            "clearance_required" | "clearance" => Ok(Tier::ClearanceRequired),
            other => Err(InvalidValue {
                what: "tier",
                accepted: "standard, caution, supervised or clearance-required",
                got: other.to_string(),
            }),
        }
    }
}

/// One reason behind a tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierReason {
    pub tier: Tier,
    pub rule: Rule,
    pub text: String,
}

/// Extra conditions written into every session of a supervised person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Requirements {
    pub clinician_clearance: bool,
    pub spotter: bool,
    pub continuous_rails: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// The tier after any recorded clearance.
    pub tier: Tier,
    /// The tier the profile alone gives, before clearance.
    pub screened_tier: Tier,
    pub reasons: Vec<TierReason>,
    pub requirements: Requirements,
    /// The start rests on a self-attested clearance (SCR-14): every page that shows the
    /// tier says so.
    #[serde(default)]
    pub clearance_self_attested: bool,
}

/// What every screen says beside the tier of a person whose clearance is self-attested.
pub const SELF_ATTESTED_NOTE: &str = "Clearance self-attested: you told retrowalk a doctor or physical therapist cleared you; no clinician has confirmed it here.";

impl Screening {
    /// SCR-13: no programme while clearance is outstanding.
    pub fn may_start(&self) -> bool {
        self.tier != Tier::ClearanceRequired
    }
}

/// How a person whose medicine slows the heart judges intensity instead of heart rate
/// (SCR-16, SAF-04): the 0–10 effort scale the session log uses.
pub const EFFORT_GUIDE: &str = "keep it moderate, about 3 to 4 out of 10, where you can still talk in short sentences; slow down or stop if it feels harder than that.";

/// "7 months", "2 years", "more than 10 years".
fn months_text(m: u16) -> String {
    match m {
        0 => "less than a month".into(),
        1 => "1 month".into(),
        m if m < 24 => format!("{m} months"),
        m if m % 12 == 0 => format!("{} years", m / 12),
        m => format!("more than {} years", m / 12),
    }
}

/// The 3MBWT cut-offs in seconds (SCR-06, SCR-07).
pub const WALK_TEST_HIGH_RISK_S: f64 = 5.5;
pub const WALK_TEST_LOW_RISK_S: f64 = 3.5;

pub fn screen(p: &Profile) -> Screening {
    let mut reasons = Vec::new();
    let mut add =
        |tier: Tier, rule: Rule, text: String| reasons.push(TierReason { tier, rule, text });
    use Tier::*;

    if p.flags.neurological {
        add(ClearanceRequired, Rule::Scr01Neurological,
            "A neurological condition affects balance and reactions on a moving belt; a physical therapist should assess you first.".into());
    }
    if p.flags.vestibular_or_dizziness {
        add(ClearanceRequired, Rule::Scr02Vestibular,
            "Dizziness or an inner-ear problem makes walking backward disorienting; a clinician should clear you first.".into());
    }
    if p.flags.poor_balance_or_falls {
        add(ClearanceRequired, Rule::Scr03BalanceFalls,
            "Poor balance or a fall in the last year raises the risk of falling off the back of the belt; a clinician should clear you first.".into());
    }
    if p.knee_pain.value() >= 7 {
        add(ClearanceRequired, Rule::Scr04SevereKneePain,
            format!("Your knee pain is {} today; at 7/10 or more a physical therapist should look at the knee first.", p.knee_pain));
    } else if p.knee_pain.value() >= 4 {
        add(
            Caution,
            Rule::Scr10ModerateKneePain,
            format!(
                "Your knee pain is {}; we start gently and watch it closely.",
                p.knee_pain
            ),
        );
    }
    match p.knee {
        KneeCondition::AclReconstruction | KneeCondition::OtherSurgery => {
            let what = p.knee.describe();
            match p.knee_surgery_months {
                // Two years on, the operation alone no longer sets the tier: the knee pain
                // answer and the knee's response (ADA-04..07) still do.
                Some(m) if m >= SURGERY_CAUTION_MONTHS => add(
                    Standard,
                    Rule::Scr18KneeSurgeryLongAgo,
                    format!(
                        "Your {what} was {} ago, so it does not change how you start by itself; your knee pain today and how the knee responds still guide the programme.",
                        months_text(m)
                    ),
                ),
                Some(m) if m >= SURGERY_CLEARANCE_MONTHS => add(
                    Caution,
                    Rule::Scr18KneeSurgeryLongAgo,
                    format!(
                        "Your {what} was {} ago: past the first year, so no clearance is needed, but we start gently and let your knee's response set the pace.",
                        months_text(m)
                    ),
                ),
                Some(m) => add(
                    ClearanceRequired,
                    Rule::Scr05KneeSurgery,
                    format!(
                        "Your {what} was {} ago. In the first year after knee surgery the dose should come from your surgeon or physical therapist.",
                        months_text(m)
                    ),
                ),
                None => add(
                    ClearanceRequired,
                    Rule::Scr05KneeSurgery,
                    format!(
                        "After {what} the dose should come from your surgeon or physical therapist. If the operation was more than a year ago, say when it was: you may not need clearance."
                    ),
                ),
            }
        }
        KneeCondition::Osteoarthritis | KneeCondition::PatellofemoralPain => add(
            Caution,
            Rule::Scr11KneeCondition,
            format!(
                "With {} we start gently and let your knee's response set the pace.",
                p.knee.describe()
            ),
        ),
        KneeCondition::None => {}
    }
    match p.heart {
        None => add(
            Standard,
            Rule::Scr15HeartAndCirculation,
            "You have not answered the questions about your heart and blood pressure yet. Please update your screening so retrowalk can check that walking backward is safe for you.".into(),
        ),
        Some(h) => {
            if h.heart_condition {
                add(ClearanceRequired, Rule::Scr15HeartAndCirculation,
                    "A doctor has told you that you have a heart condition. Walking backward raises the heart rate more than walking forward, so a doctor or physical therapist should clear you first.".into());
            }
            if h.chest_pain {
                add(ClearanceRequired, Rule::Scr15HeartAndCirculation,
                    "You have had chest pain. A doctor should check it before you exercise; if it is new, comes at rest or is getting worse, get medical help now.".into());
            }
            if h.fainting {
                add(ClearanceRequired, Rule::Scr15HeartAndCirculation,
                    "You have fainted, blacked out or lost your balance from dizziness in the last year. A doctor should find out why before you walk on a moving belt.".into());
            }
            if h.high_blood_pressure {
                add(ClearanceRequired, Rule::Scr15HeartAndCirculation,
                    "A doctor has told you that you have high blood pressure. Exercise helps it, but walking backward works the heart harder than walking forward, so a doctor or physical therapist should clear you first.".into());
            }
            if h.rate_limiting_medicine {
                add(ClearanceRequired, Rule::Scr16RateLimitingMedicine,
                    format!("Your medicine slows your heart, so heart-rate limits worked out from your age do not apply to you. A doctor or physical therapist should clear you first. In every session go by effort, not heart rate: {EFFORT_GUIDE}"));
            }
        }
    }
    if p.activity == Some(ActivityLevel::Inactive) {
        add(Caution, Rule::Scr17Inactive,
            "You do little or no planned exercise at the moment, so we start gently: shorter, slower sessions, and time goes up before speed.".into());
    }
    if let Some(t) = p.backward_walk_test_s {
        if t > WALK_TEST_HIGH_RISK_S {
            add(ClearanceRequired, Rule::Scr06SlowBackwardWalkTest,
                format!("Your 3-m backward walk took {t:.1} s; above 5.5 s goes with a higher fall risk, so a clinician should clear you first."));
        } else if t > WALK_TEST_LOW_RISK_S {
            add(Caution, Rule::Scr07ModerateBackwardWalkTest,
                format!("Your 3-m backward walk took {t:.1} s; we start from your measured speed and add time before speed."));
        }
    }
    if p.flags.vision_impairment {
        add(Supervised, Rule::Scr08Vision,
            "With impaired vision, keep a spotter beside you and continuous contact with the rails.".into());
    }
    let age = p.age.years();
    if age >= 75 {
        add(Supervised, Rule::Scr09Age,
            format!("At {age}, backward steps shorten a lot; a spotter and continuous rail contact keep it safe."));
    } else if age >= 65 {
        add(
            Caution,
            Rule::Scr09Age,
            format!("At {age} we introduce backward walking more slowly."),
        );
    }

    let screened_tier = reasons.iter().map(|r| r.tier).max().unwrap_or(Standard);
    let cleared = screened_tier == ClearanceRequired && p.clearance;
    let self_attested = cleared && p.clearance_self_attested();
    let tier = if !cleared {
        screened_tier
    } else if let Some(ClearedBy::Clinician { tier }) = p.clearance_by.filter(|_| !self_attested) {
        // The clinician who cleared the person chose the tier (SCR-12); clearance itself
        // can never be the result.
        let tier = tier.min(Supervised);
        reasons.push(TierReason {
            tier,
            rule: Rule::Scr12Clearance,
            text: format!("Your clinician cleared you to start, in the {tier} tier."),
        });
        tier
    } else {
        reasons.push(TierReason {
            tier: Supervised,
            rule: Rule::Scr14SelfAttestedClearance,
            text: "You said a doctor or physical therapist cleared you. That is self-attested: no clinician has confirmed it in retrowalk, so you start in the supervised tier (a spotter beside you, hands on the rails throughout, the slowest start) until a clinician records clearance.".into(),
        });
        Supervised
    };
    let supervised = tier >= Supervised;
    Screening {
        tier,
        screened_tier,
        reasons,
        requirements: Requirements {
            clinician_clearance: tier == ClearanceRequired,
            spotter: supervised,
            continuous_rails: supervised,
        },
        clearance_self_attested: self_attested,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn profile(age: u8) -> Profile {
        Profile::new(
            "Test",
            Age::new(age).unwrap(),
            BodyMass::from_kg(70.0).unwrap(),
            Goal::Fitness,
        )
    }

    #[test]
    fn healthy_adult_is_standard_with_no_reasons() {
        let s = screen(&profile(35));
        assert_eq!(s.tier, Tier::Standard);
        assert!(s.reasons.is_empty());
        assert!(s.may_start());
        assert!(!s.requirements.spotter);
    }

    #[test]
    fn each_red_flag_requires_clearance() {
        let mut cases: Vec<Profile> = Vec::new();
        let mut p = profile(40);
        p.flags.neurological = true;
        cases.push(p);
        let mut p = profile(40);
        p.flags.vestibular_or_dizziness = true;
        cases.push(p);
        let mut p = profile(40);
        p.flags.poor_balance_or_falls = true;
        cases.push(p);
        let mut p = profile(40);
        p.knee_pain = Pain::new(7).unwrap();
        cases.push(p);
        let mut p = profile(40);
        p.knee = KneeCondition::AclReconstruction;
        cases.push(p);
        let mut p = profile(40);
        p.backward_walk_test_s = Some(5.6);
        cases.push(p);
        for p in cases {
            let s = screen(&p);
            assert_eq!(s.tier, Tier::ClearanceRequired, "{p:?}");
            assert!(!s.may_start());
            assert!(s.requirements.clinician_clearance);
        }
    }

    #[test]
    fn self_attested_clearance_starts_supervised_and_says_so() {
        let mut p = profile(70);
        p.flags.poor_balance_or_falls = true;
        p.clearance = true;
        // A clearance stored before its source was kept reads as self-attested.
        for by in [None, Some(ClearedBy::SelfAttested)] {
            p.clearance_by = by;
            let s = screen(&p);
            assert_eq!(s.screened_tier, Tier::ClearanceRequired);
            assert_eq!(s.tier, Tier::Supervised);
            assert!(s.may_start());
            assert!(s.requirements.spotter && s.requirements.continuous_rails);
            assert!(s.clearance_self_attested);
            let r = s
                .reasons
                .iter()
                .find(|r| r.rule == Rule::Scr14SelfAttestedClearance)
                .expect("the self-attested reason");
            assert!(r.text.contains("self-attested"), "{}", r.text);
            assert!(!s.reasons.iter().any(|r| r.rule == Rule::Scr12Clearance));
        }
    }

    #[test]
    fn a_clinicians_clearance_starts_in_the_tier_they_chose() {
        let mut p = profile(70);
        p.flags.poor_balance_or_falls = true;
        p.clearance = true;
        for tier in [Tier::Standard, Tier::Caution, Tier::Supervised] {
            p.clearance_by = Some(ClearedBy::Clinician { tier });
            let s = screen(&p);
            assert_eq!(s.tier, tier);
            assert!(!s.clearance_self_attested);
            assert!(s.reasons.iter().any(|r| r.rule == Rule::Scr12Clearance));
            assert_eq!(s.requirements.spotter, tier == Tier::Supervised);
        }
        // Clearance that names the clearance tier still lets the person start, supervised.
        p.clearance_by = Some(ClearedBy::Clinician {
            tier: Tier::ClearanceRequired,
        });
        assert_eq!(screen(&p).tier, Tier::Supervised);
        // Without clearance the source changes nothing.
        p.clearance = false;
        assert_eq!(screen(&p).tier, Tier::ClearanceRequired);
    }

    #[test]
    fn thresholds_sit_where_the_evidence_puts_them() {
        let mut p = profile(64);
        assert_eq!(screen(&p).tier, Tier::Standard);
        p.age = Age::new(65).unwrap();
        assert_eq!(screen(&p).tier, Tier::Caution);
        p.age = Age::new(75).unwrap();
        assert_eq!(screen(&p).tier, Tier::Supervised);

        let mut p = profile(30);
        p.knee_pain = Pain::new(3).unwrap();
        assert_eq!(screen(&p).tier, Tier::Standard);
        p.knee_pain = Pain::new(4).unwrap();
        assert_eq!(screen(&p).tier, Tier::Caution);
        p.knee_pain = Pain::new(6).unwrap();
        assert_eq!(screen(&p).tier, Tier::Caution);

        let mut p = profile(30);
        p.backward_walk_test_s = Some(3.5);
        assert_eq!(screen(&p).tier, Tier::Standard);
        p.backward_walk_test_s = Some(3.6);
        assert_eq!(screen(&p).tier, Tier::Caution);
        p.backward_walk_test_s = Some(5.5);
        assert_eq!(screen(&p).tier, Tier::Caution);
    }

    #[test]
    fn every_reason_is_kept_and_the_highest_wins() {
        let mut p = profile(68);
        p.knee = KneeCondition::Osteoarthritis;
        p.flags.vision_impairment = true;
        let s = screen(&p);
        assert_eq!(s.tier, Tier::Supervised);
        let rules: Vec<Rule> = s.reasons.iter().map(|r| r.rule).collect();
        assert!(rules.contains(&Rule::Scr11KneeCondition));
        assert!(rules.contains(&Rule::Scr08Vision));
        assert!(rules.contains(&Rule::Scr09Age));
    }

    fn rules_of(s: &Screening) -> Vec<Rule> {
        s.reasons.iter().map(|r| r.rule).collect()
    }

    #[test]
    fn every_heart_and_circulation_yes_requires_clearance() {
        let yes: [fn(&mut HeartAnswers); 4] = [
            |h| h.heart_condition = true,
            |h| h.chest_pain = true,
            |h| h.fainting = true,
            |h| h.high_blood_pressure = true,
        ];
        for (i, set) in yes.iter().enumerate() {
            let mut p = profile(35);
            p.activity = Some(ActivityLevel::Regular);
            let mut h = HeartAnswers::default();
            set(&mut h);
            p.heart = Some(h);
            let s = screen(&p);
            assert_eq!(s.tier, Tier::ClearanceRequired, "answer {i}");
            assert!(!s.may_start());
            assert_eq!(
                rules_of(&s),
                vec![Rule::Scr15HeartAndCirculation],
                "answer {i}"
            );
        }
        // All "no": nothing to say.
        let mut p = profile(35);
        p.heart = Some(HeartAnswers::default());
        assert!(screen(&p).reasons.is_empty());
    }

    #[test]
    fn a_medicine_that_slows_the_heart_requires_clearance_and_says_go_by_effort() {
        let mut p = profile(52);
        p.heart = Some(HeartAnswers {
            rate_limiting_medicine: true,
            ..HeartAnswers::default()
        });
        let s = screen(&p);
        assert_eq!(s.tier, Tier::ClearanceRequired);
        assert_eq!(rules_of(&s), vec![Rule::Scr16RateLimitingMedicine]);
        let text = &s.reasons[0].text;
        assert!(text.contains("go by effort, not heart rate"), "{text}");
        assert!(text.contains("do not apply to you"), "{text}");
        // A clinician's clearance lets them start; the effort rule stays with the profile.
        p.clearance = true;
        p.clearance_by = Some(ClearedBy::Clinician {
            tier: Tier::Caution,
        });
        assert_eq!(screen(&p).tier, Tier::Caution);
    }

    #[test]
    fn unanswered_heart_questions_are_asked_for_without_changing_the_tier() {
        // A profile saved before the questions existed.
        let mut p = profile(35);
        p.heart = None;
        let s = screen(&p);
        assert_eq!(s.tier, Tier::Standard);
        assert!(s.may_start());
        assert_eq!(rules_of(&s), vec![Rule::Scr15HeartAndCirculation]);
        assert!(
            s.reasons[0].text.contains("not answered"),
            "{}",
            s.reasons[0].text
        );
    }

    #[test]
    fn an_inactive_person_starts_in_caution_and_an_active_one_as_before() {
        let mut p = profile(45);
        p.activity = Some(ActivityLevel::Inactive);
        let s = screen(&p);
        assert_eq!(s.tier, Tier::Caution);
        assert_eq!(rules_of(&s), vec![Rule::Scr17Inactive]);
        for level in [
            None,
            Some(ActivityLevel::Some),
            Some(ActivityLevel::Regular),
        ] {
            p.activity = level;
            let s = screen(&p);
            assert_eq!(s.tier, Tier::Standard, "{level:?}");
            assert!(s.reasons.is_empty(), "{level:?}");
        }
    }

    #[test]
    fn time_since_knee_surgery_sets_the_tier() {
        for knee in [
            KneeCondition::AclReconstruction,
            KneeCondition::OtherSurgery,
        ] {
            let mut p = profile(30);
            p.knee = knee;
            let at = |months: Option<u16>| {
                let mut p = p.clone();
                p.knee_surgery_months = months;
                let s = screen(&p);
                (s.tier, rules_of(&s))
            };
            // Unknown, or within the first year: the surgeon or physical therapist doses it.
            for m in [None, Some(0), Some(4), Some(11)] {
                assert_eq!(
                    at(m),
                    (Tier::ClearanceRequired, vec![Rule::Scr05KneeSurgery]),
                    "{knee:?} {m:?}"
                );
            }
            // The second year: no clearance, a gentle start.
            for m in [12, 23] {
                assert_eq!(
                    at(Some(m)),
                    (Tier::Caution, vec![Rule::Scr18KneeSurgeryLongAgo]),
                    "{knee:?} {m}"
                );
            }
            // Two years on (ACL reconstruction at 10 years): like no surgery, and said so.
            for m in [24, 120] {
                assert_eq!(
                    at(Some(m)),
                    (Tier::Standard, vec![Rule::Scr18KneeSurgeryLongAgo]),
                    "{knee:?} {m}"
                );
            }
            // Knee pain still counts, whenever the operation was.
            p.knee_surgery_months = Some(120);
            p.knee_pain = Pain::new(5).unwrap();
            assert_eq!(screen(&p).tier, Tier::Caution);
        }
        let mut p = profile(30);
        p.knee = KneeCondition::AclReconstruction;
        p.knee_surgery_months = Some(4);
        assert!(screen(&p).reasons[0].text.contains("4 months ago"));
        p.knee_surgery_months = Some(120);
        assert!(screen(&p).reasons[0].text.contains("10 years ago"));
        // The months only matter after surgery.
        let mut p = profile(30);
        p.knee = KneeCondition::Osteoarthritis;
        p.knee_surgery_months = Some(3);
        assert_eq!(rules_of(&screen(&p)), vec![Rule::Scr11KneeCondition]);
    }

    #[test]
    fn reasons_are_plain_sentences_without_rule_codes() {
        let mut p = profile(80);
        p.flags = RiskFlags {
            poor_balance_or_falls: true,
            vestibular_or_dizziness: true,
            neurological: true,
            vision_impairment: true,
        };
        p.knee = KneeCondition::AclReconstruction;
        p.knee_pain = Pain::new(8).unwrap();
        p.backward_walk_test_s = Some(7.0);
        p.activity = Some(ActivityLevel::Inactive);
        p.heart = Some(HeartAnswers {
            heart_condition: true,
            chest_pain: true,
            fainting: true,
            high_blood_pressure: true,
            rate_limiting_medicine: true,
        });
        let mut texts: Vec<String> = screen(&p).reasons.into_iter().map(|r| r.text).collect();
        p.heart = None;
        p.knee_surgery_months = Some(30);
        p.clearance = true;
        texts.extend(screen(&p).reasons.into_iter().map(|r| r.text));
        assert!(texts.len() >= 14, "{texts:?}");
        for t in &texts {
            for r in Rule::ALL {
                assert!(!t.contains(r.id()), "{t}");
            }
            assert!(t.ends_with('.'), "a sentence: {t}");
        }
    }

    #[test]
    fn a_profile_saved_before_the_new_questions_still_loads() {
        let old = r#"{"name":"Ada","age":58,"body_mass":72.0,"units":"kmh","goal":"knee_rehab",
            "knee":"acl_reconstruction","knee_pain":2,"flags":{"poor_balance_or_falls":false,
            "vestibular_or_dizziness":false,"neurological":false,"vision_impairment":false},
            "backward_walk_test_s":null,"clearance":false}"#;
        let p: Profile = serde_json::from_str(old).expect("an old profile loads");
        assert_eq!(p.heart, None);
        assert_eq!(p.activity, None);
        assert_eq!(p.knee_surgery_months, None);
        assert_eq!(screen(&p).tier, Tier::ClearanceRequired);
        // Partial heart answers fill the rest with "no".
        let h: HeartAnswers = serde_json::from_str(r#"{"chest_pain":true}"#).unwrap();
        assert!(h.chest_pain && !h.heart_condition && h.any());
        // And the new answers survive a round trip.
        let mut p = p;
        p.heart = Some(h);
        p.activity = Some(ActivityLevel::Some);
        p.knee_surgery_months = Some(14);
        let back: Profile = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn validate_refuses_surgery_before_birth() {
        let mut p = profile(30);
        p.knee = KneeCondition::AclReconstruction;
        p.knee_surgery_months = Some(360);
        assert!(p.validate().is_ok());
        p.knee_surgery_months = Some(361);
        let e = p.validate().unwrap_err();
        assert_eq!(e.what, "months since knee surgery");
    }

    #[test]
    fn validate_refuses_blank_name_and_absurd_walk_test() {
        let mut p = profile(30);
        p.name = "  ".into();
        assert!(p.validate().is_err());
        let mut p = profile(30);
        p.backward_walk_test_s = Some(0.1);
        assert!(p.validate().is_err());
    }
}

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
    /// A profile with no risk factors, no knee condition and no pain, in mph, for the
    /// given person; set the other fields as needed.
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
        KneeCondition::AclReconstruction | KneeCondition::OtherSurgery => add(
            ClearanceRequired,
            Rule::Scr05KneeSurgery,
            format!(
                "After {} the dose should come from your surgeon or physical therapist.",
                p.knee.describe()
            ),
        ),
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

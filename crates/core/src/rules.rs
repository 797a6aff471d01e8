//! Identifiers of the rules the engine applies. Each one has a heading in
//! `docs/evidence.md` giving its numbers and its source; a test keeps the two in step.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! rules {
    ($($variant:ident => $id:literal),* $(,)?) => {
        /// A rule from `docs/evidence.md`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];
            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id),* }
            }
        }
    };
}

rules! {
    Scr01Neurological => "SCR-01",
    Scr02Vestibular => "SCR-02",
    Scr03BalanceFalls => "SCR-03",
    Scr04SevereKneePain => "SCR-04",
    Scr05KneeSurgery => "SCR-05",
    Scr06SlowBackwardWalkTest => "SCR-06",
    Scr07ModerateBackwardWalkTest => "SCR-07",
    Scr08Vision => "SCR-08",
    Scr09Age => "SCR-09",
    Scr10ModerateKneePain => "SCR-10",
    Scr11KneeCondition => "SCR-11",
    Scr12Clearance => "SCR-12",
    Scr13NoProgrammeWithoutClearance => "SCR-13",
    Scr14SelfAttestedClearance => "SCR-14",
    Scr15HeartAndCirculation => "SCR-15",
    Scr16RateLimitingMedicine => "SCR-16",
    Scr17Inactive => "SCR-17",
    Scr18KneeSurgeryLongAgo => "SCR-18",
    Pre01StartSpeed => "PRE-01",
    Pre02MeasuredStartSpeed => "PRE-02",
    Pre03StartTime => "PRE-03",
    Pre04Bouts => "PRE-04",
    Pre05WarmUpCoolDown => "PRE-05",
    Pre06Frequency => "PRE-06",
    Pre07TargetTime => "PRE-07",
    Pre08TargetSpeed => "PRE-08",
    Pre09Incline => "PRE-09",
    Pre10StartRails => "PRE-10",
    Prg01SessionStep => "PRG-01",
    Prg02WeeklyCap => "PRG-02",
    Prg03Order => "PRG-03",
    Prg04SpeedWeekly => "PRG-04",
    Prg05InclineUnlock => "PRG-05",
    Prg06Rails => "PRG-06",
    Prg07Eligibility => "PRG-07",
    Prg08OneDecision => "PRG-08",
    Ada01Fall => "ADA-01",
    Ada02NearFall => "ADA-02",
    Ada03Dizziness => "ADA-03",
    Ada04PainHigh => "ADA-04",
    Ada05MorningPain => "ADA-05",
    Ada06MorningTrend => "ADA-06",
    Ada07PainModerate => "ADA-07",
    Ada08Effort => "ADA-08",
    Ada09StoppedEarly => "ADA-09",
    Ada10Missed => "ADA-10",
    Ada11ClinicianCaps => "ADA-11",
    Ada12RedFlags => "ADA-12",
    Ene01Acsm => "ENE-01",
    Ene02BackwardFactor => "ENE-02",
    Ene03ValidRange => "ENE-03",
    Ene04Kcal => "ENE-04",
    Ene05Standing => "ENE-05",
    Saf01Checklist => "SAF-01",
    Saf02Cues => "SAF-02",
    Saf03SpeedCeiling => "SAF-03",
    Saf04HeartRateCap => "SAF-04",
    Saf05NotMedicalDevice => "SAF-05",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;

    /// Every rule the code can cite must be written up, with its source, in the evidence file.
    #[test]
    fn every_rule_has_an_evidence_heading() {
        let doc = include_str!("../../../docs/evidence.md");
        let missing: Vec<&str> = Rule::ALL
            .iter()
            .map(|r| r.id())
            .filter(|id| !doc.contains(&format!("### {id} — ")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/evidence.md lacks headings for {missing:?}"
        );
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}

"""Per-facility clinical coding: how each simulated facility writes conditions, drugs and labs.

Real facilities do not all send SNOMED CT, RxNorm and LOINC with the same display text. Each
facility gets a profile per section (`profiles.assign_coding_profiles`), and
`rewrite.facility_tables` rewrites the clinical rows by the profile of the facility where
each encounter happened:

* conditions: ``snomed`` (canonical), ``icd10cm`` (ICD-10-CM code and official description,
  `icd10cm`), ``text`` (a wording of the facility's own, no code, `texts.CONDITION_WORDINGS`);
* medications: ``rxnorm`` (canonical), ``brand`` (brand name with strength, no code),
  ``free_text`` (prescriber shorthand, no code);
* observations: ``loinc`` (canonical) or ``local`` (laboratory tests under the facility's own
  codes and short names; vital signs stay LOINC);
* missing sections: facilities that send no allergies or no immunizations.
"""

from synthmass_assets.augmentation.coding.profiles import assign_coding_profiles, coding_log
from synthmass_assets.augmentation.coding.rewrite import facility_tables

__all__ = ["assign_coding_profiles", "coding_log", "facility_tables"]

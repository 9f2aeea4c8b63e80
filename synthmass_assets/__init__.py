"""SynthMass: synthetic patients, realistic registrations and their resolution, as Dagster assets.

``dagster ... -m synthmass_assets`` finds the code location's definitions here.
"""

from synthmass_assets.definitions import definitions

__all__ = ["definitions"]

"""SynthMass: synthetic patients, realistic registrations and their resolution, as Dagster assets.

``dagster ... -m synthmass_assets`` finds the code location's definitions here (as ``defs``);
``-m synthmass_assets.definitions`` works too.
"""

from synthmass_assets.definitions import definitions as defs

__all__ = ["defs"]

"""Whether metadata and messages may show patients' identifying values."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

SHOW_VALUES_ENV = "SYNTHMASS_SHOW_IDENTIFYING_VALUES"


class PrivacySettings(dg.ConfigurableResource):
    """On tracks that hold users' data (``custom``), previews, examples and messages show
    identifying fields (names, dates, identifiers, contact details) as value shapes such as
    ``Aaaa 9999``, so that they never reach Dagster's event log. A steward's own machine may
    show them in full."""

    show_identifying_values: bool = Field(
        default=False,
        description="Show names, birth dates, identifiers and contact details of users' records "
        f"in previews (default off; {SHOW_VALUES_ENV}=1 turns it on for a deployment).",
    )

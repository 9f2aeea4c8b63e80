"""Classifier stage: clinical summaries and the pair classifier trained on the training track."""

import logging

# bitsandbytes' CPU backend tries to fetch an optional kernel from the Hugging Face hub at import
# and warns when it cannot; SynthMass never downloads at run time (its 4-bit path falls back to
# the built-in CPU kernels), so the warning is noise on every `dagster` command.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)

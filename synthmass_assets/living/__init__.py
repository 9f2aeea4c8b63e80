"""The living master patient index: batches matched against the index, stable golden ids,
link states and events (see ``identity`` for the id semantics)."""

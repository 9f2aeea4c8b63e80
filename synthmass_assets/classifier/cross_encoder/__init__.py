"""The GPU family: a decoder LLM sequence classifier reading both summaries in one prompt."""

"""The delivery worker and the scheduled clean-up."""

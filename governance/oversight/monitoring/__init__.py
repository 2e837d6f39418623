"""Monitoring: per-version plans of watched metrics with thresholds, and observations pushed against them."""

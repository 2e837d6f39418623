"""Monitoring API: plans, observation ingest and history."""

"""Incidents API: incidents, the report-sent command and incident kinds."""

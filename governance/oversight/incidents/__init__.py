"""Incidents: what went wrong in production, its kind and reporting deadline, and the report sent."""

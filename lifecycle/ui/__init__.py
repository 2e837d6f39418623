"""The approvals UI: inbox, approvals, waivers and policies pages, and the asset/version panels."""

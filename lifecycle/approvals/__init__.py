"""Approvals: policies, requests, signed decisions, waivers and periodic reviews (DESIGN §2-3).

Modules: policies (matching, versioned edits), rules (who may decide, quorum, gates), requests
(open/reopen/stale/withdraw), decisions (the signature service), signing (fresh credentials),
waivers, reviews, proposals, dry_run, queries (read API for other features), guards.
"""

"""Audit API: events with their hashes, visibility, verification and the public key."""

import hashlib

from governance.audit.checkpoints import write_checkpoint
from tests.factories import make_asset


def test_events_carry_canonical_text_that_rehashes_to_their_leaf(people, api_for):
    make_asset(people.owner, people.retail)
    events = api_for(people.compliance).get("/api/v1/audit/events/").json()["results"]
    assert events
    for event in events:
        assert hashlib.sha256(b"\x00" + event["canonical"].encode()).hexdigest() == event["leaf"]


def test_others_see_only_events_about_what_they_may_see(people, api_for):
    mine = make_asset(people.owner, people.retail)
    theirs = make_asset(people.outsider, people.marketing)
    seen = api_for(people.owner).get("/api/v1/audit/events/", {"action": "inventory.asset_created"}).json()
    assert [e["object_id"] for e in seen["results"]] == [str(mine.pk)]
    hidden = api_for(people.owner).get(
        "/api/v1/audit/events/", {"object_id": str(theirs.pk), "object_type": "inventory.asset"}
    )
    assert hidden.json()["results"] == []


def test_filters_by_action_prefix_and_time(people, api_for):
    make_asset(people.owner, people.retail)
    client = api_for(people.compliance)
    actions = {
        e["action"] for e in client.get("/api/v1/audit/events/", {"action": "account."}).json()["results"]
    }
    assert actions and all(a.startswith("account.") for a in actions)
    assert client.get("/api/v1/audit/events/", {"since": "not a time"}).status_code == 400


def test_verification_is_for_compliance_and_admin(people, api_for):
    make_asset(people.owner, people.retail)
    write_checkpoint()
    assert api_for(people.owner).post("/api/v1/audit/verify/").status_code == 403
    run = api_for(people.compliance).post("/api/v1/audit/verify/").json()
    assert run["ok"] and run["status"] == "intact" and run["checkpoints"]
    assert api_for(people.owner).get("/api/v1/audit/verify/").json()["status"] == "intact"


def test_checkpoints_and_public_key(people, api_for):
    make_asset(people.owner, people.retail)
    checkpoint = write_checkpoint()
    client = api_for(people.owner)
    listed = client.get("/api/v1/audit/checkpoints/").json()["results"]
    assert listed[0]["size"] == checkpoint.size and listed[0]["statement"]["root"] == checkpoint.root
    key = client.get("/api/v1/audit/public-key/").json()
    assert (
        key["algorithm"] == "Ed25519"
        and key["key_id"] == checkpoint.key_id
        and "BEGIN PUBLIC KEY" in key["pem"]
    )

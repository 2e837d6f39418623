"""A stateful property-based test of one approval request's life (hypothesis RuleBasedStateMachine).

Random sequences of approvals, rejections, send-backs, repeated signatures, ineligible signers and
material changes are checked against a small model of the rules: quorum 2 with one committee member,
separation of duties, one decision per approver, staleness on a changed digest, and closed is closed.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from governance.audit.actors import Actor
from governance.inventory import services as inventory
from lifecycle.approvals.errors import AlreadyDecided, DigestChanged, NotEligible, RequestNotOpen
from lifecycle.approvals.queries import requests_about
from lifecycle.models import Decision, StageTransition
from tests.conftest import make_user
from tests.lifecycle.approvals.conftest import sign, validated_version

SIGNERS = ("approver", "approver2", "approver3", "outside1", "outside2", "team_approver", "owner")
COMMITTEE = {"approver", "approver2", "approver3"}
INELIGIBLE = {"team_approver", "owner"}  # owning team / owner and submitter


@pytest.mark.slow
def test_the_life_of_a_request(people):
    users = {name: getattr(people, name, None) for name in SIGNERS}
    users["outside1"] = make_user("outside1", ["approver"], [people.marketing])
    users["outside2"] = make_user("outside2", ["approver"], [people.marketing])

    class RequestLife(RuleBasedStateMachine):
        @initialize()
        def open_request(self):
            self.version = validated_version(people)
            self.request = requests_about(self.version).get()
            self.status = "open"
            self.signed: list[str] = []
            self.changed = False
            self.metric = 0

        def _expect(self, name: str, meaning: str, comment: str = ""):
            """The outcome the rules predict for `name` signing `meaning` now."""
            if self.status != "open":
                return (
                    AlreadyDecided if self.status in {"approved", "rejected", "sent_back"} else RequestNotOpen
                )
            if name in INELIGIBLE:
                return NotEligible
            if name in self.signed:
                return AlreadyDecided
            if self.changed:
                return DigestChanged
            if meaning == "approve":
                committee = sum(s in COMMITTEE for s in self.signed) + (name in COMMITTEE)
                if committee == 0 and len(self.signed) + 1 >= 2:
                    return NotEligible  # the last seat must go to the committee
            return None

        def _sign(self, name: str, meaning: str, comment: str = ""):
            expected = self._expect(name, meaning, comment)
            if expected is None:
                sign(users[name], self.request, meaning, comment=comment)
                self.signed.append(name)
                if meaning == "reject":
                    self.status = "rejected"
                elif meaning == "send_back":
                    self.status = "sent_back"
                elif len(self.signed) == 2:
                    self.status = "approved"
            else:
                with pytest.raises(expected):
                    sign(users[name], self.request, meaning, comment=comment)
                if expected is DigestChanged:
                    self.status = "stale"

        @rule(name=st.sampled_from(SIGNERS))
        def approve(self, name):
            self._sign(name, "approve")

        @rule(name=st.sampled_from(SIGNERS))
        def reject(self, name):
            self._sign(name, "reject", "Not acceptable.")

        @rule(name=st.sampled_from(SIGNERS))
        def send_back(self, name):
            self._sign(name, "send_back", "Needs more work.")

        @rule()
        def change_the_material(self):
            self.version.refresh_from_db()
            if self.version.stage != "validated":
                return
            self.metric += 1
            inventory.update_version(
                actor=Actor.for_user(people.owner),
                version=self.version,
                metrics={"auc": 0.7 + self.metric / 100},
            )
            self.changed = True

        @invariant()
        def the_database_agrees_with_the_model(self):
            self.request.refresh_from_db()
            self.version.refresh_from_db()
            assert self.request.status == self.status
            stage = {"open": "validated", "stale": "validated", "approved": "approved", "rejected": "rejected",
                     "sent_back": "changes_requested"}[self.status]  # fmt: skip
            assert self.version.stage == stage
            decisions = list(Decision.objects.filter(request=self.request).select_related("approver"))
            assert sorted(d.approver.username for d in decisions) == sorted(
                users[n].username for n in self.signed
            )
            approvals = [d for d in decisions if d.approves]
            assert len(approvals) <= 2
            if self.status == "approved":
                assert any(d.from_risk_committee for d in approvals)
            moves = StageTransition.objects.filter(version=self.version, source="validated").count()
            assert moves == (0 if self.status in {"open", "stale"} else 1)

    run_state_machine_as_test(
        RequestLife,
        settings=settings(
            max_examples=12, stateful_step_count=8, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )  # fmt: skip

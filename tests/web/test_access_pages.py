"""Data-owner pages: pending requests to approve or deny, step-up for level 4, grants."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from marketguard.auth.models import PortalSession
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.dataguard import service
from marketguard.dataguard.models import DataAccessApproval, DataAccessRequest, DataGrant
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.factories import portal_cookie, seed_marketplace
from tests.web.staff_world import count, csrf_of, form

ALICE = Principal(token_id="t-alice", name="alice@example.com", role=Role.employee)
PAGE = "/portal/access-requests"


def file_request(settings: Settings, fields: list[str], *, dataset: str = "sellers",
                 requester: Principal = ALICE) -> str:
    with unit_of_work(settings) as session:
        request = service.create_request(
            session, principal=requester, dataset=dataset, fields=fields,
            purpose="investigate a counterfeit ring", duration="PT4H", settings=settings,
        )
        session.flush()
        return request.id


def status_of(settings: Settings, request_id: str) -> str:
    with unit_of_work(settings) as session:
        return service.get_request(session, request_id=request_id).status


def age_sessions(settings: Settings, by: timedelta) -> None:
    """Make every portal session's last passkey assertion older (as if time passed)."""
    with unit_of_work(settings) as session:
        session.execute(update(PortalSession).values(verified_at=utcnow() - by))


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, str]:
    seed_marketplace(settings, tmp_path)
    return {"phone": file_request(settings, ["identifiers.phone"]),
            "secret": file_request(settings, ["identifiers.payment"])}


@pytest.fixture
def owner(client: TestClient, settings: Settings, world: dict[str, str]) -> TestClient:
    client.cookies.update(portal_cookie(settings, "data_owner", email="olga@example.com"))
    return client


def decide(client: TestClient, request_id: str, outcome: str, reason: str = "case 42"
           ) -> object:
    token = csrf_of(client.get(PAGE).text)
    return client.post(f"{PAGE}/{request_id}/decision",
                       data=form(token, outcome=outcome, reason=reason), follow_redirects=False)


def test_pending_requests_show_requester_fields_purpose_duration_and_the_buttons(
    owner: TestClient, world: dict[str, str]
) -> None:
    page = owner.get(PAGE)
    assert page.status_code == 200
    for text in ("alice@example.com", "identifiers.phone", "identifiers.payment",
                 "investigate a counterfeit ring", "PT4H", "0 of 2", "0 of 1"):
        assert text in page.text, text
    assert page.text.count(">Approve</button>") == 2 and page.text.count(">Deny</button>") == 2
    assert page.text.count("<h1>") == 1
    assert owner.get("/portal", follow_redirects=False).headers["location"] == PAGE


def test_approving_a_level_3_request_grants_it_and_the_grant_can_be_revoked(
    owner: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    answer = decide(owner, world["phone"], "approve")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert status_of(settings, world["phone"]) == "approved"
    page = owner.get(PAGE)
    assert ">Revoke</button>" in page.text
    with unit_of_work(settings) as session:
        grant_id = session.query(DataGrant).one().id
    revoked = owner.post(f"/portal/grants/{grant_id}/revocation",
                         data=form(csrf_of(page.text), reason="case closed"),
                         follow_redirects=False)
    assert revoked.status_code == 303
    assert ">Revoke</button>" not in owner.get(PAGE).text
    with unit_of_work(settings) as session:
        assert session.query(DataGrant).one().revoked_at is not None


def test_a_denial_needs_a_reason_and_without_one_nothing_changes(
    owner: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    refused = decide(owner, world["phone"], "deny", reason="  ")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert 'role="alert"' in refused.text  # type: ignore[attr-defined]
    assert status_of(settings, world["phone"]) == "pending"
    assert count(settings, DataAccessApproval) == 0
    denied = decide(owner, world["phone"], "deny", reason="no case number given")
    assert denied.status_code == 303  # type: ignore[attr-defined]
    assert status_of(settings, world["phone"]) == "denied"


def test_level_4_needs_two_different_approvers(
    client: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    olga = portal_cookie(settings, "data_owner", email="olga@example.com")
    oscar = portal_cookie(settings, "data_owner", email="oscar@example.com")
    client.cookies.update(olga)
    assert decide(client, world["secret"], "approve").status_code == 303  # type: ignore[attr-defined]
    assert status_of(settings, world["secret"]) == "pending"
    assert "1 of 2" in client.get(PAGE).text
    again = decide(client, world["secret"], "approve")
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "second, different approver" in again.text  # type: ignore[attr-defined]
    assert count(settings, DataAccessApproval) == 1
    client.cookies.update(oscar)
    assert decide(client, world["secret"], "approve").status_code == 303  # type: ignore[attr-defined]
    assert status_of(settings, world["secret"]) == "approved"


def test_approving_level_4_after_the_step_up_window_asks_for_the_passkey_first(
    owner: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    token = csrf_of(owner.get(PAGE).text)
    age_sessions(settings, settings.portal_step_up_after + timedelta(seconds=5))
    answer = owner.post(f"{PAGE}/{world['secret']}/decision",
                        data=form(token, outcome="approve", reason="case 42"),
                        follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/step-up?next=/portal/access-requests"
    assert count(settings, DataAccessApproval) == 0
    # A level-3 approval and any denial are not sensitive: no step-up.
    level_3 = owner.post(f"{PAGE}/{world['phone']}/decision",
                         data=form(token, outcome="approve", reason="case 42"),
                         follow_redirects=False)
    assert level_3.headers["location"] == PAGE


def test_nobody_decides_their_own_request(
    client: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    client.cookies.update(portal_cookie(settings, "data_owner", email="olga@example.com"))
    owner_principal = Principal(token_id="t-o", name="olga@example.com", role=Role.data_owner)
    own = file_request(settings, ["identifiers.phone"], requester=owner_principal)
    page = client.get(PAGE)
    assert "Your own request" in page.text
    answer = client.post(f"{PAGE}/{own}/decision",
                         data=form(csrf_of(page.text), outcome="approve", reason="x"))
    assert answer.status_code == 403 and "nobody decides their own" in answer.text
    assert status_of(settings, own) == "pending"


def test_a_data_owner_scoped_to_a_dataset_sees_and_decides_only_its_requests(
    client: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    client.cookies.update(portal_cookie(settings, "data_owner", email="sam@example.com",
                                        dataset="listings"))
    page = client.get(PAGE)
    assert "identifiers.phone" not in page.text and "No requests are waiting" in page.text
    answer = client.post(f"{PAGE}/{world['phone']}/decision",
                         data=form(csrf_of(page.text), outcome="approve", reason="x"))
    assert answer.status_code == 403
    assert status_of(settings, world["phone"]) == "pending"


def test_a_decision_without_the_csrf_token_is_refused(
    owner: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    answer = owner.post(f"{PAGE}/{world['phone']}/decision",
                        data={"outcome": "approve", "reason": "x"})
    assert answer.status_code == 403
    assert status_of(settings, world["phone"]) == "pending"
    assert count(settings, DataAccessRequest, DataAccessRequest.status == "pending") == 2


def test_an_unknown_request_is_a_404_page(owner: TestClient) -> None:
    token = csrf_of(owner.get(PAGE).text)
    answer = owner.post(f"{PAGE}/nope/decision", data=form(token, outcome="approve"))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("role", ["reviewer", "employee", "seller"])
def test_other_roles_may_not_open_the_access_requests_page(
    client: TestClient, settings: Settings, world: dict[str, str], role: str
) -> None:
    client.cookies.update(portal_cookie(settings, role,
                                        seller_id="S-0001" if role == "seller" else None))
    answer = client.get(PAGE)
    assert answer.status_code == 403 and "alice@example.com" not in answer.text

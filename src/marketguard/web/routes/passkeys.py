"""``/portal/passkeys``: a person's passkeys — list them, add another, remove one.

Adding or removing a passkey changes who can become this person, so both ask
for the passkey again when the last assertion is older than the step-up window.
The last passkey cannot be removed: its holder could never sign in again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.audit import service as audit
from marketguard.auth import passkeys, people
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.errors import MarketguardError
from marketguard.web import ceremony
from marketguard.web.guard import STEP_UP_PATH, CsrfProtected, page_allow, require_step_up
from marketguard.web.routes.signin import Credential
from marketguard.web.templating import render

router = APIRouter(tags=["portal"], include_in_schema=False)

PAGE = "/portal/passkeys"
Anyone = Annotated[SignedIn, Depends(page_allow(*Role))]


def _page(request: Request, session: SessionDep, signed_in: SignedIn, *,
          status_code: int = 200, problem: str | None = None) -> Response:
    keys = passkeys.list_for(session, signed_in.person_id)
    return render(request, "passkeys.html", signed_in, status_code=status_code,
                  title="Your passkeys", keys=keys, problem=problem)


@router.get(PAGE)
def passkeys_page(request: Request, session: SessionDep, signed_in: Anyone) -> Response:
    """The person's passkeys, with **Add a passkey** and a remove button for each."""
    return _page(request, session, signed_in)


@router.post(f"{PAGE}/options", dependencies=[CsrfProtected])
def add_options(request: Request, session: SessionDep, settings: SettingsDep,
                signed_in: Anyone) -> JSONResponse:
    """A registration challenge for another passkey of the signed-in person."""
    if signed_in.needs_step_up(settings):
        return JSONResponse({"redirect": f"{STEP_UP_PATH}?next={PAGE}"}, status_code=403)
    person = people.get(session, signed_in.person_id)
    options, secret = passkeys.registration_options(
        session, settings, ceremony.rp_of(request, settings), email=person.email,
        purpose=passkeys.ADD, session_id=signed_in.session_id,
        existing=passkeys.list_for(session, person.id))
    return ceremony.with_challenge(options, secret, request)


@router.post(f"{PAGE}/verify", dependencies=[CsrfProtected])
def add_verify(request: Request, session: SessionDep, settings: SettingsDep,
               signed_in: Anyone, credential: Credential,
               name: Annotated[str | None, Body()] = None) -> JSONResponse:
    """Keep the new passkey and show the list again."""
    try:
        challenge = passkeys.take_challenge(session, ceremony.challenge_secret(request),
                                            passkeys.ADD)
        if challenge.session_id != signed_in.session_id:
            raise passkeys.CeremonyFailed("this passkey was started in another session")
        new = passkeys.verify_new(challenge, ceremony.rp_of(request, settings),
                                  credential=credential, name=name)
        key = passkeys.keep(session, people.get(session, signed_in.person_id), new)
    except MarketguardError as exc:
        return ceremony.refused(exc)
    audit.record(session, actor=signed_in.person.actor, action="passkey.add",
                 object_type="passkey", object_id=key.id, after={"name": key.name})
    return ceremony.done(request, PAGE)


@router.post(PAGE + "/{passkey_id}/remove", dependencies=[CsrfProtected])
def remove(request: Request, session: SessionDep, settings: SettingsDep, signed_in: Anyone,
           passkey_id: str) -> Response:
    """Remove one passkey (not the last one) and show the list again."""
    require_step_up(signed_in, settings, PAGE)
    try:
        passkeys.remove(session, actor=signed_in.person, person_id=signed_in.person_id,
                        passkey_id=passkey_id)
    except MarketguardError as exc:
        session.rollback()
        return _page(request, session, signed_in, status_code=exc.status, problem=exc.detail)
    return RedirectResponse(PAGE, status_code=303)

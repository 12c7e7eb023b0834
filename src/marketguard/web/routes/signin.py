"""Signing in and out with passkeys: enrolment, sign-in, step-up, sign-out (FORMATS §9).

Each ceremony is a page with one button, and two JSON calls its script makes:
``…/options`` (a challenge kept server-side, bound to the browser by a cookie)
and ``…/verify`` (the authenticator's answer). Signed out, the calls prove their
origin by ``Origin``; signed in, by the session's CSRF token as well.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.audit import service as audit
from marketguard.auth import invitations, passkeys, portal_sessions
from marketguard.auth.portal_sessions import SignedIn, principal_of
from marketguard.auth.roles import Role
from marketguard.errors import MarketguardError
from marketguard.web import ceremony
from marketguard.web.guard import CsrfProtected, page_allow, page_public
from marketguard.web.templating import home_of, render

router = APIRouter(tags=["portal"], include_in_schema=False)

Public = Annotated[SignedIn | None, Depends(page_public())]
Anyone = Annotated[SignedIn, Depends(page_allow(*Role))]
Credential = Annotated[dict[str, Any], Body(embed=True)]


# -- sign-in ----------------------------------------------------------------------


@router.get("/portal/login")
def login_page(request: Request, signed_in: Public,
               next: Annotated[str | None, Query()] = None) -> Response:  # noqa: A002
    """The sign-in page: one button, no user name (discoverable passkeys)."""
    if signed_in is not None:
        return RedirectResponse(ceremony.safe_next(next, home_of(signed_in.person.role)), 303)
    return render(request, "login.html", None, title="Sign in",
                  next=ceremony.safe_next(next, ""))


@router.post("/portal/login/options", dependencies=[CsrfProtected])
def login_options(request: Request, session: SessionDep, settings: SettingsDep,
                  _: Public) -> JSONResponse:
    """A sign-in challenge; refused while this address has too many recent failures."""
    try:
        passkeys.check_not_limited(session, settings, ceremony.client_of(request))
    except MarketguardError as exc:
        return ceremony.refused(exc)
    options, secret = passkeys.authentication_options(
        session, ceremony.rp_of(request, settings), purpose=passkeys.SIGN_IN)
    return ceremony.with_challenge(options, secret, request)


@router.post("/portal/login/verify", dependencies=[CsrfProtected])
def login_verify(request: Request, session: SessionDep, settings: SettingsDep, _: Public,
                 credential: Credential, next: Annotated[str | None, Body()] = None,  # noqa: A002
                 ) -> JSONResponse:
    """Check the assertion, start a session and say where to go; count a failure."""
    client = ceremony.client_of(request)
    try:
        passkeys.check_not_limited(session, settings, client)
        challenge = passkeys.take_challenge(session, ceremony.challenge_secret(request),
                                            passkeys.SIGN_IN)
        asserted = passkeys.authenticate(session, challenge, ceremony.rp_of(request, settings),
                                         credential=credential)
    except passkeys.TooManyFailures as exc:
        return ceremony.refused(exc)
    except MarketguardError as exc:
        passkeys.record_failure(session, client, exc.detail)
        return ceremony.refused(exc)
    session_id, secret = portal_sessions.start(session, asserted.person)
    principal = principal_of(asserted.person, session_id)
    audit.record(session, actor=principal.actor, action="portal.sign_in",
                 object_type="person", object_id=asserted.person.id,
                 after={"passkey": asserted.passkey.id, "client": client})
    response = ceremony.done(request, ceremony.safe_next(next, home_of(principal.role)))
    ceremony.set_session_cookie(response, request, settings, secret)
    return response


# -- sign-out ---------------------------------------------------------------------


@router.post("/portal/logout", dependencies=[CsrfProtected])
def logout(request: Request, session: SessionDep, signed_in: Public) -> Response:
    """End the server session (the cookie opens nothing any more) and clear the cookie."""
    if signed_in is not None:
        portal_sessions.end(session, signed_in.session_id)
        audit.record(session, actor=signed_in.person.actor, action="portal.sign_out",
                     object_type="person", object_id=signed_in.person_id)
    response = RedirectResponse("/portal/login", status_code=303)
    ceremony.clear_session_cookie(response, request)
    return response


# -- enrolment --------------------------------------------------------------------


@router.get("/portal/enrol")
def enrol_page(request: Request, session: SessionDep, signed_in: Public,
               invitation: Annotated[str | None, Query()] = None) -> Response:
    """The page an enrolment link opens: who it is for, and **Create passkey**."""
    try:
        found = invitations.open_invitation(session, invitation)
    except MarketguardError as exc:
        return render(request, "enrol.html", signed_in, status_code=exc.status,
                      title="Create your passkey", problem=exc.detail, invitation=None)
    return render(request, "enrol.html", signed_in, title="Create your passkey",
                  invitation=found, secret=invitation, problem=None)


@router.post("/portal/enrol/options", dependencies=[CsrfProtected])
def enrol_options(request: Request, session: SessionDep, settings: SettingsDep, _: Public,
                  invitation: Annotated[str, Body(embed=True)]) -> JSONResponse:
    """A registration challenge for the invited address, bound to the invitation."""
    try:
        found = invitations.open_invitation(session, invitation)
    except MarketguardError as exc:
        return ceremony.refused(exc)
    options, secret = passkeys.registration_options(
        session, settings, ceremony.rp_of(request, settings), email=found.email,
        purpose=passkeys.ENROL, invitation_id=found.id)
    return ceremony.with_challenge(options, secret, request)


@router.post("/portal/enrol/verify", dependencies=[CsrfProtected])
def enrol_verify(request: Request, session: SessionDep, settings: SettingsDep, _: Public,
                 credential: Credential) -> JSONResponse:
    """Keep the first passkey, create the person, spend the invitation, sign them in."""
    try:
        challenge = passkeys.take_challenge(session, ceremony.challenge_secret(request),
                                            passkeys.ENROL)
        found = invitations.get_open(session, challenge.invitation_id)
        new = passkeys.verify_new(challenge, ceremony.rp_of(request, settings),
                                  credential=credential)
        person = invitations.accept(session, found)
        key = passkeys.keep(session, person, new)
    except MarketguardError as exc:
        return ceremony.refused(exc)
    session_id, secret = portal_sessions.start(session, person)
    principal = principal_of(person, session_id)
    audit.record(session, actor=principal.actor, action="passkey.enrol", object_type="passkey",
                 object_id=key.id, after={"person": person.id, "invitation": found.id,
                                          "name": key.name})
    response = ceremony.done(request, home_of(principal.role))
    ceremony.set_session_cookie(response, request, settings, secret)
    return response


# -- step-up ----------------------------------------------------------------------


@router.get("/portal/step-up")
def step_up_page(request: Request, signed_in: Anyone,
                 next: Annotated[str | None, Query()] = None) -> Response:  # noqa: A002
    """Ask for the passkey again before a sensitive action, then return to ``next``."""
    return render(request, "step_up.html", signed_in, title="Confirm it is you",
                  next=ceremony.safe_next(next, home_of(signed_in.person.role)))


@router.post("/portal/step-up/options", dependencies=[CsrfProtected])
def step_up_options(request: Request, session: SessionDep, settings: SettingsDep,
                    signed_in: Anyone) -> JSONResponse:
    """An assertion challenge for this session, limited to the person's own passkeys."""
    try:
        passkeys.check_not_limited(session, settings, ceremony.client_of(request))
    except MarketguardError as exc:
        return ceremony.refused(exc)
    options, secret = passkeys.authentication_options(
        session, ceremony.rp_of(request, settings), purpose=passkeys.STEP_UP,
        session_id=signed_in.session_id,
        allowed=passkeys.list_for(session, signed_in.person_id))
    return ceremony.with_challenge(options, secret, request)


@router.post("/portal/step-up/verify", dependencies=[CsrfProtected])
def step_up_verify(request: Request, session: SessionDep, settings: SettingsDep,
                   signed_in: Anyone, credential: Credential,
                   next: Annotated[str | None, Body()] = None,  # noqa: A002
                   ) -> JSONResponse:
    """Record a fresh assertion on this session (step-up) and return to ``next``."""
    client = ceremony.client_of(request)
    try:
        passkeys.check_not_limited(session, settings, client)
        challenge = passkeys.take_challenge(session, ceremony.challenge_secret(request),
                                            passkeys.STEP_UP)
        if challenge.session_id != signed_in.session_id:
            raise passkeys.CeremonyFailed("this confirmation was started in another session")
        asserted = passkeys.authenticate(session, challenge, ceremony.rp_of(request, settings),
                                         credential=credential)
        if asserted.person.id != signed_in.person_id:
            raise passkeys.CeremonyFailed("this passkey belongs to someone else")
    except passkeys.TooManyFailures as exc:
        return ceremony.refused(exc)
    except MarketguardError as exc:
        passkeys.record_failure(session, client, f"step-up: {exc.detail}")
        return ceremony.refused(exc)
    portal_sessions.mark_verified(session, signed_in.session_id)
    audit.record(session, actor=signed_in.person.actor, action="portal.step_up",
                 object_type="person", object_id=signed_in.person_id,
                 after={"passkey": asserted.passkey.id})
    return ceremony.done(request, ceremony.safe_next(next, home_of(signed_in.person.role)))

"""Request-scoped dependencies: settings, the unit of work, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from marketguard.api.writeturn import LoggedReadTurn, WriteTurn
from marketguard.config import Settings
from marketguard.uow import unit_of_work


def get_settings(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


def get_session(
    _turn: WriteTurn, settings: Annotated[Settings, Depends(get_settings)]
) -> Iterator[Session]:
    """One unit of work per request: commit when the route returns, roll back on error.

    A writing request first waits for a writer turn (see ``api.writeturn``).
    """
    with unit_of_work(settings) as session:
        yield session


def get_logged_read_session(
    _turn: LoggedReadTurn, settings: Annotated[Settings, Depends(get_settings)]
) -> Iterator[Session]:
    """Like :func:`get_session`, for a GET that writes a log row: it takes a writer turn."""
    with unit_of_work(settings) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit before the answer is sent, so a failed commit is an error
# answer rather than a success the client believes in.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
LoggedReadSessionDep = Annotated[Session, Depends(get_logged_read_session, scope="function")]

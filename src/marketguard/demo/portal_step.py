"""Demo step: invite a brand's agent to the portal and say how to open it.

The enrolment link is real and single-use: serve the demo database and open it
in a browser with a passkey (Touch ID, Windows Hello, a phone, or Chromium's
virtual authenticator) to sign in as the agent.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sqlalchemy import select

from marketguard.auth import invitations
from marketguard.auth.roles import cli_principal
from marketguard.brands.models import Brand
from marketguard.uow import unit_of_work

if TYPE_CHECKING:
    from marketguard.demo.run import DemoContext

AGENT_EMAIL = "agent@{slug}.example"


def run_portal(ctx: DemoContext) -> None:
    """Print a one-time enrolment URL for the first brand's agent and how to serve the portal."""
    with unit_of_work(ctx.settings) as session:
        brand = session.scalars(select(Brand).order_by(Brand.name)).first()
        if brand is None:
            ctx.console.print("no brand was imported: nobody to invite")
            return
        slug = "".join(c for c in brand.name.lower() if c.isalnum()) or "brand"
        issued = invitations.invite(
            session, actor=cli_principal("demo"), settings=ctx.settings,
            email=AGENT_EMAIL.format(slug=slug), role="rights_holder", brand_id=brand.id,
        )
        name, url = brand.name, issued.url
    rel = os.path.relpath(ctx.folder / "demo.db")
    say = ctx.console.print
    say(f"{name}'s agent is invited to the portal. The one-time enrolment link (24 hours):")
    say(url, soft_wrap=True, highlight=False)  # one line, so it can be copied whole
    say("Serve the demo database, open that link in a browser and press [bold]Create "
        "passkey[/bold]:")
    say(f"  MARKETGUARD_DATABASE_URL=sqlite:///{rel} .venv/bin/marketguard serve",
        soft_wrap=True, highlight=False)
    say("Invite others the same way: .venv/bin/marketguard user invite --email E --role R "
        "[--brand B] [--seller S]  (docs/portal.md)", soft_wrap=True, highlight=False)

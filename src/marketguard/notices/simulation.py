"""A simulated month of notice and takedown over a simulated marketplace.

Rights holders file notices on listings they suspect (each brand with its own
accuracy; one is careless and ends up sanctioned), a reviewer decides them
after a realistic delay (a few late), sellers appeal takedowns (mostly those of
genuine goods, which win), rights holders answer, the platform makes test buys,
and the clock sweep runs hourly. Every step goes through the real services with
simulated times, so the transparency report of the month reads true figures.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from marketguard.auth.roles import Principal, Role
from marketguard.brands import service as brands_service
from marketguard.errors import MarketguardError
from marketguard.notices import appeals, clock, intake, service, testbuys
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS, NoticeSettings

REVIEWER = Principal(token_id="sim-reviewer", name="simulated reviewer", role=Role.reviewer)
# Appeals go to someone who did not take the decision, as the statement promises.
APPEALS_REVIEWER = Principal(token_id="sim-appeals", name="simulated appeals reviewer",
                             role=Role.reviewer)
PLATFORM = Principal(token_id="sim-platform", name="simulated platform",
                     role=Role.platform_admin)
HOUR = timedelta(hours=1)


@dataclass
class SimulatedMonth:
    """What the simulated month did (the transparency report has the figures)."""

    notices: int = 0
    listings: int = 0
    refused_notices: int = 0
    takedowns: int = 0
    rejections: int = 0
    manifestly_unfounded: int = 0
    appeals: int = 0
    test_buys: int = 0
    fast_lane_notices: int = 0
    brands: dict[str, str] = field(default_factory=dict)  # brand id -> profile


@dataclass
class _Brand:
    id: str
    right_id: str
    agent: Principal
    precision: float  # share of its notices that target real counterfeits
    unfounded_rate: float  # share of its bad notices a reviewer finds manifestly unfounded
    candidates: list[str]


class _Month:
    def __init__(self, session: Session, rng: random.Random, truth: set[str],
                 settings: NoticeSettings) -> None:
        self.session, self.rng, self.truth, self.settings = session, rng, truth, settings
        self.queue: list[tuple[datetime, int, Callable[[datetime], object]]] = []
        self.seq = 0
        self.summary = SimulatedMonth()

    def at(self, moment: datetime, action: Callable[[datetime], object]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (moment, self.seq, action))

    def run(self, until: datetime) -> None:
        while self.queue and self.queue[0][0] < until:
            moment, _, action = heapq.heappop(self.queue)
            try:
                action(moment)
            except MarketguardError:
                # Refusals come before any write (a listing went down meanwhile, a
                # notifier is suspended): the month goes on.
                pass

    def file(self, brand: _Brand, moment: datetime) -> None:
        waiting = intake.open_notices(self.session, brand_id=brand.id,
                                      listing_ids=set(brand.candidates))
        live = [lid for lid in self._live(brand.candidates) if lid not in waiting]
        good = [lid for lid in live if lid in self.truth]
        bad = [lid for lid in live if lid not in self.truth]
        size = self.rng.choice((1, 1, 1, 2, 3))
        chosen: list[str] = []
        for _ in range(size):
            # A brand notices a fake with its precision, else mistakes a genuine listing;
            # with nothing of that kind left it sends nothing (no forced mistakes).
            pool = good if self.rng.random() < brand.precision else bad
            pool = [lid for lid in pool if lid not in chosen]
            if pool:
                chosen.append(self.rng.choice(pool))
        if not chosen:
            return
        try:
            notice = service.file_notice(
                self.session, actor=brand.agent, now=moment, settings=self.settings,
                submission=intake.Submission(
                    right_id=brand.right_id, listings=chosen, good_faith=True,
                    explanation="The listing offers counterfeit goods bearing our registered "
                    "mark; photos and price match known fakes.",
                    notifier_name="Brand protection team",
                    notifier_email="brand-protection@example.com"))
        except MarketguardError:
            self.summary.refused_notices += 1
            raise
        self.summary.notices += 1
        self.summary.listings += len(chosen)
        if notice.fast_lane:
            self.summary.fast_lane_notices += 1
            for item in service.items_of(self.session, notice.id):
                self._maybe_appeal(item.listing_id, item.seller_id, moment)
            return
        late = self.rng.random() < 0.06
        delay = HOUR * (self.rng.uniform(25, 40) if late else self.rng.uniform(0.5, 20))
        self.at(moment + delay, lambda when: self.decide(brand, notice.id, when))

    def decide(self, brand: _Brand, notice_id: str, moment: datetime) -> None:
        for item in service.items_of(self.session, notice_id):
            if item.status != "pending":
                continue
            counterfeit = item.listing_id in self.truth
            correct = self.rng.random() < 0.96
            takedown = counterfeit == correct
            unfounded = not takedown and not counterfeit and (
                self.rng.random() < brand.unfounded_rate)
            service.decide(
                self.session, actor=REVIEWER, notice_id=notice_id, listing_id=item.listing_id,
                outcome="takedown" if takedown else "reject", manifestly_unfounded=unfounded,
                reason="Counterfeit: logo, model number and price match known fakes."
                if takedown else "No infringement shown: the goods appear genuine.",
                now=moment, settings=self.settings)
            if takedown:
                self.summary.takedowns += 1
                self._maybe_appeal(item.listing_id, item.seller_id, moment)
            else:
                self.summary.rejections += 1
                self.summary.manifestly_unfounded += int(unfounded)

    def _maybe_appeal(self, listing_id: str, seller_id: str, moment: datetime) -> None:
        genuine = listing_id not in self.truth
        if self.rng.random() < (0.85 if genuine else 0.1):
            when = moment + HOUR * self.rng.uniform(2, 72)
            self.at(when, lambda t: self.appeal(listing_id, seller_id, genuine, t))

    def appeal(self, listing_id: str, seller_id: str, genuine: bool, moment: datetime) -> None:
        seller = Principal(token_id=f"sim-{seller_id}", name=seller_id, role=Role.seller,
                           seller_id=seller_id)
        appeal = appeals.file_appeal(
            self.session, actor=seller, listing_id=listing_id, now=moment, settings=self.settings,
            explanation="These are genuine goods bought from an authorised distributor.",
            evidence=[{"description": "Distributor invoice"}])
        self.summary.appeals += 1
        if appeal.brand_id is not None:
            agent = Principal(token_id="sim-brand", name="brand", role=Role.rights_holder,
                              brand_id=appeal.brand_id)
            self.at(moment + HOUR * self.rng.uniform(4, 60), lambda t: appeals.answer_appeal(
                self.session, actor=agent, appeal_id=appeal.id, now=t,
                position="withdraw" if genuine else "maintain",
                explanation="Invoice verified." if genuine else "Test buy showed a fake."))
        self.at(moment + HOUR * self.rng.uniform(70, 100), lambda t: appeals.decide_appeal(
            self.session, actor=APPEALS_REVIEWER, appeal_id=appeal.id, now=t,
            settings=self.settings,
            outcome="reinstate" if genuine else "uphold",
            reason="Genuine origin shown." if genuine else "No evidence of genuine origin."))

    def test_buy(self, brand: _Brand, moment: datetime) -> None:
        live = [lid for lid in self._live(brand.candidates) if lid in self.truth]
        if not live:
            return
        buy = testbuys.record_test_buy(
            self.session, actor=PLATFORM, listing_id=self.rng.choice(live), brand_id=brand.id,
            purchased_on=(moment - timedelta(days=3)).date(), result="counterfeit", now=moment,
            evidence=[{"description": "Expert report: counterfeit stitching and logo"}])
        testbuys.confirm_test_buy(self.session, actor=PLATFORM, test_buy_id=buy.id, now=moment,
                                  reason="Expert report", settings=self.settings)
        self.summary.test_buys += 1

    def _live(self, listing_ids: list[str]) -> list[str]:
        found = intake.load_listings(self.session, set(listing_ids))
        return sorted(lid for lid, row in found.items() if row.status in ("live", "held"))


def _brands(session: Session, rng: random.Random, brand_ids: list[str],
            listing_ids_by_brand: dict[str, list[str]], now: datetime) -> list[_Brand]:
    out = []
    for index, brand_id in enumerate(sorted(brand_ids)):
        rights = brands_service.rights_of(session, [brand_id])[brand_id]
        for right in rights:  # the platform verifies the rights brands registered
            if right.verification == "pending":
                brands_service.verify_right(session, actor=PLATFORM, right_id=right.id,
                                            status="verified", reason="registry checked")
        usable = [r for r in rights if r.verification == "verified"
                  and (r.valid_until is None or r.valid_until >= now.date())]
        if not usable or not listing_ids_by_brand.get(brand_id):
            continue
        careless = index == 0 and len(brand_ids) > 1
        out.append(_Brand(
            id=brand_id, right_id=usable[0].id,
            agent=Principal(token_id=f"sim-{brand_id}", name=f"{brand_id} agent",
                            role=Role.rights_holder, brand_id=brand_id),
            precision=0.45 if careless else rng.uniform(0.97, 1.0),
            unfounded_rate=0.6 if careless else 0.0,
            candidates=sorted(listing_ids_by_brand[brand_id]),
        ))
    return out


def run_simulated_notices(
    session: Session,
    *,
    brand_ids: list[str],
    listing_ids_by_brand: dict[str, list[str]],
    counterfeit_truth: set[str],
    start: datetime,
    days: int,
    rng_seed: int,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
    notices_per_brand_day: float = 2.0,
    progress: Callable[[int, int], Any] | None = None,
) -> SimulatedMonth:
    """File, decide and appeal a month of notices with simulated times; return a summary.

    ``listing_ids_by_brand``: the listings each brand suspects (counterfeit or not);
    ``counterfeit_truth``: which listings really are counterfeit (the simulation's
    ground truth, used only to play the parties). The caller commits.
    """
    rng = random.Random(rng_seed)
    month = _Month(session, rng, counterfeit_truth, settings)
    brands = _brands(session, rng, brand_ids, listing_ids_by_brand, start)
    month.summary.brands = {
        b.id: "careless" if b.unfounded_rate else f"accurate ({b.precision:.0%})" for b in brands
    }
    end = start + timedelta(days=days)
    for day in range(days):
        base = start + timedelta(days=day)
        for brand in brands:
            count = int(notices_per_brand_day) + int(rng.random() < notices_per_brand_day % 1)
            for _ in range(count):
                when = base + timedelta(seconds=rng.uniform(0, 86_400))
                month.at(when, lambda t, b=brand: month.file(b, t))  # type: ignore[misc]
            if rng.random() < 0.1:
                when = base + timedelta(seconds=rng.uniform(0, 86_400))
                month.at(when, lambda t, b=brand: month.test_buy(b, t))  # type: ignore[misc]
        for hour in range(24):
            month.at(base + hour * HOUR + timedelta(minutes=59),
                     lambda t: clock.sweep(session, now=t, settings=settings))
    for day in range(days):
        month.run(start + timedelta(days=day + 1))
        if progress is not None:
            progress(day + 1, days)
    month.run(end)
    return month.summary

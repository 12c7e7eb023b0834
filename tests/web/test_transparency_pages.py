"""``/transparency``: the public report with SVG charts and their table alternatives."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from marketguard.config import Settings
from marketguard.web.charts import BAR_WIDTH, Bar, bar_chart
from tests.factories import portal_cookie, seed_marketplace
from tests.web.staff_world import restrict

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> None:
    seed_marketplace(settings, tmp_path)
    restrict(settings, "L-1")
    restrict(settings, "L-3")


def test_anyone_reads_the_report_with_charts_and_tables_that_agree_with_the_api(
    client: TestClient, world: None
) -> None:
    page = client.get("/transparency")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count("<h1>") == 1 and "Sign out" not in page.text
    charts = re.findall(r"<svg .*?</svg>", page.text, flags=re.S)
    assert len(charts) == 5
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.get("role") == "img" and root.find(f"{SVG}title") is not None
    start, end = re.search(r'name="from" value="([^"]+)"', page.text), re.search(
        r'name="to" value="([^"]+)"', page.text)
    assert start and end
    api = client.get(f"/api/v1/reports/transparency?from={start[1]}&to={end[1]}").json()
    assert api["takedowns_proactive"] == 2  # reviewer takedowns count as proactive
    assert re.search(r"Proactive \(found by us\)</th><td>2</td>", page.text)


def test_a_signed_in_person_keeps_their_navigation_on_the_report(
    client: TestClient, settings: Settings, world: None
) -> None:
    client.cookies.update(portal_cookie(settings, "seller", seller_id="S-0001"))
    page = client.get("/transparency")
    assert page.status_code == 200 and "Sign out" in page.text


def test_a_chosen_period_is_reported(client: TestClient, world: None) -> None:
    page = client.get("/transparency?from=2020-01-01&to=2020-01-31")
    assert page.status_code == 200
    assert "from 2020-01-01 to 2020-01-31" in page.text
    assert "Proactive (found by us)</th><td>0</td>" in page.text


@pytest.mark.parametrize(("query", "message"), [
    ("from=yesterday", "not a date"),
    ("from=2026-02-01&to=2026-01-01", "end must come after its start"),
])
def test_a_bad_period_is_explained_on_the_page(
    client: TestClient, world: None, query: str, message: str
) -> None:
    page = client.get(f"/transparency?{query}")
    assert page.status_code == 422
    assert 'role="alert"' in page.text and message in page.text and "<svg" not in page.text


LABELS = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    max_size=40,
).filter(lambda s: s == s.strip())


@given(st.lists(st.tuples(LABELS, st.integers(-5, 10**9)), max_size=8))
def test_a_chart_is_well_formed_svg_whatever_its_labels_and_values(
    bars: list[tuple[str, int]]
) -> None:
    chart = bar_chart("c", "Title <&>", [Bar(label, value, str(value)) for label, value in bars])
    root = ET.fromstring(str(chart))  # parses: every label is escaped
    assert root.find(f"{SVG}title").text == "Title <&>"  # type: ignore[union-attr]
    widths = [float(r.get("width", "0")) for r in root.iter(f"{SVG}rect")]
    assert len(widths) == len(bars)
    assert all(0 <= w <= BAR_WIDTH for w in widths)
    labels = [t.text or "" for t in root.iter(f"{SVG}text")][::2]
    assert labels == [label for label, _ in bars]


def test_characters_xml_forbids_are_dropped_from_a_chart() -> None:
    chart = bar_chart("c", "a\x08b", [Bar("x\x00y\x1f", 1, "1")])
    root = ET.fromstring(str(chart))
    assert root.find(f"{SVG}title").text == "ab"  # type: ignore[union-attr]
    assert [t.text for t in root.iter(f"{SVG}text")][0] == "xy"

"""Case indicators and their hits, the links between devices, the artifacts export and the
summary, through the service functions and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthtrace.artifacts.indicators import (
    guess_kind,
    import_indicators,
    indicator_pass,
    list_indicators,
)
from synthtrace.artifacts.links import device_links, pair_summaries
from synthtrace.case import Case, create_case
from synthtrace.scan.service import scan_evidence
from synthtrace.summary import case_summary
from tests.artifacts.devices import BTC_MISTYPED, INDICATORS, MONERO, USER
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def linked_case_dir(
    tmp_path_factory: pytest.TempPathFactory, trace_devices: list[tuple[str, Path]]
) -> Path:
    """The three devices in a case of this module's own (its tests import indicators)."""
    root = tmp_path_factory.mktemp("linked") / "case"
    with create_case(root, name="linked", examiner="tester") as case:
        for label, path in trace_devices:
            scan_evidence(case, path, label, workers=0)
    return root


@pytest.fixture
def linked(linked_case_dir: Path) -> Iterator[Case]:
    from synthtrace.case import open_case

    with open_case(linked_case_dir) as case:
        yield case


def test_kinds_told_from_the_shape() -> None:
    assert guess_kind("platform.invalid") == "domain"
    assert guess_kind("https://platform.invalid/x") == "url"
    assert guess_kind("bo@example.net") == "email"
    assert guess_kind(MONERO) == "wallet"
    assert guess_kind(USER) == "username"
    assert guess_kind(BTC_MISTYPED) == "username"  # not a valid address: just a name


def test_import_and_hits_per_device(linked: Case, tmp_path: Path) -> None:
    listing = tmp_path / "indicators.txt"
    listing.write_text(INDICATORS)
    report = import_indicators(linked, listing, name="platform list")
    assert report.added == 5 and report.bad == 1
    assert report.by_kind == {"domain": 1, "username": 1, "wallet": 1, "url": 1, "email": 1}
    assert report.problems == ["line 7: 'https://': not an http(s) or ftp URL"]
    assert report.passes and "hits" in report.passes[0]
    again = import_indicators(linked, listing, name="platform list")
    assert again.added == 0 and again.duplicates == 5
    rows = {(r.kind, r.value): (r.hits, r.devices) for r in list_indicators(linked)}
    assert rows[("domain", "platform.invalid")] == (10, 2)  # 6 on laptop-A, 4 on macbook-B
    assert rows[("username", USER)] == (2, 2)  # "NightOwl" on macbook-B: case does not matter
    assert rows[("wallet", MONERO)] == (2, 2)
    assert rows[("url", "https://cdn.platform.invalid/f/")] == (2, 2)
    assert rows[("email", "bo@example.net")] == (0, 0)
    indicator_pass(linked)  # rebuilt, not doubled
    assert {(r.kind, r.value): (r.hits, r.devices) for r in list_indicators(linked)} == rows


def test_csv_indicators_with_a_kind_column(linked: Case, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(
        "kind,value,note\n"
        f"wallet,{BTC_MISTYPED},mistyped on purpose\n"
        "domain,Example.COM.,forum\n"
        "colour,red,\n"
    )
    report = import_indicators(linked, listing)
    assert report.added == 1 and report.bad == 2
    assert "its checksum does not hold" in report.problems[0]
    assert "unknown kind 'colour'" in report.problems[1]
    rows = {(r.kind, r.value): r for r in list_indicators(linked)}
    assert rows[("domain", "example.com")].note == "forum"
    assert rows[("domain", "example.com")].devices == 2  # laptop-A's Firefox, phone-C's Brave


def test_links_between_devices(linked: Case) -> None:
    links = {(k.devices, k.via, k.value): k.count for k in device_links(linked)}
    assert links[(("laptop-A", "macbook-B"), "wallet", MONERO)] == 2
    assert links[(("laptop-A", "macbook-B"), "login", f"{USER} @ platform.invalid")] == 2
    assert links[(("laptop-A", "macbook-B"), "domain", "platform.invalid")] == 7
    assert links[(("laptop-A", "macbook-B"), "domain", "example.org")] == 2
    assert links[(("laptop-A", "phone-C"), "domain", "example.com")] == 5
    assert any(via == "cluster" for (_, via, _) in links)  # the recompressed hills photo
    # google.com is on the list of common domains: no link through it.
    assert not any(value == "google.com" for (_, _, value) in links)
    strongest = pair_summaries(device_links(linked))[0]
    assert strongest.devices == ("laptop-A", "macbook-B")
    assert strongest.strongest_via == "wallet"
    only = device_links(linked, via=["login"])
    assert {k.via for k in only} == {"login"}


def test_links_command_json_and_table(linked_case_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    code, output = run_cli(runner, "links", str(linked_case_dir), "--format", "json")
    assert code == 0
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {"devices": ["laptop-A", "macbook-B"], "via": "wallet", "value": MONERO, "count": 2} in (
        lines
    )
    assert all(set(line) == {"devices", "via", "value", "count"} for line in lines)
    code, output = run_cli(runner, "links", str(linked_case_dir), "--via", "domain")
    assert code == 0 and "example.org" in output and MONERO not in output
    code, output = run_cli(runner, "links", str(linked_case_dir), "--via", "gossip")
    assert code == 2 and "unknown link kind" in output
    # The case's own list of common domains: example.org becomes common, google.com does not.
    common = tmp_path / "common.txt"
    common.write_text("# ours\nwww.example.org\n")
    code, output = run_cli(
        runner, "links", str(linked_case_dir), "--via", "domain", "--common-domains", str(common)
    )
    assert code == 0 and "example.org" not in output and "google.com" not in output
    common.write_text("# back to the usual\ngoogle.com\n")
    run_cli(runner, "links", str(linked_case_dir), "--common-domains", str(common))


def test_indicators_command(linked_case_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "more.txt"
    listing.write_text("explorer.example.com\nhttps://\n")
    code, output = run_cli(CliRunner(), "indicators", "import", str(linked_case_dir), str(listing))
    assert code == 0 and "1 new indicators" in output and "1 bad lines" in output
    code, output = run_cli(CliRunner(), "indicators", "list", str(linked_case_dir))
    assert code == 0 and "explorer.example.com" in output
    missing = tmp_path / "nope.txt"
    code, output = run_cli(CliRunner(), "indicators", "import", str(linked_case_dir), str(missing))
    assert code == 2 and "cannot read" in output


def test_artifacts_export_through_the_cli(linked_case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "artifacts.jsonl"
    code, _ = run_cli(
        CliRunner(), "export", str(linked_case_dir), "--format", "artifacts", "-o", str(out)
    )
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = {r["kind"] for r in records}
    assert kinds >= {"visit", "download", "login", "wallet"}
    assert list(records[0])[:12] == [
        "evidence",
        "source",
        "kind",
        "browser",
        "url",
        "title",
        "time",
        "username",
        "value",
        "currency",
        "target_path",
        "file",
    ]
    assert all(r["time"] is None or r["time"].endswith("Z") for r in records)
    # Two exports of the same case are identical.
    again = tmp_path / "again.jsonl"
    run_cli(CliRunner(), "export", str(linked_case_dir), "--format", "artifacts", "-o", str(again))
    assert again.read_text() == out.read_text()


def test_summary_lists_web_activity_and_strongest_links(linked: Case) -> None:
    sections = {s.title.split(":")[0]: s for s in case_summary(linked).sections}
    activity = sections["Web activity and wallets per device"]
    rows = {row[0]: row for row in activity.rows}
    assert rows["laptop-A"][1:6] == ["8", "2", "2", "2", "3"]
    assert rows["phone-C"][1] == "1"
    links = sections["Links between devices"]
    assert links.rows[0][0] == "laptop-A - macbook-B"
    assert "1 wallet" in links.rows[0][2] and MONERO in links.rows[0][3]

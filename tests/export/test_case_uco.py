"""CASE/UCO export: `case_validate` (case-utils) accepts it, and the graph says what the case holds:
files with their hashes and containment, devices, actions with tool and performer, provenance
records, categories and matches as annotations."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from sqlalchemy import select

from synthtrace import __version__
from synthtrace.case import Case
from synthtrace.categories import categorise
from synthtrace.export.service import export_case
from synthtrace.match.importer import import_hashset
from synthtrace.store.models import Media
from tests.builders import write, zip_bytes
from tests.conftest import records
from tests.match.conftest import Device, digests, scan, vics_media

PREFIXES = """
PREFIX uco-core: <https://ontology.unifiedcyberontology.org/uco/core/>
PREFIX uco-observable: <https://ontology.unifiedcyberontology.org/uco/observable/>
PREFIX uco-types: <https://ontology.unifiedcyberontology.org/uco/types/>
PREFIX uco-action: <https://ontology.unifiedcyberontology.org/uco/action/>
PREFIX uco-tool: <https://ontology.unifiedcyberontology.org/uco/tool/>
PREFIX case-investigation: <https://ontology.caseontology.org/case/investigation/>
"""


def _case_validate() -> str:
    beside = Path(sys.executable).parent / "case_validate"
    found = str(beside) if beside.exists() else shutil.which("case_validate")
    assert found, "case_validate (pip package case-utils, in the dev extra) is not installed"
    return found


@pytest.fixture
def exported(case: Case, tmp_path: Path) -> tuple[Case, Device, Path]:
    """A device with an archive, a hash-list match, a list category and a reviewer's category."""
    dev = Device(tmp_path / "evidence" / "laptop")
    write(dev.root / "Downloads" / "shared.zip", zip_bytes({"inner/cat copy.jpg": dev.cat}))
    scan(case, dev.root, "laptop")
    listed = tmp_path / "vic.json"
    listed.write_text(vics_media([{"MD5": digests(dev.cat)["md5"], "Category": 1}]))
    import_hashset(case, listed, "agency list")
    with case.sessions() as s:
        coffee = s.scalars(select(Media.id).where(Media.sha256 == digests(dev.coffee)["sha256"]))
        categorise(case, [coffee.one()], "3", user="alice")
    out = io.StringIO()
    n = export_case(case, "case-uco", out, destination="memory")
    assert n == len(records(case))
    path = tmp_path / "case.jsonld"
    path.write_text(out.getvalue())
    return case, dev, path


def test_case_validate_accepts_it(exported: tuple[Case, Device, Path]) -> None:
    _, _, path = exported
    result = subprocess.run(
        [_case_validate(), str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Conforms: True" in result.stdout


def _rows(g: Graph, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in g.query(PREFIXES + query)]  # type: ignore[union-attr]


def test_graph_content(exported: tuple[Case, Device, Path]) -> None:
    case, dev, path = exported
    g = Graph()
    g.parse(path, format="json-ld")
    files = _rows(
        g,
        """SELECT ?path ?md5 WHERE {
            ?f a uco-observable:File ; uco-core:hasFacet ?ff .
            ?ff uco-observable:filePath ?path .
            ?within uco-core:source ?f ; uco-core:kindOfRelationship "Contained_Within" .
            OPTIONAL { ?f uco-core:hasFacet ?cd . ?cd uco-observable:hash ?h .
                       ?h uco-types:hashMethod "MD5" ; uco-types:hashValue ?md5 }
        }""",
    )
    by_path = dict(files)
    assert len(by_path) == len(files)  # one File per location
    assert set(by_path) == {str(r["path"]) for r in records(case)}
    cat_md5 = digests(dev.cat)["md5"]
    assert by_path["Pictures/cat.jpg"] == by_path["Downloads/shared.zip!/inner/cat copy.jpg"]
    assert by_path["Pictures/cat.jpg"].lower() == cat_md5
    within = dict(
        _rows(
            g,
            """SELECT ?path ?target WHERE {
                ?r a uco-observable:ObservableRelationship ;
                   uco-core:kindOfRelationship "Contained_Within" ;
                   uco-core:source ?f ; uco-core:target ?t .
                ?f uco-core:hasFacet ?ff . ?ff uco-observable:filePath ?path .
                ?t uco-core:name ?target }""",
        )
    )
    assert within["Downloads/shared.zip!/inner/cat copy.jpg"] == "laptop: Downloads/shared.zip"
    assert within["Pictures/cat.jpg"] == "laptop"  # the device
    actions = _rows(
        g,
        """SELECT ?name ?tool ?version ?who WHERE {
            ?a a case-investigation:InvestigativeAction ; uco-core:name ?name ;
               uco-action:instrument ?t ; uco-action:performer ?p ; uco-action:result ?r .
            ?t uco-core:name ?tool ; uco-tool:version ?version .
            ?p uco-core:name ?who .
            ?r a case-investigation:ProvenanceRecord }""",
    )
    names = {name for name, *_ in actions}
    assert names == {"scan of laptop", "import of hash list agency list", "categorisation by alice"}
    assert {(tool, version) for _, tool, version, _ in actions} == {("synthtrace", __version__)}
    assert ("categorisation by alice", "synthtrace", __version__, "alice") in actions
    # Provenance: the scan's record holds every file; the list's and the reviewer's hold their
    # annotations, which are on the right files.
    (scanned,) = _rows(
        g,
        """SELECT (COUNT(?f) AS ?n) WHERE {
            ?a uco-core:name "scan of laptop" ; uco-action:result ?r .
            ?r uco-core:object ?f . ?f a uco-observable:File }""",
    )
    assert int(scanned[0]) == len(records(case))
    notes = _rows(
        g,
        """SELECT ?action ?statement ?path WHERE {
            ?a uco-core:name ?action ; uco-action:result ?r .
            ?r uco-core:object ?n . ?n a uco-core:Annotation ; uco-core:statement ?statement ;
               uco-core:object ?f .
            ?f uco-core:hasFacet ?ff . ?ff uco-observable:filePath ?path }""",
    )
    listed = {(s, p) for a, s, p in notes if a == "import of hash list agency list"}
    assert {p for _, p in listed} == {
        "Pictures/cat.jpg",
        "Downloads/shared.zip!/inner/cat copy.jpg",
    }
    assert any("matches hash list 'agency list'" in s for s, _ in listed)
    assert any(s.startswith("category 1 (Child abuse material)") for s, _ in listed)
    review = {(s, p) for a, s, p in notes if a == "categorisation by alice"}
    assert [p for _, p in review] == ["Pictures/coffee.png"]
    assert next(iter(review))[0].startswith("category 3 (CGI / animation)")
    examiner = _rows(
        g,
        """SELECT ?name WHERE { ?rel uco-core:kindOfRelationship "Has_Role" ;
               uco-core:source ?p ; uco-core:target ?role .
               ?p uco-core:name ?name . ?role a case-investigation:Examiner }""",
    )
    assert examiner == [("tester",)]


def test_export_repeats(exported: tuple[Case, Device, Path]) -> None:
    case, _, path = exported
    again = io.StringIO()
    export_case(case, "case-uco", again, destination="memory")
    assert again.getvalue() == path.read_text()

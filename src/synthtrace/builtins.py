"""The built-in plug-ins, listed once, in order.

Nothing registers itself by being imported: a capability is switched on by one line here, which is
where a reader finds everything that runs. Consumers import this module inside functions, so the
modules listed here may import the rest of synthtrace freely.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from synthtrace import triage
from synthtrace.analyze.models.analyzer import ModelAnalyzer
from synthtrace.artifacts import demo as artifact_demo
from synthtrace.artifacts import passes as artifact_passes
from synthtrace.artifacts import staging as artifact_staging
from synthtrace.artifacts import summary as artifact_summary
from synthtrace.artifacts.readers.chromium import ChromiumHistory, ChromiumLogins
from synthtrace.artifacts.readers.firefox import (
    FirefoxDownloadsLegacy,
    FirefoxLogins,
    FirefoxPlaces,
)
from synthtrace.artifacts.readers.safari import SafariDownloads, SafariHistory
from synthtrace.artifacts.wallet_analyzer import WalletAnalyzer
from synthtrace.evidence import sections as disk_sections
from synthtrace.match import demo as match_demo
from synthtrace.match import passes as match_passes
from synthtrace.match import records as match_records
from synthtrace.match import summary as match_summary
from synthtrace.provenance import links as provenance_links
from synthtrace.provenance import records as provenance_records
from synthtrace.provenance import summary as provenance_summary
from synthtrace.provenance.analyzer import ProvenanceAnalyzer
from synthtrace.video import demo as video_demo
from synthtrace.video import passes as video_passes
from synthtrace.video import records as video_records
from synthtrace.video.analyzer import VideoAnalyzer

if TYPE_CHECKING:
    from synthtrace.analyze.content import ContentAnalyzer
    from synthtrace.artifacts.readers.base import Reader
    from synthtrace.case import Case
    from synthtrace.export.records import RecordExtension
    from synthtrace.summary import SummarySection

# Per file, in the worker, after digests, type and image decoding (see analyze/content.py).
CONTENT_ANALYZERS: list[ContentAnalyzer] = [
    ProvenanceAnalyzer(),  # images: generation metadata, C2PA, watermark (key `provenance`)
    ModelAnalyzer(),  # model files and hash caches (key `model`)
    WalletAnalyzer(),  # text: checksum-valid crypto wallet addresses (key `wallets`)
    VideoAnalyzer(),  # videos, animated pictures: metadata, vPDQ, contact sheet (key `video`)
]

# Browser artifact readers, by the file names they take (see artifacts/readers/base.py): the
# walk stages those files (and their -wal) for the artifact pass.
ARTIFACT_READERS: list[Reader] = [
    ChromiumHistory(),  # Chrome, Edge, Brave, Opera, Vivaldi: History (visits, downloads)
    ChromiumLogins(),  # Login Data: site and user name (never the password)
    FirefoxPlaces(),  # places.sqlite: visits, downloads (annotations)
    FirefoxDownloadsLegacy(),  # downloads.sqlite (Firefox 3-25)
    FirefoxLogins(),  # logins.json: sites only (user names are encrypted, never decrypted)
    SafariHistory(),  # History.db
    SafariDownloads(),  # Downloads.plist
]

# Shown every file with content while the evidence is walked, in the scanning process (see
# evidence/walk.py): for the few files case passes read as bytes, not as stored facts.
WALK_TAPS: list[Callable[..., None]] = [
    artifact_staging.stage_entry,  # browser databases into the case's spool, for the pass
]

# Case-wide passes over stored facts, run after every scan and by their own commands; each returns
# a one-line report for the scan output (or None).
CasePass = Callable[["Case"], str | None]
CASE_PASSES: list[CasePass] = [
    video_passes.store_video_frames,  # first: matching and clusters read the frame hashes
    match_passes.match_hash_lists,  # hash lists first: clusters and the queue read matches
    match_passes.cluster_near_duplicates,
    video_passes.link_video_frames,  # pictures that are frames of a video
    provenance_links.link_models,  # images to the model files they name
    artifact_passes.extract_artifacts,  # browser databases staged by the walk, wallets, downloads
    artifact_passes.match_indicators,  # the case's indicators against every device's artifacts
    # The review queue reads what every pass before it wrote: keep it LAST.
    triage.rebuild,
]

# Keys added to export records, a batch of rows at a time (see export/records.py).
RECORD_EXTENSIONS: list[RecordExtension] = [
    match_records.add_match_keys,
    provenance_records.add_provenance_keys,
    video_records.add_video_keys,  # frame_of / frames_found: pictures that are video frames
]

# Tables added to the triage summary (see summary.py).
SUMMARY_SECTIONS: list[SummarySection] = [
    disk_sections.disk_images_section,
    disk_sections.downloads_section,
    match_summary.hash_list_section,
    match_summary.shared_clusters_section,
    provenance_summary.generated_section,
    provenance_summary.same_device_section,
    provenance_summary.lora_section,
    artifact_summary.web_activity_section,
    artifact_summary.strongest_links_section,
]

# Steps `synthtrace demo` runs after scanning the demo devices: (case folder, evidence folder).
DEMO_STEPS: list[Callable[[Path, Path], None]] = [
    match_demo.demo_hash_lists,
    artifact_demo.demo_indicators,  # the demo's case indicators (domain, user name, wallet)
    video_demo.demo_video_list,  # a partner agency's vPDQ list of the laptop's clip
]

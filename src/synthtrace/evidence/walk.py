"""Walking one evidence item: a folder, a single file or an archive, descending into archives.

The walk streams: it holds one directory listing per level and one archive member at a time, never
the list of all files. Links are recorded, never followed. A resumed scan tells the walk which files
are stored already (`skip_file`) and which archives were finished (`skip_container`).
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from synthtrace.errors import describe
from synthtrace.evidence.archives import ArchiveError
from synthtrace.evidence.containers import container_kind, container_note
from synthtrace.evidence.entry import DIRECTORY, FILE, SPECIAL, SYMLINK, ContainerFinished, Entry
from synthtrace.evidence.names import display_name
from synthtrace.evidence.reading import Budget, open_evidence
from synthtrace.limits import Limits
from synthtrace.timefmt import utc_from_ns

# Enough for every container signature (tar's magic sits at offset 257).
HEAD_BYTES = 8 * 1024
Item = Entry | ContainerFinished
Tap = Callable[[Entry, "WalkContext"], None]


def _never(_path: str) -> bool:
    return False


def _default_taps() -> list[Tap]:
    from synthtrace.builtins import WALK_TAPS

    return list(WALK_TAPS)


@dataclass
class WalkContext:
    limits: Limits
    spool_dir: Path
    skip_file: Callable[[str], bool] = _never
    skip_container: Callable[[str], bool] = _never
    # Expansion budgets of the archives being read, outermost first: a nested bomb is charged to
    # every archive around it.
    budgets: list[Budget] = field(default_factory=list)
    # Shown every file with content before it is yielded, or skipped on a resumed walk (the
    # artifact stager copies the few files case passes read as bytes: builtins.WALK_TAPS).
    taps: list[Tap] = field(default_factory=_default_taps)
    # Disk images: passwords or recovery keys for encrypted volumes, by dfvfs credential name
    # ("password", "recovery_password", "startup_key"); whether to carve unallocated space.
    credentials: dict[str, str] = field(default_factory=dict)
    carve: bool = True
    # Segment files (.E02, .002, ...) claimed by an image seen earlier in the walk: absolute path
    # -> (image address, segment number).
    segments: dict[bytes, tuple[str, int]] = field(default_factory=dict)


def walk_evidence(source: Path, ctx: WalkContext) -> Iterator[Item]:
    """Every file of the evidence at `source`, archive members included, in a stable order."""
    raw = os.fsencode(os.path.abspath(source))
    st = os.lstat(raw)
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_folder(raw, ctx)
    else:
        name = os.path.basename(raw)
        yield from _fs_entry(raw, name, st, ctx, root=os.path.dirname(raw))
        # An image given alone (`scan CASE tower.E01`): its other segments are evidence too.
        for segment in sorted(ctx.segments):
            try:
                seg_st = os.lstat(segment)
            except OSError:
                continue
            yield from _fs_entry(
                segment, os.path.basename(segment), seg_st, ctx, root=os.path.dirname(segment)
            )


def _timed(entry: Entry, st: os.stat_result) -> Entry:
    # st_ctime is the inode change time on POSIX, not a creation time; birth time is not portable.
    entry.mtime = utc_from_ns(st.st_mtime_ns)
    entry.atime = utc_from_ns(st.st_atime_ns)
    entry.ctime = utc_from_ns(st.st_ctime_ns)
    return entry


def _walk_folder(root: bytes, ctx: WalkContext) -> Iterator[Item]:
    stack: list[bytes] = [b""]
    while stack:
        rel_dir = stack.pop()
        abs_dir = os.path.join(root, rel_dir) if rel_dir else root
        try:
            with os.scandir(abs_dir) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            text, _ = display_name(rel_dir)
            yield Entry(
                path=text,
                kind=DIRECTORY,
                errors=[f"directory could not be listed: {exc.strerror or exc}"],
            )
            continue
        subdirs: list[bytes] = []
        for name in names:
            rel = os.path.join(rel_dir, name) if rel_dir else name
            full = os.path.join(root, rel)
            try:
                st = os.lstat(full)
            except OSError as exc:
                text, name_error = display_name(rel)
                errors = [e for e in (name_error, f"could not stat: {exc.strerror or exc}") if e]
                yield Entry(path=text, kind=FILE, errors=errors)
                continue
            if stat.S_ISDIR(st.st_mode):
                subdirs.append(rel)
                continue
            yield from _fs_entry(full, rel, st, ctx, root=root)
        stack.extend(reversed(subdirs))  # depth-first, in name order


def _link_errors(full: bytes) -> list[str]:
    try:
        os.stat(full)  # follows the link only to see whether it resolves; nothing is read
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return ["symbolic link loop; not followed"]
    return []


def _fs_entry(
    full: bytes, rel: bytes, st: os.stat_result, ctx: WalkContext, root: bytes
) -> Iterator[Item]:
    text, name_error = display_name(rel)
    errors = [name_error] if name_error else []
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(full)
        target_text, _ = display_name(target)
        if not ctx.skip_file(text):
            link = Entry(
                path=text,
                kind=SYMLINK,
                size=st.st_size,
                link_target=target_text,
                errors=errors + _link_errors(full),
            )
            yield _timed(link, st)
        return
    if not stat.S_ISREG(st.st_mode):
        if not ctx.skip_file(text):
            kind = stat.S_IFMT(st.st_mode)
            errors.append(f"special file (mode {kind:o}); not read")
            yield _timed(Entry(path=text, kind=SPECIAL, size=st.st_size, errors=errors), st)
        return
    entry = _timed(Entry(path=text, kind=FILE, size=st.st_size, errors=errors, fs_path=full), st)
    claimed = ctx.segments.pop(os.path.abspath(full), None)
    if claimed is not None:
        # Read as part of its image; its own record says which, and it is hashed as a file.
        entry.image = {"segment_of": claimed[0], "segment": claimed[1]}
        if not ctx.skip_file(text):
            yield entry
        return
    head = b""
    try:
        with open_evidence(full) as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        # Recorded by the analysis, which opens the file again and reports the same error.
        del exc
    yield from _with_members(entry, head, ctx)


def _open_content(entry: Entry) -> BinaryIO:
    if entry.data is not None:
        return io.BytesIO(entry.data)
    if entry.spool is not None:
        # Its own descriptor: closing it leaves the spool open for a record written after.
        return cast(BinaryIO, open(f"/proc/self/fd/{entry.spool.fileno()}", "rb"))
    assert entry.fs_path is not None
    return io.BufferedReader(open_evidence(entry.fs_path), buffer_size=1024 * 1024)


def _with_members(entry: Entry, head: bytes, ctx: WalkContext) -> Iterator[Item]:
    """Yield the entry, then, when it is an archive, everything inside it (a disk image's own
    record comes after its members, carrying what reading them found)."""
    kind = container_kind(head) if head else None
    if kind is None and head and (note := container_note(head)):
        entry.errors.append(note)
    if kind is not None and entry.depth >= ctx.limits.max_depth:
        entry.errors.append(
            f"archive nested deeper than the limit of {ctx.limits.max_depth}; "
            "its members were not read"
        )
        kind = None
    if kind is not None and kind.segments is not None and entry.fs_path is not None:
        for number, segment in enumerate(kind.segments(entry.fs_path), start=2):
            ctx.segments[segment] = (entry.path, number)
    if entry.has_content:
        for tap in ctx.taps:
            tap(entry, ctx)
    after = kind is not None and kind.record_after
    if not after and not ctx.skip_file(entry.path):
        yield entry
    if kind is None or ctx.skip_container(entry.path):
        if after and not ctx.skip_file(entry.path):
            yield entry
        _release(entry)
        return
    errors: list[str] = []
    budget = Budget(ctx.limits, compressed=entry.size if kind.budgeted else None)
    ctx.budgets.append(budget)
    try:
        try:
            with _open_content(entry) as stream:
                for member in kind.open(stream, entry, ctx):
                    member_head = _member_head(member)
                    yield from _with_members(member, member_head, ctx)
        except ArchiveError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(f"archive could not be read: {exc}")
        except Exception as exc:  # an opener's library failing on hostile input is its error
            errors.append(f"archive could not be read: {describe(exc)}")
        finally:
            ctx.budgets.pop()
        if after:
            entry.errors.extend(errors)
            errors = []
            if not ctx.skip_file(entry.path):
                yield entry
    finally:
        _release(entry)
    yield ContainerFinished(path=entry.path, errors=errors)


def _member_head(member: Entry) -> bytes:
    if member.kind != FILE:
        return b""
    if member.data is not None:
        return member.data[:HEAD_BYTES]
    if member.spool is not None:
        member.spool.seek(0)
        head = member.spool.read(HEAD_BYTES)
        member.spool.seek(0)
        return head
    return b""


def _release(entry: Entry) -> None:
    """Members are dropped once walked; a spool file is deleted on close."""
    if entry.spool is not None:
        entry.spool.close()
        entry.spool = None
    entry.data = None

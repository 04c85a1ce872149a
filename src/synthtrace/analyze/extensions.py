"""Which extensions each content type goes by, and what a file name's extension claims.

One table keyed by MIME type replaces a second libmagic call per file (libmagic's extension mode
costs as much as typing the content again). It starts from Python's built-in table only, never
/etc/mime.types, so the verdict is the same on every machine; the additions below cover the names
libmagic gives that Python's table lacks, camera raw formats (TIFF inside) and the extensions
cameras, phones and operating systems write for pictures and videos.
"""

from __future__ import annotations

import mimetypes
from functools import cache

_PYTHON = mimetypes.MimeTypes()  # the built-in map; filenames=() reads no system file


def _exts(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# MIME type (as libmagic names it) -> more of its own extensions.
EXTRA: dict[str, tuple[str, ...]] = {
    # pictures
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif", "jif", "jfi", "thm"),  # .thm: camera thumbnails
    "image/png": ("png", "apng"),  # libmagic names APNG image/png
    "image/apng": ("apng", "png"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "image/heic": ("heic", "heif", "hif"),
    "image/heif": ("heif", "heic", "hif"),
    "image/heic-sequence": ("heics", "heic", "heif"),
    "image/heif-sequence": ("heifs", "heif", "heic"),
    "image/avif": ("avif", "avifs"),
    "image/bmp": ("bmp", "dib"),
    "image/x-ms-bmp": ("bmp", "dib"),
    "image/vnd.microsoft.icon": ("ico", "cur"),
    "image/x-icon": ("ico", "cur"),
    "image/x-win-bitmap": ("cur", "ico"),
    # TIFF carries most camera raw formats, which libmagic often names image/tiff.
    "image/tiff": _exts(
        "tif tiff dng nef nrw cr2 arw srf sr2 orf pef rw2 raw srw 3fr erf mef mos dcr kdc iiq fff"
    ),
    "image/x-canon-cr2": ("cr2",),
    "image/x-canon-cr3": ("cr3",),
    "image/x-canon-crw": ("crw",),
    "image/x-nikon-nef": ("nef", "nrw"),
    "image/x-olympus-orf": ("orf",),
    "image/x-fuji-raf": ("raf",),
    "image/x-panasonic-rw2": ("rw2", "raw"),
    "image/x-sony-arw": ("arw",),
    "image/x-adobe-dng": ("dng",),
    "image/jp2": ("jp2", "jpg2", "jpf", "jpx", "j2k"),
    "image/jpx": ("jpx", "jpf", "jp2"),
    "image/jpm": ("jpm", "jpgm"),
    "image/x-jp2-codestream": ("j2c", "j2k", "jpc"),
    "image/jxl": ("jxl",),
    "image/x-tga": ("tga", "icb", "vda", "vst"),
    "image/x-pcx": ("pcx",),
    "image/x-qoi": ("qoi",),
    "image/vnd.adobe.photoshop": ("psd", "psb"),
    "image/x-xcf": ("xcf",),
    "image/x-exr": ("exr",),
    "image/svg+xml": ("svg", "svgz"),
    "image/x-portable-bitmap": ("pbm", "pnm"),
    "image/x-portable-greymap": ("pgm", "pnm"),
    "image/x-portable-pixmap": ("ppm", "pnm"),
    "image/x-portable-anymap": ("pnm", "pbm", "pgm", "ppm"),
    "image/x-portable-arbitrarymap": ("pam",),
    "image/vnd.djvu": ("djvu", "djv"),
    "image/x-dcx": ("dcx",),
    "image/vnd.ms-photo": ("jxr", "wdp", "hdp"),
    # videos
    "video/mp4": ("mp4", "m4v", "mp4v", "mpg4", "f4v", "lrv"),  # .lrv: action-camera previews
    "video/x-m4v": ("m4v", "mp4"),
    "video/quicktime": ("mov", "qt", "moov"),
    "video/x-matroska": ("mkv", "mk3d"),
    "video/webm": ("webm",),
    "video/x-msvideo": ("avi",),
    "video/3gpp": ("3gp", "3gpp", "3g2"),
    "video/3gpp2": ("3g2", "3gp2", "3gp"),
    "video/mp2t": ("ts", "m2ts", "mts", "m2t", "tod"),
    "video/mp2p": ("mpg", "mpeg", "vob", "mod"),
    "video/mpeg": ("mpg", "mpeg", "mpe", "m1v", "m2v", "vob", "mod"),
    "video/mpeg4-generic": ("mp4",),
    "video/x-ms-asf": ("asf", "wmv"),
    "video/x-ms-wmv": ("wmv", "asf"),
    "video/x-flv": ("flv",),
    "video/ogg": ("ogv", "ogg"),
    "video/x-ogm": ("ogm", "ogv"),
    "video/x-mng": ("mng",),
    "video/x-sgi-movie": ("movie",),
    "video/x-fli": ("fli", "flc"),
    "video/h264": ("h264", "264"),
    "video/x-ms-vob": ("vob",),
    "video/x-dv": ("dv",),
    "video/dv": ("dv",),
    # everything else whose names Python's table lacks
    "application/vnd.microsoft.portable-executable": _exts(
        "exe dll sys ocx cpl scr drv efi mui ax acm tlb node pyd winmd com msstyles mun"
    ),
    "application/x-dosexec": ("exe", "com", "dll", "sys", "drv", "ovl", "386"),
    "application/vnd.sqlite3": ("sqlite", "sqlite3", "db", "db3", "sdb", "sqlitedb"),
    "application/x-sqlite3": ("sqlite", "sqlite3", "db", "db3", "sdb", "sqlitedb"),
    "application/gzip": ("gz", "tgz", "gzip"),
    "application/x-gzip": ("gz", "tgz", "gzip"),
    "application/x-bzip2": ("bz2", "tbz2", "tbz", "bzip2"),
    "application/x-xz": ("xz", "txz"),
    "application/x-7z-compressed": ("7z",),
    # ZIP inside: libmagic names them application/zip when their first member does not say more.
    "application/zip": _exts(
        "zip zipx docx docm dotx xlsx xlsm xltx pptx pptm ppsx odt ods odp odg ott epub jar war "
        "ear apk aab ipa xpi kmz 3mf vsdx nupkg whl aar appx msix xps oxps cbz"
    ),
    "application/x-tar": ("tar",),
    "application/x-rar": ("rar",),
    "application/vnd.rar": ("rar",),
    "application/x-msi": ("msi", "msp", "msm"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _exts(
        "docx docm dotx dotm"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _exts("xlsx xlsm xltx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _exts(
        "pptx pptm ppsx potx"
    ),
    "application/vnd.oasis.opendocument.text": ("odt", "ott"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "ots"),
    "application/vnd.oasis.opendocument.presentation": ("odp", "otp"),
    "application/vnd.oasis.opendocument.graphics": ("odg", "otg"),
    "application/epub+zip": ("epub",),
    "application/java-archive": ("jar", "war", "ear"),
    "application/vnd.android.package-archive": ("apk",),
    "application/msword": ("doc", "dot"),
    "application/vnd.ms-excel": ("xls", "xlt"),
    "application/vnd.ms-powerpoint": ("ppt", "pps", "pot"),
    "application/x-ms-shortcut": ("lnk",),
    "application/x-bittorrent": ("torrent",),
    # OLE compound files (the old Office formats, Outlook items, installers, thumbs.db).
    "application/x-ole-storage": _exts("msi msp msm msg doc dot xls xlt ppt pps pub vsd db"),
    "application/CDFV2": _exts("msi msp msm msg doc dot xls xlt ppt pps pub vsd db"),
    "application/vnd.ms-outlook": ("msg",),
}

# Extensions of text formats whose names collide with a video type: `.ts` is TypeScript as often
# as an MPEG transport stream, and a text `.ts` is neither a mismatch nor a hidden video.
TEXT_ALIASES = {"ts": "text/x-typescript", "mts": "text/x-typescript"}

# Extensions many unrelated formats use: they are some types' own, but claim nothing.
GENERIC = frozenset({"db", "dat", "bin", "raw", "tmp", "mod", "cache"})

# An image format that is text inside.
_TEXTUAL_IMAGES = {"image/svg+xml"}

# Text-like types libmagic often reports as plain text: a `.csv` that is text is not a mismatch.
_TEXTUAL_APPLICATION = {
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-sh",
    "application/sql",
    "application/toml",
    "application/x-yaml",
    "application/yaml",
    "application/x-ndjson",
    "application/x-subrip",
}


def is_textual(mime: str) -> bool:
    return mime.startswith("text/") or mime in _TEXTUAL_APPLICATION or mime in _TEXTUAL_IMAGES


def is_picture_or_video(mime: str) -> bool:
    """Content whose hiding under another name is the classic concealment."""
    return (mime.startswith("image/") and mime not in _TEXTUAL_IMAGES) or mime.startswith("video/")


@cache
def own_extensions(mime: str) -> frozenset[str]:
    """The extensions a file of this content type normally has (lower case, no dot)."""
    exts = {e.lstrip(".").lower() for e in _PYTHON.guess_all_extensions(mime, strict=False)}
    exts.update(EXTRA.get(mime, ()))
    return frozenset(exts)


@cache
def _claims() -> dict[str, frozenset[str]]:
    claims: dict[str, set[str]] = {}
    for table in _PYTHON.types_map:
        for ext, mime in table.items():
            claims.setdefault(ext.lstrip(".").lower(), set()).add(mime)
    for mime, exts in EXTRA.items():
        for ext in exts:
            claims.setdefault(ext, set()).add(mime)
    for ext, mime in TEXT_ALIASES.items():
        claims.setdefault(ext, set()).add(mime)
    return {ext: frozenset(mimes) for ext, mimes in claims.items()}


def extension(name: str) -> str:
    """The last extension of a file name, lower case, or '' when it has none."""
    base = name.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return base.rsplit(".", 1)[1].lower()


def claimed_types(name: str) -> frozenset[str]:
    """Every content type the name's extension stands for (empty when it names none we know)."""
    ext = extension(name)
    if not ext or ext in GENERIC:
        return frozenset()
    return _claims().get(ext, frozenset())


def primary_type(ext: str) -> str | None:
    """The one type an extension first stands for (Python's table, then ours): for messages."""
    guessed, _ = _PYTHON.guess_type(f"x.{ext}", strict=False)
    if guessed is not None:
        return guessed
    return next((mime for mime, exts in EXTRA.items() if ext in exts), None)

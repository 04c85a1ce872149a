"""The video case passes as builtins lists them, importing their modules only when they run."""

from __future__ import annotations

from synthtrace.case import Case


def store_video_frames(case: Case) -> str | None:
    from synthtrace.video.store import video_store_pass

    return video_store_pass(case)


def link_video_frames(case: Case) -> str | None:
    from synthtrace.video.framelinks import frame_link_pass

    return frame_link_pass(case)

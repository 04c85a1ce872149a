"""The demo's videos (benign pans over scikit-image photos): a clip filmed on the laptop's camera,
its re-encoded, smaller copy on the phone with a screenshot of it, an AnimateDiff-style ComfyUI
clip naming the demo checkpoint and LoRA, and a partner agency's vPDQ list of the first clip. In
`make demo` they show vPDQ matching of a re-encoded copy, a cluster across devices, a still linked
to its video, and video provenance traced to the model files on the laptop."""

from __future__ import annotations

import json
import os
from pathlib import Path

from synthtrace.video.clips import Clip, Encoding, encode, reencode, still

FIXED_TIME = 1_700_000_000  # as the other demo files: stable times, so demo exports repeat
ORIGINAL = Clip(photo="coffee", seconds=8, fps=25, size=(480, 360))
CAMERA_TAGS = {
    "com.android.manufacturer": "Google",
    "com.android.model": "Pixel 7",
    "com.android.version": "14",
    "creation_time": "2023-07-04T18:31:00.000000Z",
    "location": "+48.8584+002.2945/",
}
# The demo checkpoint and LoRA (provenance/demo.py writes them on the laptop).
GRAPH = {
    "3": {
        "class_type": "KSampler",
        "inputs": {"seed": 1234567, "steps": 20, "cfg": 7.0, "sampler_name": "euler",
                   "model": ["12", 0], "positive": ["6", 0], "negative": ["7", 0],
                   "latent_image": ["5", 0]},
    },
    "4": {"class_type": "CheckpointLoaderSimple",
          "inputs": {"ckpt_name": "dreamvista_v3.safetensors"}},
    "12": {"class_type": "LoraLoader",
           "inputs": {"lora_name": "seaside_v2.safetensors", "strength_model": 0.8,
                      "model": ["4", 0], "clip": ["4", 1]}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 320, "height": 240}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse on a cliff at dusk"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "fog"}},
    "9": {"class_type": "ADE_AnimateDiffLoaderGen1", "inputs": {"model_name": "mm_sd_v15_v2.ckpt"}},
    "20": {"class_type": "VHS_VideoCombine", "inputs": {"frame_rate": 8, "images": ["8", 0]}},
}  # fmt: skip


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (FIXED_TIME, FIXED_TIME))
    return path


def add_video_samples(root: Path) -> None:
    """Write the demo videos into the demo devices under `root`."""
    import io

    laptop, phone = root / "laptop-A", root / "phone-B"
    original = encode(ORIGINAL, Encoding(tags=CAMERA_TAGS))
    _write(laptop / "Videos" / "PXL_20230704_183100.mp4", original)
    _write(phone / "Movies" / "received_clip.mp4", reencode(original, (320, 240), crf=32))
    shot = io.BytesIO()
    still(original, 3.0).save(shot, "JPEG", quality=85)
    _write(phone / "DCIM" / "Screenshot_clip.jpg", shot.getvalue())
    comment = json.dumps({"prompt": json.dumps(GRAPH), "workflow": {"nodes": [], "links": []}})
    generated = Clip(photo="rocket", seconds=2, fps=8, size=(320, 240))
    _write(
        laptop / "AI" / "outputs" / "video" / "AnimateDiff_00001.mp4",
        encode(generated, Encoding(tags={"comment": comment})),
    )


def build_video_list(evidence: Path, out: Path) -> Path:
    """A partner agency's vPDQ list of the laptop's clip, as vpdq writes it (never beside the
    evidence)."""
    from synthtrace.limits import Limits
    from synthtrace.video.budget import Budget
    from synthtrace.video.container import open_video
    from synthtrace.video.frames import hash_frames
    from synthtrace.video.vpdqfile import format_text

    clip = evidence / "laptop-A" / "Videos" / "PXL_20230704_183100.mp4"
    with clip.open("rb") as fh, open_video(fh, Limits()) as container:
        frames = hash_frames(container, container.streams.video[0], Budget(600)).hashes
    out.mkdir(parents=True, exist_ok=True)
    path = out / "partner-video-0042.vpdq.txt"
    path.write_text(format_text(frames))
    return path


def demo_video_list(case_dir: Path, evidence: Path) -> None:
    """DEMO_STEPS entry: import the partner's vPDQ list (matching runs after it)."""
    from synthtrace.case import open_case
    from synthtrace.match.importer import import_hashset

    listed = build_video_list(evidence, case_dir.parent / "hashlists")
    with open_case(case_dir) as case:
        import_hashset(case, listed, "Partner agency videos", user="demo")

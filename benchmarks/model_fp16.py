"""Carry a local encoder folder to another machine at half the size, and widen it back there.

The GPU machines this project borrows take at most 64 MiB of files per call; MiniLM's float32
weights are 87 MiB. ``pack`` writes the folder with its weights in float16 (44 MiB), ``unpack``
restores float32 weights beside the other files, so the folder loads as before (the weights
differ from the originals by float16 rounding, which moves F1 slightly; say so beside results).

    python benchmarks/model_fp16.py pack [MODEL_DIR] OUT_DIR      # default: the bundled MiniLM
    python benchmarks/model_fp16.py unpack PACKED_DIR MODEL_DIR   # on the other machine
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

PACKED = "model.fp16.safetensors"


def pack(src: Path, dst: Path) -> None:
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("model.safetensors", "README.md"))
    tensors = load_file(str(src / "model.safetensors"))
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in tensors.items()},
              str(dst / PACKED), metadata={"format": "pt"})


def unpack(src: Path, dst: Path) -> None:
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(PACKED))
    tensors = load_file(str(src / PACKED))
    save_file({k: (v.float() if v.is_floating_point() else v).contiguous() for k, v in tensors.items()},
              str(dst / "model.safetensors"), metadata={"format": "pt"})


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "pack":
        if len(argv) == 2:
            from tablefuse.runtime import default_model_dir

            pack(default_model_dir(), Path(argv[1]))
        else:
            pack(Path(argv[1]), Path(argv[2]))
    elif len(argv) == 3 and argv[0] == "unpack":
        unpack(Path(argv[1]), Path(argv[2]))
    else:
        print(__doc__)
        raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv[1:])

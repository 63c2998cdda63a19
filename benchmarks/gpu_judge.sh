#!/usr/bin/env bash
# Magellan judge benchmark on a GPU machine: every dataset x job runs as its own process (a fit's
# CPU work is single-threaded Python, the GPU is shared), one JSON per job, merged at the end into
# OUTDIR/judge_gpu.json plus one log. JOBS is a space-separated list; a job is one variant or a
# comma list run in one process ("ssacl,ssacl-unique": the second reuses the first's fit).
# Needs tablefuse importable and the data under ../shared/data/magellan.
# JOB_TIMEOUT (seconds, default 420) bounds each job; a job cut off leaves no record.
#   benchmarks/gpu_judge.sh OUTDIR [JOBS] [DATASETS]
# On a bare GPU machine with torch + transformers but not this project's other dependencies
# (how the H200 results were made): carry polars, polars-runtime-32 and rapidfuzz as wheels and
# `pip install --target` them onto PYTHONPATH (with the repo root); carry the encoder packed by
# `benchmarks/model_fp16.py pack` and unpack it there (TABLEFUSE_MODEL_DIR); carry the magellan
# test.txt files and link them as ../shared/data.
set -u
out=${1:?usage: gpu_judge.sh OUTDIR [JOBS] [DATASETS]}
variants=${2:-"ssacl,ssacl-unique ssacl-finetune ssacl-finetune-long,ssacl-finetune-long-unique"}
datasets=${3:-"Walmart-Amazon Abt-Buy DBLP-ACM Amazon-Google Fodors-Zagats iTunes-Amazon Beer"}
jobs=${JOBS_DIR:-$out/jobs}
mkdir -p "$out" "$jobs"
for d in $datasets; do
  for v in $variants; do
    VARIANTS=$v TABLEFUSE_BENCH_JSON="$jobs/$d.$v.json" TABLEFUSE_BENCH_CACHE="/tmp/tf-enc.$d.$v.npz" \
      OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1 timeout "${JOB_TIMEOUT:-420}" python3 benchmarks/judge.py magellan "$d" \
      >"$jobs/$d.$v.log" 2>&1 &
  done
done
wait
python3 - "$out" "$jobs" <<'PY'
import json, sys
from pathlib import Path
out, jobs = Path(sys.argv[1]), Path(sys.argv[2])
rows = [r for f in sorted(jobs.glob("*.json")) for r in json.loads(f.read_text())]
for r in rows:
    r["machine"] = "gpu"
(out / "judge_gpu.json").write_text(json.dumps(rows, indent=1))
with open(out / "judge_gpu.log", "w") as log:
    for f in sorted(jobs.glob("*.log")):
        text = f.read_text()
        log.write(f"==== {f.name}\n{text[-4000:]}\n")
for r in rows:
    print(f"{r['dataset']:15s} {r['variant']:22s} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} "
          f"oracle {r['oracle_threshold_f1']:.3f} fit {r['fit_seconds']}s score {r['score_seconds']}s")
PY

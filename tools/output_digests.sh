#!/usr/bin/env bash
# Digests of every output spikejit writes for the models of examples/ and
# tests/reference/models/ (seed 1, --dump-state): run it before and after a
# change that must not change behaviour (a refactoring) and compare the lists.
#
#   tools/output_digests.sh > before.txt      # on the old commit
#   tools/output_digests.sh > after.txt       # on the new one
#   diff before.txt after.txt                 # nothing: byte-identical outputs
#
# One line per file: `MODEL/FILE sha256`. summary.json is hashed without its
# timing keys (`*_seconds`, `kernels`, `peak_memory_bytes`: they change from
# run to run). SPIKEJIT=path overrides the binary (default: a release build of
# this checkout). A model that fails prints `MODEL: exit CODE` instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${SPIKEJIT:-$ROOT/target/release/spikejit}"
if [ -z "${SPIKEJIT:-}" ]; then
  cargo build --release --quiet >&2
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
for model in examples/*.toml tests/reference/models/*.toml tests/reference/models/examples/*.toml \
             tests/reference/constants/*.toml; do
  out="$TMP/out"
  rm -rf "$out"
  if ! "$BIN" run "$model" --out "$out" --dump-state --seed 1 --quiet 2>"$TMP/stderr"; then
    echo "$model: exit $?"
    continue
  fi
  (cd "$out" && find . -type f | sort) | while read -r f; do
    f="${f#./}"
    if [ "$f" = summary.json ]; then
      sum=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
drop = [k for k in s if k.endswith("_seconds") or k in ("kernels", "peak_memory_bytes")]
for k in drop:
    del s[k]
print(json.dumps(s, sort_keys=True))' "$out/$f" | sha256sum | cut -d" " -f1)
    else
      sum=$(sha256sum "$out/$f" | cut -d" " -f1)
    fi
    echo "$model/$f $sum"
  done
done

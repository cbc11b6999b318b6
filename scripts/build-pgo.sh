#!/usr/bin/env bash
# Builds sipscope with profile-guided optimisation (PGO) into target/pgo/release/sipscope.
#
# 1. An instrumented release build (target/pgo/gen) reads every bundled capture (pcaps/) three
#    ways: report as JSON, report as text, messages as NDJSON; and the same way a capture of
#    steady call traffic stitched from the bundled ones (scripts/make-training-pcap.py, 8,000
#    calls, made under target/pgo): the bundled captures are one odd case each, and a PBX spends
#    its day on ordinary calls. None of them is the bench capture.
# 2. llvm-profdata merges what it counted into target/pgo/sipscope.profdata.
# 3. The release build is made again with that profile: the same code, with its hot paths laid
#    out and inlined the way the counts say.
# 4. Both builds read every capture it trained on the same three ways, and every output must be
#    byte for byte the same (the script fails otherwise).
#
# In the ten runs of `make bench` of rounds nine and ten the plain build took 1.10-1.28x the CPU
# of this one for `report`, and 1.14-1.46x for `messages` in all runs but one (docs/performance.md). llvm-profdata must match rustc's LLVM:
# it comes with the rustup component llvm-tools, added here when missing.
#
#   scripts/build-pgo.sh            # prints the path of the optimised binary
#   PGO_TARGET=DIR scripts/build-pgo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${PGO_TARGET:-target/pgo}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ] && command -v rustup >/dev/null; then
  echo "build-pgo: adding the rustup component llvm-tools (llvm-profdata)" >&2
  rustup component add llvm-tools >&2 || true
fi
[ -x "$profdata" ] || { echo "build-pgo: $profdata missing (rustup component add llvm-tools)" >&2; exit 2; }

# The steady traffic is made again only when it is missing or older than what makes it (going by
# modification times, as make does: a copy that keeps old times is not noticed). It needs
# Python 3, installed here when missing as the other scripts install what they need.
training="$OUT/training.pcap"
if [ ! -f "$training" ] || [ -n "$(find pcaps scripts/make-training-pcap.py scripts/pcaplib.py -newer "$training" -print -quit)" ]; then
  if ! command -v python3 >/dev/null; then
    echo "build-pgo: installing python3 (it makes the steady call traffic)" >&2
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3; } >&2 ||
      { echo "build-pgo: python3 could not be installed" >&2; exit 2; }
  fi
  python3 scripts/make-training-pcap.py "$training"
fi
captures=("$training")
for f in pcaps/*; do
  case $f in *.md) ;; *) captures+=("$f") ;; esac
done
modes=("report --format json" "report --format text" "messages --format ndjson")

# Runs binary $1 in mode $2 on capture $3; writes to file $4 its output (standard output and
# error) and exit status, or nowhere when $4 is /dev/null. Some captures end in an error on
# purpose (truncated files): that is an answer too.
answer() {
  local status=0
  "$1" $2 -r "$3" > "$4" 2>&1 || status=$?
  [ "$4" = /dev/null ] || echo "exit $status" >> "$4"
}

# A fixed place for the raw profiles keeps the instrumented build's flags the same from run to
# run, so cargo rebuilds it only when the code changes.
raw="$OUT/raw"
echo "build-pgo: instrumented build" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$raw" cargo build --release --quiet --target-dir "$OUT/gen"
# A profile newer than the instrumented binary and every capture (the steady traffic too) is still right; training again
# would only change its counts slightly and make the optimised build start over.
# (This script counts too: it says how the captures are read.)
profile="$OUT/sipscope.profdata"
if [ ! -f "$profile" ] || [ -n "$(find "$OUT/gen/release/sipscope" pcaps "$training" "$0" -newer "$profile" -print -quit)" ]; then
  rm -rf "$raw"
  for f in "${captures[@]}"; do
    for mode in "${modes[@]}"; do
      answer "$OUT/gen/release/sipscope" "$mode" "$f" /dev/null
    done
  done
  "$profdata" merge -o "$profile" "$raw"
  rm -rf "$raw"
fi

echo "build-pgo: optimised build" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$profile" cargo build --release --quiet --target-dir "$OUT"

echo "build-pgo: comparing its outputs with the plain release build's" >&2
cargo build --release --quiet
checked=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in "${captures[@]}"; do
  for mode in "${modes[@]}"; do
    # Standard output, standard error and the exit status, byte for byte.
    answer target/release/sipscope "$mode" "$f" "$out/plain"
    answer "$OUT/release/sipscope" "$mode" "$f" "$out/pgo"
    if ! cmp -s "$out/plain" "$out/pgo"; then
      echo "build-pgo: the optimised build answers differently: $mode -r $f" >&2
      exit 1
    fi
    checked=$((checked + 1))
  done
done
echo "build-pgo: $checked outputs identical" >&2
echo "$OUT/release/sipscope"

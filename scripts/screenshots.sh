#!/usr/bin/env bash
# Regenerates the README screenshots, docs/img/calls-view.png and docs/img/call-view.png, from a real
# terminal: sipscope replays pcaps/demo.pcap in a detached 160×45 tmux pane, the pane is captured
# with its colours (`tmux capture-pane -e`), and scripts/ansi-to-png.py draws the capture (cairo,
# DejaVu Sans Mono, through Python's ctypes: no Python packages, no ImageMagick).
#
#   scripts/screenshots.sh [OUTDIR]      (default OUTDIR: docs/img)
#
# Environment:
#   SIPSCOPE  binary to run (default: the newer of target/release/sipscope and target/debug/sipscope)
#   SCALE     pixel scale of the PNGs (default 1; 2 for high-DPI)
#   KEEP      a directory to keep the raw captures (.ansi, .txt) and SVG versions in
#
# Needs tmux, python3, libcairo.so.2, fontconfig and the DejaVu fonts (fonts-dejavu-core).
# tmux runs on a private socket with no user configuration; only that server is stopped.
set -u

cd "$(dirname "$0")/.." || exit 1

OUT=${1:-docs/img}
SCALE=${SCALE:-1}
COLS=160
ROWS=45
PCAP=pcaps/demo.pcap
# The newer of the release and debug builds: a stale release build would show an older dashboard.
if [ -n "${SIPSCOPE:-}" ]; then
  BIN=$SIPSCOPE
elif [ -x target/release/sipscope ] && ! [ target/debug/sipscope -nt target/release/sipscope ]; then
  BIN=target/release/sipscope
else
  BIN=target/debug/sipscope
fi

die() {
  echo "screenshots: $*" >&2
  exit 1
}

[ -x "$BIN" ] || die "no sipscope binary at $BIN (build it, or set SIPSCOPE)"
echo "screenshots: $BIN ($(date -r "$BIN" '+%F %T' 2>/dev/null || echo '?'))"
[ -r "$PCAP" ] || die "$PCAP is missing"
command -v tmux >/dev/null || die "tmux is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
mkdir -p "$OUT" || die "cannot create $OUT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sipscope-shots.XXXXXX") || die "mktemp failed"
SOCK=sipscope-shots-$$
CONF=$WORK/tmux.conf
printf '%s\n' 'set -g status off' 'set -g history-limit 0' 'set -g remain-on-exit off' >"$CONF"

tm() { tmux -u -L "$SOCK" -f "$CONF" "$@"; }

SESSIONS=()
SOCKPATH=
cleanup() {
  local s
  for s in "${SESSIONS[@]}"; do
    tm kill-session -t "=$s:" 2>/dev/null
  done
  # The server is ours alone (its own socket); stop it if nothing else is left on it.
  if ! tm list-sessions >/dev/null 2>&1; then
    tm kill-server 2>/dev/null
    [ -n "$SOCKPATH" ] && [ -S "$SOCKPATH" ] && rm -f "$SOCKPATH"
  fi
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP" && cp "$WORK"/*.ansi "$WORK"/*.txt "$WORK"/*.svg "$KEEP"/ 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME: sipscope on the demo capture in a fresh session, waiting until the capture is read.
start() {
  local name=$1 size
  SESSIONS+=("$name")
  tm new-session -d -s "$name" -x "$COLS" -y "$ROWS" \
    "exec $(printf '%q' "$BIN") -r $(printf '%q' "$PCAP")" || die "tmux new-session failed"
  [ -n "$SOCKPATH" ] || SOCKPATH=$(tm display-message -p '#{socket_path}')
  size=$(tm display-message -p -t "=$name:" '#{pane_width}x#{pane_height}')
  [ "$size" = "${COLS}x${ROWS}" ] || die "$name: pane is $size, not ${COLS}x${ROWS}"
  wait_for "$name" "end of capture" 100 || die "$name: the capture was not read (no \"end of capture\")"
  sleep 0.3 # one more redraw after the last packet
}

# wait_for NAME TEXT TRIES: poll the pane (every 0.1 s) until its text contains TEXT.
wait_for() {
  local name=$1 text=$2 tries=$3
  while [ "$tries" -gt 0 ]; do
    if tm capture-pane -p -t "=$name:" 2>/dev/null | grep -qF -- "$text"; then
      return 0
    fi
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# shot NAME FILE: capture the pane, with colours, and render it.
shot() {
  local name=$1 file=$2 base
  base=$WORK/$(basename "$file" .png)
  tm capture-pane -p -t "=$name:" >"$base.txt" || die "$name: capture failed"
  tm capture-pane -e -p -t "=$name:" >"$base.ansi" || die "$name: capture failed"
  python3 scripts/ansi-to-png.py "$base.ansi" "$file" --svg "$base.svg" \
    --cols "$COLS" --rows "$ROWS" --scale "$SCALE" || die "rendering $file failed"
  echo "wrote $file"
}

# quit NAME: q, and the session ends with sipscope.
quit() {
  local name=$1 tries=30
  tm send-keys -t "=$name:" q
  while [ "$tries" -gt 0 ] && tm has-session -t "=$name" 2>/dev/null; do
    sleep 0.1
    tries=$((tries - 1))
  done
  tm has-session -t "=$name" 2>/dev/null && echo "screenshots: $name: still running after q" >&2
  return 0
}

# 1. The calls view: the dashboard's home view once the demo capture is read.
s=shots-calls
start "$s"
wait_for "$s" "Calls 27 shown of 27" 20 || die "$s: the calls view does not show the 27 calls of $PCAP"
shot "$s" "$OUT/calls-view.png"
quit "$s"

# 2. The call view of the forked call whose proxy ignored a 603 Decline (Call-ID
#    lab-fork-nocancel-1@127.0.0.10, 28 messages, finding decline-not-honoured): filter the calls
#    view down to it, then open it.
s=shots-call
start "$s"
tm send-keys -t "=$s:" /
wait_for "$s" "/█" 20 || die "$s: / did not open the filter prompt"
tm send-keys -t "=$s:" -l nocancel
wait_for "$s" "/nocancel█" 20 || die "$s: the filter prompt did not take the text"
tm send-keys -t "=$s:" Enter
wait_for "$s" "Calls 1 shown of 27" 20 || die "$s: the filter nocancel does not leave exactly one call"
tm capture-pane -p -t "=$s:" | grep -qE '│11:07:38\.000 +INVITE .* 28 +✖' ||
  die "$s: the filtered row is not the 28-message call with a finding"
tm send-keys -t "=$s:" Enter
wait_for "$s" "lab-fork-nocancel-1@127.0.0.10 · 28 messages" 20 || die "$s: Enter did not open the call"
wait_for "$s" "decline-not-honoured" 10 || die "$s: the call view does not show decline-not-honoured"
tm capture-pane -p -t "=$s:" | grep -qE '^│ +(127\.0\.0\.[0-9]+:5060 +){5}' ||
  die "$s: the ladder does not have the five columns of the forked call"
shot "$s" "$OUT/call-view.png"
quit "$s"

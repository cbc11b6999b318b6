#!/usr/bin/env bash
# Regenerates the lab's 20,000-call load run (root: SIPp and tcpdump on loopback) and checks that
# `sipscope report` finds exactly the final codes its tshark facts list: every 486, 603 and 403,
# and as many answered calls as there are 200s beyond those answering BYEs.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
out=${1:-$(mktemp -d)}
[ -f "$out/lab-load-20k-udp.pcap" ] || "$SHARED/lab/make-captures.sh" "$out" load_20k
cargo build --release --quiet
target/release/sipscope report -r "$out/lab-load-20k-udp.pcap" --format json > "$out/report.json"
python3 - "$out" <<'PY'
import json, sys, collections
out = sys.argv[1]
facts = [json.loads(l) for l in open(f"{out}/FACTS.jsonl") if "lab-load-20k" in l][0]
codes = {int(k): v for k, v in facts["codes"].items()}
byes = facts["methods"]["BYE"]
want = collections.Counter({200: codes[200] - byes, 486: codes.get(486, 0), 603: codes.get(603, 0), 403: codes.get(403, 0)})
r = json.load(open(f"{out}/report.json"))
got = collections.Counter(c["final_code"] for c in r["calls"])
print("calls:", len(r["calls"]), "of", facts["callids"])
print("final codes:", dict(sorted(got.items())), "expected:", dict(sorted(want.items())))
assert len(r["calls"]) == facts["callids"], "call count"
assert got == want, "final codes differ"
assert r["capture"]["sip_messages"] == facts["sip_msgs"]
print("OK: the load run's final codes match its facts exactly")
PY

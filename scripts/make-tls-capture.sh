#!/bin/bash
# Makes pcaps/tls-sip-loopback.pcap: two real TLS 1.3 sessions (openssl s_server/s_client) on
# 127.0.0.60:5061, each carrying an encrypted SIP OPTIONS, captured with tcpdump on lo.
# Needs root (tcpdump). All processes are ours and stopped by PID; prints the capture path.
set -u
d=$(mktemp -d); cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 1 -subj "/CN=pbx.lab.invalid" 2>/dev/null
tcpdump -i lo -w "$d/tls.pcap" -U 'tcp port 5061' 2>/dev/null &
TPID=$!
sleep 1
openssl s_server -accept 127.0.0.60:5061 -cert c.pem -key k.pem -quiet >/dev/null 2>&1 &
SPID=$!
sleep 1
for i in 1 2; do
printf 'OPTIONS sip:pbx.lab.invalid SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.61:40000;branch=z9hG4bKtls%s\r\nFrom: <sip:probe@lab.invalid>;tag=t1\r\nTo: <sip:pbx.lab.invalid>\r\nCall-ID: tls-%s@127.0.0.61\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' $i $i | timeout 3 openssl s_client -connect 127.0.0.60:5061 -quiet >/dev/null 2>&1
done
sleep 1
kill $SPID; sleep 1; kill $TPID; wait 2>/dev/null
echo "$d/tls.pcap"

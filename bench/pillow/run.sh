#!/usr/bin/env bash
# Compares haibao with a Pillow service on the campaign poster, on one core,
# in interleaved rounds (so both see the same machine load), and prints the
# ratios per format. usage: bench/pillow/run.sh [ROUNDS] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
n=${2:-20}
core=${BENCH_CORE:-0}

if ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
  echo "installing Debian's python3-pil" >&2
  apt-get install -y python3-pil >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-pil >/dev/null; }
fi
# HAIBAO_BIN compares another build (say, an older commit's) instead.
bin=${HAIBAO_BIN:-}
if [ -z "$bin" ]; then
  bin=$(mktemp -d)/haibao
  trap 'rm -rf "$(dirname "$bin")"' EXIT
  go build -o "$bin" ./cmd/haibao
fi
"$bin" version >&2 || true

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }

printf '%-5s %12s %12s %12s %12s %10s %10s %10s\n' format haibao_ms encode_ms pillow_res_ms pillow_dec_ms ratio_res ratio_dec bytes_h/p
for fmt in jpeg png webp; do
  : >/tmp/hb.$$ ; : >/tmp/he.$$ ; : >/tmp/pr.$$ ; : >/tmp/pd.$$
  for _ in $(seq "$rounds"); do
    h=$(taskset -c "$core" "$bin" bench --layout campaign --format "$fmt" --n "$n")
    echo "$h" | field median_ms >>/tmp/hb.$$
    echo "$h" | field encode_median_ms >>/tmp/he.$$
    hbytes=$(echo "$h" | field bytes)
    p=$(taskset -c "$core" /usr/bin/python3 bench/pillow/poster.py "$fmt" "$n" resized)
    echo "$p" | field median_ms >>/tmp/pr.$$
    pbytes=$(echo "$p" | field bytes)
    taskset -c "$core" /usr/bin/python3 bench/pillow/poster.py "$fmt" "$n" decoded | field median_ms >>/tmp/pd.$$
  done
  hb=$(median </tmp/hb.$$); he=$(median </tmp/he.$$); pr=$(median </tmp/pr.$$); pd=$(median </tmp/pd.$$)
  awk -v f="$fmt" -v hb="$hb" -v he="$he" -v pr="$pr" -v pd="$pd" -v hby="$hbytes" -v pby="$pbytes" \
    'BEGIN {printf "%-5s %12.1f %12.1f %12.1f %12.1f %10.2f %10.2f %10s\n", f, hb, he, pr, pd, hb/pr, hb/pd, hby "/" pby}'
  rm -f /tmp/hb.$$ /tmp/he.$$ /tmp/pr.$$ /tmp/pd.$$
done

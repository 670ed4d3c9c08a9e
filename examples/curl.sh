#!/usr/bin/env bash
# The whole Syntonym flow with curl: direct upload, wait until costed, approve, wait until done,
# download every result, delete the job. JSON is read with `python3 -c` (jq is not on a fresh
# Debian).
#
#   VEIL_URL=http://localhost:8080 VEIL_KEY=<key> examples/curl.sh photo.jpg [out-dir]
set -euo pipefail

file=${1:?usage: curl.sh <file> [out-dir]}
out=${2:-out}
url=${VEIL_URL:-http://localhost:8080}
key=${VEIL_KEY:?set VEIL_KEY to an access token}
name=$(basename "$file")
auth=(-H "access_token: $key")

# Reads one field from the JSON on stdin: json job_status
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# 1. Upload. Veil answers 307 with a job_id header and a SAS URL; -L follows it and PUTs the
#    file straight into blob storage (hence the BlockBlob header). Spaces etc. in the name are
#    percent-encoded.
enc=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$name")
headers=$(curl -sS -f -L -T "$file" -H 'x-ms-blob-type: BlockBlob' "${auth[@]}" -D - -o /dev/null \
  "$url/direct_upload/$enc?model=blur&enable_lp=True&blur_threshold=0.5")
job=$(printf '%s' "$headers" | tr -d '\r' | sed -n 's/^job_id: *//Ip' | head -n1)
[ -n "$job" ] || { echo "no job_id in the upload response" >&2; exit 1; }
echo "job $job"

report() { curl -sS -f "${auth[@]}" "$url/get_job_result/$job"; }

# 2. Wait until the upload is costed: 2 waiting for approval (3-5 if the server approved it on
#    its own); 6 failed, 7 expired, 8 cancelled.
while :; do
  status=$(report | json job_status)
  case $status in
    2|3|4|5) break ;;
    6|7|8) echo "job ended: $(report)" >&2; exit 1 ;;
  esac
  sleep 1
done
echo "cost: $(report | json job_total_credit_cost) credit(s)"

# 3. Approve (200; 201/202 if no approval was needed or it was already approved).
curl -sS -f -X POST "${auth[@]}" "$url/approve_job/$job" -o /dev/null

# 4. Poll until the job ends: 5 completed; 6 failed, 7 expired, 8 cancelled.
while :; do
  r=$(report)
  status=$(printf '%s' "$r" | json job_status)
  case $status in
    5) break ;;
    6|7|8) echo "job ended with status $status: $r" >&2; exit 1 ;;
  esac
  sleep 1
done

# 5. Download every task's download_link (a read-only SAS URL) under its file name.
mkdir -p "$out"
printf '%s' "$r" | python3 -c '
import json, os, sys
for t in json.load(sys.stdin)["tasks"]:
    if t.get("download_link"):
        print(os.path.basename(t["file_name"]) + "\t" + t["download_link"])
' | while IFS=$'\t' read -r fname link; do
  curl -sS -f -o "$out/$fname" "$link"
  echo "wrote $out/$fname"
done

# 6. Delete the job with its input and outputs.
curl -sS -f -X DELETE "${auth[@]}" "$url/delete_job/$job" -o /dev/null
echo "deleted $job"

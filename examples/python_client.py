#!/usr/bin/env python3
"""The whole Syntonym flow in Python 3 with the standard library only.

Create an upload session, upload the file in 4 MB blocks (Put Block + Put Block List, the
sequence of Syntonym's own Python client), wait until costed, approve, poll until done,
download every result, delete the job.

    VEIL_URL=http://localhost:8080 VEIL_KEY=<key> python3 examples/python_client.py photo.jpg [out-dir]

With `requests` and `azure-storage-blob` the same flow reads:

    s = requests.post(f"{url}/create_upload_session", headers={"access_token": key},
                      json={...same body...}).json()
    blob = azure.storage.blob.BlobClient.from_blob_url(s["session_uri"])
    blob.upload_blob(open(path, "rb"), overwrite=True)     # the SDK splits it into blocks
    requests.post(f"{url}/approve_job/{s['job_id']}", headers={"access_token": key})
    report = requests.get(f"{url}/get_job_result/{s['job_id']}", headers=...).json()
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BLOCK_SIZE = 4 * 1024 * 1024  # Syntonym's client sends 4 MB blocks.
# Job statuses: 2 waiting for approval, 3 approved, 4 processing, 5 completed; 6 failed,
# 7 expired, 8 cancelled.
COSTED = [2, 3, 4, 5]  # 3-5: the server approved the job on its own
DONE = [5]
ENDED_BADLY = [6, 7, 8]


def api(method, route, body=None):
    """One API call with the key; returns the parsed JSON and the HTTP status."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + route, data=data, method=method)
    req.add_header("access_token", KEY)
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req) as res:
            text = res.read()
            return (json.loads(text) if text else None), res.status
    except urllib.error.HTTPError as err:
        raise SystemExit(f"{method} {route}: HTTP {err.code} {err.read().decode(errors='replace')}")


def put(url, data, headers=None):
    """A PUT to blob storage through the SAS URL (no key: the URL carries the permission)."""
    req = urllib.request.Request(url, data=data, method="PUT", headers=headers or {})
    with urllib.request.urlopen(req) as res:
        res.read()


def upload_blocks(session_uri, path):
    # Block ids must all have the same length: base64 of the block index as 4 bytes.
    ids = []
    with open(path, "rb") as f:
        while True:
            chunk = f.read(BLOCK_SIZE)
            if not chunk and ids:
                break
            block_id = base64.b64encode(len(ids).to_bytes(4, "big")).decode()
            # The SAS URL already has a query string: add comp/blockid with '&'.
            put(f"{session_uri}&comp=block&blockid={urllib.parse.quote(block_id, safe='')}", chunk)
            ids.append(block_id)
            if len(chunk) < BLOCK_SIZE:
                break
    xml = "".join(f"<Latest>{i}</Latest>" for i in ids)
    body = f'<?xml version="1.0" encoding="utf-8"?><BlockList>{xml}</BlockList>'.encode()
    put(f"{session_uri}&comp=blocklist", body, {"content-type": "application/xml"})


def poll(job_id, until):
    while True:
        report, _ = api("GET", f"/get_job_result/{job_id}")
        if report["job_status"] in until:
            return report
        if report["job_status"] in ENDED_BADLY:
            raise SystemExit(f"job ended: {json.dumps(report)}")
        time.sleep(1)


def main(path, out):
    # 1. An upload session: Veil creates the job and answers a write-only SAS URL for the blob.
    session, _ = api("POST", "/create_upload_session", {
        "file_name": os.path.basename(path),
        "file_size": os.path.getsize(path),  # Veil asks for at least 1000 bytes here
        "content_type": "octet-stream",
        "model": "blur",
        "model_config": {"enable_lp": True, "blur_threshold": 0.5},
    })
    job_id = session["job_id"]
    print(f"job {job_id}")
    upload_blocks(session["session_uri"], path)

    # 2. Veil notices the committed blob and costs it.
    report = poll(job_id, COSTED)
    print(f"cost: {report['job_total_credit_cost']} credit(s)")

    # 3. Approve (200; 201/202 if no approval was needed or it was already approved).
    api("POST", f"/approve_job/{job_id}")

    # 4. Wait until done, then download each task's read-only SAS link.
    report = poll(job_id, DONE)
    os.makedirs(out, exist_ok=True)
    for task in report["tasks"]:
        if not task.get("download_link"):
            continue
        target = os.path.join(out, os.path.basename(task["file_name"]))
        with urllib.request.urlopen(task["download_link"]) as res, open(target, "wb") as f:
            f.write(res.read())
        print(f"wrote {target}")

    # 5. Delete the job with its input and outputs.
    api("DELETE", f"/delete_job/{job_id}")
    print(f"deleted {job_id}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.environ.get("VEIL_KEY"):
        raise SystemExit("usage: VEIL_URL=... VEIL_KEY=... python_client.py <file> [out-dir]")
    BASE = os.environ.get("VEIL_URL", "http://localhost:8080").rstrip("/")
    KEY = os.environ["VEIL_KEY"]
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "out")

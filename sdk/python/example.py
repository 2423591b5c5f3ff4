"""
Example: list published profiles, post a brief and invite the first matching provider.

    RASTUP_BASE_URL=http://localhost:4000 RASTUP_CLIENT_ID=prt_... RASTUP_CLIENT_SECRET=... python3 example.py

Prints one JSON object with what it did (the integration test reads it).
"""

import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rastup_partner import RastUpApiError, RastUpPartnerClient  # noqa: E402

client = RastUpPartnerClient(
    os.environ.get("RASTUP_BASE_URL", "http://localhost:4000"),
    os.environ["RASTUP_CLIENT_ID"],
    os.environ["RASTUP_CLIENT_SECRET"],
)

report = {"operations": sorted(client.operations())}

profiles = client.list_profiles(limit=5, role="PHOTOGRAPHER")
report["profiles"] = [p["id"] for p in profiles["data"]]

today = datetime.date.today()
brief = client.create_brief(
    body={
        "role": "PHOTOGRAPHER",
        "city": os.environ.get("RASTUP_CITY", "us-nyc"),
        "dateFrom": (today + datetime.timedelta(days=7)).isoformat(),
        "dateTo": (today + datetime.timedelta(days=14)).isoformat(),
        "budget": {"minCents": 40000, "maxCents": 90000},
        "description": "Product shoot, 20 SKUs on white",
    },
    idempotency_key="example-brief-" + os.environ["RASTUP_CLIENT_ID"],
)
report["brief"] = brief

target = os.environ.get("RASTUP_INVITE_PROFILE") or (report["profiles"] or [None])[0]
if target:
    report["invite"] = client.create_invite(body={"briefId": brief["id"], "profileId": target})

# The partner's own briefs and invites, newest first (cursor-paged like every list).
report["briefs"] = [b["id"] for b in client.list_briefs(limit=10)["data"]]
report["invites"] = [i["id"] for i in client.list_invites(briefId=brief["id"])["data"]]

try:
    client.get_order("bkg_01JD0000000000000000000000")
except RastUpApiError as error:
    report["error"] = {"status": error.status, "code": error.code}

print(json.dumps(report))

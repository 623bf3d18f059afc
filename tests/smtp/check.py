"""Parses every DIR/*.eml with Python's email package in strict mode (any defect is an
error) and prints what desk's tests compare, as JSON: one object per message."""
import email
import email.policy
import glob
import json
import os
import sys


def one(path):
    raw = open(path, "rb").read()
    out = {"file": os.path.basename(path)}
    try:
        m = email.message_from_bytes(raw, policy=email.policy.strict)
        def addrs(name):
            h = m[name]
            if h is None:
                return []
            return [{"name": a.display_name, "address": a.addr_spec} for a in h.addresses]
        body = m.get_body(("plain",))
        out.update({
            "from": addrs("From"),
            "to": addrs("To"),
            "cc": addrs("Cc"),
            "reply_to": addrs("Reply-To"),
            "subject": str(m["Subject"]),
            "message_id": str(m["Message-ID"]),
            "in_reply_to": m["In-Reply-To"] and str(m["In-Reply-To"]),
            "references": m["References"] and str(m["References"]).split(),
            "auto_submitted": m["Auto-Submitted"] and str(m["Auto-Submitted"]),
            "date": m["Date"] and str(m["Date"]),
            "headers": sorted(set(k.lower() for k in m.keys())),
            "body": body.get_content() if body is not None else None,
            "defects": [type(d).__name__ for d in m.defects],
        })
        envelope = path[:-4] + ".json"
        if os.path.exists(envelope):
            out["envelope"] = json.load(open(envelope))
    except Exception as e:  # strict mode raises on any defect
        out["error"] = f"{type(e).__name__}: {e}"
    return out


if __name__ == "__main__":
    files = sorted(glob.glob(os.path.join(sys.argv[1], "*.eml")))
    print(json.dumps([one(f) for f in files], ensure_ascii=False, indent=1))

#!/usr/bin/env python3
"""Checks a Sprechzimmer consent receipt against the organisation's profile
(docs/consent-receipts.md). Standard library only.

    verify_receipt.py RECEIPT.json PROFILE.json [INVITE_LINK]

Exit 0 when the receipt names this profile and exactly its current texts
(and, given the invite link, that invite); 1 otherwise, saying why.
"""

import hashlib
import json
import sys

FORMAT = "sprechzimmer-consent-receipt/1"


def document_digest(doc):
    """SHA-256 of a document's canonical JSON, as the app computes it:
    keys in the order version, title, text, url (url only when present),
    languages sorted, no spaces, UTF-8 unescaped; `$comment` keys dropped."""
    def texts(m):
        return {k: m[k] for k in sorted(m) if k != "$comment"}
    canonical = {"version": doc["version"], "title": texts(doc["title"]), "text": texts(doc["text"])}
    if doc.get("url") is not None:
        canonical["url"] = doc["url"]
    data = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def invite_digest(link):
    """SHA-256 of the invite as issued: the `sprechzimmer://join?…` link. For
    a link to the invite page, the same query after `#` makes that link."""
    link = link.strip()
    if link.lower().startswith(("https://", "http://")) and "#v=" in link:
        link = "sprechzimmer://join?" + link.split("#", 1)[1]
    return hashlib.sha256(link.encode("utf-8")).hexdigest()


def problems(receipt, profile, invite=None):
    out = []
    if receipt.get("format") != FORMAT:
        out.append(f"format is {receipt.get('format')!r}, not {FORMAT!r}")
    if receipt.get("profile_id") != profile.get("id"):
        out.append("names another profile")
    docs = {d.get("role"): d for d in receipt.get("documents", [])}
    for role in ("privacy_notice", "client_terms"):
        d = docs.get(role)
        if d is None:
            out.append(f"{role} is missing")
        elif d.get("sha256") != document_digest(profile[role]):
            out.append(f"{role}: consent was given to another text than this profile's (version {d.get('version')})")
    if invite is not None and receipt.get("invite_sha256") != invite_digest(invite):
        out.append("belongs to another invite")
    return out


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        receipt = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        profile = json.load(f)
    found = problems(receipt, profile, argv[3] if len(argv) == 4 else None)
    for p in found:
        print(f"mismatch: {p}")
    if not found:
        print(f"ok: receipt {receipt['receipt_id']} matches profile {profile['id']}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Reads a calendar file with the `icalendar` package (Debian's
python3-icalendar, hence Debian's Python) and prints what a calendar
program would take from it, as JSON. Fails on anything it cannot parse."""

import json
import sys

import icalendar


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    cal = icalendar.Calendar.from_ical(raw)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    zones = [c for c in cal.walk() if c.name == "VTIMEZONE"]
    alarms = [c for c in cal.walk() if c.name == "VALARM"]
    (event,) = events
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    out = {
        "version": str(cal["VERSION"]),
        "prodid": str(cal["PRODID"]),
        "summary": str(event["SUMMARY"]),
        "description": str(event["DESCRIPTION"]),
        # icalendar 4 reads "%3A" in a value as an escaped colon; calendar
        # programs take a URI verbatim, so the line itself is compared too.
        "url": str(event["URL"]),
        "url_line": next(line[4:] for line in raw.replace(b"\r\n ", b"").decode().split("\r\n") if line.startswith("URL:")),
        "uid": str(event["UID"]),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "start_utc_offset": start.utcoffset().total_seconds(),
        "tzid": str(event["DTSTART"].params.get("TZID")),
        "zones": [str(z["TZID"]) for z in zones],
        "alarm": [str(a.decoded("TRIGGER")) for a in alarms],
        "crlf": raw.count(b"\r\n") == raw.count(b"\n"),
        "longest_line": max(len(line) for line in raw.split(b"\r\n")),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])

"""An independent business-hours oracle for desk's SLA calendars: pandas'
CustomBusinessHour. Reads JSON cases on stdin, prints one UTC instant per case.

Each case: {"zone", "start" (UTC, RFC 3339), "hours" (whole business hours to add),
"intervals" ([["08:00", "16:00"], ...], the same on every working day),
"weekmask" ("Mon Tue Wed Thu Fri"), "holidays" (["2026-12-24", ...])}.
"""

import json
import sys

import pandas as pd


def due(case):
    start = pd.Timestamp(case["start"]).tz_convert(case["zone"])
    offset = pd.offsets.CustomBusinessHour(
        n=case["hours"],
        start=[a for a, _ in case["intervals"]],
        end=[b for _, b in case["intervals"]],
        weekmask=case["weekmask"],
        holidays=case["holidays"],
    )
    # Business hours are counted on the wall clock; desk's intervals avoid the night
    # hours where DST changes, so wall time and real time agree inside them.
    local = start.tz_localize(None)
    result = (local + offset).tz_localize(case["zone"])
    return result.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    cases = json.load(sys.stdin)
    json.dump([due(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

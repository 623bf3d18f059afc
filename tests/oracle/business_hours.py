"""An independent business-time oracle for desk's SLA calendars: pandas'
CustomBusinessHour and CustomBusinessDay. Reads JSON cases on stdin, prints one UTC
instant per case.

Each case: {"zone", "start" (UTC, RFC 3339), "hours" (whole business hours to add),
"days" (optional: whole business days to add before the hours),
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
    days = case.get("days", 0)
    if days:
        # A business day keeps the time of day: from the start (or the next opening,
        # if it is outside the hours) to the same time `days` working days later.
        # Every working day has the same hours here, so that time is open.
        local = offset.rollforward(local) + pd.offsets.CustomBusinessDay(
            n=days, weekmask=case["weekmask"], holidays=case["holidays"]
        )
        # Landing exactly at closing time (from a start at closing time) is the next
        # opening, as pandas does for hours.
        after = local + pd.Timedelta(seconds=1)
        if offset.rollforward(after) != after:
            local = offset.rollforward(after)
    if case["hours"]:
        local = local + offset
    result = local.tz_localize(case["zone"])
    return result.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    cases = json.load(sys.stdin)
    json.dump([due(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

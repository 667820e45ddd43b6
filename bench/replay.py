#!/usr/bin/env python3
"""Replays weeks of history through the detections, hour by hour.

Builds a pipeline database from a traffic series, then runs
`argus_exporter backtest` over it, evaluating every `--step` hours after the
8-day warm-up the default windows need, and prints, per check, its alert
episodes and hours inside and outside the labelled incident windows, how
long after each window's start it first fired, and the incidents caught and
false-alarm episodes (an episode that meets no incident window) in all.

Series:
  nab:FILE     a labelled NAB count series (../shared/data/nab/FILE.csv):
               each 5-minute point becomes round(value / scale) reviews,
               scale chosen so a 6-hour window holds about 300 reviews
  workweek     six agents working weekdays 08:00-20:00 UTC, 3 reviews an
               hour each (80% approved), five weeks, healthy
  workweek-outage   the same, everything stopping on the last Wednesday
               at 10:00 (the incident window: from then to the end)

Usage: bench/replay.py SERIES [--step HOURS] [--bin build/argus_exporter]
"""
import argparse
import csv
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAB = os.path.join(ROOT, "..", "shared", "data", "nab")
UTC = dt.timezone.utc


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def write(db, events):
    """events: (time, agent, domain, approved) per review; each gets its
    submission a minute earlier and one cost row."""
    con = sqlite3.connect(db)
    con.executescript(open(os.path.join(ROOT, "docs", "schema.sql")).read())
    for n, (t, agent, domain, ok) in enumerate(events):
        sub = t - dt.timedelta(minutes=1)
        cur = con.execute("INSERT INTO submissions (created_at, agent, domain, item) VALUES (?,?,?,?)",
                          (iso(sub), agent, domain, "item-%d" % n))
        con.execute("INSERT INTO reviews (submission_id, reviewed_at, verdict, reason) VALUES (?,?,?,?)",
                    (cur.lastrowid, iso(t), "approved" if ok else "rejected",
                     None if ok else "missing_evidence"))
        con.execute("INSERT INTO costs (incurred_at, agent, model, usd) VALUES (?,?,?,?)",
                    (iso(sub), agent, "m", 0.03))
    con.commit()
    con.close()


def approved(n):
    return (n * 2654435761) % 100 < 80  # 80%, deterministic


def nab(name):
    rows = list(csv.DictReader(open(os.path.join(NAB, name + ".csv"))))
    values = [float(r["value"]) for r in rows]
    scale = (sum(values) / len(values)) / (300 / 72)  # about 300 reviews per 6 h
    agents, domains = ["a%d" % i for i in range(6)], ["d%d" % i for i in range(3)]
    events, n = [], 0
    for r, v in zip(rows, values):
        t0 = dt.datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        k = round(v / scale)
        for i in range(k):
            t = t0 + dt.timedelta(seconds=300 * (i + 0.5) / k)
            events.append((t, agents[n % 6], domains[n % 3], approved(n)))
            n += 1
    windows = [(dt.datetime.strptime(a[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC),
                dt.datetime.strptime(b[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC))
               for a, b in json.load(open(os.path.join(NAB, "windows.json")))[name + ".csv"]]
    start = dt.datetime.strptime(rows[0]["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    end = dt.datetime.strptime(rows[-1]["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return events, windows, start, end


def workweek(outage):
    start = dt.datetime(2026, 10, 26, tzinfo=UTC)  # a Monday
    end = start + dt.timedelta(weeks=5)
    stop = start + dt.timedelta(weeks=4, days=2, hours=10)  # last Wednesday 10:00
    events, n = [], 0
    t = start
    while t < end:
        if t.weekday() < 5 and 8 <= t.hour < 20 and not (outage and t >= stop):
            for a in range(6):
                for i in range(3):
                    events.append((t + dt.timedelta(minutes=20 * i + 3 * a), "agent%d" % a,
                                   "d%d" % (a % 3), approved(n)))
                    n += 1
        t += dt.timedelta(hours=1)
    return events, ([(stop, end)] if outage else []), start, end


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("series")
    p.add_argument("--step", type=float, default=1.0)
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "argus_exporter"))
    a = p.parse_args()
    if a.series.startswith("nab:"):
        events, windows, start, end = nab(a.series[4:])
    elif a.series in ("workweek", "workweek-outage"):
        events, windows, start, end = workweek(a.series == "workweek-outage")
    else:
        sys.exit("unknown series " + a.series)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "replay.db")
        write(db, events)
        out = subprocess.run([a.bin, "backtest", "--db", db, "--from", iso(start + dt.timedelta(days=8)),
                              "--to", iso(end), "--step", "%gh" % a.step, "--format", "json"],
                             capture_output=True, text=True, check=True)
        body = json.loads(out.stdout)
    evaluations = body["evaluations"]
    parse = lambda s: dt.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    inside, outside, first, false_episodes = {}, {}, {}, {}
    for e in body["episodes"]:
        check, t, end_t = e["check"], parse(e["start"]), parse(e["end"])
        met = False
        while t <= end_t:
            hit = [w for w in windows if w[0] <= t <= w[1]]
            (inside if hit else outside)[check] = (inside if hit else outside).get(check, 0) + 1
            for w in hit:
                first.setdefault((check, w[0]), t - w[0])
                met = True
            t += dt.timedelta(hours=a.step)
        if not met:
            false_episodes[check] = false_episodes.get(check, 0) + 1
    print("%s: %d reviews, %d evaluations every %gh, %d incident window(s)" %
          (a.series, len(events), evaluations, a.step, len(windows)))
    for check in sorted(set(inside) | set(outside)):
        delays = ["%.0fh" % (first[(check, w[0])].total_seconds() / 3600) if (check, w[0]) in first else "missed"
                  for w in windows]
        print("  %-26s false-alarm episodes %3d; alerting hours: %4d outside incidents, %4d inside; "
              "first alert after window start: %s" %
              (check, false_episodes.get(check, 0), outside.get(check, 0) * a.step,
               inside.get(check, 0) * a.step, ", ".join(delays) or "-"))
    if not inside and not outside:
        print("  no alert at any evaluation")
    caught = sum(1 for w in windows if any(w[0] == k[1] for k in first))
    print("  incidents caught: %d of %d; false-alarm episodes: %d" %
          (caught, len(windows), sum(false_episodes.values())))
    for w in windows:
        if not any(w[0] == k[1] for k in first):
            print("  window %s .. %s: no check fired" % (w[0], w[1]))


if __name__ == "__main__":
    main()

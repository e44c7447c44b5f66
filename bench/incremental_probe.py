#!/usr/bin/env python3
"""Lag probe for bench/incremental.sh: the same measurement for every system.

  incremental_probe.py write mysql|pg INTERVAL_MS -- CLIENT...
      Every INTERVAL_MS, inserts a row stamped with the source server's clock
      (microseconds since the epoch) into `probe` through CLIENT, one
      long-lived mariadb/psql process reading SQL from its stdin. Runs until
      SIGTERM/SIGINT.
  incremental_probe.py poll mysql|pg INTERVAL_MS -- CLIENT...
      Every INTERVAL_MS, asks the destination for its clock and the newest
      probe stamp it shows; CLIENT's stdout (redirect it) gets one
      "now_us<TAB>newest_us" line per poll.
  incremental_probe.py stats POLL_FILE START_US STOP_US TARGET_US
      Lag samples (now - newest visible probe) between START_US and STOP_US:
      p50/p99/max, the lag by 10 s window, and the catch-up time: from
      STOP_US until the destination first shows TARGET_US (the last probe
      the source committed before the stop). Prints shell assignments.

Every clock is this machine's (client, source and destination share it), so
lag needs no clock correction. Client and servers are driven by the stock
command-line clients, so nothing here needs a database driver.
"""
import math
import signal
import subprocess
import sys
import threading
import time

WRITE_SQL = {
    "mysql": "INSERT INTO probe (ts_us) VALUES (CAST(UNIX_TIMESTAMP(SYSDATE(6)) * 1000000 AS SIGNED));\n",
    "pg": "INSERT INTO probe (ts_us) VALUES ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint);\n",
}
POLL_SQL = {
    "mysql": "SELECT CAST(UNIX_TIMESTAMP(SYSDATE(6)) * 1000000 AS SIGNED), "
             "COALESCE((SELECT ts_us FROM probe ORDER BY id DESC LIMIT 1), 0);\n",
    "pg": "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, "
          "COALESCE((SELECT ts_us FROM probe ORDER BY id DESC LIMIT 1), 0);\n",
}
SETUP_SQL = {"mysql": "SET time_zone = '+00:00';\n", "pg": ""}


def drive(mode, engine, interval_ms, client):
    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # The client's answers pass through here a whole line at a time, flushed,
    # so a reader of our stdout never sees a half-written line.
    proc = subprocess.Popen(client, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    copier = threading.Thread(target=copy_lines, args=(proc.stdout,), daemon=True)
    copier.start()
    sql = (WRITE_SQL if mode == "write" else POLL_SQL)[engine]
    proc.stdin.write(SETUP_SQL[engine])
    interval = interval_ms / 1000.0
    next_tick = time.monotonic()
    while not stop and proc.poll() is None:
        try:
            proc.stdin.write(sql)
            proc.stdin.flush()
        except BrokenPipeError:
            break
        next_tick += interval
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:  # the client fell behind: do not queue a burst
            next_tick = time.monotonic()
    try:
        proc.stdin.close()
    except BrokenPipeError:
        pass
    proc.wait(timeout=30)
    copier.join(timeout=5)


def copy_lines(stream):
    for line in stream:
        if line.endswith("\n"):
            sys.stdout.write(line)
            sys.stdout.flush()


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, math.ceil(p / 100.0 * len(sorted_values)) - 1)
    return sorted_values[k]


def stats(poll_file, start_us, stop_us, target_us):
    samples = []
    with open(poll_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2 or not all(p.lstrip("-").isdigit() for p in parts):
                continue
            samples.append((int(parts[0]), int(parts[1])))
    samples.sort()
    during = [(now, (now - newest) / 1e6) for now, newest in samples if start_us <= now <= stop_us and newest > 0]
    lags = sorted(lag for _, lag in during)
    windows = []
    w = 0
    while start_us + w * 10_000_000 + 5_000_000 <= stop_us:  # no window for a sub-5 s tail
        lo, hi = start_us + w * 10_000_000, start_us + (w + 1) * 10_000_000
        in_w = [lag for now, lag in during if lo <= now < hi]
        windows.append(f"{max(in_w):.2f}" if in_w else "-")
        w += 1
    seen = next((now for now, newest in samples if newest >= target_us), None)
    catchup = "nan" if seen is None else f"{max(0.0, (seen - stop_us) / 1e6):.2f}"
    print(f"lag_samples={len(lags)}")
    print(f"lag_p50={percentile(lags, 50):.2f}")
    print(f"lag_p99={percentile(lags, 99):.2f}")
    print(f"lag_max={(lags[-1] if lags else float('nan')):.2f}")
    print(f"lag_windows='{' '.join(windows)}'")
    print(f"catchup={catchup}")
    print(f"caught_us={seen if seen is not None else 0}")


def main(argv):
    if len(argv) >= 5 and argv[1] in ("write", "poll") and argv[4] == "--":
        drive(argv[1], argv[2], int(argv[3]), argv[5:])
    elif len(argv) == 6 and argv[1] == "stats":
        stats(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

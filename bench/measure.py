#!/usr/bin/env python3
"""Runs a command and prints its CPU time (user+system, children included), wall time and peak RSS
as JSON: measure.py [--repeat N] [--env K=V ...] -- COMMAND ARGS...   (median of N runs by wall time)."""
import json
import os
import statistics
import subprocess
import sys
import time

args = sys.argv[1:]
repeat = 1
env = dict(os.environ)
while args and args[0] != "--":
    if args[0] == "--repeat":
        repeat = int(args[1]); args = args[2:]
    elif args[0] == "--env":
        key, value = args[1].split("=", 1); env[key] = value; args = args[2:]
    else:
        sys.exit(f"unknown option {args[0]}")
command = args[1:]
runs = []
for _ in range(repeat):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    runs.append({"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mib": usage.ru_maxrss / 1024,
                 "exit": os.waitstatus_to_exitcode(status)})
runs.sort(key=lambda run: run["wall"])
print(json.dumps(runs[len(runs) // 2]))

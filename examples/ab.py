#!/usr/bin/env python3
"""Commands taking turns, for A/B timing on a noisy machine.

usage: examples/ab.py RUNS DIR COMMAND [;; COMMAND ...]

Each round runs every command once, in order, in DIR, with stdout and stderr to
/dev/null; each command is started by posix_spawn (no shell) and timed to its exit.
Prints the median and the fastest run of each. Two desk binaries taking turns on one
helpdesk each rewrite .desk/cache/config.bin (it is kept per binary): give each its
own copy of the helpdesk (`-C DIR`) to compare them as users would run them.

After each command, untimed, it waits until no script is queued in DIR's helpdesk or
in those directly under DIR (`.desk/queue/`, the runs desk does in the background
after a change): they would slow the next command.

    examples/ab.py 41 /tmp/hd /tmp/desk-before new -s Hi ';;' target/release/desk new -s Hi
"""
import glob
import os
import statistics
import sys
import time

runs, where = int(sys.argv[1]), sys.argv[2]
commands = [c.split() for c in " ".join(sys.argv[3:]).split(" ;; ")]
took = [[] for _ in commands]
null = os.open(os.devnull, os.O_WRONLY)
out = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
os.chdir(where)
for _ in range(runs):
    for k, argv in enumerate(commands):
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=out)
        os.waitpid(pid, 0)
        took[k].append(time.perf_counter() - start)
        settle = time.perf_counter() + 60
        while glob.glob(".desk/queue/*.json") + glob.glob("*/.desk/queue/*.json"):
            if time.perf_counter() > settle:
                sys.exit("scripts still queued after a minute")
            time.sleep(0.0002)
for argv, t in zip(commands, took):
    print(f"median {statistics.median(t) * 1000:8.2f} ms  fastest {min(t) * 1000:8.2f} ms  {' '.join(argv)}")

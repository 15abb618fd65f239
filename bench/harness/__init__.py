"""The benchmark harness behind bench/run.py (make bench, make bench-quick).

constants  paths, the admin's credential, pinned tool versions, the URL under test
context    the run's settings and results (Ctx) and its progress log
procs      starting and stopping processes by id, free ports, waiting for a 200
servers    the command lines of ours and the floor app under each server
data       data dirs as a first start makes them, seeded for the reads and writes
wrk        one wrk run and its JSON report
rounds     best of interleaved rounds
tools      installing wrk, granian and Prism when missing
phases/    one module per phase of the suite
machine    the machine and versions a run reports
report     the Markdown report and the results section of bench/README.md
suite      running the phases and writing bench/results/
"""

"""The phases of the suite, one module each, each a `run(c, ...)` filling `c.results`.

reads     1 and 2: reads against the floor app serving bodies of the same size
servers   which server and worker count (full run only)
writes    3: POST + DELETE pairs against a bare sqlite3 loop
scale     4: 100,000 entries across 1,000 SVMs
startup   5: process start-up, and the in-process figures (bench/inproc.py)
prism     6: the peer, Prism mocking our own OpenAPI document
strongswan 7: REST answer to authority loaded in a real charon; full reconciliations
"""

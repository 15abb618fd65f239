"""What the server tells its operator: metrics (`GET /metrics`), logs, request ids.

- `recorder.py`: the figures of this process, kept in plain Python on the request path.
- `metrics.py`: those figures as prometheus_client's metrics, shared between the workers
  of a server through prometheus_client's multiprocess files; the scrape.
- `gauges.py`: what a scrape reads now (the IPsec CA list, certificate expiry, strongSwan).
- `shared_dir.py`: the per-server directory of the multiprocess files.
- `observe.py`: the ASGI layer around every request: its id, its timing, its access line.
- `routes.py`: a path as its route template (never a raw path with its uuids).
- `logs.py`: text or JSON log lines, and no secret in any of them.
"""

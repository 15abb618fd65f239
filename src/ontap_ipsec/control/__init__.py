"""The control API under /_ontap-ipsec/: what a test author needs besides ONTAP's API.

Outside `/api` so that no ONTAP record changes shape. Each part is a module that
registers its routes (:mod:`.routes`): readiness and reset here, faults, the request
journal, job progression and state snapshots in their own modules. `--no-control-api`
turns off every route that changes or reveals test state; readiness and the strongSwan
status stay, as a deployment in front of real IPsec hosts needs them.
"""

"""The test id a request carries: ``X-Ontap-Ipsec-Test-Id``.

The test toolkit's rules (faults, job failures) may name a test id, so that tests running
in parallel against one server do not see each other's rules. ONTAP ignores the header.
"""

from __future__ import annotations

from ontap_ipsec.rest.http import Request

HEADER = "X-Ontap-Ipsec-Test-Id"


def carried(request: Request) -> str | None:
    return request.headers.get(HEADER.lower()) or None

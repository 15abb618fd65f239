"""The toolkit's middleware: faults applied and exchanges journaled, around the whole app.

It sits outermost, so that a fault stands for the cluster itself (nothing behind it
runs) and the journal sees what the client saw, answers from the response cache
included. While no rule exists and the journal is off, a request costs one read of the
toolkit's generation counter (a memory load) and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import MutableMapping
from typing import Any

import orjson

from ontap_ipsec.control import faults as fault_rules
from ontap_ipsec.control import journal
from ontap_ipsec.rest.asgi import Receive, Scope, Send
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import BASE_HEADERS, JSON

log = logging.getLogger("ontap_ipsec.toolkit")
_CONTROL = "/_ontap-ipsec/"


class ToolkitMiddleware:
    def __init__(self, app: Any, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx
        self._seen = -1
        self._faults: list[fault_rules.Fault] = []
        self._journal = False
        self._size = journal.DEFAULT_SIZE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        toolkit = self.ctx.toolkit
        generation = toolkit.generation()
        if generation != self._seen:
            self._reload(generation)
        if (not self._faults and not self._journal) or scope["path"].startswith(_CONTROL):
            await self.app(scope, receive, send)
            return
        await self._around(scope, receive, send)

    def _reload(self, generation: int) -> None:
        toolkit = self.ctx.toolkit
        self._faults = [fault_rules.Fault.from_rule(i, r) for i, r, _m, _f in toolkit.faults()]
        self._journal, self._size = journal.settings(self.ctx)
        self._seen = generation

    def _firing(self, method: str, path: str, test_id: str | None) -> fault_rules.Fault | None:
        fired = None
        for rule in self._faults:
            if rule.matches(method, path, test_id):
                fires = self.ctx.toolkit.count_match(rule.id, rule.fires)
                if fires and fired is None:
                    fired = rule
        return fired

    async def _around(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, clock = time.time(), time.monotonic()
        method, path = scope["method"], scope["path"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        test_id = next((v for k, v in headers if k.lower() == fault_rules.TEST_ID_HEADER), None)
        fault = self._firing(method, path, test_id) if self._faults else None
        seen: dict[str, Any] = {"status": 0, "headers": [], "body": [], "request": []}

        async def receiving() -> MutableMapping[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                seen["request"].append(message.get("body", b""))
            return message

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                seen["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                seen["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self._apply(fault, scope, receiving, sending)
        finally:
            if self._journal:
                self._record(
                    scope, started, time.monotonic() - clock, headers, seen, test_id, fault
                )

    async def _apply(
        self, fault: fault_rules.Fault | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if fault is None:
            await self.app(scope, receive, send)
            return
        effect = fault.effect
        kind = effect["type"]
        log.info("fault %s (%s) on %s %s", fault.id, kind, scope["method"], scope["path"])
        if kind in ("error", "status"):
            status, body, extra = fault_rules.error_body(effect)
            await _send_json(send, status, body, extra)
        elif kind == "delay":
            await asyncio.sleep(fault_rules.delay_of(effect))
            await self.app(scope, receive, send)
        elif kind == "truncate":
            await self.app(scope, receive, _truncating(send))
        else:  # drop: the status line and headers, then the connection goes
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*BASE_HEADERS, (b"content-length", b"1024")],
                }
            )
            await send({"type": "http.response.body", "body": b"", "more_body": True})

    def _record(
        self,
        scope: Scope,
        started: float,
        duration: float,
        headers: list[tuple[str, str]],
        seen: dict[str, Any],
        test_id: str | None,
        fault: fault_rules.Fault | None,
    ) -> None:
        try:
            self.ctx.toolkit.record(
                test_id,
                scope["method"],
                scope["path"],
                seen["status"],
                journal.entry(
                    started=started,
                    duration=duration,
                    method=scope["method"],
                    path=scope["path"],
                    query=scope["query_string"].decode("latin-1"),
                    request_headers=headers,
                    request_body=b"".join(seen["request"]),
                    status=seen["status"],
                    response_headers=seen["headers"],
                    response_body=b"".join(seen["body"]),
                    test_id=test_id,
                    fault=fault.id if fault is not None else None,
                ),
                self._size,
            )
        except Exception:  # noqa: BLE001 - the journal must never fail a request
            log.exception(
                "the request journal could not record %s %s", scope["method"], scope["path"]
            )


def _truncating(send: Send) -> Send:
    """Half of the body is sent, under the full body's Content-Length; then it ends."""

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            cut = {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            await send(cut)
            return  # the app ends with the response unfinished: the server drops the connection
        await send(message)

    return sending


async def _send_json(send: Send, status: int, body: Any, extra: dict[str, str]) -> None:
    raw = orjson.dumps(body)
    headers = [
        *BASE_HEADERS,
        (b"content-type", JSON.encode()),
        (b"content-length", str(len(raw)).encode()),
        *[(k.encode(), v.encode()) for k, v in extra.items()],
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})

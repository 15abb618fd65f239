"""The REST client behind every command: one cluster, Basic auth, ONTAP's errors."""

from __future__ import annotations

import getpass
import os
import ssl
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.options import GlobalOptions
from ontap_ipsec.cli.profiles import load_profile

PASSWORD_ENV = "ONTAP_PASSWORD"
JOB_DONE = frozenset({"success", "failure", "error", "cancelled", "expired"})
JOB_TIMEOUT = 300.0


def base_url(opts: GlobalOptions) -> tuple[str, dict[str, Any]]:
    """The cluster's https://host:port and the profile's remaining settings."""
    profile = load_profile(opts.profile) if opts.profile or not opts.host else {}
    host = opts.host or profile.get("host")
    if not host:
        raise CliError("no cluster given: use --host <name> or --profile <name>", status=2)
    scheme = "https"
    if "://" in host:
        parts = urlsplit(host)
        scheme, host = parts.scheme or "https", parts.hostname or ""
        port = opts.port or parts.port or profile.get("port")
    else:
        port = opts.port or profile.get("port")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    port = port or (443 if scheme == "https" else 80)
    return f"{scheme}://{host}:{port}", profile


def password() -> str:
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"no password: set {PASSWORD_ENV} or run interactively", status=2)
    return getpass.getpass("Password: ")


def verify_setting(opts: GlobalOptions, profile: dict[str, Any]) -> ssl.SSLContext | bool:
    if opts.insecure or (profile.get("insecure") and not opts.cacert):
        return False
    cacert = opts.cacert or profile.get("cacert")
    if cacert:
        path = os.path.expanduser(cacert)
        try:
            return ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"cannot use --cacert {cacert}: {exc}", status=2) from None
    return True


class Session:
    """What a command needs: REST calls, the cluster's name, and how to print."""

    def __init__(self, opts: GlobalOptions) -> None:
        self.opts = opts
        self.url, profile = base_url(opts)
        user = opts.user or profile.get("user") or "admin"
        self.client = httpx.Client(
            base_url=self.url,
            auth=(user, password()),
            verify=verify_setting(opts, profile),
            timeout=httpx.Timeout(60.0, connect=10.0),
            headers={"Accept": "application/hal+json", "X-Dot-Client-App": "ontap-ipsec-cli"},
        )
        self._cluster_name: str | None = None

    @property
    def json_output(self) -> bool:
        return self.opts.output == "json"

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, path, **kw)
        except httpx.ConnectError as exc:
            raise CliError(_connect_problem(self.url, exc)) from None
        except httpx.TimeoutException:
            raise CliError(f"{self.url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise CliError(f"talking to {self.url} failed: {exc}") from None
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and error.get("message"):
                raise CliError(str(error["message"]), _code(error.get("code")))
            raise CliError(f"HTTP {response.status_code} {response.reason_phrase} from {path}")
        if not isinstance(body, dict):
            raise CliError(f"{path} answered with something other than a JSON object")
        return body

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any], params: dict[str, Any] | None = None) -> dict:
        return self.request("POST", path, json=body, params=params)

    def delete(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("DELETE", path, params=params)

    def records(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every record of a collection, following `_links.next`."""
        return list(self._iter_records(path, params))

    def _iter_records(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        body = self.get(path, params)
        while True:
            yield from body.get("records", [])
            nxt = body.get("_links", {}).get("next", {}).get("href")
            if not nxt:
                return
            body = self.get(nxt)

    def cluster_name(self) -> str:
        if self._cluster_name is None:
            self._cluster_name = str(self.get("/api/cluster", {"fields": "name"}).get("name"))
        return self._cluster_name

    def wait_for_job(self, answer: dict[str, Any]) -> dict[str, Any]:
        """Follow the job an answer names until it ends; a failed job is an error."""
        job = answer.get("job")
        if not job:
            return {}
        href = job.get("_links", {}).get("self", {}).get("href")
        href = href or f"/api/cluster/jobs/{job['uuid']}"
        deadline = time.monotonic() + JOB_TIMEOUT
        delay = 0.05
        while True:
            state = self.get(href, {"fields": "uuid,state,message,code"})
            if state.get("state") in JOB_DONE:
                break
            if time.monotonic() > deadline:
                raise CliError(f"job {job.get('uuid')} is still {state.get('state')}; giving up")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        if state["state"] != "success":
            raise CliError(
                str(state.get("message") or f"job {state['state']}"), _code(state.get("code"))
            )
        return state


def _code(code: object) -> str | None:
    return None if code in (None, "", 0, "0") else str(code)


def _connect_problem(url: str, exc: httpx.ConnectError) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return (
            f"cannot verify the TLS certificate of {url} ({_reason(text)}); "
            "use --cacert <file> or --insecure"
        )
    return f"cannot connect to {url}: {_reason(text)}"


def _reason(text: str) -> str:
    return text.split("] ", 1)[-1].strip() or "connection failed"

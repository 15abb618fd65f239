"""Path -> (resource, scope, path parameters), and the Allow list of a path."""

from __future__ import annotations

from dataclasses import dataclass

from ontap_ipsec import versions
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.resource import Handler, Resource


@dataclass
class Match:
    resource: Resource
    scope: str  # "collection", "instance" or "action:<name>"
    params: dict[str, str]

    def handlers(self) -> dict[str, Handler]:
        if self.scope.startswith("action:"):
            return self.resource.actions[self.scope[len("action:") :]].handlers
        return {m: h for (s, m), h in self.resource.handlers.items() if s == self.scope}

    def allow(self) -> str:
        methods = list(self.handlers())
        if "GET" in methods:
            methods.append("HEAD")
        methods.append("OPTIONS")
        return ", ".join(methods)


class Router:
    def __init__(self, resources: list[Resource]) -> None:
        self.resources = resources
        self._by_path = {r.path: r for r in resources}

    def match(self, path: str) -> Match | None:
        """The route of `path`; None ("API not found") also for an endpoint the release
        being served does not have (src/ontap_ipsec/versions.py)."""
        found = self._match(path)
        if found is not None and not versions.current().allows(f"endpoint {found.resource.path}"):
            return None
        return found

    def template(self, path: str) -> str | None:
        """The route of `path` as a template (`.../ca-certificates/{certificate.uuid}`,
        `.../{uuid}/sign`), or None; raises nothing, whatever the release served."""
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if path in self._by_path:
            return path
        parent, _, last = path.rpartition("/")
        resource = self._by_path.get(parent)
        if resource is not None and not resource.singleton and last:
            return resource.instance_path
        grand, _, key = parent.rpartition("/")
        resource = self._by_path.get(grand)
        if resource is not None and resource.key_segments == 2 and key and last:
            return resource.instance_path
        if resource is not None and not resource.singleton and key and last in resource.actions:
            name = resource.actions[last].path_key or resource.key
            return f"{resource.path}/{{{name}}}/{last}"  # as the OpenAPI document has it
        return None

    def _match(self, path: str) -> Match | None:
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        resource = self._by_path.get(path)
        if resource is not None:
            return Match(resource, "collection", {})
        parent, _, last = path.rpartition("/")
        resource = self._by_path.get(parent)
        if resource is not None and not resource.singleton and last:
            if resource.key_segments == 2:  # half a key names nothing
                raise OntapError(404, "4", "entry doesn't exist", target=resource.not_found_target)
            return Match(resource, "instance", {"key": last})
        grand, _, key = parent.rpartition("/")
        resource = self._by_path.get(grand)
        if resource is not None and resource.key_segments == 2 and key and last:
            return Match(resource, "instance", {"key": f"{key}/{last}"})
        if resource is not None and not resource.singleton and key:
            if last in resource.actions:
                return Match(resource, f"action:{last}", {"key": key})
            # An extra path segment is reported as ONTAP does.
            raise OntapError(404, "262179", f'Unexpected argument "{last}".')
        return None

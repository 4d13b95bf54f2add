"""ARM routing: path templates matched segment by segment, case-insensitively (ARM treats
namespaces, types and names case-insensitively), plus the RBAC action each route needs."""


class Route:
    def __init__(self, methods, template, handler, action=None, check_rg=True):
        self.methods = tuple(m.upper() for m in methods)
        self.template = template
        self.parts = []
        for seg in template.strip("/").split("/"):
            if seg.startswith("{") and seg.endswith("}"):
                name = seg[1:-1]
                self.parts.append(("glob", name[:-1]) if name.endswith("*") else ("param", name))
            else:
                self.parts.append(("lit", seg.lower()))
        self.handler = handler
        self.action = action
        self.check_rg = check_rg
        self.fixed = all(kind != "glob" for kind, _unused in self.parts)

    def match(self, segs):
        if self.fixed:
            if len(segs) != len(self.parts):
                return None
            params = {}
            for (kind, val), seg in zip(self.parts, segs, strict=True):
                if kind == "lit":
                    if seg.lower() != val:
                        return None
                elif not seg:
                    return None
                else:
                    params[val] = seg
            return params
        return _match_glob(self.parts, segs, {})


def _match_glob(parts, segs, params):
    if not parts:
        return params if not segs else None
    (kind, val), rest = parts[0], parts[1:]
    if kind == "glob":
        for n in range(len(segs) - len(rest), 0, -1):
            found = _match_glob(rest, segs[n:], {**params, val: "/" + "/".join(segs[:n])})
            if found is not None:
                return found
        return None
    if not segs:
        return None
    if kind == "lit":
        return _match_glob(rest, segs[1:], params) if segs[0].lower() == val else None
    return _match_glob(rest, segs[1:], {**params, val: segs[0]}) if segs[0] else None


class Router:
    def __init__(self):
        self.routes = []
        self.namespaces = {}

    def add(self, methods, template, handler, action=None, check_rg=True):
        if isinstance(methods, str):
            methods = [methods]
        self.routes.append(Route(methods, template, handler, action, check_rg))

    def match(self, method, segs):
        """(route, params) for the request; (None, allowed-methods) when only the method differs."""
        allowed = set()
        for route in self.routes:
            params = route.match(segs)
            if params is None:
                continue
            if method in route.methods or (method == "HEAD" and "GET" in route.methods and "HEAD" not in route.methods):
                return route, params
            allowed.update(route.methods)
        return None, allowed


def derive_action(segs, method):
    """The RBAC action ARM checks for a request path (the provider operations naming scheme:
    ``{Namespace}/{type}[/{childType}...]/{read|write|delete}`` or ``.../{action}/action``)."""
    low = [s.lower() for s in segs]
    verb = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(method, "action")
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        if i + 1 >= len(segs):
            return f"Microsoft.Resources/providers/{verb}"
        ns = segs[i + 1]
        rest = segs[i + 2:]
        if not rest:
            return f"{ns}/register/action" if method == "POST" else "Microsoft.Resources/subscriptions/providers/read"
        if len(rest) % 2 == 1:
            if method == "POST":
                types = rest[:-1][0::2]
                return "/".join([ns, *types, rest[-1], "action"])
            types = rest[0::2]
            return "/".join([ns, *types, verb])
        types = rest[0::2]
        if method == "POST":
            return "/".join([ns, *types, "action"])
        return "/".join([ns, *types, verb])
    # Microsoft.Resources paths: /subscriptions/{s}[/resourceGroups/{rg}][/resources|/tagNames...]
    types = ["subscriptions"]
    j = 2
    while j < len(low):
        if low[j] == "resourcegroups":
            types.append("resourceGroups")
        else:
            types.append(segs[j])
        j += 2
    if method == "POST":
        return "/".join(["Microsoft.Resources", *types, "action"])
    return "/".join(["Microsoft.Resources", *types, verb])


def scope_of(segs):
    """The scope an RBAC check uses: the resource path without a trailing collection or action."""
    low = [s.lower() for s in segs]
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        rest = segs[i + 2:]
        if len(rest) % 2 == 1:
            segs = segs[:-1]
        return "/" + "/".join(segs[: max(i, 2) if not rest else len(segs)])
    if len(segs) % 2 == 1:
        segs = segs[:-1]
    return "/" + "/".join(segs)

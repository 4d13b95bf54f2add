# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monthly update check's Python side: a release's requirements, the package index's answers (PEP 691 JSON, or the
PEP 503 HTML an index such as pypiserver serves) compared the way pip chooses a version, and pip-audit's JSON report.

The index is read by ``ansible.builtin.uri`` in the role (proxy, CA bundle and errors as for any HTTP read); these filters
only interpret what came back, so they are pure and unit-tested. Version ordering and specifiers are PEP 440's, from
``packaging`` (an ansible-core dependency).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from html.parser import HTMLParser

from ansible.errors import AnsibleFilterError

try:
    from packaging.markers import InvalidMarker, UndefinedEnvironmentName
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, canonicalize_name, parse_sdist_filename, parse_wheel_filename
    from packaging.version import InvalidVersion, Version
    HAS_PACKAGING = True
except ImportError:  # pragma: no cover - ansible-core requires packaging
    HAS_PACKAGING = False

# PEP 691: a client asks for the JSON form first; an index that only has PEP 503 HTML (pypiserver, older mirrors) answers
# with that, as it does for pip, which sends the same preferences.
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


def _need_packaging():
    if not HAS_PACKAGING:
        raise AnsibleFilterError("the erpops.azure package filters need the Python library 'packaging' on the controller")


def _environment(python_version):
    """The marker environment of App Service's Linux Python (only the version varies from one app to another)."""
    env = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "platform_machine": "x86_64"}
    if python_version:
        parts = (str(python_version).split(".") + ["0", "0"])[:3]
        env.update(python_version="%s.%s" % (parts[0], parts[1]), python_full_version=".".join(parts))
    return env


def _logical_lines(text):
    """Requirement lines as pip reads them: continuations joined, comments (at a line start or after white space) dropped."""
    pending = ""
    for raw in (text or "").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def python_requirements(text, python_version=None):
    """The requirements of a ``requirements.txt`` text, one dict each: ``name`` (canonical, as the index names it),
    ``project`` (as written), ``extras``, ``specifier``, ``pinned`` (the version of an ``==``/``===`` pin, else None),
    ``requirement`` (normalised text) and ``error`` (why it cannot be looked up: a direct URL, an included file...).
    Requirements whose environment marker is false for ``python_version`` on Linux are left out, as pip leaves them."""
    _need_packaging()
    out, seen = [], set()
    for line in _logical_lines(text):
        if line.startswith("-"):
            option, _sep, value = line.partition(" ")
            if option in ("-r", "--requirement", "-c", "--constraint") or option.startswith(("--requirement=", "--constraint=")):
                out.append({"name": None, "project": value.strip() or option, "extras": [], "specifier": "", "pinned": None,
                            "requirement": line, "error": "includes another file, which this check does not follow"})
            continue  # --index-url, --hash-only lines, -e ...: options, not requirements
        spec = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0].strip()  # per-requirement options: --hash=..., --config-settings
        try:
            req = Requirement(spec)
        except InvalidRequirement as e:
            out.append({"name": None, "project": spec, "extras": [], "specifier": "", "pinned": None, "requirement": line,
                        "error": "not a valid requirement (%s)" % e})
            continue
        if req.marker is not None and python_version:
            try:
                if not req.marker.evaluate(_environment(python_version)):
                    continue
            except (InvalidMarker, UndefinedEnvironmentName):
                pass
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        entry = {"name": name, "project": req.name, "extras": sorted(req.extras), "specifier": str(req.specifier),
                 "pinned": pins[0] if len(pins) == 1 and len(req.specifier) == 1 else None, "requirement": spec, "error": None}
        if req.url:
            entry["error"] = "installed from a direct URL (%s), not from the index" % req.url
        out.append(entry)
    return out


class _Anchors(HTMLParser):
    """The files of a PEP 503 project page: each anchor's text is the file name; ``data-yanked`` (PEP 592) and
    ``data-requires-python`` (PEP 503, HTML-escaped, unescaped here by the parser) ride on the anchor."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.files, self._current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            a = dict(attrs)
            self._current = {"filename": "", "href": a.get("href") or "", "requires-python": a.get("data-requires-python"),
                             "yanked": (a["data-yanked"] or True) if "data-yanked" in a else False}

    def handle_data(self, data):
        if self._current is not None:
            self._current["filename"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._current is not None:
            current, self._current = self._current, None
            current["filename"] = current["filename"].strip() or current["href"].split("#")[0].rsplit("/", 1)[-1]
            self.files.append(current)


def index_files(page):
    """The files of one project page as ``(files, error)``. ``page`` is what ``ansible.builtin.uri`` returned (``status``,
    ``content_type``, ``json`` or ``content``, ``msg``). PEP 691 JSON is read when the index answered with it, PEP 503
    HTML otherwise; a JSON answer of an unknown major api-version is refused, as PEP 691 asks of clients."""
    page = page or {}
    status = page.get("status")
    if status != 200:
        if status == 404:
            return [], "not on the index (HTTP 404)"
        reason = " ".join(str(page.get("msg") or "").split())
        return [], ("HTTP %s: %s" % (status, reason) if status and status > 0 else reason or "no answer from the index")
    ctype = str(page.get("content_type") or "").split(";", maxsplit=1)[0].strip().lower()
    body = page.get("json")
    if body is None and ctype.endswith("json"):
        try:
            body = json.loads(page.get("content") or "")
        except ValueError as e:
            return [], "the index's JSON answer does not parse (%s)" % e
    if isinstance(body, dict):
        api = str((body.get("meta") or {}).get("api-version") or "1.0")
        if api.split(".", maxsplit=1)[0] != "1":
            return [], "the index answered PEP 691 api-version %s, this check reads 1.x" % api
        return [f for f in body.get("files") or [] if isinstance(f, dict)], None
    if ctype in ("text/html", "application/vnd.pypi.simple.v1+html") or "<a" in str(page.get("content") or ""):
        parser = _Anchors()
        parser.feed(str(page.get("content") or ""))
        return parser.files, None
    return [], "the index answered %s, neither PEP 691 JSON nor PEP 503 HTML" % (ctype or "without a content type")


def _file_version(name, filename):
    try:
        if filename.endswith(".whl"):
            project, version = parse_wheel_filename(filename)[:2]
        elif filename.endswith((".tar.gz", ".zip")):
            project, version = parse_sdist_filename(filename)
        else:
            return None  # eggs, Windows installers: not what pip installs on Linux
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return version if canonicalize_name(project) == name else None


def releases(name, files, python_version=None):
    """Each version the files make up: ``{version: {"yanked": reason or None, "python_ok": bool}}``. A version is yanked
    when all its files are (PEP 592), and installable on ``python_version`` when one of its files that is not yanked
    admits it (``requires-python``), as pip filters candidates."""
    env = _environment(python_version)
    out = {}
    for f in files:
        version = _file_version(name, str(f.get("filename") or ""))
        if version is None:
            continue
        entry = out.setdefault(version, {"files": 0, "yanked_files": 0, "yanked": None, "python_ok": False})
        entry["files"] += 1
        yanked = f.get("yanked")
        if yanked:
            entry["yanked_files"] += 1
            entry["yanked"] = yanked if isinstance(yanked, str) else "yanked"
            continue
        rp = f.get("requires-python")
        ok = True
        if rp and python_version:
            try:
                ok = SpecifierSet(rp).contains(env["python_full_version"], prereleases=True)
            except InvalidSpecifier:
                ok = True  # pip ignores a requires-python it cannot parse
        entry["python_ok"] = entry["python_ok"] or ok
    for entry in out.values():
        if entry["yanked_files"] < entry["files"]:
            entry["yanked"] = None
    return out


def behind(current, latest):
    """How far ``current`` is behind ``latest``: ``major``, ``minor``, ``patch`` (any later release on the same minor,
    post-releases included) or None."""
    if current is None or latest is None or latest <= current:
        return None
    a = (tuple(current.release) + (0, 0, 0))[:3]
    b = (tuple(latest.release) + (0, 0, 0))[:3]
    if b[0] != a[0]:
        return "major"
    if b[1] != a[1]:
        return "minor"
    return "patch"


def package_update(requirement, page, python_version=None):
    """One requirement against its index page: ``current`` (the pin, or the version a build installs today for a range),
    ``latest`` (the newest release installable on ``python_version``: neither a pre-release nor yanked), ``newest``
    (the newest release for any Python, when it needs a newer one), ``behind``, ``outdated``, ``yanked`` (the reason, when
    the pinned version was yanked) and ``error``."""
    _need_packaging()
    out = {"name": requirement.get("name"), "requirement": requirement.get("requirement"), "pinned": requirement.get("pinned"),
           "current": None, "latest": None, "newest": None, "newest_requires_python": None, "behind": None, "outdated": False,
           "yanked": None, "error": requirement.get("error"), "versions": 0}
    if out["error"]:
        return out
    files, error = index_files(page)
    if error:
        out["error"] = error
        return out
    found = releases(out["name"], files, python_version)
    out["versions"] = len(found)
    if not found:
        out["error"] = "the index lists no installable file of %s" % out["name"]
        return out
    available = [v for v, e in found.items() if not e["yanked"]]
    finals = [v for v in available if not v.is_prerelease]
    installable = [v for v in finals if found[v]["python_ok"]]
    latest = max(installable) if installable else None
    newest = max(finals) if finals else None
    try:
        spec = SpecifierSet(requirement.get("specifier") or "")
    except InvalidSpecifier as e:
        out["error"] = "invalid specifier (%s)" % e
        return out
    if requirement.get("pinned"):
        try:
            current = Version(requirement["pinned"])
        except InvalidVersion:
            out["error"] = "the pin %s is not a PEP 440 version" % requirement["pinned"]
            return out
        entry = found.get(current)
        if entry is None:
            out["error"] = "the pinned version %s is not on the index" % current
        elif entry["yanked"]:
            out["yanked"] = entry["yanked"]
    else:
        # pip's choice for a range: the newest release the specifier admits among those not yanked and installable on the
        # app's Python; pre-releases only when the specifier names one or nothing else matches (PEP 440).
        candidates = list(spec.filter([v for v in available if found[v]["python_ok"]]))
        if not candidates:
            out["error"] = "no release on the index satisfies %s for Python %s" % (out["requirement"], python_version or "any")
            return out
        current = max(candidates)
    out.update(current=str(current), latest=str(latest) if latest else None)
    if newest is not None and (latest is None or newest > latest):
        out["newest"] = str(newest)
        needs = sorted({f.get("requires-python") for f in files if _file_version(out["name"], str(f.get("filename") or "")) == newest
                        and f.get("requires-python")})
        out["newest_requires_python"] = ", ".join(needs) or None
    out["behind"] = behind(current, latest)
    out["outdated"] = out["behind"] is not None
    return out


def package_updates(requirements, pages, python_version=None):
    """:func:`package_update` for each requirement; ``pages`` maps a requirement's name to its index page."""
    if not isinstance(requirements, list):
        raise AnsibleFilterError("package_updates: the input must be the list python_requirements returns")
    pages = pages or {}
    return [package_update(r, pages.get(r.get("name")) if r.get("name") else None, python_version) for r in requirements]


_NOISE = re.compile(r"^(WARNING:|INFO:|DEBUG:|Traceback|\s|During handling|The above exception|Found \d+ known|No known vuln)")


def pip_audit_report(result):
    """pip-audit's JSON report (``--format json``) from a command result (``rc``, ``stdout``, ``stderr``, ``msg``):
    ``evaluated``, ``error`` (why not, in pip-audit's own words), ``vulnerabilities`` (one per advisory and package:
    ``name``, ``version``, ``id``, ``aliases``, ``fix_versions``, ``description``), ``skipped`` and ``audited``."""
    result = result or {}
    out = {"evaluated": False, "error": None, "vulnerabilities": [], "skipped": [], "audited": 0}
    try:
        report = json.loads(result.get("stdout") or "")
    except ValueError:
        report = None
    if isinstance(report, dict) and isinstance(report.get("dependencies"), list):
        out["evaluated"] = True
        for dep in report["dependencies"]:
            if dep.get("skip_reason"):
                out["skipped"].append({"name": dep.get("name"), "reason": dep["skip_reason"]})
                continue
            out["audited"] += 1
            for vuln in dep.get("vulns") or []:
                out["vulnerabilities"].append({"name": dep.get("name"), "version": dep.get("version"), "id": vuln.get("id"),
                                               "aliases": list(vuln.get("aliases") or []), "fix_versions": list(vuln.get("fix_versions") or []),
                                               "description": " ".join(str(vuln.get("description") or "").split())})
        return out
    stderr = str(result.get("stderr") or "")
    if "No module named pip_audit" in stderr:
        out["error"] = "pip-audit is not installed in the controller's Python (pip install pip-audit)"
        return out
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not _NOISE.match(ln)]
    message = lines[-1] if lines else " ".join(str(result.get("msg") or "").split()) or "pip-audit exited %s" % result.get("rc")
    out["error"] = re.sub(r"^ERROR:pip_audit\.[\w.]+:", "", message).strip()
    return out


class FilterModule(object):
    def filters(self):
        return {"python_requirements": python_requirements, "package_updates": package_updates, "pip_audit_report": pip_audit_report}

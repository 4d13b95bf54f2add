"""`make docs`: erpops.azure's documentation as a static site in docs/build/html.

1. antsibull-docs renders every module, plugin (inventory, callback, filter) and role of the collection into
   docs/build/rst/collections/erpops/azure/ (the collection is found on ANSIBLE_COLLECTIONS_PATH, the checkout's link).
2. The guide-level chapters come from README.md, one page each: deploy, release, maintain, audit, AWX.
3. sphinx-build renders the site; a warning fails the build, except the references into Ansible's own documentation
   that an offline build cannot resolve (see docs/conf.py).
"""

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(HERE, "build")
RST = os.path.join(BUILD, "rst")
BIN = os.path.dirname(sys.executable)
# (page, title, README headings whose sections make the page, in order)
CHAPTERS = [
    ("deploy", "Deploy", ["### deploy.yml"]),
    ("release", "Release", ["roles/release/README.md"]),
    ("maintain", "Maintain", ["### Maintenance (playbooks/maintain.yml)"]),
    ("audit", "Audit", ["### Audit (playbooks/audit.yml)"]),
    ("awx", "AWX and many ERPs", ["### AWX and many ERPs", "### Inventories and variables"]),
]
# References Sphinx cannot resolve offline: Ansible's own documentation (docs/conf.py).
EXTERNAL = re.compile(r"undefined label: '(common_return_values|callback_plugins|ansible_configuration_settings|"
                      r"ansible_collections\.ansible\.builtin\.[a-z_]+)'|'envvar' reference target not found: ANSIBLE_CACHE_PLUGIN")


def section(text, heading):
    """The README section under ``heading`` (up to the next heading of the same or a higher level)."""
    level = len(heading.split(" ", 1)[0])
    start = text.index(heading + "\n")
    rest = text[start + len(heading) + 1:]
    m = re.search(r"^#{1,%d} " % level, rest, re.M)  # noqa: UP031 - a regex's braces
    return rest[: m.start()] if m else rest


def chapters():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for page, title, headings in CHAPTERS:
        body = []
        for heading in headings:
            if heading.endswith(".md"):  # a whole file (a role's README), its own title dropped
                with open(os.path.join(ROOT, heading), encoding="utf-8") as f:
                    text = f.read()
                body.append(re.sub(r"^# .*\n", "", text, count=1))
                continue
            if heading + "\n" not in readme:
                sys.exit(f"docs: README.md has no heading {heading!r} (docs/build.py CHAPTERS)")
            part = section(readme, heading)
            if body:  # the first part is under the page's title
                body.append("## " + heading.split(" ", 1)[1] + "\n")
            body.append(re.sub(r"^(#+) ", lambda m: "#" * max(2, len(m.group(1)) - 2) + " ", part, flags=re.M))
        text = "\n".join(body)
        # Links to the repository's own files (roles/maintain/README.md, group_vars/...) become their path as code: the
        # site holds the rendered documentation, not the tree.
        text = re.sub(r"\[([^\]]+)\]\((?!https?:|#)[^)]+\)", lambda m: m.group(1) if m.group(1).startswith("`") else f"`{m.group(1)}`", text)
        with open(os.path.join(RST, f"{page}.md"), "w", encoding="utf-8") as f:
            f.write(f"# {title}\n\n" + text)


INDEX = """erpops.azure
============

An Ansible collection that provisions, operates and audits a Django ERP on Azure App Service and Azure Database for
PostgreSQL Flexible Server.

.. toctree::
   :maxdepth: 1
   :caption: Guide

   deploy
   release
   maintain
   audit
   awx

.. toctree::
   :maxdepth: 2
   :caption: Reference

   collections/erpops/azure/index
"""


def main():
    shutil.rmtree(BUILD, ignore_errors=True)
    os.makedirs(RST, mode=0o755)
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".make", "collections"))
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")  # antsibull-docs runs ansible-doc and ansible from the same venv
    antsibull = [os.path.join(BIN, "antsibull-docs"), "--config-file", os.path.join(HERE, "antsibull-docs.cfg"), "collection", "--use-current",
                 "--dest-dir", RST, "--cleanup", "everything", "erpops.azure"]
    proc = subprocess.run(antsibull, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - the venv's own tool
    # antsibull-docs writes an error page and goes on when a plugin's or role's documentation does not validate: here
    # that fails the build.
    invalid = [line for line in proc.stderr.splitlines() if "did not return correct DOCUMENTATION" in line or line.startswith("ERROR")]
    if proc.returncode or invalid:
        sys.exit("docs: antsibull-docs failed:\n" + "\n".join(invalid or proc.stderr.splitlines()[-30:]))
    chapters()
    with open(os.path.join(RST, "index.rst"), "w", encoding="utf-8") as f:
        f.write(INDEX)
    sphinx = [os.path.join(BIN, "sphinx-build"), "-b", "html", "-c", HERE, "-q", "-j", "2", RST, os.path.join(BUILD, "html")]
    proc = subprocess.run(sphinx,  # noqa: S603 - the venv's own tool
                          capture_output=True, text=True, env=env, check=False)
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    own = [line for line in warnings if not EXTERNAL.search(line)]
    if proc.returncode or own:
        sys.exit("docs: sphinx-build failed or warned:\n" + "\n".join(own or proc.stderr.splitlines()[-40:]))
    pages = sum(len([n for n in files if n.endswith(".html")]) for _d, _s, files in os.walk(os.path.join(BUILD, "html")))
    print(f"docs: {pages} pages in {os.path.relpath(os.path.join(BUILD, 'html'), ROOT)}/ "
          f"({len(warnings)} references into Ansible's own documentation left unresolved offline)")


if __name__ == "__main__":
    main()

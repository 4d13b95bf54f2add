"""Microsoft.Web: App Service plans, sites and slots with their configuration, swaps, hostname
bindings, certificates (incl. App Service Managed Certificates), backups, publishing policies
(azure-mgmt-web WebSiteManagementClient, api 2021-03-01 ... 2025-05-01); Kudu (:mod:`.kudu`) and the
apps themselves (:mod:`.runtime`), served by the front door (:mod:`.frontdoor`).

The package is split by concern; each module exposes ``register(app)``.  ``common`` holds what
several modules share: the SKU table and the site/plan lookups.
"""

import importlib

from . import common

API_VERSIONS = ["2025-05-01", "2024-11-01", "2024-04-01", "2023-12-01", "2023-01-01", "2022-09-01", "2022-03-01", "2021-03-01",
                "2021-02-01", "2021-01-15", "2020-12-01", "2020-09-01", "2020-06-01", "2019-08-01", "2018-11-01", "2018-02-01", "2016-08-01"]

RESOURCE_TYPES = ("sites", "serverfarms", "certificates", "checknameavailability", "sites/slots", "publishingUsers", "sourcecontrols",
                  "locations", "deletedSites", "hostingEnvironments", "kubeEnvironments", "staticSites", "listSitesAssignedToHostName",
                  "validate", "skus", "availableStacks", "webAppStacks", "locations/webAppStacks", "geoRegions", "recommendations", "deploymentLocations")

MODULES = ("serverfarms", "sites", "site_config", "site_auth_refs", "slots", "hostnames", "certificates", "backups", "stacks")


def register(app):
    app.namespace("Microsoft.Web", dict.fromkeys(RESOURCE_TYPES, API_VERSIONS))
    for name in MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        mod.register(app)
    # The apps themselves: the runtime runs what Kudu deploys, the front door serves it.
    from . import frontdoor, kudu, logs, runtime
    site_logs = logs.SiteLogs(app)
    rt = runtime.Runtime(app, site_logs)
    app.web_runtime = rt  # backups and restores write and read the sites' files
    app.start_hooks.append(rt.start)
    app.reset_hooks.append(rt.reset)
    app.admin_routes[("GET", "sites")] = lambda req: runtime.admin_sites(app, rt)
    frontdoor.register(app, rt, kudu.Kudu(app, rt), site_logs)


__all__ = ["common", "register"]

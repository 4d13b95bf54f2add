"""One package per ARM namespace: ``models.py`` (state and validation) and ``handlers.py`` (HTTP).

Each package exposes ``register(app)``, which declares its namespace, adds its routes and
hooks, and is called once at start-up.
"""

import importlib

PROVIDERS = ("resources", "authorization", "web", "network", "domainregistration", "dbforpostgresql", "insights", "alertsmanagement",
             "operationalinsights", "storage", "keyvault", "consumption", "costmanagement", "cache", "cdn", "portal", "security",
             "resourcegraph")


def load_all(app):
    for name in PROVIDERS:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # a provider not written yet
            raise
        mod.register(app)

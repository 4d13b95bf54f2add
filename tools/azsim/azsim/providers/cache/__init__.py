"""Microsoft.Cache/Redis: Azure Cache for Redis, management plane only (azure-mgmt-redis 14.5, api 2024-11-01)."""

from . import handlers


def register(app):
    handlers.register(app)

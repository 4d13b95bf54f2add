"""Microsoft.Cdn: Azure Front Door Standard/Premium (profiles, afdEndpoints, originGroups, origins, routes); classic CDN
SKUs are refused for new profiles (retired).  Management plane only: no edge answers on ``*.azurefd.net``."""

from . import handlers


def register(app):
    handlers.register(app)

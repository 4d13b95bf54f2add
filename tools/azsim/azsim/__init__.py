"""azsim: a local stand-in for Azure Resource Manager, Entra ID and the Azure front door.

The core (``azsim.core``) knows HTTP, TLS, tokens, RBAC, persistence and long-running
operations; every ARM namespace lives in its own package under ``azsim.providers``.
"""

__version__ = "0.1.0"

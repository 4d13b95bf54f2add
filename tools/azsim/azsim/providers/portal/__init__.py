"""Microsoft.Portal: shared dashboards (azure-mgmt-portal 1.0.1 ``Portal(cred, sub).dashboards``, api 2020-09-01-preview;
2022-12-01-preview, 2025-04-01-preview, 2026-04-01 and the older previews with keyed lenses accepted)."""

from .handlers import register

__all__ = ["register"]

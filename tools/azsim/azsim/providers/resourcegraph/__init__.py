"""Microsoft.ResourceGraph: KQL queries over the resources azsim holds, filtered by the caller's read rights
(api 2021-03-01 ... 2024-04-01; azure-mgmt-resourcegraph ResourceGraphClient)."""

from .handlers import register

__all__ = ["register"]

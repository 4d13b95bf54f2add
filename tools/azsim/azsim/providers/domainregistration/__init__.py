"""Microsoft.DomainRegistration: App Service Domains — availability, top-level domains and agreements, purchase (an LRO
that creates the Azure DNS zone), renewal, ownership identifiers (azure-mgmt-domainregistration, api 2024-11-01 and older)."""

from .handlers import register

__all__ = ["register"]

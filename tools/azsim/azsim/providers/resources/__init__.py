"""Microsoft.Resources: subscriptions, locations, provider registrations, resource groups and
resource listing (api 2022-09-01 ... 2025-04-01; azure-mgmt-resource ResourceManagementClient,
SubscriptionClient)."""

from .handlers import register

__all__ = ["register"]

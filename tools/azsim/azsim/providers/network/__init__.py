"""Microsoft.Network: Azure DNS public zones and record sets (azure-mgmt-dns DnsManagementClient, api 2018-05-01
and 2016-04-01), plus the public-DNS view other providers use: :func:`models.lookup` and :func:`models.zone_for`."""

from . import models
from .handlers import register

__all__ = ["models", "register"]

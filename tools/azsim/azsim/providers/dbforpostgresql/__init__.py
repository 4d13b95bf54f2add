"""Microsoft.DBforPostgreSQL/flexibleServers backed by real PostgreSQL clusters (azure-mgmt-postgresqlflexibleservers,
azure-mgmt-rdbms ``postgresql_flexibleservers``): servers, firewall rules (pg_hba), databases, configurations, backups and
point-in-time restore. See :mod:`.handlers` for how a client connects."""

from .handlers import register

__all__ = ["register"]

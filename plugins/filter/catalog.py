# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The values Azure accepts for the roles' inputs (module_utils/catalog.py), for the roles' ``validate`` tasks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.errors import AnsibleFilterError
from ansible_collections.erpops.azure.plugins.module_utils.catalog import CATALOG, region


def azure_region(location):
    """The short name of the region (``West Europe`` -> ``westeurope``), or an empty string when Azure has none such."""
    return region(location) or ""


def azure_catalog(kind):
    """One table of the catalog: regions, postgresql_skus, postgresql_versions, app_service_python_versions,
    redis_minimum_tls_versions."""
    if kind not in CATALOG:
        raise AnsibleFilterError("azure_catalog: unknown table %r; known: %s" % (kind, ", ".join(sorted(CATALOG))))
    return copy.deepcopy(CATALOG[kind])


class FilterModule(object):
    def filters(self):
        return {"azure_region": azure_region, "azure_catalog": azure_catalog}

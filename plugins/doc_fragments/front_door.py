# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:

    # The options that place a resource in its Front Door profile (endpoint, origin group, origin, route).
    DOCUMENTATION = r"""
options:
  profile:
    description: Name of the Front Door profile.
    type: str
    required: true
  resource_group:
    description: Resource group of the profile.
    type: str
    required: true
"""

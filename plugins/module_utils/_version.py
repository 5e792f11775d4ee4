# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PRIVATE to the aep.platform collection. Kept equal to galaxy.yml's version by a unit test."""

COLLECTION_VERSION = "1.0.0"

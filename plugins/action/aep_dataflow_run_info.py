# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.aep.platform.plugins.module_utils._runs import DataflowRunInfo
from ansible_collections.aep.platform.plugins.plugin_utils._action import AepModuleAction


class ActionModule(AepModuleAction):
    """aep.platform.aep_dataflow_run_info, in-process when the task runs on the controller."""

    runner_class = DataflowRunInfo

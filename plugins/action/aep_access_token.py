# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import re

from ansible.release import __version__ as ansible_core_version

from ansible_collections.aep.platform.plugins.module_utils._token import AccessToken
from ansible_collections.aep.platform.plugins.plugin_utils._action import AepModuleAction


class ActionModule(AepModuleAction):
    """aep.platform.aep_access_token, in-process when the task runs on the controller.

    Both paths end here on the controller, so the result that holds the token is marked for Ansible to
    censor, as ``no_log: true`` on the task would: ansible-core 2.16 to 2.21 honour ``_ansible_no_log`` set by
    an action plugin. The registered variable keeps the token for later tasks. A failure holds no token
    and stays readable.

    In a loop, ansible-core before 2.19 hands callbacks (and so AWX job events) the loop's combined result,
    every item's token included, censored only by the task's own ``no_log``; there, a loop without it is
    refused before any token is requested.
    """

    runner_class = AccessToken

    def run(self, tmp=None, task_vars=None):
        if self._loop_would_show_tokens(task_vars or {}):
            return {"failed": True, "msg": LOOP_NEEDS_NO_LOG % ansible_core_version}
        result = super().run(tmp, task_vars)
        if any(result.get(key) for key in self.runner_class.secret_result_keys):
            result["_ansible_no_log"] = True
        return result

    def _loop_would_show_tokens(self, task_vars):
        if "ansible_loop_var" not in task_vars or self._task.no_log or self._play_context.no_log:
            return False
        return _core_version() < (2, 19)


LOOP_NEEDS_NO_LOG = (
    "aep_access_token in a loop needs no_log: true on ansible-core %s: before 2.19, Ansible shows the loop's "
    "combined result, with every token, to callbacks, logs and AWX job events unless the task sets no_log. "
    "No token was requested."
)


def _core_version():
    match = re.match(r"(\d+)\.(\d+)", ansible_core_version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)

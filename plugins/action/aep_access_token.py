# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.aep.platform.plugins.module_utils._token import run_token, token_argument_spec
from ansible_collections.aep.platform.plugins.plugin_utils._action import AepModuleAction


class ActionModule(AepModuleAction):
    """aep.platform.aep_access_token, in-process when the task runs on the controller."""

    def argument_spec(self):
        return token_argument_spec()

    def validator_kwargs(self):
        return {}

    def run_logic(self, params, check_mode, diff):
        return run_token(params, check_mode=check_mode, diff=diff)

    def returned_on_purpose(self, result):
        # As the module's main(): the token is the result, even if it equals the access_token option.
        return (result["access_token"],)

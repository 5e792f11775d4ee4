# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Amazon S3 base connections: what aep_s3_connection and aep_s3_connection_info declare about them.

PRIVATE to the aep.platform collection: this API may change at any time.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError, shown
from ansible_collections.aep.platform.plugins.module_utils._info import ConnectionInfo
from ansible_collections.aep.platform.plugins.module_utils._resource import AuthType, BaseConnection

S3_CONNECTION_SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
BUCKET_NAME_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _check_bucket_name(name):
    rule = ("bucket_name must follow S3's bucket naming rules: 3 to 63 characters of lowercase letters, digits, "
            "'-' and '.', starting and ending with a letter or digit, and not an IP address; got %s." % shown(name))
    if not BUCKET_NAME_RE.fullmatch(name) or ".." in name:
        raise AepValidationError(rule)
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return
    raise AepValidationError(rule)


class S3Connection(BaseConnection):
    kind = "S3 connection"
    fact_name = "aep_s3_connection"
    connection_spec_id = S3_CONNECTION_SPEC_ID
    connection_spec_version = "1.0"
    default_auth_type = "access_key"
    auth_types = {
        "access_key": AuthType(
            "Access Key",
            params={
                "s3_access_key": "s3AccessKey",
                "s3_secret_key": "s3SecretKey",
                "s3_session_token": "s3SessionToken",
                "service_url": "serviceUrl",
                "bucket_name": "bucketName",
                "folder_path": "folderPath",
            },
            secrets=("s3_access_key", "s3_secret_key", "s3_session_token"),
            required=("s3_access_key", "s3_secret_key"),
        ),
        "iam_role": AuthType("IAMRole Based", params={"bucket_name": "bucketName"}, required=("bucket_name",)),
    }

    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        auth_type=dict(type="str", choices=["access_key", "iam_role"]),
        s3_access_key=dict(type="str", no_log=True),
        s3_secret_key=dict(type="str", no_log=True),
        s3_session_token=dict(type="str", no_log=True),
        service_url=dict(type="str"),
        bucket_name=dict(type="str"),
        folder_path=dict(type="str"),
        update_credentials=dict(type="str", default="on_create", choices=["on_create", "always"]),
    )
    required_one_of = [("name", "id")]

    @classmethod
    def validate_params(cls, params):
        if params.get("bucket_name") is not None:
            _check_bucket_name(params["bucket_name"])
        service_url = params.get("service_url")
        if service_url is not None:
            try:
                parts = urlsplit(service_url)
                valid = parts.scheme == "https" and bool(parts.hostname)
            except ValueError:
                valid = False
            if not valid:
                raise AepValidationError(
                    "service_url must be an https:// URL such as https://s3.eu-west-1.amazonaws.com, got %s."
                    % shown(service_url))
        super().validate_params(params)


class S3ConnectionInfo(ConnectionInfo):
    resource_class = S3Connection

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Access tokens: a token given by the user, or one obtained from Adobe IMS.

PRIVATE to the aep.platform collection: this API may change at any time.

IMS OAuth Server-to-Server issues tokens for the client credentials grant;
there is no refresh token, a new token is simply requested.
"""

from __future__ import annotations

import time

from ansible_collections.aep.platform.plugins.module_utils._client import decode_json
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError

IMS_TOKEN_PATH = "/ims/token/v3"


def request_access_token(transport, ims_url, client_id, client_secret, scopes):
    """Ask IMS for a token; return ``{access_token, token_type, expires_in, expires_at}``.

    Asking twice is harmless, so the transport may retry this POST.
    """
    url = ims_url.rstrip("/") + IMS_TOKEN_PATH
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": ",".join(scopes),
    }
    try:
        response = transport.send("POST", url, IMS_TOKEN_PATH, data=form, headers={"Accept": "application/json"})
    except AepApiError as exc:
        hint = ""
        if exc.status in (400, 401) and exc.code in ("invalid_client", "unauthorized_client", "invalid_scope"):
            hint = (" Check client_id and client_secret (AEP_CLIENT_ID, AEP_CLIENT_SECRET) and the scopes"
                    " of the OAuth Server-to-Server credential in the Adobe Developer Console.")
        raise AepError("Adobe IMS refused the token request: " + exc.msg + ("." + hint if hint else ""),
                       **exc.details) from None
    except AepError as exc:
        raise AepError("Adobe IMS could not be reached for an access token: " + exc.msg, **exc.details) from None
    data = decode_json(response, "POST", IMS_TOKEN_PATH)
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise AepError("Adobe IMS answered the token request without an access_token.")
    try:
        expires_in = int(data.get("expires_in", 0))
    except (TypeError, ValueError):
        expires_in = 0
    return {
        "access_token": token,
        "token_type": data.get("token_type", "bearer"),
        "expires_in": expires_in,
        "expires_at": int(time.time()) + expires_in,
    }


class TokenProvider:
    """Callable that returns the bearer token, fetching it from IMS when none was given.

    ``renew`` replaces a token the gateway refused (expired or revoked) with a
    new one from IMS, once per run and only with client credentials: a play
    that shares one token between its tasks (``aep_access_token``) can outlive
    it. IMS is asked at most twice per run, so a refusal never loops.
    """

    def __init__(self, transport, access_token=None, client_id=None, client_secret=None,
                 ims_url=None, scopes=()):
        self._transport = transport
        self._token = access_token
        self._client_id = client_id
        self._client_secret = client_secret
        self._ims_url = ims_url
        self._scopes = list(scopes or ())
        self.ims_requests = 0
        self.renewed = False

    def __call__(self):
        if not self._token:
            self.ims_requests += 1
            self._token = request_access_token(
                self._transport, self._ims_url, self._client_id, self._client_secret, self._scopes,
            )["access_token"]
        return self._token

    def renew(self):
        """Replace the refused token with a new one from IMS; False when it cannot or already did."""
        if self.renewed or not (self._client_id and self._client_secret):
            return False
        self.renewed = True
        self.ims_requests += 1
        try:
            reply = request_access_token(self._transport, self._ims_url, self._client_id, self._client_secret,
                                         self._scopes)
        except AepError as exc:
            raise AepError("The access token was refused as expired or revoked (401013), and a new one could not "
                           "be obtained: %s" % exc.msg, **exc.details) from None
        self._token = reply["access_token"]
        return True

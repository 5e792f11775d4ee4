"""Access tokens: static ones given at start, plus those the IMS endpoint issues."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from typing import Dict, Iterable, Optional, Tuple

from .errors import ims_error

DEFAULT_EXPIRES_IN = 86399
STATIC_TOKEN_SUBJECT = "emulator-static-token@techacct.adobe.com"


class TokenRegistry:
    def __init__(self, client_id: str, client_secret: str, static_tokens: Iterable[str],
                 expires_in: int = DEFAULT_EXPIRES_IN):
        self.client_id = client_id
        self._client_secret = client_secret
        self._static = set(static_tokens)
        self.default_expires_in = expires_in
        self.expires_in = expires_in
        self._lock = threading.Lock()
        self._issued: Dict[str, Tuple[float, str]] = {}  # token -> (expiry, client id)

    def issue(self, client_id: Optional[str] = None, expires_in: Optional[int] = None) -> Tuple[str, int]:
        lifetime = self.expires_in if expires_in is None else expires_in
        token = "emu-" + secrets.token_urlsafe(32)
        with self._lock:
            self._issued[token] = (time.monotonic() + lifetime, client_id or self.client_id)
        return token, lifetime

    def subject(self, token: str) -> Optional[str]:
        """The user a valid token acts as (for createdBy/updatedBy), or None if invalid/expired."""
        if token in self._static:
            return STATIC_TOKEN_SUBJECT
        with self._lock:
            found = self._issued.get(token)
            if found is None:
                return None
            expiry, client_id = found
            if time.monotonic() >= expiry:
                del self._issued[token]
                return None
            return "%s@techacct.adobe.com" % client_id

    def expire_all(self) -> int:
        """Make every issued token invalid at once (static tokens stay valid)."""
        with self._lock:
            count = len(self._issued)
            self._issued.clear()
            return count

    def grant(self, form: Dict[str, str]) -> Dict[str, object]:
        """The IMS client_credentials grant; raises ApiError with OAuth-style bodies."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise ims_error(400, "invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            raise ims_error(400, "unsupported_grant_type", "grant_type '%s' is not supported" % grant_type)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if not client_id or not client_secret:
            raise ims_error(400, "invalid_request", "client_id and client_secret are required")
        if client_id != self.client_id:
            raise ims_error(400, "invalid_client", "invalid client_id parameter")
        if not hmac.compare_digest(client_secret.encode(), self._client_secret.encode()):
            raise ims_error(401, "invalid_client", "invalid client_secret parameter")
        token, lifetime = self.issue(client_id)
        return {"access_token": token, "token_type": "bearer", "expires_in": lifetime}

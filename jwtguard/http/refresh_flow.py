"""The login / refresh / logout endpoints' decisions, free of any framework.

The Starlette and Flask helpers only read the request (cookies, headers, JSON)
and write the :class:`Reply`. Two ways to hold the refresh token:

- body (default): login and refresh answer ``{"access_token", "token_type",
  "expires_in", "refresh_token"}``; the client posts ``{"refresh_token": ...}``.
- cookie: the refresh token travels only in an ``HttpOnly`` ``__Host-`` cookie
  (no script can read it), plus a readable double-submit CSRF cookie; refresh
  and logout require the ``X-CSRF-Token`` header to equal it, so another site
  cannot make the browser spend (and so revoke) the session.

Responses carry ``Cache-Control: no-store`` (RFC 6749 section 5.1). ``clear_site_data``
(off by default) adds ``Clear-Site-Data`` to the logout answer: browsers then drop what the
site stored, but its ``"cookies"`` type clears every cookie of the whole registrable
domain (other apps' sessions on sibling subdomains too), so it is the application's call.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from jwtguard._flow import Call, arun_calls, run_calls
from jwtguard.errors import CSRFError, RevocationUnavailableError, TokenError
from jwtguard.http.cookies import AuthCookie
from jwtguard.http.csrf import csrf_tokens_match, new_csrf_token
from jwtguard.http.security_headers import clear_site_data as clear_site_data_value
from jwtguard.refresh import RefreshTokens, TokenPair

__all__ = ["ClearSiteData", "RefreshFlow", "Reply"]

logger = logging.getLogger("jwtguard.adapters")

CSRF_HEADER: Final = "x-csrf-token"
_NO_STORE: Final = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
_CSRF_REFUSED: Final = {  # what the adapters answer for a CSRF refusal (CSRFError)
    "error": CSRFError.code,
    "error_description": CSRFError.default_description,
    "code": CSRFError.code,
}


ClearSiteData = bool | Iterable[str]
"""The route helpers' ``clear_site_data``: False (off, the default), True (``"cache",
"cookies", "storage"``) or the types to clear (``("cache", "storage")``)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What an endpoint answers: status, JSON body (or None for 204), headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = field(default=_NO_STORE)


class RefreshFlow:
    """Shared logic of the refresh-token endpoints.

    Args:
        sessions: the :class:`RefreshTokens` that issues, rotates and revokes.
        cookie: keep the refresh token in this cookie (``AuthCookie(name=
            "refresh_token", max_age=<refresh ttl>)`` is a good start); ``None``
            keeps it in JSON bodies.
        clear_site_data: send ``Clear-Site-Data`` on the logout answer (204): True for
            ``"cache", "cookies", "storage"``, or the types to clear; off by default.
            Browsers honour it on HTTPS (and localhost) only.
    """

    def __init__(
        self,
        sessions: RefreshTokens,
        *,
        cookie: AuthCookie | None = None,
        clear_site_data: ClearSiteData = False,
    ) -> None:
        self.sessions = sessions
        self.cookie = cookie
        self.csrf_cookie = cookie.csrf(f"{cookie.name}_csrf") if cookie is not None else None
        self._logout_headers = self._cleared()
        if clear_site_data is True:
            value: str | None = clear_site_data_value()
        elif clear_site_data is False:
            value = None
        elif isinstance(clear_site_data, str):
            value = clear_site_data_value(clear_site_data)
        else:
            value = clear_site_data_value(*clear_site_data)
        if value is not None:
            self._logout_headers = (*self._logout_headers, ("Clear-Site-Data", value))

    # -- replies -----------------------------------------------------------------------

    def issued(self, pair: TokenPair) -> Reply:
        """200 with the pair; in cookie mode the refresh token goes into the cookie only."""
        body = pair.as_dict()
        headers = list(_NO_STORE)
        if self.cookie is not None and self.csrf_cookie is not None:
            del body["refresh_token"]
            age = pair.refresh_expires_in
            headers.append(("Set-Cookie", self.cookie.set_cookie(pair.refresh_token, max_age=age)))
            csrf = new_csrf_token()
            headers.append(("Set-Cookie", self.csrf_cookie.set_cookie(csrf, max_age=age)))
            body["csrf_token"] = csrf
        return Reply(200, body, tuple(headers))

    def refused(self, error: TokenError) -> Reply:
        """400 ``invalid_grant`` (RFC 6749 section 5.2), or 503 + Retry-After when the
        store is away; cookie mode also clears the dead cookies."""
        if isinstance(error, RevocationUnavailableError):
            headers = (*_NO_STORE, ("Retry-After", str(error.retry_after)))
            return Reply(503, {"error": "temporarily_unavailable", "code": error.code}, headers)
        body = {
            "error": "invalid_grant",
            "error_description": error.description,
            "code": error.code,
        }
        return Reply(400, body, self._cleared())

    def logged_out(self) -> Reply:
        """204, clearing the cookies in cookie mode (and the site's data, if asked)."""
        return Reply(204, None, self._logout_headers)

    def _cleared(self) -> tuple[tuple[str, str], ...]:
        if self.cookie is None or self.csrf_cookie is None:
            return _NO_STORE
        return (
            *_NO_STORE,
            ("Set-Cookie", self.cookie.delete_cookie()),
            ("Set-Cookie", self.csrf_cookie.delete_cookie()),
        )

    # -- reading the request -----------------------------------------------------------

    def token_from(self, cookies: Mapping[str, str], csrf: str | None, body: Any) -> str | Reply:
        """The presented refresh token, or the Reply refusing the request.

        ``csrf`` is the request's ``X-CSRF-Token`` header; ``body`` its parsed JSON.
        """
        if self.cookie is not None and self.csrf_cookie is not None:
            token = cookies.get(self.cookie.cookie_name)
            if not token:
                return Reply(400, {"error": "invalid_request", "code": "missing_refresh_token"})
            expected = cookies.get(self.csrf_cookie.cookie_name)
            if not csrf_tokens_match(expected, csrf):
                return Reply(403, dict(_CSRF_REFUSED))
            return token
        token = body.get("refresh_token") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token:
            return Reply(400, {"error": "invalid_request", "code": "missing_refresh_token"})
        return token

    # -- the three operations ----------------------------------------------------------

    def login(self, claims: Mapping[str, Any] | None) -> Reply:
        """``claims`` from the application's own credential check; None means refused."""
        if claims is None:
            return Reply(401, {"error": "invalid_credentials"})
        return self.issued(self.sessions.issue(claims))

    def refresh(self, token: str) -> Reply:
        """Rotate ``token``: a new pair, or a refusal (reuse revokes the family)."""
        return run_calls(self._refresh(token), self.sessions)

    async def arefresh(self, token: str) -> Reply:
        """:meth:`refresh` for async servers."""
        return await arun_calls(self._refresh(token), self.sessions)

    def logout(self, token: str, *, everywhere: bool = False) -> Reply:
        """Revoke the token's family (or every session of its subject); 204 even for a
        token that no longer verifies, 503 when the revocation cannot be recorded."""
        return run_calls(self._logout(token, everywhere), self.sessions)

    async def alogout(self, token: str, *, everywhere: bool = False) -> Reply:
        """:meth:`logout` for async servers."""
        return await arun_calls(self._logout(token, everywhere), self.sessions)

    def _refresh(self, token: str) -> Generator[Call, Any, Reply]:
        """The refresh sequence both drivers run (``refresh`` or ``arefresh``)."""
        try:
            pair = yield Call("refresh", token)
        except TokenError as exc:
            self._log(exc)
            return self.refused(exc)
        return self.issued(pair)

    def _logout(self, token: str, everywhere: bool) -> Generator[Call, Any, Reply]:
        """The logout sequence both drivers run."""
        try:
            claims = self.sessions.verifier.verify(token)
        except TokenError:
            return self.logged_out()
        try:
            if everywhere:
                yield Call("logout_everywhere", claims["sub"])
            else:
                yield Call("logout", claims)
        except RevocationUnavailableError as exc:
            return self.refused(exc)
        return self.logged_out()

    @staticmethod
    def _log(error: TokenError) -> None:
        if error.code == "refresh_token_reused":
            logger.warning("jwtguard: refresh token reused; its family is revoked")

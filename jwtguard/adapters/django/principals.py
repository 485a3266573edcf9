"""Putting a verified token's principal on a Django request: ``request.jwt_claims``,
``request.user`` (lazily, with a ``USER_LOADER``) and ``await request.auser()``.

The users themselves (:class:`~jwtguard.adapters.django.users.TokenUser`, the loaders)
are in :mod:`jwtguard.adapters.django.users`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Final

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.utils.functional import SimpleLazyObject

from jwtguard.adapters.django.users import TokenUser, UserLoader
from jwtguard.claims import Claims

__all__ = ["Principals"]

_CACHE_SIZE: Final = 1024


class _Ready:
    """``request.auser`` for a user already known."""

    __slots__ = ("user",)

    def __init__(self, user: Any) -> None:
        self.user = user

    async def __call__(self) -> Any:
        return self.user


class _Deferred:
    """``request.auser`` for a loaded user: loads once per request, in the event loop."""

    __slots__ = ("load", "user")

    def __init__(self, load: Callable[[], Awaitable[Any]]) -> None:
        self.load = load
        self.user: Any = _Ready  # not loaded yet

    async def __call__(self) -> Any:
        if self.user is _Ready:
            self.user = await self.load()
        return self.user


class Principals:
    """Puts ``request.jwt_claims``, ``request.user`` and ``request.auser`` on a request."""

    def __init__(self, loader: UserLoader | None, anonymous: Callable[[], Any]) -> None:
        self.loader = loader
        self.anonymous = anonymous
        self._users: dict[int, tuple[Claims, TokenUser, _Ready]] = {}
        self._async_loader: Callable[[Claims], Awaitable[Any]] | None = None
        self._sync_loader: Callable[[Claims], Any] | None = None
        if loader is not None:
            aload = getattr(loader, "aload", None)
            if iscoroutinefunction(loader):
                self._async_loader = loader
                self._sync_loader = async_to_sync(loader)
            else:
                self._sync_loader = loader
                self._async_loader = aload if aload is not None else sync_to_async(loader)

    def attach(self, request: Any, claims: Claims | None) -> None:
        """Set the request's claims and user. Anonymous: the user an earlier layer set
        (Django's session ``AuthenticationMiddleware``) is kept."""
        request.jwt_claims = claims
        if claims is None:
            if not hasattr(request, "user"):
                user = self.anonymous()
                request.user = user
                request.auser = _Ready(user)
            return
        if self._sync_loader is None:
            # The Guard hands out the same Claims object for every hit on one token:
            # reuse the user built for it (keyed by identity, checked with ``is``).
            found = self._users.get(id(claims))
            if found is None or found[0] is not claims:
                found = self._remember(claims)
            request.user = found[1]
            request.auser = found[2]
            return
        request.user = SimpleLazyObject(functools.partial(self.load, claims))
        request.auser = _Deferred(functools.partial(self.aload, claims))

    def _remember(self, claims: Claims) -> tuple[Claims, TokenUser, _Ready]:
        if len(self._users) >= _CACHE_SIZE:
            self._users.clear()
        user = TokenUser(claims)
        found = (claims, user, _Ready(user))
        self._users[id(claims)] = found
        return found

    def user(self, claims: Claims) -> Any:
        """The user of ``claims`` now (None: the loader knows no active user)."""
        if self._sync_loader is None:
            found = self._users.get(id(claims))
            if found is None or found[0] is not claims:
                found = self._remember(claims)
            return found[1]
        return self._sync_loader(claims)

    def load(self, claims: Claims) -> Any:
        """The user of ``claims``, anonymous when the loader knows none (``request.user``)."""
        user = self.user(claims)
        return self.anonymous() if user is None else user

    async def aload(self, claims: Claims) -> Any:
        """:meth:`load` for async code."""
        if self._async_loader is None:
            return TokenUser(claims)
        user = await self._async_loader(claims)
        return self.anonymous() if user is None else user

"""``request.user`` for a verified token: a user of your model, or one without a database.

Without ``USER_LOADER`` a token's user is a :class:`TokenUser`: authenticated, its
``pk``/``username`` the token's ``sub``, its permissions the token's scopes, built from
the claims alone (no query). With ``USER_LOADER`` (a ``claims -> user or None``
callable, sync or async, or a :class:`ModelUserLoader`) ``request.user`` is evaluated
lazily, on first use, like Django's own ``AuthenticationMiddleware`` does, and
``await request.auser()`` serves async views. A loader that returns None (no such
user, or an inactive one) leaves the request anonymous; ``request.jwt_claims`` still
holds the verified claims.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError

from jwtguard.claims import Claims

__all__ = [
    "AnonymousTokenUser",
    "ModelUserLoader",
    "TokenUser",
    "UserLoader",
    "load_user",
]


class UserLoader(Protocol):
    """``claims -> user`` (or None for no user); may also be ``async def``."""

    def __call__(self, claims: Claims, /) -> Any: ...


class TokenUser:
    """The user of a verified token, without a database.

    ``is_authenticated`` is True, so ``login_required`` and ``user.is_authenticated``
    work. ``pk``, ``id`` and ``username`` are the token's ``sub`` (DRF's
    ``UserRateThrottle`` keys on ``pk``). ``has_perm(p)`` is True when the token grants
    scope ``p`` (``"items:write"``, or a Django permission name such as
    ``"shop.add_order"`` if your tokens carry those). Never staff or superuser: the
    admin needs a real user. The claims are ``user.claims``.
    """

    __slots__ = ("claims",)

    is_authenticated: Final = True
    is_anonymous: Final = False
    is_active: Final = True
    is_staff: Final = False
    is_superuser: Final = False

    def __init__(self, claims: Claims) -> None:
        self.claims = claims

    @property
    def pk(self) -> str | None:
        """The token's subject (``sub``)."""
        return self.claims.subject

    id = pk
    username = pk

    def get_username(self) -> str:
        """The token's subject (``""`` without one)."""
        return self.claims.subject or ""

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """Whether the token grants scope ``perm`` (object permissions: never)."""
        return obj is None and perm in self.claims.scopes

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        """Whether the token grants every scope in ``perm_list``."""
        if isinstance(perm_list, str):
            raise ValueError("perm_list must be an iterable of permissions")
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        """Whether some granted scope is a permission of ``app_label`` (``app.codename``)."""
        return any(scope.startswith(app_label + ".") for scope in self.claims.scopes)

    def get_all_permissions(self, obj: object = None) -> set[str]:
        """The token's scopes."""
        return set(self.claims.scopes) if obj is None else set()

    def __str__(self) -> str:
        return self.get_username()

    def __repr__(self) -> str:
        return "TokenUser(...)"  # never the claims

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(("TokenUser", self.pk))


class AnonymousTokenUser:
    """Django's ``AnonymousUser`` interface, for projects without ``django.contrib.auth``."""

    __slots__ = ()

    is_authenticated: Final = False
    is_anonymous: Final = True
    is_active: Final = False
    is_staff: Final = False
    is_superuser: Final = False
    pk = id = None
    username = ""

    def get_username(self) -> str:
        return ""

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def get_all_permissions(self, obj: object = None) -> set[str]:
        return set()

    def __str__(self) -> str:
        return "AnonymousUser"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnonymousTokenUser)

    def __hash__(self) -> int:
        return 1


class ModelUserLoader:
    """A ``USER_LOADER`` for your user model: the user whose ``field`` equals claim ``claim``.

    ``ModelUserLoader()`` looks up ``pk == sub``; ``ModelUserLoader("username")`` by
    username; ``create=True`` creates a missing user (``get_or_create``), for identity
    providers that own the accounts. Inactive users are None (anonymous) unless
    ``active_only=False``. Sync for ``request.user``, async (``aload``) for
    ``await request.auser()``.
    """

    def __init__(
        self,
        field: str = "pk",
        claim: str = "sub",
        *,
        create: bool = False,
        active_only: bool = True,
    ) -> None:
        if create and field == "pk":
            raise ValueError("ModelUserLoader(create=True) needs a field other than pk")
        self.field = field
        self.claim = claim
        self.create = create
        self.active_only = active_only

    def _lookup(self, claims: Claims) -> dict[str, Any] | None:
        value = claims.get(self.claim)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            return None
        return {self.field: value}

    def _usable(self, user: Any) -> Any:
        if self.active_only and not getattr(user, "is_active", True):
            return None
        return user

    def __call__(self, claims: Claims) -> Any:
        lookup = self._lookup(claims)
        if lookup is None:
            return None
        manager = get_user_model()._default_manager
        try:
            user = manager.get_or_create(**lookup)[0] if self.create else manager.get(**lookup)
        except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
            return None
        return self._usable(user)

    async def aload(self, claims: Claims) -> Any:
        """:meth:`__call__` with the async ORM."""
        lookup = self._lookup(claims)
        if lookup is None:
            return None
        manager = get_user_model()._default_manager
        try:
            if self.create:
                user = (await manager.aget_or_create(**lookup))[0]
            else:
                user = await manager.aget(**lookup)
        except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
            return None
        return self._usable(user)


load_user: Final = ModelUserLoader()
"""``USER_LOADER = "jwtguard.adapters.django.users.load_user"``: the user whose pk is ``sub``."""

"""Permission classes on a token's scopes and roles, composable with DRF's ``&``, ``|``, ``~``.

::

    permission_classes = [HasScope("items:write") | HasRole("admin")]
    permission_classes = [HasBinding("dpop"), HasScope("payments")]   # resource servers

``HasScope(*scopes)`` needs every scope (``scope`` or ``scp``), ``HasRole(*roles)``
every role (``ROLES_CLAIM``, dots walk into objects). A request without verified
claims fails them, and DRF answers as it does for any permission: 401 with jwtguard's
challenge when nobody is authenticated, otherwise 403 in DRF's format
(``{"detail": "The access token lacks the required scope."}``, code ``insufficient_scope``).
The 403 carries the challenge the other adapters send with theirs (RFC 6750 section 3.1:
``Bearer realm="api", error="insufficient_scope", ..., scope="items:write"``) when the
failed permission is the request's answer: one of the view's permissions (its
``permission_classes``, or what its ``get_permissions()`` returns), or inside ``&``, or
the right side of ``|`` (DRF asks it only after the left side failed). Under ``~``, or on
the left of ``|``, a failure may still end in success, so it adds nothing; DRF then
answers with its own message and no challenge. A refusal that is the answer is counted
and logged as every adapter's (``REPORT_ONLY``: counted, logged and let through).
``HasBinding(binding)`` needs a sender-constrained token (``"dpop"``, ``"mtls"`` or
``"bound"``, see docs/resource-server.md); an unbound one is refused as every adapter
refuses it on such a route: 401 ``binding_required`` with the resource server's
``DPoP``/``Bearer`` challenges, so a client knows to send a proof.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rest_framework.permissions import AND, NOT, OR, BasePermission, OperationHolderMixin
from rest_framework.request import Request

from jwtguard.adapters.django.config import configured
from jwtguard.adapters.drf.authentication import refuse, send_with_answer
from jwtguard.claims import Claims
from jwtguard.http.pipeline import Requirement
from jwtguard.oauth.binding import Binding

__all__ = ["HasBinding", "HasRole", "HasScope", "TokenPermission"]


def token_claims(request: Request) -> Claims | None:
    """The verified claims of a DRF request (``request.auth``, or the middleware's)."""
    if isinstance(request.auth, Claims):
        return request.auth
    found = getattr(request._request, "jwt_claims", None)
    return found if isinstance(found, Claims) else None


def _places(requirement: Requirement, node: object, decisive: bool = True) -> Iterator[bool]:
    """For each permission on ``requirement`` in the permission tree ``node``: whether its
    failure there, once DRF asks it, fails the whole tree."""
    if isinstance(node, TokenPermission):
        if node.requirement == requirement:
            yield decisive
    elif isinstance(node, (AND, OR, NOT)):
        # op1/op2 are DRF's names (its stubs omit them). The right side of | is asked only
        # once the left one failed; under ~ a failure is a success.
        first, second = getattr(node, "op1", None), getattr(node, "op2", None)
        yield from _places(requirement, first, decisive and isinstance(node, AND))
        yield from _places(requirement, second, decisive)


def _answers(request: Request, view: Any, requirement: Requirement) -> bool:
    """Whether failing ``requirement`` is DRF's 403 for ``request`` (not its 401: nobody
    authenticated), wherever that permission is among the view's permissions
    (``get_permissions()``: its ``permission_classes``, or what an override returns)."""
    if request.authenticators and not request.successful_authenticator:
        return False
    permissions = view.get_permissions() if hasattr(view, "get_permissions") else ()
    places = [p for permission in permissions for p in _places(requirement, permission)]
    return bool(places) and all(places)


class TokenPermission(BasePermission):
    """The permission a :class:`HasScope`/:class:`HasRole` makes: the claims meet a
    :class:`~jwtguard.http.pipeline.Requirement`."""

    def __init__(self, requirement: Requirement, message: str) -> None:
        self.requirement = requirement
        self.message = message
        self.code = "insufficient_scope"

    def has_permission(self, request: Request, view: Any) -> bool:
        claims = token_claims(request)
        if claims is None:
            return False
        requirement = self.requirement
        pipeline = configured().pipeline
        scoped = requirement.binding is None
        if scoped:
            if pipeline.unmet(claims, requirement) is None:
                return True
            if not _answers(request, view, requirement):
                return False  # not the answer yet: DRF asks the rest of the tree
        http = request._request
        if getattr(http, "jwtguard_let_through", None) is not None:
            return True  # report-only: the middleware reported this request's refusal
        denial = pipeline.judge(claims, requirement, http.method or "GET", http.path)
        if denial is None:  # met, or (report-only) counted, logged and let through
            return True
        if not scoped:
            refuse(request, denial)
        send_with_answer(request, denial)  # DRF's 403, with the challenge
        return False


class _Holder(OperationHolderMixin):
    """What goes into ``permission_classes``: DRF calls it for the permission instance."""

    message = ""

    def __init__(self, requirement: Requirement, words: tuple[str, ...]) -> None:
        if not words:
            raise ValueError(f"{type(self).__name__}() needs at least one name")
        self.requirement = requirement
        self.words = words

    def __call__(self) -> TokenPermission:
        return TokenPermission(self.requirement, self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.words))})"


class HasScope(_Holder):
    """Every one of ``scopes`` granted by the token."""

    message = "The access token lacks the required scope."

    def __init__(self, *scopes: str) -> None:
        super().__init__(Requirement.build(scopes=scopes), scopes)


class HasRole(_Holder):
    """Every one of ``roles`` in the token's roles claim."""

    message = "The access token lacks the required role."

    def __init__(self, *roles: str) -> None:
        super().__init__(Requirement.build(roles=roles), roles)


class HasBinding(_Holder):
    """A token bound to its sender: ``"dpop"`` (a DPoP proof), ``"mtls"`` (a client
    certificate) or ``"bound"`` (either), as a route's ``binding`` demands."""

    message = "This resource requires a sender-constrained access token."

    def __init__(self, binding: Binding) -> None:
        super().__init__(Requirement.build(binding=binding), (binding,))

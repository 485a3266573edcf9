"""The decision under an OAuth resource server: sender-constrained tokens.

Built from a :class:`~jwtguard.oauth.ResourceServer` when a pipeline has one: the
``WWW-Authenticate`` challenges per route binding, the RFC 9728 metadata answer, and the
one flow a request goes through (find the DPoP or Bearer credential, verify, check the
binding and proof, then the proof's single use), written once as a generator and driven
by :func:`~jwtguard._flow.run` for sync code and :func:`~jwtguard._flow.arun` for async
code (the key fetch and the replay check awaited).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any

from jwtguard._flow import arun, run
from jwtguard.claims import Claims
from jwtguard.errors import ConfigError, InvalidDPoPProofError, InvalidRequestError, TokenError
from jwtguard.guard import Guard
from jwtguard.http.challenges import Challenges
from jwtguard.http.credentials import MissingTokenError, TokenLocations
from jwtguard.http.decision import TWO_TOKENS, Context, Decision
from jwtguard.http.denial import Denial
from jwtguard.http.request import RequestView
from jwtguard.http.requirement import Requirement
from jwtguard.http.sender import REPLAYED, SenderCheck, offer_nonce
from jwtguard.oauth.dpop import VerifiedProof
from jwtguard.oauth.resource import ResourceServer

__all__ = ["ResourceStep"]

Refuse = Callable[..., Decision]
Authorize = Callable[[Claims, Requirement, str, str, Context], Decision]
Op = str | VerifiedProof
"""What the flow needs done: a token to verify, or a proof whose first use to record."""


class ResourceStep:
    """A pipeline's resource-server part. ``refuse``, ``authorize`` and
    ``count_anonymous`` are the pipeline's own (how it answers)."""

    def __init__(
        self,
        resource_server: ResourceServer,
        guard: Guard,
        realm: str | None,
        locations: TokenLocations,
        rules: Mapping[str, Requirement] | None,
        refuse: Refuse,
        authorize: Authorize,
        count_anonymous: Callable[[], object],
    ) -> None:
        audiences = [t.audience or guard.policy.audience for t in guard.tenants.values()]
        problems = resource_server.audience_problems(audiences or [guard.policy.audience])
        if resource_server.require_binding and any(
            r.binding == "bearer" for r in (rules or {}).values()
        ):
            problems.append("rules: a 'bearer' route contradicts require_binding")
        if problems:
            raise ConfigError(problems)
        self.sender = sender = SenderCheck(resource_server, guard.clock)
        replay = None if sender.dpop is None else sender.dpop.replay
        self.dpop_nonces = sender.dpop is not None and sender.dpop.nonces is not None
        """Whether proofs carry server nonces (a fresh one may be due on a response)."""
        algs = None if sender.dpop is None else sender.dpop.challenge_algorithms()
        metadata_url = resource_server.metadata_url
        bearer = not resource_server.require_binding or resource_server.mtls is not None
        self.challenges = {
            binding: Challenges(
                realm,
                bearer=accepts_bearer,
                dpop_algs=None if binding == "mtls" else algs,
                resource_metadata=metadata_url,
            )
            for binding, accepts_bearer in (
                (None, bearer),
                ("bearer", bearer),  # require_binding wins over a route's own bearer
                ("bound", resource_server.mtls is not None or algs is None),
                ("dpop", algs is None),
                ("mtls", True),
            )
        }
        """The ``WWW-Authenticate`` challenges by route binding (None: the default)."""
        self.metadata: tuple[str, Denial] | None = None
        """(path, answer) of the RFC 9728 metadata this pipeline serves, or None."""
        path = resource_server.metadata_path
        if path is not None and resource_server.serve_metadata:
            issuers = guard.policy.issuer or tuple(guard.tenants)
            methods = ("header", "query") if locations.query_param else ("header",)
            body = resource_server.metadata_body(issuers, methods)
            headers = [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "public, max-age=3600"),
                ("Access-Control-Allow-Origin", "*"),
            ]
            self.metadata = (path, Denial.build(200, "resource_metadata", headers, body))
        self._verify = guard.verify
        self._averify = guard.averify
        self._may_wait = guard.may_wait
        self._replay = replay
        self._locations = locations
        self._other_locations = bool(locations.cookie or locations.header or locations.query_param)
        self._refuse = refuse
        self._authorize = authorize
        self._count_anonymous = count_anonymous

    @staticmethod
    def scheme_of(claims: Claims) -> str:
        """The scheme that must have carried accepted ``claims``: DPoP for a key-bound token."""
        cnf = claims.get("cnf")
        return "DPoP" if isinstance(cnf, Mapping) and "jkt" in cnf else "Bearer"

    def decide(self, request: RequestView, routed: Requirement) -> Decision:
        """The decision for ``request``, which must meet ``routed`` (:meth:`_flow`)."""
        return run(self._flow(request, routed), self._perform)

    async def adecide(self, request: RequestView, routed: Requirement) -> Decision:
        """:meth:`decide` for async code: key fetch and replay check awaited."""
        return await arun(self._flow(request, routed), self._aperform)

    def _perform(self, op: Op) -> Any:
        if isinstance(op, str):
            return self._verify(op)
        return self._replay.first_use(op.replay_key, op.expires_at)  # type: ignore[union-attr]

    async def _aperform(self, op: Op) -> Any:
        if isinstance(op, str):
            return await self._averify(op) if self._may_wait else self._verify(op)
        return await self._replay.afirst_use(  # type: ignore[union-attr]
            op.replay_key, op.expires_at
        )

    def _flow(self, request: RequestView, routed: Requirement) -> Generator[Op, Any, Decision]:
        """Binding, proof and its single use: yields the token to verify (sent its claims)
        and the proof whose first use to record (sent whether it was the first)."""
        found = self._credential(request, routed)
        if not isinstance(found, tuple):
            return found
        token, scheme = found
        context = (scheme, routed.binding)
        claims = None
        try:
            claims = yield token
            proof = self.sender.check(request, token, claims, scheme == "DPoP", routed.binding)
            if proof is not None:
                _used(proof, (yield proof))
        except TokenError as exc:  # the Guard counted its own
            return self._refuse(
                exc, request.method, request.path, None, claims is not None, context
            )
        return self._authorize(claims, routed, request.method, request.path, context)

    def _credential(
        self, request: RequestView, requirement: Requirement
    ) -> tuple[str, str] | Decision:
        """``(token, scheme)``, or already the answer."""
        context: Context = (None, requirement.binding)
        scheme = "DPoP"  # a malformed DPoP credential: the error goes on the DPoP challenge
        try:
            token = self.sender.dpop_token(request)
            if token is None:
                scheme = "Bearer"
                token = self._locations.find(request)
            elif self._other_locations and self._locations.find(request) is not None:
                raise InvalidRequestError(TWO_TOKENS)  # a cookie, header or query token too
        except TokenError as exc:
            context = (scheme, requirement.binding)
            return self._refuse(exc, request.method, request.path, None, True, context)
        if token is not None:
            return token, scheme
        if requirement.optional:
            self._count_anonymous()
            return None
        error = MissingTokenError()
        return self._refuse(error, request.method, request.path, None, True, context)


def _used(proof: VerifiedProof, first: bool) -> None:
    """After the proof's single-use check (``first``: it was the first use): refused as
    replayed, or its fresh nonce offered for the response."""
    if not first:
        raise InvalidDPoPProofError("replayed", REPLAYED)
    if proof.nonce is not None:
        offer_nonce(proof.nonce)

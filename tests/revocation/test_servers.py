"""The test servers themselves: a first start whose port was taken meanwhile moves on."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.revocation.servers import FLAVOURS, ServerProcess, server_binary


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_first_start_on_a_port_taken_since_moves_to_a_free_one(
    flavour: str, tmp_path: Path
) -> None:
    node = ServerProcess(server_binary(flavour), tmp_path, ["--save", ""])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", node.port))
        squatter.listen()
        taken = node.port
        try:
            node.start()
            assert node.port != taken
            assert node.ping()
        finally:
            node.kill()

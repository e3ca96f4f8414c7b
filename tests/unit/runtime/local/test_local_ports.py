"""Free loopback ports, and the message when a restart finds its port taken."""

from __future__ import annotations

import socket

import pytest

from workbench.errors import WorkbenchError
from workbench.runtime.local.ports import free_ports, is_free, is_listening, require_free


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(12)
    assert len(set(ports)) == 12
    for port in ports:
        assert 1024 < port < 65536
        assert is_free(port)


def test_a_listening_port_is_not_free_and_the_message_says_what_to_do() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not is_free(port)
        assert is_listening(port)
        with pytest.raises(WorkbenchError) as caught:
            require_free(port, "orders", within=0.1)
    assert f"port {port} of service 'orders' is in use" in caught.value.message
    assert "stop and start the lab again" in (caught.value.hint or "")
    assert is_free(port)
    assert not is_listening(port)


def test_a_port_freed_during_the_grace_counts_as_free() -> None:
    """Restart waits for the old process to let go of the port instead of failing at once."""
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    threading.Timer(0.2, sock.close).start()
    require_free(port, "orders", within=5.0)
    assert is_free(port)

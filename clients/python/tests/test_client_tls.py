"""TLS and bearer tokens from Python: a server with a certificate, a client CA and a tokens file
(h5saver serve --tls-cert/--tls-key/--tls-client-ca/--tokens) takes this client with the right
CA, certificate and token, and refuses it without any one of them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from h5saver_test_server import REPO_ROOT, Server, start_server, stop_server

from h5saver import (
    Client,
    DataToExport,
    DataWithAxes,
    Tls,
    UnauthenticatedError,
    UnavailableError,
)

TOKEN = "python-client-token-0123456789"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certs")
    script = REPO_ROOT / "service" / "src" / "testing" / "make-test-certificates.sh"
    subprocess.run(["bash", str(script), str(folder)], check=True)
    return folder


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, certs: Path) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("tls-root")
    tokens = root.parent / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"name": "py", "token": TOKEN, "root": "py"}]}))
    server = start_server(
        root,
        extra=(
            "--tls-cert",
            str(certs / "server.pem"),
            "--tls-key",
            str(certs / "server.key"),
            "--tls-client-ca",
            str(certs / "ca.pem"),
            "--tokens",
            str(tokens),
        ),
    )
    try:
        yield server
    finally:
        stop_server(server)


def test_a_client_with_the_ca_its_certificate_and_a_token_saves(tls_server: Server, certs: Path) -> None:
    tls = Tls(ca=certs / "ca.pem", cert=certs / "client.pem", key=(certs / "client.key").read_bytes())
    with (
        Client(tls_server.address, timeout=30, tls=tls, token=TOKEN) as client,
        client.open_file("secure.h5") as f,
    ):
        detector = f.add_detector("Power meter")
        f.save_snapshot(detector, DataToExport("meter", [DataWithAxes("power", [np.array([1.5])])]))
    assert (tls_server.root / "py" / "secure.h5").exists(), "written under the token's folder"


def test_without_a_token_the_call_is_unauthenticated(tls_server: Server, certs: Path) -> None:
    tls = Tls(ca=certs / "ca.pem", cert=certs / "client.pem", key=certs / "client.key")
    with (
        Client(tls_server.address, timeout=30, tls=tls) as client,
        pytest.raises(UnauthenticatedError, match="needs a bearer token"),
    ):
        client.status()


def test_plaintext_and_certificate_less_clients_are_refused(tls_server: Server, certs: Path) -> None:
    with Client(tls_server.address, timeout=10, token=TOKEN) as plain, pytest.raises(UnavailableError):
        plain.status()
    anonymous = Client(tls_server.address, timeout=10, tls=Tls(ca=certs / "ca.pem"), token=TOKEN)
    with anonymous, pytest.raises(UnavailableError):
        anonymous.status()


def test_tls_needs_both_halves_of_a_client_certificate(certs: Path) -> None:
    with pytest.raises(ValueError, match="both cert and key"):
        Tls(ca=certs / "ca.pem", cert=certs / "client.pem").credentials()

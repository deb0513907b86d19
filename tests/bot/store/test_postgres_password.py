"""The PostgreSQL password apart from the URL: any character reaches the server intact.

A small fake server on 127.0.0.1 speaks the start of the PostgreSQL protocol: it asks
for a clear-text password (as ``password`` authentication does), records what the
client sends, and refuses it, so the test sees the exact bytes asyncpg sent.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import StorageConfig, load_config
from bot.store import store_for

PASSWORD = "p@ss/w:rd#?%"  # every character a URL would have to escape
SSL_REQUEST = 80877103


class FakePostgres:
    def __init__(self) -> None:
        self.passwords: list[str] = []
        self.users: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            length, code = struct.unpack("!ii", await reader.readexactly(8))
            if code == SSL_REQUEST:
                writer.write(b"N")  # no TLS: go on in the clear
                length, code = struct.unpack("!ii", await reader.readexactly(8))
            startup = (await reader.readexactly(length - 8)).split(b"\0")
            self.users.append(startup[startup.index(b"user") + 1].decode())
            writer.write(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            await writer.drain()
            kind = await reader.readexactly(1)
            (size,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(size - 4)
            if kind == b"p":
                self.passwords.append(body.rstrip(b"\0").decode())
            fields = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
            writer.write(b"E" + struct.pack("!i", len(fields) + 4) + fields)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def fake_postgres() -> AsyncIterator[tuple[FakePostgres, int]]:
    fake = FakePostgres()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake, port


async def _open_and_fail(config: StorageConfig) -> None:
    store = store_for(config)
    with pytest.raises(Exception, match="password"):
        await store.open()


async def test_password_apart_from_the_url_reaches_the_server(
    fake_postgres: tuple[FakePostgres, int],
) -> None:
    fake, port = fake_postgres
    url = f"postgresql://watchkeeper:url-password@127.0.0.1:{port}/watchkeeper"
    await _open_and_fail(StorageConfig(url=url, password=PASSWORD))
    assert fake.users[-1] == "watchkeeper"
    assert fake.passwords[-1] == PASSWORD  # wins over the URL's


async def test_password_from_a_secret_file(
    fake_postgres: tuple[FakePostgres, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, port = fake_postgres
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "watchkeeper_storage__password").write_text(PASSWORD + "\n")
    monkeypatch.setenv("WATCHKEEPER_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("WATCHKEEPER_STORAGE__URL", f"postgresql://wk@127.0.0.1:{port}/wk")
    monkeypatch.chdir(tmp_path)
    settings = load_config(None)
    await _open_and_fail(settings.storage)
    assert fake.passwords[-1] == PASSWORD

"""A fake Discord (REST API v10 + gateway) for end-to-end tests that drive the *real* discord.py.

The fake is an aiohttp server on 127.0.0.1 (random free port).  It speaks enough of the
Discord HTTP API and gateway protocol for ``discord.Client`` / ``discord.AutoShardedClient``
to log in, connect, receive events, send messages, answer interactions and sync commands.

Typical use::

    async with FakeDiscord() as fake:
        fake.add_guild(
            GUILD, owner_id=OWNER,
            channels=[category(CAT, "mod"), text_channel(CH, "general", parent_id=CAT)],
            roles=[role(MOD_ROLE, "Moderator", permissions=Perm.MANAGE_MESSAGES)],
            members=[member(OWNER, "owner"), member(ALICE, "alice", roles=[MOD_ROLE])],
        )
        with fake.point_discord_py():            # patches Route.BASE + DEFAULT_GATEWAY
            client = discord.Client(intents=..., guild_ready_timeout=0.05)
            async with client:
                task = asyncio.create_task(client.start(fake.token))
                await client.wait_until_ready()
                await fake.send_message_create(GUILD, CH, ALICE, "hello")
                ...
                await client.close()

discord.py 2.7 facts this fake relies on (and adapter authors must know):

* ``discord.Client`` does NOT call ``GET /gateway/bot``: it connects straight to the class
  attribute ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (``wss://gateway.discord.gg/``).
  Only ``AutoShardedClient`` *without* an explicit ``shard_count`` asks ``/gateway/bot``.  After
  an INVALIDATE_SESSION (or a non-resuming shard reconnect) it falls back to DEFAULT_GATEWAY
  again, so BOTH ``Route.BASE`` and ``DEFAULT_GATEWAY`` must be patched (``point_discord_py``).
* It always asks for transport compression: ``?v=10&encoding=json&compress=zlib-stream``
  (``zstd-stream`` if ``zstandard`` / ``compression.zstd`` is importable).  The fake honours
  the requested compression (one shared zlib context per connection, Z_SYNC_FLUSH per frame).
* Login = ``GET /users/@me`` (401 -> ``LoginFailure``) then ``GET /oauth2/applications/@me``.
* JSON is only parsed when ``Content-Type`` is exactly ``application/json`` (no charset).
* A 429 is only retried if the response has a ``Via`` header and a JSON body with
  ``retry_after`` (and ``global``); otherwise it is treated as a Cloudflare ban.
  500/502/504/524 are retried after ``1 + 2*try`` seconds (so one injected 500 costs 1 s).
* ``send(nonce=...)`` always adds ``enforce_nonce: true``.
* Interaction callbacks are sent with ``?with_response=1`` and the body must be an
  interaction-callback response (``{"interaction": {...}, "resource": {...}}``).
* ``on_ready`` fires only after ``guild_ready_timeout`` (default 2 s) passes without a new
  GUILD_CREATE: pass ``guild_ready_timeout=0.05`` (or so) in tests.
* ``Client.before_identify_hook`` sleeps 5 s before every non-initial IDENTIFY (second shard,
  re-identify after an invalid session): override it in tests that use several shards.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import logging
import re
import socket
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

JSON = dict[str, Any]
DISCORD_EPOCH_MS = 1_420_070_400_000
API_VERSIONS = (9, 10)


# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------


class Intents:
    """Gateway intent bits."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class Perm:
    """Permission bits."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    ALL = (1 << 51) - 1
    DEFAULT_EVERYONE = (
        CREATE_INSTANT_INVITE
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15


THREAD_TYPES = frozenset({10, 11, 12})


class InteractionType:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class MessageFlag:
    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12


class OptionType:
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    VOICE_STATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALIDATE_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


# Close codes after which Discord does not allow RESUME.
NON_RESUMABLE_CLOSE_CODES = frozenset({4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014})

_MENTION_USER_RE = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE_RE = re.compile(r"<@&(\d+)>")
_COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


def iso_timestamp(ts: float | None = None) -> str:
    """ISO-8601 timestamp the way Discord formats it (UTC, with offset)."""
    when = time.time() if ts is None else ts
    return dt.datetime.fromtimestamp(when, dt.UTC).isoformat()


def snowflake_time(snowflake: int) -> float:
    return ((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000.0


# ---------------------------------------------------------------------------------------------
# Fixture factories (plain dicts, Discord's wire format)
# ---------------------------------------------------------------------------------------------


def user(
    user_id: int,
    username: str | None = None,
    *,
    bot: bool = False,
    global_name: str | None = None,
    avatar: str | None = None,
) -> JSON:
    """A user object."""
    data: JSON = {
        "id": str(user_id),
        "username": username or f"user{user_id}",
        "global_name": global_name,
        "discriminator": "0",
        "avatar": avatar,
        "public_flags": 0,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
    }
    if bot:
        data["bot"] = True
    return data


def role(
    role_id: int,
    name: str,
    *,
    permissions: int = 0,
    position: int = 1,
    color: int = 0,
    hoist: bool = False,
    mentionable: bool = False,
    managed: bool = False,
    tags: JSON | None = None,
) -> JSON:
    """A role object."""
    data: JSON = {
        "id": str(role_id),
        "name": name,
        "color": color,
        "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
        "hoist": hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }
    if tags is not None:
        data["tags"] = tags
    return data


def overwrite(target_id: int, *, allow: int = 0, deny: int = 0, member: bool = False) -> JSON:
    """A permission overwrite (role by default, ``member=True`` for a member overwrite)."""
    return {
        "id": str(target_id),
        "type": 1 if member else 0,
        "allow": str(allow),
        "deny": str(deny),
    }


def text_channel(
    channel_id: int,
    name: str,
    *,
    parent_id: int | None = None,
    position: int = 0,
    topic: str | None = None,
    nsfw: bool = False,
    rate_limit_per_user: int = 0,
    permission_overwrites: Iterable[JSON] = (),
) -> JSON:
    """A guild text channel (type 0)."""
    return {
        "id": str(channel_id),
        "type": ChannelType.GUILD_TEXT,
        "name": name,
        "position": position,
        "parent_id": str(parent_id) if parent_id else None,
        "topic": topic,
        "nsfw": nsfw,
        "rate_limit_per_user": rate_limit_per_user,
        "last_message_id": None,
        "permission_overwrites": list(permission_overwrites),
        "flags": 0,
        "default_thread_rate_limit_per_user": 0,
    }


def category(
    channel_id: int, name: str, *, position: int = 0, permission_overwrites: Iterable[JSON] = ()
) -> JSON:
    """A category channel (type 4)."""
    return {
        "id": str(channel_id),
        "type": ChannelType.GUILD_CATEGORY,
        "name": name,
        "position": position,
        "parent_id": None,
        "nsfw": False,
        "permission_overwrites": list(permission_overwrites),
        "flags": 0,
    }


def thread(
    thread_id: int,
    name: str,
    parent_id: int,
    *,
    owner_id: int | None = None,
    private: bool = False,
    archived: bool = False,
    locked: bool = False,
) -> JSON:
    """A thread channel (type 11, or 12 if ``private``)."""
    return {
        "id": str(thread_id),
        "type": ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD,
        "name": name,
        "parent_id": str(parent_id),
        "owner_id": str(owner_id) if owner_id else str(parent_id),
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": archived,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_timestamp(),
            "locked": locked,
            "create_timestamp": iso_timestamp(),
        },
    }


def member(
    user_id: int,
    username: str | None = None,
    *,
    roles: Iterable[int] = (),
    nick: str | None = None,
    bot: bool = False,
    global_name: str | None = None,
    joined_at: str | None = None,
    communication_disabled_until: str | None = None,
    pending: bool = False,
) -> JSON:
    """A guild member object (with its ``user``)."""
    return {
        "user": user(user_id, username, bot=bot, global_name=global_name),
        "roles": [str(r) for r in roles],
        "nick": nick,
        "avatar": None,
        "banner": None,
        "joined_at": joined_at or iso_timestamp(time.time() - 86400),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": pending,
        "communication_disabled_until": communication_disabled_until,
    }


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class RecordedRequest:
    """One REST request the fake received.  Unpacks as ``method, path, json``."""

    method: str
    path: str  # without the /api/v10 prefix, e.g. "/channels/1/messages"
    json: Any
    query: dict[str, str]
    headers: dict[str, str]
    reason: str | None = None  # X-Audit-Log-Reason, url-decoded
    files: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    status: int | None = None  # status the fake answered with
    at: float = dataclasses.field(default_factory=time.monotonic)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.path, self.json))


@dataclasses.dataclass
class InjectedInteraction:
    """An interaction the fake sent over the gateway, plus its server-side state."""

    id: int
    token: str
    type: int
    payload: JSON
    guild_id: int | None
    channel_id: int
    user_id: int
    message_id: int | None = None  # message the component is attached to
    responded_type: int | None = None
    original_message_id: int | None = None
    loading: bool = False  # deferred (type 5) and not yet completed
    deferred_ephemeral: bool = False
    expired: bool = False
    responses: list[JSON] = dataclasses.field(default_factory=list)
    followup_message_ids: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    code: int
    message: str | None
    is_global: bool
    scope: str

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in (method, "*") and bool(self.pattern.match(path))


class ApiError(Exception):
    """Raised inside handlers to answer with a Discord-style JSON error."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors


@dataclasses.dataclass
class _Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, JSON]
    channels: dict[int, JSON]
    threads: dict[int, JSON]
    members: dict[int, JSON]
    joined_at: str
    extra: JSON


@dataclasses.dataclass
class GatewaySession:
    id: str
    shard: tuple[int, int] | None
    intents: int
    identify: JSON
    seq: int = 0
    alive: bool = True
    ready: bool = False
    conn: GatewayConnection | None = None
    buffer: collections.deque[JSON] = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=2000)
    )
    resumes: int = 0

    @property
    def shard_id(self) -> int:
        return 0 if self.shard is None else self.shard[0]

    def handles_guild(self, guild_id: int) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id


class GatewayConnection:
    """One websocket connection (a client may make several: reconnects, shards)."""

    def __init__(self, ws: web.WebSocketResponse, path: str, query: dict[str, str]):
        self.ws = ws
        self.path = path
        self.query = query
        self.compress = query.get("compress")
        self.session: GatewaySession | None = None
        self.client_close_code: int | None = None
        self.server_close_code: int | None = None
        self.received: list[JSON] = []
        self.sent: list[JSON] = []
        self.binary_frames = 0
        self.heartbeats = 0
        self._lock = asyncio.Lock()
        self._compress = _make_compressor(self.compress)

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def send(self, payload: JSON) -> bool:
        async with self._lock:
            if self.ws.closed:
                return False
            raw = json.dumps(payload, separators=(",", ":"))
            try:
                if self._compress is not None:
                    await self.ws.send_bytes(self._compress(raw.encode()))
                    self.binary_frames += 1
                else:
                    await self.ws.send_str(raw)
            except (ConnectionError, RuntimeError) as exc:  # peer went away
                log.debug("gateway send failed: %s", exc)
                return False
            self.sent.append(payload)
            return True

    async def close(self, code: int, reason: str = "") -> None:
        self.server_close_code = code
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode())


def _make_compressor(kind: str | None) -> Callable[[bytes], bytes] | None:
    if kind == "zlib-stream":
        ctx = zlib.compressobj()
        return lambda data: ctx.compress(data) + ctx.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        try:
            import zstandard  # type: ignore[import-not-found]

            zobj = zstandard.ZstdCompressor().compressobj()
            flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            return lambda data: zobj.compress(data) + zobj.flush(flush)
        except ImportError:
            pass
        try:
            from compression import zstd  # type: ignore[import-not-found]

            zc = zstd.ZstdCompressor()
            return lambda data: zc.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
        except ImportError:
            log.warning("zstd-stream requested but no zstd module; sending text frames")
    return None  # discord.py accepts uncompressed text frames regardless of ?compress


def _path_regex(template: str, *, named: bool) -> re.Pattern[str]:
    """``/channels/{channel_id}/messages`` -> regex; ``{...}`` matches one path segment."""
    out = []
    for part in re.split(r"(\{\w*\})", template):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            out.append(f"(?P<{name}>[^/]+)" if named and name else "[^/]+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out) + r"/?\Z")


def _strip_api_prefix(path: str) -> str:
    m = re.match(r"^/api/v\d+(/.*)$", path)
    return m.group(1) if m else path


# REST routes: (method, template, handler attribute, requires bot auth)
_ROUTES: list[tuple[str, str, str, bool]] = [
    ("GET", "/gateway", "_h_gateway", False),
    ("GET", "/gateway/bot", "_h_gateway_bot", True),
    ("GET", "/users/@me", "_h_get_me", True),
    ("GET", "/oauth2/applications/@me", "_h_app_info", True),
    ("GET", "/applications/@me", "_h_app_info", True),
    ("POST", "/users/@me/channels", "_h_create_dm", True),
    ("GET", "/users/{user_id}", "_h_get_user", True),
    ("GET", "/channels/{channel_id}", "_h_get_channel", True),
    ("POST", "/channels/{channel_id}/typing", "_h_typing", True),
    ("GET", "/channels/{channel_id}/messages", "_h_history", True),
    ("POST", "/channels/{channel_id}/messages", "_h_create_message", True),
    ("POST", "/channels/{channel_id}/messages/bulk-delete", "_h_bulk_delete", True),
    ("GET", "/channels/{channel_id}/messages/{message_id}", "_h_get_message", True),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", "_h_edit_message", True),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", "_h_delete_message", True),
    (
        "PUT",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
        "_h_add_reaction",
        True,
    ),
    (
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
        "_h_remove_reaction",
        True,
    ),
    ("GET", "/guilds/{guild_id}", "_h_get_guild", True),
    ("GET", "/guilds/{guild_id}/channels", "_h_guild_channels", True),
    ("GET", "/guilds/{guild_id}/roles", "_h_guild_roles", True),
    ("GET", "/guilds/{guild_id}/members", "_h_list_members", True),
    ("GET", "/guilds/{guild_id}/members/{user_id}", "_h_get_member", True),
    ("PATCH", "/guilds/{guild_id}/members/{user_id}", "_h_edit_member", True),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}", "_h_kick", True),
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "_h_add_role", True),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "_h_remove_role", True),
    ("GET", "/guilds/{guild_id}/bans/{user_id}", "_h_get_ban", True),
    ("PUT", "/guilds/{guild_id}/bans/{user_id}", "_h_ban", True),
    ("DELETE", "/guilds/{guild_id}/bans/{user_id}", "_h_unban", True),
    ("GET", "/applications/{app_id}/commands", "_h_get_commands", True),
    ("PUT", "/applications/{app_id}/commands", "_h_sync_commands", True),
    ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", "_h_get_commands", True),
    ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", "_h_sync_commands", True),
    ("POST", "/interactions/{interaction_id}/{token}/callback", "_h_interaction_callback", False),
    ("POST", "/webhooks/{app_id}/{token}", "_h_followup", False),
    ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", "_h_webhook_get", False),
    ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", "_h_webhook_edit", False),
    ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", "_h_webhook_delete", False),
]


class _DiscordPyPointer:
    """Returned by :meth:`FakeDiscord.point_discord_py`; a context manager that restores."""

    def __init__(self, fake: FakeDiscord):
        import discord.gateway
        import discord.http
        import yarl

        self._fake = fake
        self._route = discord.http.Route
        self._ws_cls = discord.gateway.DiscordWebSocket
        self._old_base = self._route.BASE
        self._old_gateway = self._ws_cls.DEFAULT_GATEWAY
        self._route.BASE = fake.api_base
        self._ws_cls.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        self.active = True

    def restore(self) -> None:
        if self.active:
            self._route.BASE = self._old_base
            self._ws_cls.DEFAULT_GATEWAY = self._old_gateway
            self.active = False

    def __enter__(self) -> FakeDiscord:
        return self._fake

    def __exit__(self, *exc: object) -> None:
        self.restore()


# ---------------------------------------------------------------------------------------------
# The fake
# ---------------------------------------------------------------------------------------------


class FakeDiscord:
    """Fake Discord REST + gateway server.  See the module docstring."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_id: int = 900_000_000_000_000_001,
        bot_name: str = "watchkeeper",
        application_id: int | None = None,
        allowed_privileged_intents: int = Intents.PRIVILEGED,
        heartbeat_interval_ms: int = 41_250,
        recommended_shards: int = 1,
        echo_bot_messages: bool = True,
        enforce_permissions: bool = False,
        nonce_window: float = 120.0,
        host: str = "127.0.0.1",
    ):
        self.token = token
        self.bot_id = bot_id
        self.application_id = application_id or bot_id
        self.bot_user: JSON = user(bot_id, bot_name, bot=True)
        self.bot_user.update({"verified": True, "mfa_enabled": False, "flags": 0})
        self.owner_user: JSON = user(bot_id + 1, "app-owner")
        self.allowed_privileged_intents = allowed_privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.recommended_shards = recommended_shards
        self.echo_bot_messages = echo_bot_messages
        self.enforce_permissions = enforce_permissions
        self.nonce_window = nonce_window
        self.host = host
        self.port: int = 0

        # world state
        self.users: dict[int, JSON] = {bot_id: self.bot_user}
        self.guilds: dict[int, _Guild] = {}
        self.channels: dict[int, JSON] = {}  # every channel incl. threads and DMs
        self.channel_guild: dict[int, int] = {}
        self.dm_channels: dict[int, JSON] = {}  # user id -> DM channel
        self.messages: dict[int, JSON] = {}  # message id -> canonical message object
        self.channel_messages: dict[int, list[int]] = collections.defaultdict(list)
        self._message_source: dict[int, str] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self.commands: dict[int | None, list[JSON]] = {}  # guild id (None = global) -> commands
        self.bans: dict[int, dict[int, JSON]] = collections.defaultdict(dict)  # current bans
        self.ban_log: list[JSON] = []  # every ban request, with reason/delete_message_seconds
        self.blocked_dm_users: set[int] = set()
        self.attachments: dict[int, bytes] = {}

        # records
        self.requests: list[RecordedRequest] = []
        self.unknown_requests: list[RecordedRequest] = []
        self.edits: list[JSON] = []
        self.deletions: list[JSON] = []
        self.reactions: list[JSON] = []
        self.interaction_responses: list[JSON] = []
        self.followups: list[JSON] = []
        self.command_syncs: list[JSON] = []
        self.identify_payloads: list[JSON] = []
        self.presence_updates: list[JSON] = []
        self.gateway_connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.dispatched: list[JSON] = []  # {"session", "shard", "event", "data"}
        self.interactions: dict[int, InjectedInteraction] = {}
        self._interactions_by_token: dict[str, InjectedInteraction] = {}

        # failure injection
        self._failures: list[_Failure] = []
        self._forbidden_channels: dict[int, tuple[int, str]] = {}
        self._identify_rejections: collections.deque[int] = collections.deque()

        self._ids = itertools.count(1)
        self._last_snowflake = 0
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._pointers: list[_DiscordPyPointer] = []
        self._routes = [
            (m, _path_regex(t, named=True), getattr(self, h), auth) for m, t, h, auth in _ROUTES
        ]

    # ------------------------------------------------------------------ lifecycle / pointing

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._ws_handler)
        app.router.add_get("/resume", self._ws_handler)
        app.router.add_get("/resume/", self._ws_handler)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._h_cdn)
        app.router.add_route("*", "/api/{tail:.*}", self._rest_handler)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        return self

    async def stop(self) -> None:
        for pointer in reversed(self._pointers):
            pointer.restore()
        self._pointers.clear()
        for conn in list(self.gateway_connections):
            if not conn.closed:
                with contextlib.suppress(TimeoutError, ConnectionError):
                    await asyncio.wait_for(conn.close(1001, "server shutdown"), 1.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def point_discord_py(self) -> _DiscordPyPointer:
        """Point discord.py at this fake *now*: sets ``discord.http.Route.BASE`` and
        ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``.  Use as a context manager (or
        call ``.restore()``) to put the originals back; :meth:`stop` restores too."""
        if not self.port:
            raise RuntimeError("start the fake before pointing discord.py at it")
        pointer = _DiscordPyPointer(self)
        self._pointers.append(pointer)
        return pointer

    # ------------------------------------------------------------------ ids / waiting

    def snowflake(self) -> int:
        """A fresh, increasing snowflake with the current timestamp."""
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (now_ms << 22) | (1 << 17) | (next(self._ids) & 0xFFF)
        if value <= self._last_snowflake:
            value = self._last_snowflake + 1
        self._last_snowflake = value
        return value

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy (re-checked on every fake state change)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError("FakeDiscord.wait_for timed out")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))

    async def wait_until_ready(self, sessions: int = 1, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``sessions`` gateway sessions got READY + their GUILD_CREATEs."""
        await self.wait_for(
            lambda: sum(1 for s in self.live_sessions() if s.ready) >= sessions,
            timeout,
        )

    async def wait_for_posted(
        self,
        channel_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[JSON]:
        await self.wait_for(lambda: len(self.posted(channel_id)) >= count, timeout)
        return self.posted(channel_id)

    async def wait_for_interaction_response(
        self,
        interaction_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        iid = int(interaction_id)

        def find() -> JSON | None:
            for r in self.interaction_responses:
                if r["interaction_id"] == iid:
                    return r
            return None

        return await self.wait_for(find, timeout)

    async def wait_for_request(
        self,
        method: str,
        path_template: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[RecordedRequest]:
        await self.wait_for(lambda: len(self.requests_to(method, path_template)) >= count, timeout)
        return self.requests_to(method, path_template)

    def live_sessions(self) -> list[GatewaySession]:
        """Sessions that currently have an open gateway connection."""
        return [
            s
            for s in self.sessions.values()
            if s.alive and s.conn is not None and not s.conn.closed
        ]

    # ------------------------------------------------------------------ fixtures

    def add_user(self, user_id: int, username: str | None = None, **kwargs: Any) -> JSON:
        data = user(user_id, username, **kwargs)
        self.users[user_id] = data
        return data

    def _ensure_user(self, user_id: int) -> JSON:
        if user_id not in self.users:
            self.users[user_id] = user(user_id)
        return self.users[user_id]

    def add_guild(
        self,
        guild_id: int,
        owner_id: int,
        *,
        name: str | None = None,
        channels: Iterable[JSON] = (),
        roles: Iterable[JSON] = (),
        members: Iterable[JSON] = (),
        threads: Iterable[JSON] = (),
        bot_roles: Iterable[int] = (),
        everyone_permissions: int = Perm.DEFAULT_EVERYONE,
        **extra: Any,
    ) -> JSON:
        """Register a guild.  Adds @everyone (id = guild id), the owner and the bot as members
        if missing.  Threads may be given in ``channels`` or ``threads``.  Returns the
        GUILD_CREATE payload.  (Use :meth:`send_guild_create` to announce it to a live bot.)"""
        g = _Guild(
            id=guild_id,
            name=name or f"guild-{guild_id}",
            owner_id=owner_id,
            roles={},
            channels={},
            threads={},
            members={},
            joined_at=iso_timestamp(time.time() - 3600),
            extra=extra,
        )
        g.roles[guild_id] = role(
            guild_id, "@everyone", permissions=everyone_permissions, position=0
        )
        for r in roles:
            g.roles[int(r["id"])] = dict(r)
        for ch in itertools.chain(channels, threads):
            ch = dict(ch, guild_id=str(guild_id))
            cid = int(ch["id"])
            (g.threads if ch["type"] in THREAD_TYPES else g.channels)[cid] = ch
            self.channels[cid] = ch
            self.channel_guild[cid] = guild_id
        for m in members:
            m = dict(m)
            uid = int(m["user"]["id"])
            self.users.setdefault(uid, m["user"])
            m["user"] = self.users[uid]
            g.members[uid] = m
        if owner_id not in g.members:
            g.members[owner_id] = dict(member(owner_id), user=self._ensure_user(owner_id))
        if self.bot_id not in g.members:
            bot_member = member(self.bot_id, roles=bot_roles, joined_at=g.joined_at)
            bot_member["user"] = self.bot_user
            g.members[self.bot_id] = bot_member
        self.guilds[guild_id] = g
        return self.guild_create_payload(guild_id)

    def add_member(self, guild_id: int, data: JSON) -> JSON:
        g = self.guilds[guild_id]
        uid = int(data["user"]["id"])
        self.users[uid] = data["user"]
        g.members[uid] = dict(data)
        return g.members[uid]

    def add_channel(self, guild_id: int, data: JSON) -> JSON:
        g = self.guilds[guild_id]
        ch = dict(data, guild_id=str(guild_id))
        cid = int(ch["id"])
        (g.threads if ch["type"] in THREAD_TYPES else g.channels)[cid] = ch
        self.channels[cid] = ch
        self.channel_guild[cid] = guild_id
        return ch

    def guild_payload(self, guild_id: int) -> JSON:
        """The guild object as returned by ``GET /guilds/{id}``."""
        g = self.guilds[guild_id]
        data: JSON = {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(g.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": list(g.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }
        data.update(g.extra)
        return data

    def guild_create_payload(self, guild_id: int, intents: int | None = None) -> JSON:
        """GUILD_CREATE data.  Like Discord, ``members`` holds only the bot's own member
        unless the session has GUILD_PRESENCES (``intents=None`` = everything); bots with
        GUILD_MEMBERS get the rest by chunking (op 8 -> GUILD_MEMBERS_CHUNK)."""
        g = self.guilds[guild_id]
        data = self.guild_payload(guild_id)
        members = list(g.members.values())
        if intents is not None and not intents & Intents.GUILD_PRESENCES:
            members = [m for m in members if int(m["user"]["id"]) == self.bot_id]
        data.update(
            {
                "joined_at": g.joined_at,
                "large": len(g.members) >= 250,
                "unavailable": False,
                "member_count": len(g.members),
                "voice_states": [],
                "members": members,
                "channels": list(g.channels.values()),
                "threads": list(g.threads.values()),
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "lazy": True,
            }
        )
        return data

    def dm_channel(self, user_id: int) -> JSON:
        """The (created on demand) DM channel between the bot and ``user_id``."""
        if user_id not in self.dm_channels:
            cid = self.snowflake()
            ch = {
                "id": str(cid),
                "type": ChannelType.DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self._ensure_user(user_id)],
            }
            self.dm_channels[user_id] = ch
            self.channels[cid] = ch
        return self.dm_channels[user_id]

    def member_permissions(self, guild_id: int, user_id: int, channel_id: int | None = None) -> int:
        """Computed permissions (base, or in ``channel_id`` with overwrites applied)."""
        g = self.guilds[guild_id]
        if user_id == g.owner_id:
            return Perm.ALL
        m = g.members.get(user_id)
        role_ids = [int(r) for r in m["roles"]] if m else []
        perms = int(g.roles[guild_id]["permissions"])
        for rid in role_ids:
            if rid in g.roles:
                perms |= int(g.roles[rid]["permissions"])
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        if channel_id is None:
            return perms
        ch = self.channels.get(channel_id)
        if ch is not None and ch["type"] in THREAD_TYPES:
            ch = self.channels.get(int(ch["parent_id"]))
        if ch is None:
            return perms
        ows = {int(o["id"]): o for o in ch.get("permission_overwrites", [])}
        if guild_id in ows:
            perms &= ~int(ows[guild_id]["deny"])
            perms |= int(ows[guild_id]["allow"])
        allow = deny = 0
        for rid in role_ids:
            if rid in ows and ows[rid].get("type", 0) == 0:
                allow |= int(ows[rid]["allow"])
                deny |= int(ows[rid]["deny"])
        perms = (perms & ~deny) | allow
        mo = ows.get(user_id)
        if mo is not None and mo.get("type") == 1:
            perms = (perms & ~int(mo["deny"])) | int(mo["allow"])
        return perms

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 0.05,
        code: int | None = None,
        message: str | None = None,
        is_global: bool = False,
        scope: str = "user",
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` (or ``"*"``) and ``path``
        with ``status``.  ``path`` is without ``/api/v10``; ``{anything}`` matches one path
        segment, e.g. ``"/channels/{id}/messages"``.  429s carry ``Via``, ``Retry-After``,
        ``X-RateLimit-*`` headers and ``{"retry_after", "global", "code"}`` so discord.py
        sleeps ``retry_after`` and retries.  502s have an HTML body (like Cloudflare)."""
        self._failures.append(
            _Failure(
                method=method.upper(),
                pattern=_path_regex(_strip_api_prefix(path), named=False),
                status=status,
                times=times,
                retry_after=retry_after,
                code=code if code is not None else (50013 if status == 403 else 0),
                message=message,
                is_global=is_global,
                scope=scope,
            )
        )

    def forbid_channel(
        self, channel_id: int, *, code: int = 50013, message: str = "Missing Permissions"
    ) -> None:
        """Every message create/edit/delete/reaction in the channel answers 403 ``code``."""
        self._forbidden_channels[channel_id] = (code, message)

    def allow_channel(self, channel_id: int) -> None:
        self._forbidden_channels.pop(channel_id, None)

    def block_dms(self, user_id: int) -> None:
        """Sending to this user's DM channel answers 403 / 50007 (Cannot send messages)."""
        self.blocked_dm_users.add(user_id)

    def reject_next_identify(self, close_code: int, times: int = 1) -> None:
        """Close the next ``times`` IDENTIFYs with ``close_code`` (e.g. 4014, 4004)."""
        self._identify_rejections.extend([close_code] * times)

    def expire_interaction(self, interaction_id: int) -> None:
        """Make the interaction token unknown (10062 / 10015), like after 3 s / 15 min."""
        self.interactions[int(interaction_id)].expired = True

    # ------------------------------------------------------------------ inspection

    def posted(
        self, channel_id: int | None = None, *, include_interactions: bool = False
    ) -> list[JSON]:
        """Messages the bot created with ``POST /channels/{id}/messages`` (live dicts: later
        edits are visible).  ``include_interactions`` adds non-ephemeral interaction responses
        and followups in that channel."""
        sources = {"rest", "interaction", "followup"} if include_interactions else {"rest"}
        if channel_id is None:
            ids: Iterable[int] = self.messages
        else:
            ids = self.channel_messages.get(int(channel_id), [])
        return [self.messages[i] for i in ids if self._message_source.get(i) in sources]

    def requests_to(self, method: str, path_template: str) -> list[RecordedRequest]:
        rx = _path_regex(_strip_api_prefix(path_template), named=False)
        return [
            r for r in self.requests if (method == "*" or r.method == method) and rx.match(r.path)
        ]

    def history(self, channel_id: int) -> list[JSON]:
        """Every non-deleted, non-ephemeral message in the channel, oldest first."""
        return [self.messages[i] for i in self.channel_messages.get(int(channel_id), [])]

    # ------------------------------------------------------------------ gateway server

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0, autoping=True, compress=False)
        await ws.prepare(request)
        conn = GatewayConnection(ws, request.path, dict(request.query))
        self.gateway_connections.append(conn)
        self._notify()
        try:
            version = conn.query.get("v", "10")
            if not version.isdigit() or int(version) not in API_VERSIONS:
                await conn.close(4012, "Invalid API version")
                return ws
            if conn.query.get("encoding", "json") != "json":
                await conn.close(4002, "Error while decoding payload.")
                return ws
            await conn.send(
                {
                    "op": Op.HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake"]},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, "Error while decoding payload.")
                        break
                    conn.received.append(payload)
                    await self._on_gateway_payload(conn, payload)
                    self._notify()
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            conn.client_close_code = ws.close_code
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                code = conn.server_close_code or ws.close_code
                if conn.server_close_code is None and ws.close_code in (1000, 1001):
                    session.alive = False  # clean client close invalidates the session
                elif code in NON_RESUMABLE_CLOSE_CODES:
                    session.alive = False
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == Op.HEARTBEAT:
            conn.heartbeats += 1
            await conn.send({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == Op.IDENTIFY:
            await self._on_identify(conn, data or {})
        elif op == Op.RESUME:
            await self._on_resume(conn, data or {})
        elif op == Op.PRESENCE:
            self.presence_updates.append(data)
        elif op == Op.REQUEST_MEMBERS:
            await self._on_request_members(conn, data or {})
        elif op == Op.VOICE_STATE:
            pass
        else:
            await conn.close(4001, "Unknown opcode.")

    async def _on_identify(self, conn: GatewayConnection, data: JSON) -> None:
        self.identify_payloads.append(data)
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if self._identify_rejections:
            await conn.close(self._identify_rejections.popleft(), "Rejected by test.")
            return
        if data.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        shard = data.get("shard")
        if shard is not None:
            try:
                shard_id, count = int(shard[0]), int(shard[1])
            except (TypeError, ValueError, IndexError):
                await conn.close(4010, "Invalid shard.")
                return
            if count < 1 or not 0 <= shard_id < count:
                await conn.close(4010, "Invalid shard.")
                return
            shard = (shard_id, count)
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & Intents.PRIVILEGED & ~self.allowed_privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        session = GatewaySession(
            id=hashlib.sha1(str(self.snowflake()).encode()).hexdigest()[:32],
            shard=shard,
            intents=intents,
            identify=data,
        )
        session.conn = conn
        conn.session = session
        self.sessions[session.id] = session
        guild_ids = [gid for gid in self.guilds if session.handles_guild(gid)]
        ready: JSON = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-gateway"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await self._send_dispatch(session, "READY", ready)
        for gid in guild_ids:
            payload = self.guild_create_payload(gid, session.intents)
            await self._send_dispatch(session, "GUILD_CREATE", payload)
        session.ready = True
        self._notify()

    async def _on_resume(self, conn: GatewayConnection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.alive or data.get("token") != self.token:
            await conn.send({"op": Op.INVALIDATE_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.conn
        session.conn = conn
        conn.session = session
        if old is not None and old is not conn and not old.closed:
            old.session = None
            await old.close(4000, "Session resumed elsewhere.")
        session.resumes += 1
        last = int(data.get("seq") or 0)
        for payload in list(session.buffer):
            if payload["s"] > last:
                await conn.send(payload)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-gateway"]})

    async def _on_request_members(self, conn: GatewayConnection, data: JSON) -> None:
        session = conn.session
        gid = int(data.get("guild_id", 0))
        if session is None or gid not in self.guilds:
            return
        g = self.guilds[gid]
        members = list(g.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if int(m["user"]["id"]) in wanted]
        elif data.get("query"):
            q = str(data["query"]).lower()
            members = [m for m in members if m["user"]["username"].lower().startswith(q)]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk: JSON = {
            "guild_id": str(gid),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _application_flags(self) -> int:
        flags = 0
        if self.allowed_privileged_intents & Intents.GUILD_PRESENCES:
            flags |= 1 << 13  # GATEWAY_PRESENCE_LIMITED
        if self.allowed_privileged_intents & Intents.GUILD_MEMBERS:
            flags |= 1 << 15  # GATEWAY_GUILD_MEMBERS_LIMITED
        if self.allowed_privileged_intents & Intents.MESSAGE_CONTENT:
            flags |= 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
        return flags

    async def _send_dispatch(self, session: GatewaySession, event: str, data: JSON) -> None:
        session.seq += 1
        payload = {"op": Op.DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(payload)
        delivered = False
        if session.conn is not None:
            delivered = await session.conn.send(payload)
        self.dispatched.append(
            {
                "session": session.id,
                "shard": session.shard,
                "event": event,
                "data": data,
                "delivered": delivered,  # False: buffered for a RESUME only
            }
        )

    async def dispatch(
        self,
        event: str,
        data: JSON,
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        transform: Callable[[GatewaySession, JSON], JSON | None] | None = None,
    ) -> int:
        """Send a DISPATCH to every live session that should get it: guild events go to the
        shard owning ``guild_id``, other events to shard 0; sessions without ``intent`` are
        skipped.  ``transform(session, data)`` may tailor (or drop with None) the payload.
        Returns how many sessions it was sent to."""
        sent = 0
        for session in list(self.sessions.values()):
            if not (session.alive and session.ready):
                continue
            if guild_id is not None:
                if not session.handles_guild(guild_id):
                    continue
            elif session.shard_id != 0:
                continue
            if intent is not None and not session.intents & intent:
                continue
            payload = transform(session, data) if transform else data
            if payload is None:
                continue
            await self._send_dispatch(session, event, payload)
            sent += 1
        self._notify()
        return sent

    async def send_guild_create(self, guild_id: int) -> int:
        """Announce a guild (added with :meth:`add_guild` after connecting) to the bot."""
        return await self.dispatch(
            "GUILD_CREATE",
            {},
            guild_id=guild_id,
            transform=lambda s, _: self.guild_create_payload(guild_id, s.intents),
        )

    async def close_gateway(
        self, code: int = 4000, reason: str = "", *, shard_id: int | None = None
    ) -> None:
        """Close live gateway connections (all, or one shard's) with ``code``.  Resumable codes
        (4000, 1001, ...) keep the session so discord.py RESUMEs on resume_gateway_url."""
        for conn in list(self.gateway_connections):
            if conn.closed:
                continue
            if shard_id is not None and (conn.session is None or conn.session.shard_id != shard_id):
                continue
            await conn.close(code, reason)

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT (discord.py closes and RESUMEs)."""
        for conn in list(self.gateway_connections):
            if conn.closed or conn.session is None:
                continue
            if shard_id is None or conn.session.shard_id == shard_id:
                await conn.send({"op": Op.RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(
        self, *, resumable: bool = False, shard_id: int | None = None
    ) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the session is dropped."""
        for conn in list(self.gateway_connections):
            if conn.closed or conn.session is None:
                continue
            if shard_id is None or conn.session.shard_id == shard_id:
                if not resumable:
                    conn.session.alive = False
                await conn.send({"op": Op.INVALIDATE_SESSION, "d": resumable, "s": None, "t": None})

    # ------------------------------------------------------------------ messages (model)

    def _mentions_for(
        self,
        content: str,
        guild_id: int | None,
        extra_users: Iterable[int] = (),
        extra_roles: Iterable[int] = (),
        allowed_mentions: JSON | None = None,
    ) -> tuple[list[JSON], list[str], bool]:
        user_ids = [int(u) for u in _MENTION_USER_RE.findall(content or "")]
        role_ids = [int(r) for r in _MENTION_ROLE_RE.findall(content or "")]
        everyone = "@everyone" in (content or "") or "@here" in (content or "")
        if allowed_mentions is not None:
            parse = set(allowed_mentions.get("parse", []))
            allowed_users = {int(u) for u in allowed_mentions.get("users", [])}
            allowed_roles = {int(r) for r in allowed_mentions.get("roles", [])}
            user_ids = [u for u in user_ids if "users" in parse or u in allowed_users]
            role_ids = [r for r in role_ids if "roles" in parse or r in allowed_roles]
            everyone = everyone and "everyone" in parse
        user_ids += [int(u) for u in extra_users]
        role_ids += [int(r) for r in extra_roles]
        seen: set[int] = set()
        mentions: list[JSON] = []
        for uid in user_ids:
            if uid in seen:
                continue
            seen.add(uid)
            u = dict(self._ensure_user(uid))
            if guild_id is not None and uid in self.guilds[guild_id].members:
                u["member"] = self._partial_member(guild_id, uid)
            mentions.append(u)
        if guild_id is not None:
            role_ids = [r for r in role_ids if r in self.guilds[guild_id].roles]
        return mentions, [str(r) for r in dict.fromkeys(role_ids)], everyone

    def _partial_member(
        self, guild_id: int, user_id: int, roles: Iterable[int] | None = None
    ) -> JSON:
        m = dict(self.guilds[guild_id].members[user_id])
        m.pop("user", None)
        if roles is not None:
            m["roles"] = [str(r) for r in roles]
        return m

    def _new_message(
        self,
        channel_id: int,
        author: JSON,
        *,
        content: str = "",
        embeds: Sequence[JSON] = (),
        components: Sequence[JSON] = (),
        attachments: Sequence[JSON] = (),
        mentions: Sequence[JSON] = (),
        mention_roles: Sequence[str] = (),
        mention_everyone: bool = False,
        nonce: Any = None,
        reference: JSON | None = None,
        msg_type: int = 0,
        flags: int = 0,
        tts: bool = False,
        webhook_id: int | None = None,
        application_id: int | None = None,
        interaction_metadata: JSON | None = None,
        message_id: int | None = None,
        timestamp: str | None = None,
        source: str = "rest",
        ephemeral: bool = False,
        extra: JSON | None = None,
    ) -> JSON:
        mid = message_id or self.snowflake()
        msg: JSON = {
            "id": str(mid),
            "type": msg_type,
            "channel_id": str(channel_id),
            "author": author,
            "content": content or "",
            "timestamp": timestamp or iso_timestamp(),
            "edited_timestamp": None,
            "tts": tts,
            "mention_everyone": mention_everyone,
            "mentions": list(mentions),
            "mention_roles": list(mention_roles),
            "mention_channels": [],
            "attachments": list(attachments),
            "embeds": list(embeds),
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": list(components),
        }
        if nonce is not None:
            msg["nonce"] = nonce
        if webhook_id is not None:
            msg["webhook_id"] = str(webhook_id)
        if application_id is not None:
            msg["application_id"] = str(application_id)
        if interaction_metadata is not None:
            msg["interaction_metadata"] = interaction_metadata
        if reference is not None:
            msg["message_reference"] = reference
            ref_id = int(reference.get("message_id") or 0)
            if reference.get("type", 0) == 0:
                msg["referenced_message"] = self.messages.get(ref_id)
        if extra:
            msg.update(extra)
        self.messages[mid] = msg
        self._message_source[mid] = source
        if not ephemeral:
            self.channel_messages[channel_id].append(mid)
            ch = self.channels.get(channel_id)
            if ch is not None:
                ch["last_message_id"] = str(mid)
        self._notify()
        return msg

    def _gateway_message(self, msg: JSON, member_roles: Iterable[int] | None = None) -> JSON:
        """A stored message as MESSAGE_CREATE/UPDATE data (adds guild_id + member)."""
        data = dict(msg)
        cid = int(msg["channel_id"])
        gid = self.channel_guild.get(cid)
        if gid is not None:
            data["guild_id"] = str(gid)
            author_id = int(msg["author"]["id"])
            if author_id in self.guilds[gid].members and "webhook_id" not in msg:
                data["member"] = self._partial_member(gid, author_id, member_roles)
        else:
            data["channel_type"] = ChannelType.DM
        return data

    def _content_visible(self, session: GatewaySession, msg: JSON) -> bool:
        if session.intents & Intents.MESSAGE_CONTENT or "guild_id" not in msg:
            return True
        if int(msg["author"]["id"]) == self.bot_id:
            return True
        return any(int(m["id"]) == self.bot_id for m in msg.get("mentions", []))

    def _for_session(self, session: GatewaySession, msg: JSON) -> JSON:
        if self._content_visible(session, msg):
            return msg
        stripped = dict(msg, content="", embeds=[], attachments=[], components=[])
        stripped.pop("poll", None)
        return stripped

    async def _dispatch_message(
        self, event: str, msg: JSON, member_roles: Iterable[int] | None = None
    ) -> int:
        data = self._gateway_message(msg, member_roles)
        gid = self.channel_guild.get(int(msg["channel_id"]))
        intent = Intents.GUILD_MESSAGES if gid is not None else Intents.DIRECT_MESSAGES
        return await self.dispatch(
            event, data, guild_id=gid, intent=intent, transform=self._for_session
        )

    async def _dispatch_delete(self, channel_id: int, message_ids: Sequence[int]) -> None:
        gid = self.channel_guild.get(channel_id)
        intent = Intents.GUILD_MESSAGES if gid is not None else Intents.DIRECT_MESSAGES
        if len(message_ids) == 1:
            data: JSON = {"id": str(message_ids[0]), "channel_id": str(channel_id)}
            event = "MESSAGE_DELETE"
        else:
            data = {"ids": [str(m) for m in message_ids], "channel_id": str(channel_id)}
            event = "MESSAGE_DELETE_BULK"
        if gid is not None:
            data["guild_id"] = str(gid)
        await self.dispatch(event, data, guild_id=gid, intent=intent)

    def _delete_message(self, channel_id: int, message_id: int) -> None:
        ids = self.channel_messages.get(channel_id, [])
        if message_id in ids:
            ids.remove(message_id)
        self.messages.pop(message_id, None)
        self._message_source.pop(message_id, None)
        self.deletions.append({"channel_id": channel_id, "message_id": message_id})

    # ------------------------------------------------------------------ event injection

    async def send_message_create(
        self,
        guild_id: int,
        channel_id: int,
        author_id: int,
        content: str = "",
        *,
        reply_to: int | None = None,
        embeds: Sequence[JSON] = (),
        attachments: Sequence[JSON] = (),
        components: Sequence[JSON] = (),
        mentions: Iterable[int] = (),
        mention_roles: Iterable[int] = (),
        roles: Iterable[int] | None = None,
        nonce: str | None = None,
        webhook_id: int | None = None,
        flags: int = 0,
        tts: bool = False,
        message_type: int | None = None,
    ) -> int:
        """Inject a guild MESSAGE_CREATE from ``author_id`` (auto-added as a member with no
        roles if unknown).  ``<@id>``, ``<@&id>`` and @everyone in ``content`` fill the mention
        fields; ``roles`` overrides the author's member roles in this event only.  Returns the
        message id.  Gated like Discord: needs GUILD_MESSAGES; content/embeds/attachments/
        components are blanked for sessions without MESSAGE_CONTENT unless the bot is
        mentioned."""
        g = self.guilds[guild_id]
        if channel_id not in self.channels or self.channel_guild.get(channel_id) != guild_id:
            raise KeyError(f"channel {channel_id} is not in guild {guild_id}")
        if author_id not in g.members:
            g.members[author_id] = dict(member(author_id), user=self._ensure_user(author_id))
        author = self.users[author_id]
        found_mentions, found_roles, everyone = self._mentions_for(
            content, guild_id, mentions, mention_roles
        )
        reference = None
        if reply_to is not None:
            reference = {
                "type": 0,
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
                "guild_id": str(guild_id),
            }
            replied = self.messages.get(int(reply_to))
            if replied is not None and all(
                m["id"] != replied["author"]["id"] for m in found_mentions
            ):
                found_mentions.append(dict(replied["author"]))
        msg = self._new_message(
            channel_id,
            author,
            content=content,
            embeds=embeds,
            attachments=attachments,
            components=components,
            mentions=found_mentions,
            mention_roles=found_roles,
            mention_everyone=everyone,
            nonce=nonce,
            reference=reference,
            msg_type=message_type if message_type is not None else (19 if reply_to else 0),
            flags=flags,
            tts=tts,
            webhook_id=webhook_id,
            source="gateway",
        )
        await self._dispatch_message("MESSAGE_CREATE", msg, roles)
        return int(msg["id"])

    async def send_dm(
        self,
        author_id: int,
        content: str = "",
        *,
        reply_to: int | None = None,
        embeds: Sequence[JSON] = (),
        attachments: Sequence[JSON] = (),
    ) -> int:
        """Inject a DM MESSAGE_CREATE (no guild_id) from ``author_id`` to the bot.  Needs the
        DIRECT_MESSAGES intent.  Returns the message id (``dm_channel(author_id)`` = channel)."""
        ch = self.dm_channel(author_id)
        cid = int(ch["id"])
        mentions, _, _ = self._mentions_for(content, None)
        reference = None
        if reply_to is not None:
            reference = {"type": 0, "message_id": str(reply_to), "channel_id": str(cid)}
        msg = self._new_message(
            cid,
            self.users[author_id],
            content=content,
            embeds=embeds,
            attachments=attachments,
            mentions=mentions,
            reference=reference,
            msg_type=19 if reply_to else 0,
            source="gateway",
        )
        await self._dispatch_message("MESSAGE_CREATE", msg)
        return int(msg["id"])

    # interactions --------------------------------------------------------------------------

    async def send_interaction(
        self,
        interaction_type: int,
        data: JSON | None,
        *,
        user_id: int,
        guild_id: int | None = None,
        channel_id: int | None = None,
        message: JSON | None = None,
        locale: str = "en-US",
        extra: JSON | None = None,
    ) -> InjectedInteraction:
        """Inject a raw INTERACTION_CREATE.  Without ``guild_id`` it comes from the user's DM
        with the bot.  Member permissions / app_permissions are computed from the fixtures."""
        iid = self.snowflake()
        token = f"fake-interaction-token-{iid}"
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            g = self.guilds[guild_id]
            if channel_id is None:
                raise ValueError("guild interactions need a channel_id")
            if user_id not in g.members:
                g.members[user_id] = dict(member(user_id), user=self._ensure_user(user_id))
            perms = self.member_permissions(guild_id, user_id, channel_id)
            m = dict(g.members[user_id], permissions=str(perms))
            channel = dict(
                self.channels[channel_id],
                permissions=str(perms),
            )
            payload.update(
                {
                    "guild_id": str(guild_id),
                    "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "member": m,
                    "channel_id": str(channel_id),
                    "channel": channel,
                    "app_permissions": str(
                        self.member_permissions(guild_id, self.bot_id, channel_id)
                    ),
                    "authorizing_integration_owners": {"0": str(guild_id)},
                    "context": 0,
                }
            )
        else:
            ch = self.dm_channel(user_id)
            channel_id = int(ch["id"])
            payload.update(
                {
                    "user": self._ensure_user(user_id),
                    "channel_id": str(channel_id),
                    "channel": dict(ch),
                    "app_permissions": str(Perm.DEFAULT_EVERYONE),
                    "authorizing_integration_owners": {"0": str(self.application_id)},
                    "context": 1,
                }
            )
        if message is not None:
            payload["message"] = message
        if extra:
            payload.update(extra)
        inter = InjectedInteraction(
            id=iid,
            token=token,
            type=interaction_type,
            payload=payload,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            message_id=int(message["id"]) if message else None,
        )
        self.interactions[iid] = inter
        self._interactions_by_token[token] = inter
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        return inter

    def _find_component_message(self, channel_id: int, custom_id: str) -> JSON | None:
        def walk(components: Iterable[JSON]) -> bool:
            for c in components:
                if c.get("custom_id") == custom_id:
                    return True
                if walk(c.get("components", [])) or (c.get("accessory") and walk([c["accessory"]])):
                    return True
            return False

        for mid in reversed(self.channel_messages.get(channel_id, [])):
            if walk(self.messages[mid].get("components", [])):
                return self.messages[mid]
        return None

    async def send_component_interaction(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        message_id: int | None = None,
    ) -> InjectedInteraction:
        """Inject a component interaction (type 3).  The attached message is ``message_id``,
        else the newest message in the channel carrying ``custom_id``, else a synthesized
        bot message with such a button (stored in the channel)."""
        if guild_id is None:
            channel_id = int(self.dm_channel(user_id)["id"])
        assert channel_id is not None
        if message_id is not None:
            msg = self.messages[int(message_id)]
        else:
            msg = self._find_component_message(channel_id, custom_id)
        if msg is None:
            button = {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
            if component_type != 2:
                button = {"type": component_type, "custom_id": custom_id, "options": []}
            msg = self._new_message(
                channel_id,
                self.bot_user,
                content="",
                components=[{"type": 1, "components": [button]}],
                source="synthesized",
            )
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        message = self._gateway_message(msg)
        return await self.send_interaction(
            InteractionType.MESSAGE_COMPONENT,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            message=message,
        )

    async def send_button_press(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        *,
        message_id: int | None = None,
    ) -> InjectedInteraction:
        """Inject a button press (type 3, component_type 2).  See send_component_interaction."""
        return await self.send_component_interaction(
            guild_id, channel_id, user_id, custom_id, message_id=message_id
        )

    def _find_command(self, guild_id: int | None, name: str, ctype: int) -> JSON | None:
        for scope in ([guild_id] if guild_id is not None else []) + [None]:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == ctype:
                    return cmd
        return None

    def _resolve_into(self, resolved: JSON, otype: int, value: Any, guild_id: int | None) -> None:
        oid = int(value)
        if otype == OptionType.MENTIONABLE:
            is_role = guild_id is not None and oid in self.guilds[guild_id].roles
            otype = OptionType.ROLE if is_role else OptionType.USER
        if otype == OptionType.USER:
            resolved.setdefault("users", {})[str(oid)] = self._ensure_user(oid)
            if guild_id is not None and oid in self.guilds[guild_id].members:
                pm = self._partial_member(guild_id, oid)
                pm["permissions"] = str(self.member_permissions(guild_id, oid))
                resolved.setdefault("members", {})[str(oid)] = pm
        elif otype == OptionType.ROLE and guild_id is not None:
            resolved.setdefault("roles", {})[str(oid)] = self.guilds[guild_id].roles[oid]
        elif otype == OptionType.CHANNEL:
            ch = self.channels[oid]
            entry = {
                k: ch[k] for k in ("id", "name", "type", "parent_id", "thread_metadata") if k in ch
            }
            if guild_id is not None:
                entry["permissions"] = str(self.member_permissions(guild_id, self.bot_id, oid))
            resolved.setdefault("channels", {})[str(oid)] = entry

    async def send_slash_command(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        *,
        subcommand: str | Sequence[str] | None = None,
        options: JSON | Sequence[JSON] | None = None,
        resolved: JSON | None = None,
        locale: str = "en-US",
    ) -> InjectedInteraction:
        """Inject a slash command (type 2, data.type 1).  ``subcommand`` is ``"sub"``,
        ``"group sub"`` or a list.  ``options`` is a list of raw option dicts or a
        ``{name: value}`` dict typed from the synced command schema (USER/CHANNEL/ROLE/
        MENTIONABLE values are ids and get ``resolved`` entries built from the fixtures).
        ``data.id``/``data.guild_id`` come from the synced command, as on Discord."""
        cmd = self._find_command(guild_id, name, 1)
        path = subcommand.split() if isinstance(subcommand, str) else list(subcommand or [])
        schema = cmd.get("options", []) if cmd else []
        res: JSON = dict(resolved or {})
        leaf: list[JSON]
        if isinstance(options, dict):
            for part in path:
                nxt = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
                schema = nxt.get("options", []) if nxt else []
            types = {o["name"]: o["type"] for o in schema}
            leaf = []
            for oname, value in options.items():
                otype = types.get(oname) or _infer_option_type(value)
                if otype in (OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, 9):
                    self._resolve_into(res, otype, value, guild_id)
                    value = str(int(value))
                leaf.append({"name": oname, "type": otype, "value": value})
        else:
            leaf = list(options or [])
        nested = leaf
        for depth, part in reversed(list(enumerate(path))):
            is_group = depth < len(path) - 1
            nested = [{"name": part, "type": 2 if is_group else 1, "options": nested}]
        data: JSON = {
            "id": cmd["id"] if cmd else str(self.snowflake()),
            "name": name,
            "type": 1,
        }
        if nested:
            data["options"] = nested
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if res:
            data["resolved"] = res
        return await self.send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            locale=locale,
        )

    async def send_message_command(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        target_message_id: int,
    ) -> InjectedInteraction:
        """Inject a message context-menu command (type 2, data.type 3) on a stored message,
        with ``resolved.messages``."""
        cmd = self._find_command(guild_id, name, 3)
        target = self.messages[int(target_message_id)]
        data: JSON = {
            "id": cmd["id"] if cmd else str(self.snowflake()),
            "name": name,
            "type": 3,
            "target_id": str(target_message_id),
            "resolved": {"messages": {str(target_message_id): target}},
        }
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self.send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
        )

    async def send_user_command(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        target_user_id: int,
    ) -> InjectedInteraction:
        """Inject a user context-menu command (type 2, data.type 2)."""
        cmd = self._find_command(guild_id, name, 2)
        res: JSON = {}
        self._resolve_into(res, OptionType.USER, target_user_id, guild_id)
        data: JSON = {
            "id": cmd["id"] if cmd else str(self.snowflake()),
            "name": name,
            "type": 2,
            "target_id": str(target_user_id),
            "resolved": res,
        }
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self.send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
        )

    # ------------------------------------------------------------------ REST server

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        m = re.match(r"^/api/v(\d+)(/.*)?$", request.path)
        raw_path = request.match_info.get("tail", "")
        if m is None or int(m.group(1)) not in API_VERSIONS:
            rec = RecordedRequest(request.method, "/" + raw_path, None, dict(request.query), {})
            self.requests.append(rec)
            self.unknown_requests.append(rec)
            rec.status = 404
            return self._json({"message": "404: Not Found", "code": 0}, status=404)
        path = m.group(2) or "/"
        reason = request.headers.get("X-Audit-Log-Reason")
        rec = RecordedRequest(
            method=request.method,
            path=path,
            json=None,
            query=dict(request.query),
            headers=dict(request.headers),
            reason=urllib.parse.unquote(reason) if reason else None,
        )
        try:
            await self._read_body(request, rec)
        except ValueError:
            rec.status = 400
            self.requests.append(rec)
            return self._json({"message": "400: Bad Request", "code": 50109}, status=400)
        self.requests.append(rec)
        try:
            response = await self._route(rec)
        except ApiError as exc:
            body: JSON = {"message": exc.message, "code": exc.code}
            if exc.errors is not None:
                body["errors"] = exc.errors
            response = self._json(body, status=exc.status)
        rec.status = response.status
        self._notify()
        return response

    async def _read_body(self, request: web.Request, rec: RecordedRequest) -> None:
        ctype = request.content_type
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    rec.json = json.loads(await part.text())
                else:
                    rec.files.append(
                        {
                            "name": part.name,
                            "filename": part.filename,
                            "data": await part.read(decode=False),
                            "content_type": part.headers.get("Content-Type"),
                        }
                    )
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                rec.json = json.loads(raw)

    async def _route(self, rec: RecordedRequest) -> web.StreamResponse:
        for failure in self._failures:
            if failure.matches(rec.method, rec.path):
                failure.times -= 1
                return self._failure_response(failure)
        self._failures = [f for f in self._failures if f.times > 0]
        for method, rx, handler, auth in self._routes:
            if method != rec.method:
                continue
            match = rx.match(rec.path)
            if match is None:
                continue
            if auth and rec.headers.get("Authorization") != f"Bot {self.token}":
                raise ApiError(401, 0, "401: Unauthorized")
            return await handler(rec, **match.groupdict())
        self.unknown_requests.append(rec)
        return self._json({"message": "404: Not Found", "code": 0}, status=404)

    def _failure_response(self, f: _Failure) -> web.Response:
        if f.status == 429:
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, int(f.retry_after + 0.999))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + f.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{f.retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket429",
                "X-RateLimit-Scope": "global" if f.is_global else f.scope,
            }
            if f.is_global:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": f.message or "You are being rate limited.",
                "retry_after": f.retry_after,
                "global": f.is_global,
                "code": f.code,
            }
            return self._json(body, status=429, headers=headers, ratelimit=False)
        if f.status == 502:
            return web.Response(
                status=502,
                body=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                headers={"Content-Type": "text/html"},
            )
        default_messages = {
            400: "400: Bad Request",
            401: "401: Unauthorized",
            403: "Missing Permissions",
            404: "404: Not Found",
            500: "500: Internal Server Error",
            503: "503: Service Unavailable",
        }
        message = f.message or default_messages.get(f.status, f"{f.status}: Error")
        return self._json({"message": message, "code": f.code}, status=f.status)

    def _json(
        self,
        data: Any,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        ratelimit: bool = True,
    ) -> web.Response:
        # discord.py only parses JSON when Content-Type is *exactly* application/json.
        h = {"Content-Type": "application/json"}
        if ratelimit and status < 400:
            h.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "4",
                    "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
                    "X-RateLimit-Reset-After": "1.000",
                    "X-RateLimit-Bucket": "fakebucket",
                }
            )
        if headers:
            h.update(headers)
        return web.Response(status=status, body=json.dumps(data).encode(), headers=h)

    @staticmethod
    def _no_content() -> web.Response:
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST handlers

    async def _h_cdn(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["attachment_id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _h_gateway(self, rec: RecordedRequest) -> web.Response:
        return self._json({"url": self.gateway_url.rstrip("/")})

    async def _h_gateway_bot(self, rec: RecordedRequest) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url.rstrip("/"),
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _h_get_me(self, rec: RecordedRequest) -> web.Response:
        return self._json(self.bot_user)

    async def _h_app_info(self, rec: RecordedRequest) -> web.Response:
        return self._json(
            {
                "id": str(self.application_id),
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.owner_user,
                "team": None,
                "flags": self._application_flags(),
                "bot": self.bot_user,
                "install_params": None,
                "integration_types_config": {"0": {}},
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _h_get_user(self, rec: RecordedRequest, user_id: str) -> web.Response:
        u = self.users.get(_int(user_id))
        if u is None:
            raise ApiError(404, 10013, "Unknown User")
        return self._json(u)

    async def _h_create_dm(self, rec: RecordedRequest) -> web.Response:
        rid = _int((rec.json or {}).get("recipient_id"))
        if rid not in self.users or rid == self.bot_id:
            raise ApiError(400, 50033, "Invalid Recipients")
        return self._json(self.dm_channel(rid))

    def _channel(self, channel_id: str) -> tuple[int, JSON]:
        cid = _int(channel_id)
        ch = self.channels.get(cid)
        if ch is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return cid, ch

    def _check_channel_writable(self, cid: int, ch: JSON, needed: int = Perm.SEND_MESSAGES) -> None:
        if cid in self._forbidden_channels:
            code, message = self._forbidden_channels[cid]
            raise ApiError(403, code, message)
        if ch["type"] == ChannelType.DM:
            recipient = int(ch["recipients"][0]["id"])
            if recipient in self.blocked_dm_users:
                raise ApiError(403, 50007, "Cannot send messages to this user")
            return
        gid = self.channel_guild[cid]
        if self.enforce_permissions:
            if ch["type"] in THREAD_TYPES and needed == Perm.SEND_MESSAGES:
                needed = Perm.SEND_MESSAGES_IN_THREADS
            perms = self.member_permissions(gid, self.bot_id, cid)
            if not perms & Perm.VIEW_CHANNEL:
                raise ApiError(403, 50001, "Missing Access")
            if perms & needed != needed:
                raise ApiError(403, 50013, "Missing Permissions")

    def _message(self, cid: int, message_id: str) -> JSON:
        mid = _int(message_id)
        msg = self.messages.get(mid)
        if msg is None or int(msg["channel_id"]) != cid:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def _h_get_channel(self, rec: RecordedRequest, channel_id: str) -> web.Response:
        return self._json(self._channel(channel_id)[1])

    async def _h_typing(self, rec: RecordedRequest, channel_id: str) -> web.Response:
        self._channel(channel_id)
        return self._no_content()

    async def _h_history(self, rec: RecordedRequest, channel_id: str) -> web.Response:
        cid, _ = self._channel(channel_id)
        limit = max(1, min(100, int(rec.query.get("limit", 50))))
        ids = list(self.channel_messages.get(cid, []))
        if "before" in rec.query:
            ids = [i for i in ids if i < int(rec.query["before"])]
        if "after" in rec.query:
            ids = [i for i in ids if i > int(rec.query["after"])]
            ids = ids[:limit]
        if "around" in rec.query:
            around = int(rec.query["around"])
            older = [i for i in ids if i <= around][-((limit + 1) // 2) :]
            newer = [i for i in ids if i > around][: limit // 2]
            ids = older + newer
        ids = ids[-limit:]
        return self._json([self.messages[i] for i in reversed(ids)])

    def _validate_message_payload(self, body: JSON, files: list[JSON], *, creating: bool) -> None:
        errors: JSON = {}
        content = body.get("content")
        if content is not None and len(content) > 2000:
            errors["content"] = {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
                ]
            }
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            errors["embeds"] = {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 10 or fewer in length."}
                ]
            }
        total = sum(len(json.dumps(e)) for e in embeds)
        if total > 6000 * 2:  # rough: Discord counts visible text, we count JSON
            errors["embeds"] = {
                "_errors": [
                    {
                        "code": "MAX_EMBED_SIZE_EXCEEDED",
                        "message": "Embed size exceeds maximum size of 6000",
                    }
                ]
            }
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors)
        if creating and not (
            content
            or embeds
            or body.get("components")
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise ApiError(400, 50006, "Cannot send an empty message")

    def _store_files(self, cid: int, body: JSON, files: list[JSON]) -> list[JSON]:
        out = []
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        for index, f in enumerate(files):
            aid = self.snowflake()
            self.attachments[aid] = f["data"]
            desc = described.get(str(index), {})
            filename = desc.get("filename") or f["filename"] or f"file{index}"
            url = f"http://{self.host}:{self.port}/attachments/{cid}/{aid}/{filename}"
            out.append(
                {
                    "id": str(aid),
                    "filename": filename,
                    "size": len(f["data"]),
                    "url": url,
                    "proxy_url": url,
                    "content_type": f.get("content_type") or "application/octet-stream",
                    "description": desc.get("description"),
                }
            )
        return out

    async def _h_create_message(self, rec: RecordedRequest, channel_id: str) -> web.Response:
        cid, ch = self._channel(channel_id)
        self._check_channel_writable(cid, ch)
        body: JSON = rec.json or {}
        self._validate_message_payload(body, rec.files, creating=True)
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            hit = self._nonces.get((cid, str(nonce)))
            if hit is not None and now - hit[1] < self.nonce_window and hit[0] in self.messages:
                return self._json(self.messages[hit[0]])
        gid = self.channel_guild.get(cid)
        reference = None
        ref = body.get("message_reference")
        if ref:
            ref_id = _int(ref.get("message_id"))
            if ref_id not in self.messages:
                if ref.get("fail_if_not_exists", True):
                    raise ApiError(
                        400,
                        50035,
                        "Invalid Form Body",
                        {
                            "message_reference": {
                                "_errors": [
                                    {
                                        "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                        "message": "Unknown message",
                                    }
                                ]
                            }
                        },
                    )
            else:
                reference = {
                    "type": ref.get("type", 0),
                    "message_id": str(ref_id),
                    "channel_id": str(ref.get("channel_id") or cid),
                }
                if gid is not None:
                    reference["guild_id"] = str(gid)
        mentions, mention_roles, everyone = self._mentions_for(
            body.get("content") or "", gid, allowed_mentions=body.get("allowed_mentions")
        )
        if reference is not None:
            replied = self.messages[int(reference["message_id"])]
            am = body.get("allowed_mentions")
            ping_author = am is None or am.get("replied_user", False)
            if ping_author and all(m["id"] != replied["author"]["id"] for m in mentions):
                mentions.append(dict(replied["author"]))
        msg = self._new_message(
            cid,
            self.bot_user,
            content=body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._store_files(cid, body, rec.files),
            mentions=mentions,
            mention_roles=mention_roles,
            mention_everyone=everyone,
            nonce=nonce,
            reference=reference,
            msg_type=19 if reference is not None else 0,
            flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts")),
            extra={"sticker_items": []} if body.get("sticker_ids") else None,
            source="rest",
        )
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(cid, str(nonce))] = (int(msg["id"]), now)
        if self.echo_bot_messages:
            await self._dispatch_message("MESSAGE_CREATE", msg)
        return self._json(msg)

    async def _h_get_message(
        self, rec: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        cid, _ = self._channel(channel_id)
        return self._json(self._message(cid, message_id))

    def _apply_edit(self, msg: JSON, body: JSON) -> None:
        for key in ("content", "embeds", "components", "attachments"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "flags" in body and body["flags"] is not None:
            keep = int(msg.get("flags", 0)) & (MessageFlag.EPHEMERAL | MessageFlag.LOADING)
            msg["flags"] = keep | int(body["flags"])
        msg["edited_timestamp"] = iso_timestamp()

    async def _h_edit_message(
        self, rec: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        cid, _ = self._channel(channel_id)
        msg = self._message(cid, message_id)
        if cid in self._forbidden_channels:
            code, message = self._forbidden_channels[cid]
            raise ApiError(403, code, message)
        body: JSON = rec.json or {}
        if int(msg["author"]["id"]) != self.bot_id and set(body) - {"flags"}:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._validate_message_payload(body, rec.files, creating=False)
        self._apply_edit(msg, body)
        if rec.files:
            msg["attachments"] = list(msg.get("attachments", [])) + self._store_files(
                cid, body, rec.files
            )
        self.edits.append(
            {"channel_id": cid, "message_id": int(msg["id"]), "json": body, "via": "rest"}
        )
        await self._dispatch_message("MESSAGE_UPDATE", msg)
        return self._json(msg)

    async def _h_delete_message(
        self, rec: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        cid, _ = self._channel(channel_id)
        msg = self._message(cid, message_id)
        if cid in self._forbidden_channels:
            code, message = self._forbidden_channels[cid]
            raise ApiError(403, code, message)
        if self.enforce_permissions and int(msg["author"]["id"]) != self.bot_id:
            gid = self.channel_guild.get(cid)
            if (
                gid is None
                or not self.member_permissions(gid, self.bot_id, cid) & Perm.MANAGE_MESSAGES
            ):
                raise ApiError(403, 50013, "Missing Permissions")
        self._delete_message(cid, int(msg["id"]))
        self.deletions[-1]["reason"] = rec.reason
        await self._dispatch_delete(cid, [int(msg["id"])])
        return self._no_content()

    async def _h_bulk_delete(self, rec: RecordedRequest, channel_id: str) -> web.Response:
        cid, _ = self._channel(channel_id)
        if cid in self._forbidden_channels:
            code, message = self._forbidden_channels[cid]
            raise ApiError(403, code, message)
        ids = [_int(i) for i in (rec.json or {}).get("messages", [])]
        if not 2 <= len(ids) <= 100:
            raise ApiError(
                400, 50016, "You must provide at least 2 and fewer than 100 messages to delete."
            )
        existing = [
            i for i in ids if i in self.messages and int(self.messages[i]["channel_id"]) == cid
        ]
        for mid in existing:
            self._delete_message(cid, mid)
            self.deletions[-1]["reason"] = rec.reason
        await self._dispatch_delete(cid, existing)
        return self._no_content()

    async def _h_add_reaction(
        self, rec: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> web.Response:
        cid, ch = self._channel(channel_id)
        self._message(cid, message_id)
        self._check_channel_writable(cid, ch, Perm.ADD_REACTIONS)
        self.reactions.append(
            {
                "channel_id": cid,
                "message_id": _int(message_id),
                "emoji": urllib.parse.unquote(emoji),
                "added": True,
            }
        )
        return self._no_content()

    async def _h_remove_reaction(
        self, rec: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> web.Response:
        cid, _ = self._channel(channel_id)
        self._message(cid, message_id)
        self.reactions.append(
            {
                "channel_id": cid,
                "message_id": _int(message_id),
                "emoji": urllib.parse.unquote(emoji),
                "added": False,
            }
        )
        return self._no_content()

    # guilds ----------------------------------------------------------------------------------

    def _guild(self, guild_id: str) -> _Guild:
        g = self.guilds.get(_int(guild_id))
        if g is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return g

    def _guild_member(self, g: _Guild, user_id: str) -> JSON:
        m = g.members.get(_int(user_id))
        if m is None:
            raise ApiError(404, 10007, "Unknown Member")
        return m

    def _require_guild_perm(self, g: _Guild, perm: int) -> None:
        if self.enforce_permissions and not self.member_permissions(g.id, self.bot_id) & perm:
            raise ApiError(403, 50013, "Missing Permissions")

    async def _h_get_guild(self, rec: RecordedRequest, guild_id: str) -> web.Response:
        g = self._guild(guild_id)
        data = self.guild_payload(g.id)
        if rec.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(g.members)
            data["approximate_presence_count"] = 0
        return self._json(data)

    async def _h_guild_channels(self, rec: RecordedRequest, guild_id: str) -> web.Response:
        return self._json(list(self._guild(guild_id).channels.values()))

    async def _h_guild_roles(self, rec: RecordedRequest, guild_id: str) -> web.Response:
        return self._json(list(self._guild(guild_id).roles.values()))

    async def _h_list_members(self, rec: RecordedRequest, guild_id: str) -> web.Response:
        g = self._guild(guild_id)
        limit = max(1, min(1000, int(rec.query.get("limit", 1))))
        after = int(rec.query.get("after", 0))
        members = sorted(
            (m for uid, m in g.members.items() if uid > after), key=lambda m: int(m["user"]["id"])
        )
        return self._json(members[:limit])

    async def _h_get_member(
        self, rec: RecordedRequest, guild_id: str, user_id: str
    ) -> web.Response:
        g = self._guild(guild_id)
        return self._json(self._guild_member(g, user_id))

    async def _member_changed(self, g: _Guild, m: JSON) -> None:
        data = dict(m, guild_id=str(g.id))
        await self.dispatch(
            "GUILD_MEMBER_UPDATE", data, guild_id=g.id, intent=Intents.GUILD_MEMBERS
        )

    async def _h_edit_member(
        self, rec: RecordedRequest, guild_id: str, user_id: str
    ) -> web.Response:
        g = self._guild(guild_id)
        m = self._guild_member(g, user_id)
        body: JSON = rec.json or {}
        if "communication_disabled_until" in body:
            self._require_guild_perm(g, Perm.MODERATE_MEMBERS)
            if _int(user_id) == g.owner_id:
                raise ApiError(403, 50013, "Missing Permissions")
        if "roles" in body:
            self._require_guild_perm(g, Perm.MANAGE_ROLES)
            unknown = [r for r in body["roles"] if _int(r) not in g.roles]
            if unknown:
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {"roles": {"_errors": [{"code": "UNKNOWN_ROLE"}]}},
                )
            body = dict(body, roles=[str(r) for r in body["roles"]])
        for key in ("nick", "roles", "communication_disabled_until", "mute", "deaf", "flags"):
            if key in body:
                m[key] = body[key]
        await self._member_changed(g, m)
        return self._json(m)

    async def _h_add_role(
        self, rec: RecordedRequest, guild_id: str, user_id: str, role_id: str
    ) -> web.Response:
        g = self._guild(guild_id)
        m = self._guild_member(g, user_id)
        if _int(role_id) not in g.roles:
            raise ApiError(404, 10011, "Unknown Role")
        self._require_guild_perm(g, Perm.MANAGE_ROLES)
        if str(_int(role_id)) not in m["roles"]:
            m["roles"] = m["roles"] + [str(_int(role_id))]
        await self._member_changed(g, m)
        return self._no_content()

    async def _h_remove_role(
        self, rec: RecordedRequest, guild_id: str, user_id: str, role_id: str
    ) -> web.Response:
        g = self._guild(guild_id)
        m = self._guild_member(g, user_id)
        self._require_guild_perm(g, Perm.MANAGE_ROLES)
        m["roles"] = [r for r in m["roles"] if r != str(_int(role_id))]
        await self._member_changed(g, m)
        return self._no_content()

    async def _remove_member(self, g: _Guild, uid: int) -> None:
        m = g.members.pop(uid, None)
        if m is not None:
            await self.dispatch(
                "GUILD_MEMBER_REMOVE",
                {"guild_id": str(g.id), "user": m["user"]},
                guild_id=g.id,
                intent=Intents.GUILD_MEMBERS,
            )

    async def _h_kick(self, rec: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        g = self._guild(guild_id)
        self._guild_member(g, user_id)
        self._require_guild_perm(g, Perm.KICK_MEMBERS)
        if _int(user_id) == g.owner_id:
            raise ApiError(403, 50013, "Missing Permissions")
        await self._remove_member(g, _int(user_id))
        return self._no_content()

    async def _h_get_ban(self, rec: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        g = self._guild(guild_id)
        ban = self.bans[g.id].get(_int(user_id))
        if ban is None:
            raise ApiError(404, 10026, "Unknown Ban")
        return self._json(ban)

    async def _h_ban(self, rec: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        g = self._guild(guild_id)
        uid = _int(user_id)
        self._require_guild_perm(g, Perm.BAN_MEMBERS)
        if uid == g.owner_id:
            raise ApiError(403, 50013, "Missing Permissions")
        u = self._ensure_user(uid)
        seconds = (rec.json or {}).get(
            "delete_message_seconds", rec.query.get("delete_message_seconds")
        )
        self.bans[g.id][uid] = {"user": u, "reason": rec.reason}
        self.ban_log.append(
            {
                "guild_id": g.id,
                "user_id": uid,
                "reason": rec.reason,
                "delete_message_seconds": int(seconds) if seconds is not None else None,
            }
        )
        await self._remove_member(g, uid)
        await self.dispatch(
            "GUILD_BAN_ADD",
            {"guild_id": str(g.id), "user": u},
            guild_id=g.id,
            intent=Intents.GUILD_MODERATION,
        )
        return self._no_content()

    async def _h_unban(self, rec: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        g = self._guild(guild_id)
        uid = _int(user_id)
        self._require_guild_perm(g, Perm.BAN_MEMBERS)
        ban = self.bans[g.id].pop(uid, None)
        if ban is None:
            raise ApiError(404, 10026, "Unknown Ban")
        await self.dispatch(
            "GUILD_BAN_REMOVE",
            {"guild_id": str(g.id), "user": ban["user"]},
            guild_id=g.id,
            intent=Intents.GUILD_MODERATION,
        )
        return self._no_content()

    # application commands --------------------------------------------------------------------

    def _check_app(self, app_id: str) -> None:
        if _int(app_id) != self.application_id:
            raise ApiError(
                403, 20012, "You are not authorized to perform this action on this application"
            )

    async def _h_get_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        self._check_app(app_id)
        gid = self._guild(guild_id).id if guild_id is not None else None
        return self._json(self.commands.get(gid, []))

    async def _h_sync_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        self._check_app(app_id)
        gid = self._guild(guild_id).id if guild_id is not None else None
        payload = rec.json
        if not isinstance(payload, list):
            raise ApiError(
                400, 50035, "Invalid Form Body", {"_errors": [{"code": "LIST_TYPE_CONVERT"}]}
            )
        errors: JSON = {}
        seen: set[tuple[str, int]] = set()
        for index, cmd in enumerate(payload):
            ctype = cmd.get("type", 1)
            name = cmd.get("name", "")
            problems = []
            if ctype == 1 and (not _COMMAND_NAME_RE.match(name) or name != name.lower()):
                problems.append(
                    {
                        "code": "APPLICATION_COMMAND_INVALID_NAME",
                        "message": "Command name is invalid",
                    }
                )
            if ctype == 1 and not 1 <= len(cmd.get("description") or "") <= 100:
                problems.append(
                    {
                        "code": "BASE_TYPE_BAD_LENGTH",
                        "message": "Must be between 1 and 100 in length.",
                    }
                )
            if (name, ctype) in seen:
                problems.append(
                    {"code": "APPLICATION_COMMANDS_DUPLICATE_NAME", "message": "duplicate name"}
                )
            seen.add((name, ctype))
            if problems:
                errors[str(index)] = {"_errors": problems}
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors)
        if sum(1 for c in payload if c.get("type", 1) == 1) > 100:
            raise ApiError(400, 30032, "Maximum number of application commands reached (100)")
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.commands.get(gid, [])}
        result = []
        for cmd in payload:
            ctype = cmd.get("type", 1)
            out = dict(cmd)
            out.update(
                {
                    "id": previous.get((cmd["name"], ctype)) or str(self.snowflake()),
                    "application_id": str(self.application_id),
                    "version": str(self.snowflake()),
                    "type": ctype,
                    "description": cmd.get("description") or "",
                    "default_member_permissions": cmd.get("default_member_permissions"),
                    "nsfw": cmd.get("nsfw", False),
                }
            )
            if gid is not None:
                out["guild_id"] = str(gid)
            else:
                out.setdefault("contexts", cmd.get("contexts"))
                out.setdefault("integration_types", cmd.get("integration_types") or [0])
            result.append(out)
        self.commands[gid] = result
        self.command_syncs.append({"guild_id": gid, "commands": payload})
        return self._json(result)

    # interactions ----------------------------------------------------------------------------

    def _interaction_message(
        self, inter: InjectedInteraction, body: JSON, *, flags: int, source: str
    ) -> JSON:
        ephemeral = bool(flags & MessageFlag.EPHEMERAL)
        data = inter.payload.get("data") or {}
        if inter.type == InteractionType.APPLICATION_COMMAND:
            msg_type = 20 if data.get("type", 1) == 1 else 23
        else:
            msg_type = 0
        uid = inter.user_id
        metadata: JSON = {
            "id": str(inter.id),
            "type": inter.type,
            "user": self._ensure_user(uid),
            "authorizing_integration_owners": inter.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if inter.type == InteractionType.APPLICATION_COMMAND:
            metadata["name"] = data.get("name")
            metadata["command_type"] = data.get("type", 1)
        if inter.message_id is not None:
            metadata["interacted_message_id"] = str(inter.message_id)
        gid = inter.guild_id
        mentions, mention_roles, everyone = self._mentions_for(
            body.get("content") or "", gid, allowed_mentions=body.get("allowed_mentions")
        )
        return self._new_message(
            inter.channel_id,
            self.bot_user,
            content=body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=body.get("attachments") or [],
            mentions=mentions,
            mention_roles=mention_roles,
            mention_everyone=everyone,
            msg_type=msg_type,
            flags=flags,
            tts=bool(body.get("tts")),
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_metadata=metadata,
            source=source,
            ephemeral=ephemeral,
        )

    def _interaction_by_token(self, token: str) -> InjectedInteraction:
        inter = self._interactions_by_token.get(token)
        if inter is None or inter.expired:
            raise ApiError(404, 10015, "Unknown Webhook")
        return inter

    async def _h_interaction_callback(
        self, rec: RecordedRequest, interaction_id: str, token: str
    ) -> web.Response:
        inter = self.interactions.get(_int(interaction_id))
        if inter is None or inter.token != token or inter.expired:
            raise ApiError(404, 10062, "Unknown interaction")
        if inter.responded_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body: JSON = rec.json or {}
        ctype = body.get("type")
        data: JSON = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        component_like = inter.type in (
            InteractionType.MESSAGE_COMPONENT,
            InteractionType.MODAL_SUBMIT,
        )
        allowed = {
            InteractionType.APPLICATION_COMMAND: {4, 5, 9},
            InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
            InteractionType.AUTOCOMPLETE: {8},
        }.get(inter.type, set())
        if ctype not in allowed:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {"type": {"_errors": [{"code": "INTERACTION_RESPONSE_TYPE_INVALID"}]}},
            )
        entry: JSON = {
            "interaction_id": inter.id,
            "token": token,
            "type": ctype,
            "data": data,
            "ephemeral": bool(flags & MessageFlag.EPHEMERAL),
            "query": rec.query,
            "files": rec.files,
            "message_id": None,
        }
        if ctype == CallbackType.MODAL:
            self._validate_modal(data)
        inter.responded_type = ctype
        resource: JSON = {"type": ctype}
        message: JSON | None = None
        if ctype == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            self._validate_message_payload(data, rec.files, creating=True)
            message = self._interaction_message(inter, data, flags=flags, source="interaction")
            inter.original_message_id = int(message["id"])
            if not flags & MessageFlag.EPHEMERAL and self.echo_bot_messages:
                await self._dispatch_message("MESSAGE_CREATE", message)
        elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            loading_flags = MessageFlag.LOADING | (flags & MessageFlag.EPHEMERAL)
            message = self._interaction_message(
                inter, {}, flags=loading_flags, source="interaction"
            )
            inter.original_message_id = int(message["id"])
            inter.loading = True
            inter.deferred_ephemeral = bool(flags & MessageFlag.EPHEMERAL)
            if not flags & MessageFlag.EPHEMERAL and self.echo_bot_messages:
                await self._dispatch_message("MESSAGE_CREATE", message)
        elif (
            ctype in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE)
            and component_like
        ):
            inter.original_message_id = inter.message_id
            if ctype == CallbackType.UPDATE_MESSAGE and inter.message_id in self.messages:
                message = self.messages[inter.message_id]
                self._apply_edit(message, data)
                self.edits.append(
                    {
                        "channel_id": inter.channel_id,
                        "message_id": inter.message_id,
                        "json": data,
                        "via": "interaction_callback",
                    }
                )
                await self._dispatch_message("MESSAGE_UPDATE", message)
        entry["message_id"] = int(message["id"]) if message is not None else None
        self.interaction_responses.append(entry)
        inter.responses.append(entry)
        if message is not None and ctype != CallbackType.DEFERRED_UPDATE_MESSAGE:
            resource["message"] = message
        if rec.query.get("with_response") not in ("1", "true", "True"):
            return self._no_content()
        return self._json(
            {
                "interaction": {
                    "id": str(inter.id),
                    "type": inter.type,
                    "activity_instance_id": None,
                    "response_message_id": str(inter.original_message_id)
                    if inter.original_message_id
                    else None,
                    "response_message_loading": ctype
                    == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                    "response_message_ephemeral": bool(flags & MessageFlag.EPHEMERAL),
                },
                "resource": resource,
            }
        )

    @staticmethod
    def _validate_modal(data: JSON) -> None:
        """Discord's limits on a modal: a title of 1-45 characters, a custom id, 1-5 rows
        each holding one text input (in an action row, or a label) with its own custom
        id, a label of at most 45 characters and a style of 1 (short) or 2 (paragraph)."""

        def bad(field: str) -> ApiError:
            return ApiError(400, 50035, "Invalid Form Body", {field: {"_errors": [{}]}})

        if not 1 <= len(data.get("title") or "") <= 45:
            raise bad("data.title")
        if not 1 <= len(data.get("custom_id") or "") <= 100:
            raise bad("data.custom_id")
        rows = data.get("components") or []
        if not 1 <= len(rows) <= 5:
            raise bad("data.components")
        for n, row in enumerate(rows):
            if row.get("type") == 1 and len(row.get("components") or []) == 1:
                inner, label = row["components"][0], row["components"][0].get("label")
            elif row.get("type") == 18:
                inner, label = row.get("component") or {}, row.get("label")
            else:
                raise bad(f"data.components.{n}")
            if inner.get("type") == 4 and (
                not inner.get("custom_id") or not 1 <= len(label or "") <= 45
                or inner.get("style") not in (1, 2)
                or not 1 <= int(inner.get("max_length") or 4000) <= 4000
            ):  # fmt: skip
                raise bad(f"data.components.{n}")

    def modal_shown(self, interaction_id: int) -> JSON | None:
        """The modal the bot answered ``interaction_id`` with, if it did."""
        for r in self.interaction_responses:
            if r["interaction_id"] == interaction_id and r["type"] == CallbackType.MODAL:
                return r["data"]
        return None

    async def send_modal_submit(
        self, interaction_id: int, values: dict[str, str], *, user_id: int | None = None
    ) -> InjectedInteraction:
        """A person filled in and submitted the modal shown in answer to ``interaction_id``
        (type 5). As on Discord, the submit carries the message of the component that
        opened the modal, and each text input comes back in its own row with its value."""
        opened = self.interactions[interaction_id]
        modal = self.modal_shown(interaction_id)
        if modal is None:
            raise ValueError(f"interaction {interaction_id} was not answered with a modal")
        rows: list[JSON] = []
        for row in modal["components"]:
            inner = row["components"][0] if row["type"] == 1 else row["component"]
            key = inner["custom_id"]
            answer = {"type": inner["type"], "id": inner.get("id", 1), "custom_id": key,
                      "value": values.get(key, "")}  # fmt: skip
            rows.append(
                {"type": 1, "components": [answer]}
                if row["type"] == 1
                else {"type": 18, "id": row.get("id", 1), "component": answer}
            )
        message = self.messages.get(opened.message_id) if opened.message_id else None
        return await self.send_interaction(
            InteractionType.MODAL_SUBMIT,
            {"custom_id": modal["custom_id"], "components": rows},
            user_id=opened.user_id if user_id is None else user_id,
            guild_id=opened.guild_id,
            channel_id=opened.channel_id,
            message=self._gateway_message(message) if message is not None else None,
        )

    async def _h_followup(self, rec: RecordedRequest, app_id: str, token: str) -> web.Response:
        if _int(app_id) != self.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        inter = self._interaction_by_token(token)
        if inter.responded_type is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        body: JSON = rec.json or {}
        self._validate_message_payload(body, rec.files, creating=True)
        flags = int(body.get("flags") or 0)
        if inter.loading and inter.original_message_id in self.messages:
            # Discord: the first followup after a deferred (type 5) response edits the
            # "thinking" original message; its ephemerality was fixed by the defer.
            message = self.messages[inter.original_message_id]
            self._apply_edit(message, body)
            message["flags"] = int(message["flags"]) & ~MessageFlag.LOADING
            message["edited_timestamp"] = None
            inter.loading = False
            kind = "completes_deferred"
            if not message["flags"] & MessageFlag.EPHEMERAL:
                await self._dispatch_message("MESSAGE_UPDATE", message)
        else:
            message = self._interaction_message(inter, body, flags=flags, source="followup")
            kind = "new"
            if not flags & MessageFlag.EPHEMERAL and self.echo_bot_messages:
                await self._dispatch_message("MESSAGE_CREATE", message)
        inter.followup_message_ids.append(int(message["id"]))
        self.followups.append(
            {
                "interaction_id": inter.id,
                "token": token,
                "json": body,
                "files": rec.files,
                "message_id": int(message["id"]),
                "ephemeral": bool(int(message["flags"]) & MessageFlag.EPHEMERAL),
                "kind": kind,
            }
        )
        self._notify()
        if rec.query.get("wait") in ("1", "true", "True"):
            return self._json(message)
        return self._no_content()

    def _webhook_message(self, inter: InjectedInteraction, message_id: str) -> JSON:
        mid = inter.original_message_id if message_id == "@original" else _int(message_id)
        if mid is None or mid not in self.messages:
            raise ApiError(404, 10008, "Unknown Message")
        if message_id != "@original" and mid not in inter.followup_message_ids:
            raise ApiError(404, 10008, "Unknown Message")
        return self.messages[mid]

    async def _h_webhook_get(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> web.Response:
        inter = self._interaction_by_token(token)
        return self._json(self._webhook_message(inter, message_id))

    async def _h_webhook_edit(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> web.Response:
        inter = self._interaction_by_token(token)
        message = self._webhook_message(inter, message_id)
        body: JSON = rec.json or {}
        self._validate_message_payload(body, rec.files, creating=False)
        self._apply_edit(message, body)
        if message_id == "@original" and inter.loading:
            message["flags"] = int(message["flags"]) & ~MessageFlag.LOADING
            inter.loading = False
        self.edits.append(
            {
                "channel_id": int(message["channel_id"]),
                "message_id": int(message["id"]),
                "json": body,
                "via": "webhook",
                "interaction_id": inter.id,
            }
        )
        if not int(message["flags"]) & MessageFlag.EPHEMERAL:
            await self._dispatch_message("MESSAGE_UPDATE", message)
        return self._json(message)

    async def _h_webhook_delete(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> web.Response:
        inter = self._interaction_by_token(token)
        message = self._webhook_message(inter, message_id)
        cid = int(message["channel_id"])
        ephemeral = bool(int(message["flags"]) & MessageFlag.EPHEMERAL)
        self._delete_message(cid, int(message["id"]))
        if not ephemeral:
            await self._dispatch_delete(cid, [int(message["id"])])
        return self._no_content()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(
            400, 50035, "Invalid Form Body", {"_errors": [{"code": "NUMBER_TYPE_COERCE"}]}
        ) from None


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return OptionType.BOOLEAN
    if isinstance(value, int):
        return OptionType.INTEGER
    if isinstance(value, float):
        return OptionType.NUMBER
    return OptionType.STRING


__all__ = [
    "ApiError",
    "CallbackType",
    "ChannelType",
    "FakeDiscord",
    "GatewayConnection",
    "GatewaySession",
    "InjectedInteraction",
    "Intents",
    "InteractionType",
    "MessageFlag",
    "OptionType",
    "Perm",
    "RecordedRequest",
    "category",
    "iso_timestamp",
    "member",
    "overwrite",
    "role",
    "snowflake_time",
    "text_channel",
    "thread",
    "user",
]

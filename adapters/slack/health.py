"""Is the Slack app set up right? One line per problem, for ``watchkeeper check`` and start.

The bot token is tried with ``auth.test``; the scopes it was granted (the
``x-oauth-scopes`` header) are compared with the manifest's, so the admin learns
exactly which scope to add. The moderator channel must exist, have the app in it,
and be private (alerts must never be readable by a suspect). In Socket Mode the
app-level token is tried with ``apps.connections.open``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parent.parent / "slack_manifest.yml"
REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
           "not_allowed_token_type"}  # fmt: skip


@dataclass(slots=True)
class Diagnosis:
    team_id: str = ""
    bot_user_id: str = ""
    problems: list[str] = field(default_factory=list)
    fatal: bool = False
    """The bot token does not work at all: nothing else can."""


def manifest_scopes(path: Path = MANIFEST) -> list[str]:
    """The bot scopes listed under ``oauth_config.scopes.bot`` in the app manifest.

    A small reader for the one list we need (no YAML dependency): the ``- item``
    lines that follow ``bot:`` inside ``scopes:``, until the indentation ends.
    """
    scopes: list[str] = []
    in_scopes = in_bot = False
    bot_indent = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if in_bot:
            if indent > bot_indent and text.startswith("- "):
                scopes.append(text[2:].strip().strip("'\""))
                continue
            if indent <= bot_indent:
                in_bot = False
        if text == "scopes:":
            in_scopes = True
        elif in_scopes and text == "bot:":
            in_bot, bot_indent = True, indent
    return scopes


def _header(headers: object, name: str) -> str:
    for key, value in dict(headers or {}).items():  # type: ignore[call-overload]
        if key.lower() == name:
            return ",".join(value) if isinstance(value, list) else str(value)
    return ""


async def diagnose(client: AsyncWebClient, config: SlackConfig) -> Diagnosis:
    result = Diagnosis()
    token = client.token or ""
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        result.fatal = error in REFUSED
        result.problems.append(
            f"slack: the bot token was refused ({error}): check slack.bot_token "
            "(WATCHKEEPER_SLACK__BOT_TOKEN); it is the app's Bot User OAuth Token, xoxb-..."
            if result.fatal else f"slack: auth.test failed ({error})"
        )  # fmt: skip
        return result
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        result.fatal = True
        result.problems.append(f"slack: cannot reach the Slack API at {client.base_url}: {exc}")
        return result
    result.team_id = str(auth.get("team_id") or "")
    result.bot_user_id = str(auth.get("user_id") or "")
    if not token.startswith("xoxb-"):
        result.problems.append("slack: slack.bot_token should be the Bot User OAuth Token "
                               "(xoxb-...); with another kind the app cannot tell its own "
                               "messages apart")  # fmt: skip
    granted = {s.strip() for s in _header(auth.headers, "x-oauth-scopes").split(",") if s.strip()}
    for scope in manifest_scopes():
        if scope not in granted:
            result.problems.append(
                f"slack: the bot token is missing the scope {scope}: add it under OAuth & "
                "Permissions (or recreate the app from adapters/slack_manifest.yml), then "
                "reinstall the app to the workspace"
            )
    result.problems += await _moderator_channel(client, config.moderator_channel)
    return result


async def _moderator_channel(client: AsyncWebClient, channel_id: str) -> list[str]:
    try:
        info = (await client.conversations_info(channel=channel_id)).get("channel") or {}
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "missing_scope":
            return []  # already reported as a missing scope
        return [
            f"slack: the moderator channel {channel_id} cannot be used ({error}): set "
            "slack.moderator_channel to the channel's ID (C...) and /invite the app there"
        ]
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return [f"slack: cannot look up the moderator channel: {exc}"]
    problems = []
    if not info.get("is_member"):
        problems.append(f"slack: the app is not in the moderator channel {channel_id}: "
                        "/invite it there, or alerts cannot be posted")  # fmt: skip
    if not info.get("is_private"):
        problems.append(f"slack: the moderator channel {channel_id} is public: anyone in the "
                        "workspace could read alerts; use a private channel")  # fmt: skip
    return problems


async def check_app_token(client: AsyncWebClient, app_token: str) -> list[str]:
    """Socket Mode needs an app-level token with ``connections:write``."""
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "not_allowed_token_type":
            return ["slack: slack.app_token is not an app-level token (not_allowed_token_type): "
                    "create one (xapp-...) under Basic Information > App-Level Tokens with the "
                    "connections:write scope"]  # fmt: skip
        if error == "missing_scope":
            return ["slack: the app-level token is missing the scope connections:write"]
        return [f"slack: the app-level token was refused ({error}): check slack.app_token "
                "(WATCHKEEPER_SLACK__APP_TOKEN), xapp-..."]  # fmt: skip
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return [f"slack: cannot reach the Slack API at {client.base_url}: {exc}"]
    return []

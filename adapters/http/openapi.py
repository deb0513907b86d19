"""The OpenAPI 3 description of the ingest API, served at ``/v1/openapi.json``.

Written by hand to match ``payloads.py``, with the message codec's limits
(``bot.messages``); ``tests/adapters/test_http_openapi.py``
checks every documented response against what the server really answers.
"""

from __future__ import annotations

from typing import Any

from bot import __version__
from bot.messages import (
    AGE_BANDS,
    LATEST_TS,
    MAX_ID_CHARS,
    MAX_INPUT_TEXT_CHARS,
    MAX_LINK_CHARS,
    MAX_MENTIONS,
    MAX_NAME_CHARS,
)

_ID = {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS}
_ERROR = {"$ref": "#/components/schemas/Error"}
_YEARS = "^(197[1-9]|19[89][0-9]|20[0-8][0-9]|209[0-5])-"
"""Times from 1971 to 2095 (the API takes 1970-01-01 to 2096-10-02 as instants, so
any offset keeps these in range)."""
BAD_JSON = "The body is not JSON, nests too deeply or has an overlong number"


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ERROR}},
    }
    if headers:
        response["headers"] = headers
    return response


_AUTH_ERRORS = {
    "401": _error(
        "Missing or invalid API key",
        {"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    "429": _error(
        "Rate limit reached", {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    ),
}

_MESSAGE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["space", "channel", "id", "author", "text"],
    "properties": {
        "space": {**_ID, "description": "Your community / server / world id"},
        "channel": {**_ID, "description": "Channel or DM thread id"},
        "id": {**_ID, "description": "Message id, unique in its channel"},
        "author": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id"],
            "properties": {
                "id": _ID,
                "name": {"type": "string", "maxLength": MAX_NAME_CHARS},
                "age_band": {"type": "string", "enum": list(AGE_BANDS)},
            },
        },
        "text": {"type": "string", "maxLength": MAX_INPUT_TEXT_CHARS},
        "ts": {
            "description": "ISO 8601 time (1970 to 2096) or seconds since the epoch; "
            "default: when received",
            "oneOf": [
                {"type": "string", "format": "date-time", "pattern": _YEARS},
                {"type": "number", "minimum": 0, "maximum": LATEST_TS},
            ],
        },
        "dm": {"type": "boolean", "default": False},
        "thread": _ID,
        "reply_to": {**_ID, "description": "Id of the message this one answers"},
        "mentions": {"type": "array", "items": _ID, "maxItems": MAX_MENTIONS},
        "link": {"type": "string", "maxLength": MAX_LINK_CHARS},
    },
}

_CASE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "number", "space", "kind", "state", "level", "score"],
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "integer", "description": "Counts per space"},
        "space": {"type": "string"},
        "kind": {"type": "string", "enum": ["risk", "report"]},
        "state": {
            "type": "string",
            "enum": ["open", "acknowledged", "escalated", "dismissed", "confirmed", "closed"],
        },
        "level": {"type": "string", "enum": ["none", "watch", "high", "critical"]},
        "score": {"type": "number"},
        "suspect": {"type": ["string", "null"]},
        "conversation": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "participants": {"type": "array", "items": {"type": "object"}},
        "signals": {"type": "array", "items": {"type": "object"}},
        "evidence": {"type": "array", "items": {"type": "object"}},
        "decisions": {"type": "array", "items": {"type": "object"}},
        "summary": {"type": "string"},
        "evidence_package": {
            "type": "object",
            "description": "After an escalation: where the evidence package was written",
            "properties": {"path": {"type": "string"}, "manifest_sha256": {"type": "string"}},
        },
        "hotline_report": {
            "type": "object",
            "description": "After an escalation: the fields a hotline report asks for, filled "
            "from the case, for a moderator to file (watchkeeper sends it nowhere)",
        },
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "watchkeeper ingest API",
            "version": __version__,
            "description": (
                "Post your platform's messages; watchkeeper scores each conversation for "
                "the warning signs of grooming and sends alerts to your webhook, signed "
                "(X-Watchkeeper-Signature: sha256=HMAC(secret, timestamp + '.' + body))."
            ),
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Message": _MESSAGE,
                "Case": _CASE,
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "details": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    },
                },
            },
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/v1/messages": {
                "post": {
                    "operationId": "postMessages",
                    "summary": "Submit one message, or a batch in arrival order",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Message"},
                                        {
                                            "type": "object",
                                            "additionalProperties": False,
                                            "required": ["messages"],
                                            "properties": {
                                                "messages": {
                                                    "type": "array",
                                                    "minItems": 1,
                                                    "items": {
                                                        "$ref": "#/components/schemas/Message"
                                                    },
                                                }
                                            },
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": {
                            "description": "Stored; scored shortly, alerts go to the webhook",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["accepted"],
                                        "properties": {"accepted": {"type": "integer"}},
                                    }
                                }
                            },
                        },
                        "400": _error(BAD_JSON),
                        "403": _error("A message names a space the key may not use"),
                        "408": _error("The body did not arrive within the configured time"),
                        "413": _error("The body is larger than the configured limit"),
                        "422": _error("The JSON does not describe messages"),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/v1/cases": {
                "get": {
                    "operationId": "listCases",
                    "summary": "Cases in the key's spaces, oldest first",
                    "parameters": [
                        {"name": "space", "in": "query", "schema": _ID},
                        {
                            "name": "state",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["open", "all"], "default": "all"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 500,
                                "default": 100,
                            },
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The cases",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["cases"],
                                        "properties": {
                                            "cases": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Case"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "403": _error("The key may not read that space"),
                        "422": _error("A query parameter is invalid"),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/v1/cases/{case_id}/decisions": {
                "post": {
                    "operationId": "decideCase",
                    "summary": "Record a moderator's decision on a case",
                    "parameters": [
                        {
                            "name": "case_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["action", "actor"],
                                    "properties": {
                                        "action": {
                                            "type": "string",
                                            "enum": [
                                                "acknowledge",
                                                "escalate",
                                                "dismiss",
                                                "confirm",
                                                "close",
                                                "reopen",
                                                "claim",
                                                "note",
                                            ],
                                        },
                                        "actor": _ID,
                                        "actor_name": {"type": "string", "maxLength": 200},
                                        "reason": {"type": "string", "maxLength": 2000},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The case after the decision",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Case"}
                                }
                            },
                        },
                        "400": _error(BAD_JSON),
                        "404": _error("No such case in the key's spaces"),
                        "409": _error(
                            "The action does not follow from the case's state (a second "
                            "acknowledge, a dismiss on a closed case): reopen it first"
                        ),
                        "408": _error("The body did not arrive within the configured time"),
                        "413": _error("The body is larger than the configured limit"),
                        "422": _error("The decision is invalid"),
                        **_AUTH_ERRORS,
                    },
                }
            },
        },
    }

"""The engine end to end over a real SQLite file, with the rule scorer and the default
(learned, when shipped) scorer both exercised through the same interface."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot import held
from bot.config import Settings
from bot.engine import Engine
from bot.held import HeldConversation
from bot.models import Action, CaseKind, CaseState, ConversationKey
from bot.scoring import load_scorer
from bot.scoring.rules import RuleScorer
from bot.store.sqlite import sqlite_store
from tests.conftest import make_settings, message, person

ADULT = person("u1", "adult", "Robin")
CHILD = person("u2", "minor", "Kit")
TEEN = person("u3", "minor", "Sam")
OTHER = person("u4", "unknown", "Dana")

GROOMING = [
    (ADULT, "you're really good at this game. how old r u?"),
    (CHILD, "im 13"),
    (ADULT, "ur so mature for ur age honestly"),
    (ADULT, "dont tell anyone we talk ok, its just between us"),
    (CHILD, "ok"),
    (ADULT, "add me on snap its more private"),
    (ADULT, "send me a selfie so i know its u"),
    (CHILD, "idk"),
    (ADULT, "come on just one pic, dont u trust me"),
]
BUSY_CHANNEL = [
    (TEEN, "anyone up for the build contest"),
    (OTHER, "yes what's the theme"),
    (TEEN, "castles, teams of 3"),
    (OTHER, "nice"),
]


def interleaved() -> list:
    """The approach, one-to-one by replies, inside a busy channel."""
    out, at, last = [], 0.0, None
    chatter = iter(BUSY_CHANNEL * 3)
    for author, text in GROOMING:
        m = message(author, text, at=at, reply_to=last)
        out.append(m)
        last = m.message_id
        at += 30
        other_author, other_text = next(chatter)
        out.append(message(other_author, other_text, at=at))
        at += 400  # past the pairing gap: chatter does not join the pair
    return out


async def run_engine(settings: Settings, path: Path, messages: list) -> tuple[Engine, list]:
    store = sqlite_store(path)
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    for m in messages:
        await engine.ingest(m)
    await engine.flush()
    cases = await store.list_cases()
    await store.close()
    return engine, cases


async def rebuilt_conversation(engine: Engine, key: ConversationKey) -> HeldConversation:
    """The conversation ``engine`` rebuilds from its store, as for a message new to it."""
    await engine._load({key})
    return engine._hot[key]


async def test_grooming_in_a_busy_channel_opens_exactly_one_case(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    _, cases = await run_engine(settings, tmp_path / "wk.db", interleaved())
    assert len(cases) == 1
    case = cases[0]
    assert case.kind is CaseKind.RISK and case.suspect_id == "u1"
    assert {p.user_id for p in case.participants} == {"u1", "u2"}
    assert {"secrecy", "platform_move"} <= {s.name for s in case.signals}
    assert all(s.quote for s in case.signals)


async def test_ordinary_channel_opens_no_case(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    chat = [message(a, t, at=i * 20) for i, (a, t) in enumerate(BUSY_CHANNEL * 5)]
    _, cases = await run_engine(settings, tmp_path / "wk.db", chat)
    assert cases == []


async def test_restart_on_the_same_file_does_not_alert_again(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    messages = interleaved()
    await run_engine(settings, tmp_path / "wk.db", messages)
    _, cases = await run_engine(settings, tmp_path / "wk.db", messages)  # a full redelivery
    assert len(cases) == 1


async def test_rebuilt_state_scores_like_the_live_state(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    messages = interleaved()
    first, _ = await run_engine(settings, tmp_path / "wk.db", messages[:-2])
    live = next(iter(first._hot.values()))
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    fresh = Engine(settings, store, RuleScorer())
    rebuilt = await rebuilt_conversation(fresh, live.key)
    await store.close()
    assert fresh.scorer.risk(rebuilt) == first.scorer.risk(live)


async def test_a_line_addressed_to_no_one_is_evidence_in_the_pair_it_opens(tmp_path: Path) -> None:
    """u1's first line asks the room for a 13-year-old and addresses no one; the pair
    forms when u2 answers, and carries that line: in the case, and after a restart."""
    settings = make_settings(tmp_path)
    talk = [
        (ADULT, "anyone here 13? how old r u all"),
        (CHILD, "me lol"),
        (ADULT, "cool, ur so mature for ur age"),
        (CHILD, "thanks"),
        (ADULT, "dont tell anyone we talk ok, its just between us"),
    ]
    messages = [message(author, text, at=20.0 * i) for i, (author, text) in enumerate(talk)]
    opening = messages[0].message_id
    first, cases = await run_engine(settings, tmp_path / "wk.db", messages)
    (case,) = cases
    assert ("age_probe", opening) in {(s.name, s.message_id) for s in case.signals}
    assert opening in {ref.message_id for ref in case.evidence}
    live = first._hot[ConversationKey.pair("console", "s1", "u1", "u2")]
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    fresh = Engine(settings, store, RuleScorer())
    rebuilt = await rebuilt_conversation(fresh, live.key)
    await store.close()
    ids = [o.message_id for o in rebuilt.observations]
    assert ids == [m.message_id for m in messages]
    assert fresh.scorer.risk(rebuilt) == first.scorer.risk(live)


async def test_a_tactic_in_a_carried_opening_line_counts_toward_its_authors_reach(
    tmp_path: Path,
) -> None:
    """u1 asks the room for a 13-year-old; u2's answer forms the pair and carries that
    line in: u1 used a tactic on u2, though u1's own message came first."""
    talk = [(ADULT, "anyone here 13? how old r u all"), (CHILD, "me lol")]
    messages = [message(author, text, at=20.0 * i) for i, (author, text) in enumerate(talk)]
    engine, _ = await run_engine(make_settings(tmp_path), tmp_path / "wk.db", messages)
    assert engine.tracker.reach("console", "s1", "u1", messages[-1].ts) == 1
    assert engine.tracker.reach("console", "s1", "u2", messages[-1].ts) == 0


async def test_upgrade_updates_the_case_instead_of_opening_another(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    levels = []
    for m in interleaved():
        case = await engine.ingest(m)
        if case is not None:
            levels.append(case.level.rank)
    cases = await store.list_cases()
    jobs = await store.due_deliveries(engine.clock(), limit=100)
    await store.close()
    assert len(cases) == 1
    assert levels == sorted(levels) and len(set(levels)) >= 2
    assert next(j.kind for j in jobs) == "post" and {j.kind for j in jobs[1:]} == {"update"}


async def test_dismissed_case_is_not_reopened_at_the_same_level(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts={"cooldown_minutes": 0})
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    messages = interleaved()
    for m in messages:
        await engine.ingest(m)
    (case,) = await store.list_cases()
    dismissed = await engine.decide(case.id, Action.DISMISS, "mod1", "Mod")
    assert dismissed.state is CaseState.DISMISSED
    assert dismissed.decisions[-1].actor_id == "mod1"
    await engine.ingest(
        message(ADULT, "come on just one pic", at=9000, reply_to=messages[-2].message_id)
    )
    assert len(await store.list_cases()) == 1
    await store.close()


async def test_excluded_channel_and_bots_are_not_watched(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, watch={"excluded_channels": ["c1"]})
    _, cases = await run_engine(settings, tmp_path / "wk.db", interleaved())
    assert cases == []


async def test_report_is_its_own_case(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    case = await engine.report("console", "s1", CHILD, "someone keeps asking me to keep secrets")
    assert case.kind is CaseKind.REPORT and case.summary.startswith("someone keeps")
    await store.close()


async def test_strange_and_huge_messages_are_processed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, load_scorer(settings))
    strange = [
        "",
        "\x00\x00",
        "🙂" * 10_000,
        "\u202eevil\u202c",
        "e\u0301" * 500,
        "x" * 100_000,
        "\ud7ff\ufeff\u200b",
        "مرحبا كيف حالك",
    ]
    for i, text in enumerate(strange):
        await engine.ingest(message(OTHER if i % 2 else TEEN, text, at=i, dm=True, channel="d1"))
    await engine.flush()
    window = await store.load_window("console:s1:dm:d1", 100)
    await store.close()
    assert len(window) == len(strange)
    assert max(len(s.message.text) for s in window) == 4000


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u3"]),
            st.text(max_size=80),
            st.integers(-10_000, 10_000),
            st.booleans(),
        ),
        max_size=25,
    )
)
async def test_engine_never_crashes(tmp_path_factory, items) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("prop")
    settings = make_settings(path)
    store = sqlite_store(path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    for author, text, at, dm in items:
        await engine.ingest(message(person(author), text, at=at, dm=dm))
    await engine.flush()
    await store.close()


async def test_batches_score_like_single_messages_and_windows_stay_in_order(
    tmp_path: Path,
) -> None:
    """``ingest_many`` (the inbox's path) and windows written behind scoring change
    nothing: the same cases, the same stored windows, the same rebuilt scores."""
    settings = make_settings(tmp_path)
    messages = interleaved() * 1 + [
        message(person(f"p{i % 7}"), f"chat line {i}", at=5000 + i, dm=True, channel=f"d{i % 5}")
        for i in range(700)  # several write-behind batches
    ]
    results = {}
    for mode in ("single", "batched"):
        store = sqlite_store(tmp_path / f"{mode}.db")
        await store.open()
        engine = Engine(settings, store, RuleScorer())
        if mode == "single":
            for m in messages:
                await engine.ingest(m)
        else:
            for start in range(0, len(messages), 97):
                await engine.ingest_many(messages[start : start + 97])
        await engine.flush()
        windows = {
            str(key): [w.message.message_id for w in await store.load_window(str(key), 500)]
            for key in engine._hot
        }
        fresh = Engine(settings, store, RuleScorer())
        rebuilt = {
            str(k): fresh.scorer.risk(await rebuilt_conversation(fresh, k)) for k in engine._hot
        }
        cases = [(c.number, c.conversation, c.level) for c in await store.list_cases()]
        results[mode] = (windows, rebuilt, cases)
        await store.close()
    assert results["single"] == results["batched"]
    windows, _, cases = results["single"]
    assert cases and all(
        ids == sorted(ids, key=lambda i: messages_index(messages, i)) for ids in windows.values()
    )


def messages_index(messages: list, message_id: str) -> int:
    return next(n for n, m in enumerate(messages) if m.message_id == message_id)


async def test_held_messages_stay_in_memory_and_are_never_scored_or_stored(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    messages = [message(a, text, at=i, channel="dm1") for i, (a, text) in enumerate(GROOMING)]
    key = ConversationKey.dm("console", "s1", "dm1")
    for m in messages:
        engine.hold(key, m)
    engine.hold(ConversationKey.dm("console", "s1", "dm2"), message(OTHER, "hi", channel="dm2"))
    await engine.flush()
    assert engine.conversations_held == 2
    assert await store.list_cases() == []
    assert await store.load_window(str(key), 50) == []
    await store.close()


async def test_only_conversations_the_store_holds_are_read_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A space's stored conversations are listed once; a conversation new to the store
    starts without a read. One that left memory (more conversations than it keeps) is
    rebuilt from its window, written or still buffered, and so is every one after a
    restart: each time the same observations as if it had stayed in memory."""
    monkeypatch.setattr(held, "MAX_HOT_CONVERSATIONS", 2)
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    statements: list[str] = []
    await store.driver.db.set_trace_callback(statements.append)
    sent: dict[str, list[str]] = {}

    async def say(channel: str, text: str = "hi") -> ConversationKey:
        m = message(ADULT, text, at=len(statements), dm=True, channel=channel)
        sent.setdefault(channel, []).append(m.message_id)
        await engine.ingest(m)
        return ConversationKey.dm("console", "s1", channel)

    def reads() -> int:
        return sum("FROM messages" in s for s in statements if s.startswith("SELECT"))

    for channel in ("d0", "d1", "d2"):
        for text in ("hi", "how old r u", "ok"):
            await say(channel, text)
    assert sum("FROM conversations" in s for s in statements) == 1 and reads() == 0
    assert engine.conversations_held == 2  # d0 left memory, its window still buffered

    d0 = await say("d0", "dont tell anyone we talk ok")
    assert reads() == 1
    assert [o.message_id for o in engine._hot[d0].observations] == sent["d0"]
    await engine.flush()
    d1 = await say("d1", "add me on snap")  # left memory when d0 came back; written
    assert reads() == 2
    assert [o.message_id for o in engine._hot[d1].observations] == sent["d1"]
    live = {k: engine.scorer.risk(c) for k, c in engine._hot.items()}
    await engine.flush()

    engine = Engine(settings, store, RuleScorer())  # a restart on the same file
    d2 = await say("d2", "send me a selfie")
    await say("d3")  # new: not read
    assert reads() == 3
    assert [o.message_id for o in engine._hot[d2].observations] == sent["d2"]
    rebuilt = {k: engine.scorer.risk(await rebuilt_conversation(engine, k)) for k in live}
    assert rebuilt == live
    await store.close()

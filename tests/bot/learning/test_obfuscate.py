"""Each obfuscation the robustness check applies is undone by the normaliser."""

import pytest

from bot.learning.corpora import Conversation, Line
from bot.learning.obfuscate import TRANSFORMS, obfuscate
from bot.scoring.normalize import normalize
from bot.scoring.signals import detect
from tests.bot.scoring.test_model import T0

SENTENCES = ["dont tell anyone we talk", "add me on snapchat", "send me a selfie please"]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("text", SENTENCES)
def test_signals_survive_each_obfuscation(transform, text) -> None:  # type: ignore[no-untyped-def]
    hidden = transform(text)
    assert hidden != text
    assert {h.name for h in detect(normalize(hidden))} == {h.name for h in detect(normalize(text))}


def test_only_the_suspects_messages_are_obfuscated() -> None:
    lines = [Line("a", "send me a selfie", T0), Line("b", "why", T0)]
    conversation = Conversation("c", "grooming", "a", "dm", {}, lines)
    hidden = obfuscate(conversation)
    assert hidden.messages[0].text != "send me a selfie"
    assert hidden.messages[1].text == "why"

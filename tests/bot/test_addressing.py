from bot.addressing import name_forms, named, typed_names


def test_name_forms_are_the_name_its_parts_and_its_start_without_common_words() -> None:
    assert {"clanleadervex", "clan", "leader", "vex", "clanlead"} <= name_forms("ClanLeader_Vex")
    assert "granola" in name_forms("granolagirl_")
    assert "gran" not in name_forms("granolagirl_")  # shorter than half the name
    assert not {"smol", "the", "king"} & name_forms("smol_sprout", "the king")
    assert "sprout" in name_forms("smol_sprout")
    assert name_forms("240810573912") == frozenset()  # a platform's numeric id


def test_names_stand_after_at_first_after_a_greeting_or_last() -> None:
    assert typed_names("@kiwi_kat send it") == ["kiwikat", "kiwi", "it"]
    assert typed_names("hey sid wanna play") == ["sid", "play"]
    assert typed_names("how old r u sid") == ["how", "sid"]
    people = [("shrimpy_sid", name_forms("shrimpy_sid")), ("dot.exe", name_forms("dot.exe"))]
    assert named("rules are flexible for good players sid ur in", people) is None
    assert named("ill check ur profile later dot", people) == "dot.exe"
    assert named("thanks shrimpy!", people) == "shrimpy_sid"

"""The mechanical rules of the translations, over every catalog: what an editor would flag on sight.

Korean: a glued value is written into a sentence after the translator has finished, so the
translation cannot know how the value's last syllable sounds. A particle or ending whose form
depends on that sound (0.46였습니다 is right, 0.40였습니다 is wrong) must not follow it.
Japanese: no half-width space after a full stop or between a link and its particle, no あなた.
Every catalog: a filled header (no template placeholders, no person or address invented) and no
obsolete entries, as `nox -s i18n` leaves them.
"""

import re

import pytest
from test_catalogs import LANGUAGES, LOCALE, all_catalogs, messages

from flowdocs.build.i18n import TEMPLATE_HEADER, TRANSLATORS, catalogs, tidy

# A glued value in a page's catalog, or a value the extension formats into an interface string.
VALUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`|\{\w+\}(?!`)")
# How each digit is read in Sino-Korean, as a number's last syllable: 영 일 이 삼 사 오 육 칠 팔 구.
# "vowel" = no final consonant, "rieul" = final ㄹ, "consonant" = any other final consonant.
LAST_SOUND = dict(
    enumerate("consonant rieul vowel consonant vowel vowel consonant rieul rieul vowel".split())
)
# A form that starts the text right after a number, and the last sounds it is wrong after.
# Forms written for both sounds, such as (으)로, 은(는) or 이었습니다, are right after any number.
END = r"(?=[\s.,;:!?)\]…*]|$)"  # the particle ends there; "(" would begin its other form, 은(는)
WRONG_AFTER = {
    rf"는{END}": {"consonant", "rieul"},  # topic 은/는
    rf"은{END}": {"vowel"},
    rf"가{END}": {"consonant", "rieul"},  # subject 이/가
    rf"이{END}": {"vowel"},
    rf"를{END}": {"consonant", "rieul"},  # object 을/를
    rf"을{END}": {"vowel"},
    rf"와{END}": {"consonant", "rieul"},  # 과/와
    rf"과{END}": {"vowel"},
    r"로": {"consonant"},  # 으로/로: 로 after a vowel or ㄹ
    r"으로": {"vowel", "rieul"},
    r"였": {"consonant", "rieul"},  # 이었/였
    r"라(?:고|는|면|서|도)": {"consonant", "rieul"},  # 이라고/라고 …
    r"(?:야|며|고|면|나|든지)" + END: {"consonant", "rieul"},  # the copula 이 dropped
}


def rendered(text: str, digit: int) -> tuple[str, list[int]]:
    """``text`` with every glued value replaced by a number ending in ``digit``, and where each
    number ends."""
    pieces, ends, last = [], [], 0
    for role in VALUE.finditer(text):
        pieces.append(text[last : role.start()] + f"1.2{digit}")
        ends.append(sum(map(len, pieces)))
        last = role.end()
    return "".join(pieces) + text[last:], ends


def wrong_forms_after_numbers(text: str) -> list[str]:
    """Each rendering of ``text`` (numbers ending in 0-9) where a form does not fit its number."""
    wrong = []
    for digit in range(10):
        sentence, ends = rendered(text, digit)
        for end in ends:
            after = sentence[end:]
            for form, wrong_sounds in WRONG_AFTER.items():
                if LAST_SOUND[digit] in wrong_sounds and re.match(form, after):
                    wrong.append(sentence[max(0, end - 20) : end + 10])
    return wrong


def test_the_rule_sees_the_ending_that_fits_only_some_digits():
    example = "중앙값의 비는 {glue:text}`kv-cache.md::ratio:.2f`"
    assert wrong_forms_after_numbers(example + "였지만 겹칩니다.")  # fits 2, 4, 5, 9 only
    assert wrong_forms_after_numbers(example + "로 고정했습니다.")  # wrong after 0, 3, 6
    assert wrong_forms_after_numbers(example + "은 작습니다.")
    for fits_any in (
        "이었지만 겹칩니다.",
        "입니다.",
        "배였습니다.",
        "개로 고정했습니다.",
        "은(는) 작습니다.",
    ):
        assert wrong_forms_after_numbers(example + fits_any) == [], fits_any


def catalog_messages(language: str):
    for path in catalogs(LOCALE, language):
        for message in messages(path):
            yield path.relative_to(LOCALE / language / "LC_MESSAGES"), message


@pytest.mark.skipif("ko" not in LANGUAGES, reason="no Korean catalogs")
def test_korean_forms_after_a_glued_number_fit_every_last_digit():
    wrong = [
        f"{page}: {context!r}"
        for page, message in catalog_messages("ko")
        for context in wrong_forms_after_numbers(message.string)
    ]
    assert wrong == [], "\n".join(sorted(set(wrong)))


JAPANESE = "ぁ-んァ-ヶー一-龯々"
JAPANESE_RULES = {
    # 。 is full-width and carries its own space: `**同じトークン**。どちら`, not `**…。** どちら`
    "a half-width space after 。": re.compile(r"。\**[ \t]+\S"),
    "a half-width space between a link and its particle": re.compile(
        rf"[{JAPANESE}]\]\([^)]*\) (?=[{JAPANESE}])"
    ),
    "あなた (address the reader through お使いの or 手元の)": re.compile("あなた"),
}


@pytest.mark.skipif("ja" not in LANGUAGES, reason="no Japanese catalogs")
def test_japanese_spacing_and_address():
    wrong = [
        f"{page}: {rule}: {message.string[max(0, m.start() - 20) : m.end() + 10]!r}"
        for page, message in catalog_messages("ja")
        for rule, pattern in JAPANESE_RULES.items()
        for m in pattern.finditer(message.string)
    ]
    assert wrong == [], "\n".join(wrong)


def header(path) -> str:
    """A catalog's header as written: its comment and the empty msgid's fields."""
    return path.read_text(encoding="utf-8").split('\n\nmsgid "', 1)[0]


def header_problems(path, language: str) -> list[str]:
    text = header(path)
    wanted = {
        "Language": language,
        "Plural-Forms": "nplurals=1; plural=0;",
        "Content-Type": "text/plain; charset=utf-8",
        "Last-Translator": TRANSLATORS,
        "Language-Team": TRANSLATORS,
    }
    values = dict(re.findall(r'^"([\w-]+): (.*)\\n"$', text, re.MULTILINE))
    problems = [
        f"{k}: {values.get(k)!r}"
        for k, v in wanted.items()
        if values.get(k, "").lower() != v.lower()
    ]
    problems += [f"placeholder {p!r}" for p in TEMPLATE_HEADER if p in text]
    problems += ["fuzzy header"] * ("#, fuzzy" in text)
    problems += ["no project"] * (not values.get("Project-Id-Version", "").startswith("flowdocs"))
    problems += ["obsolete entries (#~)"] * ("\n#~" in path.read_text(encoding="utf-8"))
    return problems


@pytest.mark.parametrize(("language", "path"), all_catalogs(), ids=str)
def test_catalog_header_is_filled_and_no_obsolete_entry_is_kept(language, path):
    assert header_problems(path, language) == []


NEW_CATALOG = r"""# SOME DESCRIPTIVE TITLE.
# Copyright (C) 2026
# This file is distributed under the same license as the flowdocs package.
# FIRST AUTHOR <EMAIL@ADDRESS>, YEAR.
#
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: flowdocs \n"
"Report-Msgid-Bugs-To: \n"
"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\n"
"Last-Translator: FULL NAME <EMAIL@ADDRESS>\n"
"Language: ko\n"
"Language-Team: ko <LL@li.org>\n"
"Plural-Forms: nplurals=1; plural=0;\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Kept"
msgstr "유지"

#~ msgid "Gone"
#~ msgstr "사라짐"
"""


def test_i18n_fills_a_new_catalogs_header_and_drops_obsolete_entries(tmp_path):
    """What sphinx-intl leaves after creating a catalog, and an entry the English no longer has."""
    path = tmp_path / "page.po"
    path.write_text(NEW_CATALOG, encoding="utf-8")
    assert len(header_problems(path, "ko")) > 3  # the check sees what the template leaves
    tidy(path, "ko")
    assert header_problems(path, "ko") == []
    assert [m.string for m in messages(path)] == ["유지"]
    before = path.read_bytes()
    tidy(path, "ko")
    assert path.read_bytes() == before  # a tidy catalog is left as it is

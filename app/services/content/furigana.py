"""Automatic furigana: kanji above a school grade get their reading, aligned to the kanji only."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any, NamedTuple

from kanji_lists import KYOIKU

# Characters that belong to a kanji run although they are not ideographs: the repeat mark
# (人々), the shime mark and the small ke used as a counter (一ヶ月).
_RUN_MARKS = frozenset("々〆ヶヵ")

_tagger: Any = None
_tagger_lock = threading.RLock()


def is_kanji(char: str) -> bool:
    """True for CJK ideographs (the unified blocks and the compatibility block)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def _in_run(char: str) -> bool:
    return is_kanji(char) or char in _RUN_MARKS


@lru_cache(maxsize=8)
def known_kanji(grade: int) -> frozenset[str]:
    """Kanji taught by the end of the given school grade (学年別漢字配当表, 2020 revision)."""
    known: set[str] = set()
    for year in range(1, min(grade, 6) + 1):
        known |= getattr(KYOIKU, f"GRADE{year}")
    return frozenset(known)


def needs_furigana(text: str, grade: int) -> bool:
    """True when text holds a kanji a pupil at the end of grade has not been taught."""
    if grade <= 0:
        return False
    known = known_kanji(grade)
    return any(is_kanji(char) and char not in known for char in text)


def to_hiragana(text: str) -> str:
    """Convert katakana to hiragana; the long vowel mark and other characters stay."""
    return "".join(
        chr(ord(char) - 0x60) if "ァ" <= char <= "ヶ" and char not in "ヵヶ" else char for char in text
    )


def _get_tagger() -> Any:
    # MeCab start-up loads the dictionary (a few hundred ms): do it once, on first use.
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import fugashi

                _tagger = fugashi.Tagger()
    return _tagger


def _reading(feature: Any) -> str | None:
    """A word's reading in hiragana from its dictionary features, or None when there is none."""
    try:
        kana = feature.kana
    except (AttributeError, IndexError):
        return None
    if not kana or kana == "*":
        return None
    reading = to_hiragana(kana)
    if not all("ぁ" <= char <= "ゖ" or char == "ー" for char in reading):
        return None
    return reading


def _segments(surface: str) -> list[tuple[str, bool]]:
    """Split a word into alternating kanji runs (True) and other text (False)."""
    segments: list[tuple[str, bool]] = []
    for char in surface:
        run = _in_run(char)
        if segments and segments[-1][1] == run:
            segments[-1] = (segments[-1][0] + char, run)
        else:
            segments.append((char, run))
    return segments


def align(surface: str, reading: str) -> list[tuple[str, str | None]] | None:
    """Pair each kanji run of surface with its part of reading.

    Returns None when no alignment exists or more than one does (the caller then puts the
    ruby over the whole word).
    """
    segments = _segments(surface)
    solutions: list[list[str]] = []

    def solve(index: int, pos: int, taken: list[str]) -> None:
        if len(solutions) > 1:
            return
        if index == len(segments):
            if pos == len(reading):
                solutions.append(list(taken))
            return
        text, is_run = segments[index]
        if not is_run:
            kana = to_hiragana(text)
            if reading.startswith(kana, pos):
                solve(index + 1, pos + len(kana), taken)
            return
        # Leave at least one kana for every later kanji run.
        later_runs = sum(1 for _, run in segments[index + 1 :] if run)
        for end in range(pos + 1, len(reading) - later_runs + 1):
            taken.append(reading[pos:end])
            solve(index + 1, end, taken)
            taken.pop()

    solve(0, 0, [])
    if len(solutions) != 1:
        return None
    readings = iter(solutions[0])
    return [(text, next(readings) if is_run else None) for text, is_run in segments]


def ruby(base: str, reading: str) -> str:
    """Ruby markup with parentheses for browsers that do not support ruby."""
    return f"<ruby>{escape(base)}<rp>(</rp><rt>{escape(reading)}</rt><rp>)</rp></ruby>"


def annotate_word(surface: str, reading: str | None) -> str:
    """Ruby for one analysed word: per kanji run when aligned, else over the whole word."""
    if reading is None:
        return escape(surface)
    pairs = align(surface, reading)
    if pairs is not None:
        return "".join(ruby(text, part) if part else escape(text) for text, part in pairs)
    # Only a word made of kanji and kana can take a whole-word reading safely: with digits or
    # Latin letters inside, the reading would cover characters it does not spell.
    if all(_in_run(char) or "ぁ" <= char <= "ヿ" for char in surface):
        return ruby(surface, reading)
    return escape(surface)


# -- numbers and counters ---------------------------------------------------------------------------
#
# The dictionary reads a counter on its own, without the number before it: 日 after any digit is
# か, 分 is ふん, 本 is ぽん. Readers expect the reading the number gives it (1日 ついたち, 23日 にち,
# 30分 ぷん, 3本 ぼん), so a number followed by a counter is read here by the usual rules.

_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
_NUMBER_START = (
    frozenset("0123456789０１２３４５６７８９何数") | set(_KANJI_DIGITS) | set(_SMALL_UNITS) | set(_BIG_UNITS)
)
# 何 counts like a number ending in ん: 何本 なんぼん, 何階 なんがい, 何分 なんぷん.
WHAT = -1

_ONES = ("", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
_GEMINATED = {"いち": "いっ", "ろく": "ろっ", "はち": "はっ", "じゅう": "じゅっ", "ひゃく": "ひゃっ",
              "びゃく": "びゃっ", "ぴゃく": "ぴゃっ"}  # fmt: skip
_GEMINATED_S = {"いち": "いっ", "はち": "はっ", "じゅう": "じゅっ"}
_N_ENDINGS = ("さん", "せん", "ぜん", "まん", "なん")


@dataclass(frozen=True)
class _Counter:
    """How a counter reads after a number.

    gem: which number endings double their last sound before it: "p" and "k" counters after 1, 6,
    8, 10 and 100 (いっぷん, ろっかい, ひゃっぽん), "s" counters after 1, 8 and 10 (いっさい, はっさつ).
    """

    reading: str
    gem: str = ""  # "p" | "k" | "s" | ""
    after_gem: str = ""  # the counter's reading after a doubled sound (ぷん, ぽん)
    after_n: str = ""  # after 3, 千, 万 and 何 (ぼん, びき, がい)
    after_four: str = ""  # after よん (4分 よんぷん)
    four: str = "よん"  # how 4, 7 and 9 read before this counter
    seven: str = "なな"
    nine: str = "きゅう"
    whole: tuple[tuple[int, str], ...] = ()  # numbers read together with the counter (1人 ひとり)


_HANDAKU = {"は": "ぱ", "ひ": "ぴ", "ふ": "ぷ", "へ": "ぺ", "ほ": "ぽ"}


def _p(reading: str, after_n: str, after_four: str = "") -> _Counter:
    """A counter starting with h that turns p after a doubled sound (1分 いっぷん, 1本 いっぽん)."""
    return _Counter(reading, "p", _HANDAKU[reading[0]] + reading[1:], after_n, after_four)


_MONTHS = ("か月", "ヶ月", "ヵ月", "カ月", "ケ月", "箇月", "ヶ月間", "か月間", "カ月間", "ヵ月間")
_HOURS = {"four": "よ", "seven": "しち", "nine": "く"}
COUNTERS: dict[str, _Counter] = {
    "分": _p("ふん", "ぷん", "ぷん"),
    "分間": _p("ふんかん", "ぷんかん", "ぷんかん"),
    "本": _p("ほん", "ぼん"),
    "匹": _p("ひき", "びき"),
    "杯": _p("はい", "ばい"),
    "泊": _p("はく", "ぱく"),
    "歩": _p("ほ", "ぽ"),
    "発": _p("はつ", "ぱつ"),
    "回": _Counter("かい", "k"),
    "回目": _Counter("かいめ", "k"),
    "階": _Counter("かい", "k", after_n="がい"),
    "個": _Counter("こ", "k"),
    "件": _Counter("けん", "k"),
    "軒": _Counter("けん", "k", after_n="げん"),
    "曲": _Counter("きょく", "k"),
    "歳": _Counter("さい", "s"),
    "才": _Counter("さい", "s"),
    "冊": _Counter("さつ", "s"),
    "週": _Counter("しゅう", "s"),
    "週間": _Counter("しゅうかん", "s"),
    "足": _Counter("そく", "s", after_n="ぞく"),
    "頭": _Counter("とう", "s"),
    "点": _Counter("てん", "s"),
    "通": _Counter("つう", "s"),
    "人": _Counter("にん", four="よ", whole=((1, "ひとり"), (2, "ふたり"))),
    "年": _Counter("ねん", four="よ"),
    "年間": _Counter("ねんかん", four="よ"),
    "年生": _Counter("ねんせい", four="よ"),
    "円": _Counter("えん", four="よ"),
    "月": _Counter("がつ", four="し", seven="しち", nine="く"),
    "時": _Counter("じ", **_HOURS),
    "時間": _Counter("じかん", **_HOURS),
    "時半": _Counter("じはん", **_HOURS),
    "枚": _Counter("まい"),
    "台": _Counter("だい"),
    "度": _Counter("ど"),
    "倍": _Counter("ばい"),
    "番": _Counter("ばん"),
    "番目": _Counter("ばんめ"),
    "名": _Counter("めい"),
    "秒": _Counter("びょう"),
    "秒間": _Counter("びょうかん"),
    "組": _Counter("くみ"),
    **{months: _Counter("かげつ" + ("かん" if months.endswith("間") else ""), "k") for months in _MONTHS},
}
_DAY_COUNTERS = ("日", "日間", "日目")
# Days read with the native numbers: 2日 ふつ・か ... 10日 とお・か, 14日 じゅうよっ・か, 20日 はつ・か.
_DAYS = {
    2: "ふつ",
    3: "みっ",
    4: "よっ",
    5: "いつ",
    6: "むい",
    7: "なの",
    8: "よう",
    9: "ここの",
    10: "とお",
    20: "はつ",
}
# After 1日 these make it a span of a day (いちにち), not the first of the month (ついたち).
_ONE_DAY_SPAN = ("中", "間", "目", "分", "おき", "ごと", "当", "あたり", "平均", "以内", "以上")


def parse_number(text: str) -> int | None:
    """The value of digits (half- or full-width, with commas) or kanji numerals; None otherwise."""
    if text == "何":
        return WHAT
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    if not text:
        return None
    total = section = 0
    digits = ""
    for char in text:
        if "0" <= char <= "9":
            digits += char
        elif char in _KANJI_DIGITS:
            digits += str(_KANJI_DIGITS[char])
        elif char in _SMALL_UNITS:
            section += (int(digits) if digits else 1) * _SMALL_UNITS[char]
            digits = ""
        elif char in _BIG_UNITS:
            section += int(digits) if digits else 0
            total += (section or 1) * _BIG_UNITS[char]
            section, digits = 0, ""
        else:
            return None
    return total + section + (int(digits) if digits else 0)


def _say_below_10000(n: int) -> list[str]:
    thousands, hundreds, tens, ones = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    # Units stay separate pieces: the counter after them may change their sound (ひゃっぽん).
    parts: list[str] = []
    if thousands:
        parts += {1: ["せん"], 3: ["さん", "ぜん"], 8: ["はっ", "せん"]}.get(
            thousands, [_ONES[thousands], "せん"]
        )
    if hundreds:
        parts += {1: ["ひゃく"], 3: ["さん", "びゃく"], 6: ["ろっ", "ぴゃく"], 8: ["はっ", "ぴゃく"]}.get(
            hundreds, [_ONES[hundreds], "ひゃく"]
        )
    if tens:
        parts += ["じゅう"] if tens == 1 else [_ONES[tens], "じゅう"]
    if ones:
        parts.append(_ONES[ones])
    return parts


def _say(n: int) -> list[str]:
    """A number's reading in pieces; the last piece is the sound a counter follows."""
    if n == WHAT:
        return ["なん"]
    if n == 0:
        return ["ぜろ"]
    parts: list[str] = []
    for unit, name in ((10**12, "ちょう"), (10**8, "おく"), (10**4, "まん")):
        value = n // unit % 10000
        if value:
            parts += (["いっ"] if value == 1 and name == "ちょう" else _say_below_10000(value)) + [name]
    return parts + _say_below_10000(n % 10000)


def _day_reading(n: int, span: bool) -> tuple[str, str]:
    if n == 1:
        return ("いち", "にち") if span else ("", "ついたち")
    if n in _DAYS:
        return _DAYS[n], "か"
    if n > 10 and n % 10 == 4:
        return "".join(_say(n - 4)) + "よっ", "か"
    parts = _say(n)
    parts[-1] = {"なな": "しち", "きゅう": "く"}.get(parts[-1], parts[-1])
    return "".join(parts), "にち"


def counter_reading(n: int, counter: str, *, span: bool = False) -> tuple[str, str] | None:
    """How "n counter" reads, as (the number's part, the counter's part).

    The number's part is empty when the reading cannot be split (1日 ついたち, 1人 ひとり): the
    counter then carries the whole. `span` reads 1日 as a day's length (いちにち), not a date.
    None for a counter not in the tables.
    """
    if counter in _DAY_COUNTERS:
        number, day = _day_reading(n, span or counter != "日")
        return number, day + counter[1:].replace("間", "かん").replace("目", "め")
    rule = COUNTERS.get(counter)
    if rule is None:
        return None
    for value, whole in rule.whole:
        if n == value:
            return "", whole
    parts = _say(n)
    last = parts[-1]
    reading = rule.reading
    doubles = _GEMINATED_S if rule.gem == "s" else _GEMINATED
    if rule.gem and last in doubles:
        parts[-1] = doubles[last]
        reading = rule.after_gem or reading
    elif last in _N_ENDINGS:
        reading = rule.after_n or reading
    elif last == "よん":
        parts[-1] = rule.four
        reading = rule.after_four or reading
    elif last == "なな":
        parts[-1] = rule.seven
    elif last == "きゅう":
        parts[-1] = rule.nine
    return "".join(parts), reading


# -- annotating a text ------------------------------------------------------------------------------

# A URL is shown as written: ruby inside it would put readings over a web address.
_URL_RE = re.compile(
    r"(?:[a-zA-Z][a-zA-Z0-9+.\-]*://|www\.|mailto:)[^\s<>\"'「」『』【】（）()、。，．！？]+"
)
_COUNTER_MAX = max(len(name) for name in (*COUNTERS, *_DAY_COUNTERS))
_COUNTER_ENDS = frozenset(name[-1] for name in (*COUNTERS, *_DAY_COUNTERS))


class _Word(NamedTuple):
    start: int
    end: int
    surface: str
    reading: str | None
    is_number: bool


def _words(text: str) -> list[_Word]:
    """The analyser's words with their places in text; what it skipped lies between them."""
    tagger = _get_tagger()
    # One MeCab tagger is not safe to use from two threads at once; analysis is fast.
    with _tagger_lock:
        analysed = []
        for word in tagger(text):
            surface = word.surface
            feature = word.feature
            # The part of speech is only needed to tell 何 the number from 何 the pronoun.
            pos2 = feature.pos2 if surface[:1] == "何" else ""
            analysed.append((surface, _reading(feature), pos2))
    words = []
    cursor = 0
    for surface, reading, pos2 in analysed:
        start = text.find(surface, cursor)
        if not surface or start < 0:
            continue
        cursor = start + len(surface)
        # By its characters, not by the dictionary: it takes full-width "１０" for a noun (てん).
        is_number = surface[0] in _NUMBER_START and parse_number(surface.removeprefix("数")) is not None
        if surface[0] == "何":
            is_number = pos2 == "数詞"
        words.append(_Word(start, cursor, surface, reading, is_number))
    return words


def _split_fused(word: _Word) -> tuple[str, str] | None:
    """A word the analyser kept whole (一日, ２人, 一人): (number, counter), or None."""
    if word.surface[0] not in _NUMBER_START or word.surface[-1] not in _COUNTER_ENDS:
        return None
    for size in range(min(_COUNTER_MAX, len(word.surface) - 1), 0, -1):
        number, counter = word.surface[:-size], word.surface[-size:]
        if (counter in COUNTERS or counter in _DAY_COUNTERS) and parse_number(number) not in (None, WHAT):
            return number, counter
    return None


def _is_span(words: list[_Word], first: int, last: int) -> bool:
    """Whether the 1日 of words[first:last + 1] is a day's length (いちにち), not a date (ついたち)."""
    if first > 0 and words[first - 1].end == words[first].start and words[first - 1].surface.endswith("月"):
        return False
    if words[last].reading == "にち":
        return True  # the analyser took the kanji 一 日 as いちにち (一日中, 一日も早く)
    following = words[last + 1 : last + 3]
    if not following or following[0].start != words[last].end:
        return False
    nxt = following[0]
    if nxt.surface.startswith(_ONE_DAY_SPAN) or nxt.is_number:
        return True
    return nxt.surface == "に" and len(following) > 1 and following[1].is_number


def _render_count(number: list[_Word], counter: str, reading: tuple[str, str], known: frozenset[str]) -> str:
    number_text = "".join(word.surface for word in number)
    number_part, counter_part = reading
    counter_html = annotate_word(counter, counter_part) if _unknown(counter, known) else escape(counter)
    # 万円 after 数 or 何 is まん, not いちまん: a number led by 万, 億 or 兆 keeps the analyser's words.
    if all(is_kanji(char) for char in number_text) and number_text[0] not in _BIG_UNITS:
        if not number_part:
            # Read together (一日 ついたち): one ruby over both, or none.
            whole = number_text + counter
            return ruby(whole, counter_part) if _unknown(whole, known) else escape(whole)
        number_html = ruby(number_text, number_part) if _unknown(number_text, known) else escape(number_text)
        return number_html + counter_html
    # Digits keep no ruby; a kanji unit among them (1万) keeps its own reading.
    return "".join(_render_word(word.surface, word.reading, known) for word in number) + counter_html


def _unknown(surface: str, known: frozenset[str]) -> bool:
    return any(is_kanji(char) and char not in known for char in surface)


def _render_word(surface: str, reading: str | None, known: frozenset[str]) -> str:
    if _unknown(surface, known):
        return annotate_word(surface, reading)
    return escape(surface)


def _number_end(words: list[_Word], index: int) -> int:
    """The index just after the number starting at words[index] (index itself when none does)."""
    end = index
    while end < len(words):
        word = words[end]
        joined = end == index or word.start == words[end - 1].end
        # A thousands comma belongs to the number only between digits (1,000).
        comma = (
            word.surface in (",", "，") and end > index and end + 1 < len(words) and words[end + 1].is_number
        )
        if not joined or not (word.is_number or comma):
            break
        end += 1
    return end


def _count_at(words: list[_Word], index: int) -> tuple[list[_Word], str, tuple[str, str], int] | None:
    """The number and counter starting at words[index]: (number words, counter, reading, index
    after them), or None when no counter follows a number there."""
    word = words[index]
    if word.is_number:
        # A number may take several words (1 , 000 or 十 四); the counter must follow at once.
        end = _number_end(words, index)
        if end >= len(words) or words[end].start != words[end - 1].end:
            return None
        number, counter_word = words[index:end], words[end]
        counter = counter_word.surface
        following = [w.surface for w in words[end + 1 : end + 3]]
        # 三日月 is a crescent moon (みかづき), not three days and a moon.
        if counter == "日" and following[:1] and following[0].startswith("月"):
            return None
        # 3分の1 is a fraction (さんぶんのいち), kept as the analyser reads it (ぶん).
        if counter == "分" and following[:1] == ["の"] and len(following) > 1 and words[end + 2].is_number:
            return None
        text = "".join(w.surface for w in number)
        # 数 ("several") before tens, hundreds, ...: the counter follows the unit (数十分 すうじゅっぷん).
        several = "すう" if text.startswith("数") else ""
        value = parse_number(text.removeprefix("数"))
        if value is None:
            return None
        span = not several and value == 1 and _is_span(words, index, end)
        reading = counter_reading(value, counter, span=span)
        if reading is None:
            return None
        return number, counter, (several + reading[0], reading[1]), end + 1
    fused = _split_fused(word)
    if fused is None:
        return None
    number_text, counter = fused
    value = parse_number(number_text)
    if value is None:
        return None
    # The analyser reads a joined 一日 as ついたち only where it is a date.
    span = value == 1 and counter == "日" and word.reading != "ついたち" and _is_span(words, index, index)
    reading = counter_reading(value, counter, span=span)
    if reading is None:
        return None
    head = _Word(word.start, word.start + len(number_text), number_text, None, True)
    return [head], counter, reading, index + 1


def _annotate_words(text: str, known: frozenset[str]) -> str:
    words = _words(text)
    out: list[str] = []
    cursor = index = 0
    while index < len(words):
        word = words[index]
        # Whatever the analyser skipped (spaces, newlines) is copied through unchanged.
        out.append(escape(text[cursor : word.start]))
        count = _count_at(words, index) if word.surface[0] in _NUMBER_START else None
        if count is not None:
            number, counter, reading, index = count
            out.append(_render_count(number, counter, reading, known))
        else:
            out.append(_render_word(word.surface, word.reading, known))
            index += 1
        cursor = words[index - 1].end
    out.append(escape(text[cursor:]))
    return "".join(out)


def annotate(text: str, grade: int) -> str:
    """Escape text for HTML, adding ruby to every word with a kanji above grade."""
    if not needs_furigana(text, grade):
        return escape(text)
    known = known_kanji(grade)
    out: list[str] = []
    cursor = 0
    for match in _URL_RE.finditer(text):
        out.append(_annotate_words(text[cursor : match.start()], known))
        out.append(escape(match.group(0)))
        cursor = match.end()
    out.append(_annotate_words(text[cursor:], known))
    return "".join(out)

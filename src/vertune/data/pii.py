"""Personal data in text: recognisers with checksums, and redaction to typed placeholders.

Types (`PII_TYPES`): `email`; `phone` (Chinese mobile numbers, international numbers written with `+` through
`phonenumbers`, and with a region also that region's national format); `id_card` (Chinese resident ID, 18
characters, birth date and ISO 7064 check digit validated); `bank_card` (13-19 digits, Luhn); `ip` (IPv4 /
IPv6, validated by `ipaddress`); `url` (http, https, ftp, www.); `iban` (country length and mod-97 checksum).

Redaction replaces each match with `<TYPE_n>`: the same value gets the same number everywhere in one document
(a row, all its columns; a CoNLL sentence), so a model still sees that two mentions are the same number.
Placeholders match no recogniser, so redacting twice changes nothing. Everything runs offline.

`person` and `location` come from a trained NER run (`data.redact_model`, `pii_model.EntityFinder`); its
matches join the patterns' (a pattern wins an overlap) and share the per-document numbering.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vertune.data.pii_types import ALL_PII_TYPES, MODEL_PII_TYPES, PII_TYPES

__all__ = ["ALL_PII_TYPES", "MODEL_PII_TYPES", "PII_TYPES", "Match", "Redactor"]
#: when two matches overlap, the type earlier here wins (then the longer match)
_PRIORITY = ("url", "email", "iban", "id_card", "bank_card", "ip", "phone", "person", "location")


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    type: str
    value: str


# ASCII look-arounds, so that a number right after a Chinese character is still found.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
# ASCII only: a URL written inside Chinese text ends where the Chinese starts.
_URL = re.compile(r"(?<![A-Za-z0-9@])(?:(?:https?|ftp)://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+", re.I)
_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])"
)
_CN_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_CARD = re.compile(
    r"(?<![\d.,+-])(?:\d{13,19}|\d{4}(?P<s>[ -])\d{4}(?:(?P=s)\d{4}){1,2}(?:(?P=s)\d{1,4})?"
    r"|\d{4}(?P<t>[ -])\d{6}(?P=t)\d{4,5})(?![\d])"
)
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)"
)
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)?(?![0-9A-Fa-f:])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Lengths of the IBAN registry (SWIFT), by country code.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def id_card_valid(number: str) -> bool:
    """A Chinese resident ID: 18 characters, a real birth date, and the ISO 7064 MOD 11-2 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """Country length from the registry and the ISO 13616 mod-97 checksum."""
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _emails(text: str) -> Iterable[Match]:
    for m in _EMAIL.finditer(text):
        yield Match(m.start(), m.end(), "email", m.group())


def _urls(text: str) -> Iterable[Match]:
    for m in _URL.finditer(text):
        value = m.group().rstrip(".,;:!?'\"")
        while value.endswith(")") and value.count(")") > value.count("("):
            value = value[:-1].rstrip(".,;:!?")
        if len(value) > 4:
            yield Match(m.start(), m.start() + len(value), "url", value)


def _id_cards(text: str) -> Iterable[Match]:
    for m in _ID_CARD.finditer(text):
        if id_card_valid(m.group()):
            yield Match(m.start(), m.end(), "id_card", m.group())


def _bank_cards(text: str) -> Iterable[Match]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
            yield Match(m.start(), m.end(), "bank_card", m.group())


def _ips(text: str) -> Iterable[Match]:
    for m in _IPV4.finditer(text):
        yield Match(m.start(), m.end(), "ip", m.group())
    if ":" not in text:
        return
    for m in _IPV6.finditer(text):
        try:
            ipaddress.IPv6Address(m.group())
        except ValueError:
            continue
        yield Match(m.start(), m.end(), "ip", m.group())


def _ibans(text: str) -> Iterable[Match]:
    for m in _IBAN.finditer(text):
        country = m.group()[:2]
        length = _IBAN_LENGTHS.get(country)
        if length is None:
            continue
        # The pattern may run on into a following upper-case word: keep exactly the country's length.
        end, kept = m.start(), 0
        while kept < length and end < m.end():
            kept += text[end] != " "
            end += 1
        compact = text[m.start() : end].replace(" ", "")
        if kept == length and iban_valid(compact) and not _ASCII_ALNUM.match(text, end):
            yield Match(m.start(), end, "iban", text[m.start() : end])


def _phone_finder(region: str | None) -> Callable[[str], Iterable[Match]]:
    def phones(text: str) -> Iterable[Match]:
        for m in _CN_MOBILE.finditer(text):
            yield Match(m.start(), m.end(), "phone", m.group())
        if sum(c.isdigit() for c in text) < 7:
            return
        import phonenumbers

        if region is None and "+" not in text:
            return  # without a region, phonenumbers finds international (+CC) numbers only
        for found in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            start, end = found.start, found.end
            if text[start] == "(" and ")" not in text[start:end]:
                start += 1  # "(+44 ...": the bracket belongs to the sentence
            groups = re.findall(r"\d+", text[start:end])
            if 2 * sum(len(g) == 1 for g in groups) > len(groups):
                continue  # mostly single digits: scores or lists ("7-5 4-6 6-3"), not a number someone dials
            yield Match(start, end, "phone", text[start:end])

    return phones


def _normalised(match: Match) -> str:
    if match.type == "phone":  # +86 138... and 138... are one number
        return re.sub(r"\D", "", match.value)[-11:]
    if match.type in ("bank_card", "id_card", "iban"):
        return re.sub(r"[^0-9A-Za-z]", "", match.value).upper()
    return match.value.lower()


@dataclass
class Redactor:
    """Finds and replaces the chosen PII types; counts what it replaced in `counts`."""

    types: Sequence[str] = PII_TYPES
    phone_region: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    model: str | Path | None = None  # a NER run for person / location

    def __post_init__(self) -> None:
        check_types(self.types, self.model)
        finders: dict[str, Callable[[str], Iterable[Match]]] = {
            "email": _emails,
            "url": _urls,
            "id_card": _id_cards,
            "bank_card": _bank_cards,
            "ip": _ips,
            "iban": _ibans,
            "phone": _phone_finder(self.phone_region.upper() if self.phone_region else None),
        }
        self._finders = [finders[t] for t in _PRIORITY if t in finders and t in self.types]
        self._entities = None
        model_types = [t for t in MODEL_PII_TYPES if t in self.types]
        if model_types and self.model is not None:
            from vertune.data.pii_model import EntityFinder

            self._entities = EntityFinder(self.model, model_types)

    def prefetch(self, texts: Iterable[str]) -> None:
        """Tag these texts with the NER run in batches (a no-op without one); `find` then reads the cache."""
        if self._entities is not None:
            self._entities.prefetch(texts)

    def find(self, text: str) -> list[Match]:
        """Non-overlapping matches in text order (on overlap the higher-priority type, then the longer)."""
        candidates = [m for finder in self._finders for m in finder(text)]
        if self._entities is not None:
            candidates += [Match(*span) for span in self._entities(text)]
        candidates.sort(key=lambda m: (_PRIORITY.index(m.type), m.start - m.end))
        chosen: list[Match] = []
        for m in candidates:
            if all(m.end <= c.start or m.start >= c.end for c in chosen):
                chosen.append(m)
        return sorted(chosen, key=lambda m: m.start)

    def document(self) -> DocumentRedactor:
        """Redacts the texts of one document with placeholders numbered consistently across them."""
        return DocumentRedactor(self)

    def redact(self, text: str) -> str:
        """One text as its own document."""
        return self.document().redact(text)

    def redact_input(self, item: object) -> object:
        """A task input: a text, or a (text, text_pair) tuple as one document."""
        if isinstance(item, str):
            return self.redact(item)
        if isinstance(item, tuple):
            doc = self.document()
            return tuple(doc.redact(x) if isinstance(x, str) else x for x in item)
        return item


class DocumentRedactor:
    def __init__(self, redactor: Redactor):
        self.redactor = redactor
        self.numbers: dict[tuple[str, str], int] = {}
        self.per_type: Counter[str] = Counter()

    def placeholder(self, match: Match) -> str:
        key = (match.type, _normalised(match))
        if key not in self.numbers:
            self.per_type[match.type] += 1
            self.numbers[key] = self.per_type[match.type]
        self.redactor.counts[match.type] += 1
        return f"<{match.type.upper()}_{self.numbers[key]}>"

    def redact(self, text: str) -> str:
        matches = self.redactor.find(text)
        if not matches:
            return text
        parts, last = [], 0
        for m in matches:
            parts += [text[last : m.start], self.placeholder(m)]
            last = m.end
        return "".join([*parts, text[last:]])

    def redact_tokens(self, tokens: Sequence[str]) -> list[str]:
        """Tokens of a sentence: found on the joined text (no space between tokens when they are single
        characters, as in Chinese files); every token a match touches becomes its placeholder (so the token
        count, and each token's tag, stay)."""
        joiner = "" if sum(len(t) == 1 for t in tokens) > 0.8 * len(tokens) else " "
        text, starts = "", []
        for token in tokens:
            if text:
                text += joiner
            starts.append(len(text))
            text += token
        out = list(tokens)
        for m in self.redactor.find(text):
            placeholder = self.placeholder(m)
            for i, start in enumerate(starts):
                if start < m.end and start + len(tokens[i]) > m.start:
                    out[i] = placeholder
        return out


def _did_you_mean(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, ALL_PII_TYPES, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_types(types: Sequence[str], model: str | Path | None = None) -> None:
    """Known type names; person / location only with a NER run to find them."""
    from vertune.errors import VertuneError

    unknown = [t for t in types if t not in ALL_PII_TYPES]
    if unknown:
        raise VertuneError(
            f"unknown PII type {unknown[0]!r}; known types: {', '.join(ALL_PII_TYPES)}"
            + _did_you_mean(unknown[0])
        )
    needing = [t for t in types if t in MODEL_PII_TYPES]
    if needing and model is None:
        raise VertuneError(
            f"PII type {needing[0]} is found by a trained NER run: give it (data.redact_model: runs/ner-x, "
            "or --model runs/ner-x)"
        )


def parse_types(value: str | Sequence[str] | None, model: str | Path | None = None) -> list[str]:
    """`email,phone` or a list -> checked type names; None or "all" -> every pattern type (and person,
    location with a NER run in `model`)."""
    if value is None or value == "all":
        return list(PII_TYPES if model is None else ALL_PII_TYPES)
    names = [t.strip() for t in (value.split(",") if isinstance(value, str) else value) if t.strip()]
    if not names:
        from vertune.errors import VertuneError

        raise VertuneError(f"no PII type given; choose from {', '.join(ALL_PII_TYPES)}")
    check_types(names, model)
    return names


def redactor_for(data: Any) -> Redactor | None:
    """The recipe's redaction (`data.redact`, `data.redact_model`), or None when it asks for none."""
    types = getattr(data, "redact", None)
    if not types:
        return None
    return Redactor(types, data.redact_phone_region, model=getattr(data, "redact_model", None))


def _texts(inputs: Iterable[Any]) -> Iterable[str]:
    for item in inputs:
        if isinstance(item, str):
            yield item
        elif isinstance(item, tuple):
            yield from (x for x in item if isinstance(x, str))


def redacted_inputs(inputs: Sequence[Any], data: Any) -> Sequence[Any]:
    """Task inputs (texts, text pairs) with `data.redact` applied; the same list when it is off."""
    redactor = redactor_for(data)
    if redactor is None:
        return inputs
    redactor.prefetch(_texts(inputs))
    return [redactor.redact_input(x) for x in inputs]


def output_redactor(data: Any) -> Callable[[Any], Any]:
    """What vertune writes that holds user text (predictions printed or written, rows to label, report
    samples): redacted like the run's inputs when the run was trained with `data.redact`, else unchanged.
    Non-strings pass through."""
    redactor = redactor_for(data)
    if redactor is None:
        return lambda value: value
    found = redactor  # for mypy's narrowing inside the closure

    def redact(value: Any) -> Any:
        return found.redact(value) if isinstance(value, str) else value

    return redact


def redact_columns(frame: Any, columns: Iterable[str], data: Any) -> Any:
    """A pandas frame with `columns` (those present) redacted by the run's `data.redact`; rows are one
    document each (a pair's two texts share the numbering)."""
    redactor = redactor_for(data)
    present = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if redactor is None or not present:
        return frame
    frame = frame.copy()
    redactor.prefetch(str(v) for c in present for v in frame[c] if isinstance(v, str))
    rows = []
    for values in zip(*(frame[c] for c in present), strict=True):
        doc = redactor.document()
        rows.append([doc.redact(v) if isinstance(v, str) else v for v in values])
    for i, column in enumerate(present):
        frame[column] = [row[i] for row in rows]
    return frame


def redact_splits(examples: Iterable[Any], task: str, data: Any) -> Counter[str]:
    """Redact every split's inputs in place (the data stage of a run); returns the counts per type."""
    redactor = redactor_for(data)
    if redactor is None:
        return Counter()
    if task == "ner":
        from vertune.errors import RecipeError

        raise RecipeError(
            "data.redact works on whole texts; for task ner write a redacted copy of the files with "
            "`vertune data redact FILE --output REDACTED` and train on that"
        )
    splits = list(examples)
    redactor.prefetch(_texts(x for split in splits for x in split.inputs))
    for split in splits:
        split.inputs = [redactor.redact_input(x) for x in split.inputs]
    return redactor.counts

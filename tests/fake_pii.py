"""Synthetic personal data in real formats, fake and checksum-valid, inside English and Chinese sentences.

Shared by tests/data/test_pii.py (a small sample) and bench/pii_redaction.py (the big corpus).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
IBAN_BBAN_LENGTHS = {"DE": 18, "GB": 18, "FR": 23, "NL": 14, "ES": 20, "IT": 23, "BE": 12, "CH": 17, "PL": 24}
PHONE_REGIONS = ("GB", "DE", "FR", "US", "JP", "IN", "AU", "BR", "CN", "ES", "IT", "SG")
TEMPLATES = (
    "Please contact me at {} if the dose needs to change.",
    "My details: {}. Thanks for the quick reply!",
    "{} is what the pharmacy has on file",
    "患者信息：{}，请尽快联系。",
    "用户提供了{}作为联系方式",
    "Ref ({}) noted on 2019-05-12, 20 mg twice daily.",
)


def id_card(rng: random.Random) -> str:
    region = f"{rng.randint(11, 65)}{rng.randint(0, 9999):04d}"
    birth = f"{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = region + birth + f"{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def cn_mobile(rng: random.Random) -> str:
    number = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
    style = rng.randrange(4)
    if style == 1:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 2:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return f"+86 {number}" if style == 3 else number


def international_phone(rng: random.Random) -> str:
    while True:
        region = rng.choice(PHONE_REGIONS)
        example = phonenumbers.example_number_for_type(region, rng.choice((0, 1)))  # fixed line / mobile
        if example is None:
            continue
        national = str(example.national_number)
        digits = national[:-4] + f"{rng.randint(0, 9999):04d}"
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            style = rng.choice(
                (phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164)
            )
            return phonenumbers.format_number(number, style)


def phone(rng: random.Random) -> str:
    return cn_mobile(rng) if rng.random() < 0.4 else international_phone(rng)


def luhn_complete(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def bank_card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        (("4", 16), ("5" + str(rng.randint(1, 5)), 16), ("37", 15), ("62", 19), ("62", 16))
    )
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    number = luhn_complete(body)
    if length == 15 and rng.random() < 0.5:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if length == 16 and rng.random() < 0.5:
        sep = rng.choice(" -")
        return sep.join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def email(rng: random.Random) -> str:
    name = rng.choice(("li.wei", "j_smith", "anna-maria", "zhang.san+rx", "o.brien", "user2024"))
    domain = rng.choice(("example.com", "mail.example.cn", "clinic.example.co.uk", "qq.com", "163.com"))
    return f"{name}{rng.randint(1, 999)}@{domain}"


def ip(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    import ipaddress

    return str(ipaddress.IPv6Address(rng.getrandbits(128)))


def url(rng: random.Random) -> str:
    host = rng.choice(("https://www.example.com", "http://clinic.example.org", "www.example.cn"))
    return f"{host}/patients/{rng.randint(1, 99999)}?ref=r{rng.randint(1, 99)}"


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(IBAN_BBAN_LENGTHS))
    bban = "".join(str(rng.randint(0, 9)) for _ in range(IBAN_BBAN_LENGTHS[country]))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    compact = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "email": email,
    "phone": phone,
    "id_card": id_card,
    "bank_card": bank_card,
    "ip": ip,
    "url": url,
    "iban": iban,
}


def corpus(per_type: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(type, value, sentence holding it) rows, `per_type` of each type."""
    rng = random.Random(seed)
    rows = []
    for kind, make in GENERATORS.items():
        for _ in range(per_type):
            value = make(rng)
            rows.append((kind, value, rng.choice(TEMPLATES).format(value)))
    return rows


# Ordinary numbers that must not be taken for personal data.
ORDINARY = (
    "Taken 2019-05-12 and again on 12/05/2019 at 10:30:00.",
    "It cost $1,500.00, or 1,234,567 yuan in all (about 15%).",
    "Dose: 100mg twice daily, 0.5 mg/kg, 2.5ml, 16-24mg oral.",
    "Version 2.3.1 of the app, page 12-15, ISBN 978-3-16-148410-0.",
    "2019年5月12日，服用20毫克，共计1500元。",
    "Scores 7/10, 8.5/10; years 1990-2000; room 305, zip 94103.",
    "Order 20190512123456 shipped; lot 3345-221-09.",
)

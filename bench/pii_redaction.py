"""PII recognisers: recall on a big synthetic corpus, and rows wrongly flagged in the repo's real datasets.

Recall: `--per-type` fake, checksum-valid identifiers of each type (tests/fake_pii.py: Chinese resident IDs,
Chinese mobiles and international numbers of 12 regions, Luhn cards, emails, IPv4 / IPv6, URLs, IBANs of 9
countries) inside English and Chinese sentences; a hit is a match of the right type over exactly the value.
False positives: every row of /work/shared/data/*.csv (reviews with doses, dates and amounts; news; Chinese
titles) and the MSRA CoNLL files scanned for every type except url and email (those are real, public web
addresses in the news; reported apart). One JSON line on stdout.

    .venv/bin/python bench/pii_redaction.py [--data-dir ../shared/data] [--per-type 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fake_pii import corpus
from vertune.data.pii import PII_TYPES, Redactor
from vertune.data.readers import read_table

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")


def recall(per_type: int, phone_region: str | None) -> tuple[dict[str, float], float]:
    redactor = Redactor(phone_region=phone_region)
    hits, totals = Counter(), Counter()
    start = time.perf_counter()
    rows = corpus(per_type, seed=11)
    for kind, value, text in rows:
        totals[kind] += 1
        hits[kind] += any(m.type == kind and text[m.start : m.end] == value for m in redactor.find(text))
    per_text_ms = 1000 * (time.perf_counter() - start) / len(rows)
    return {kind: round(hits[kind] / totals[kind], 4) for kind in PII_TYPES}, per_text_ms


def false_positives(data_dir: Path, phone_region: str | None) -> dict[str, dict[str, object]]:
    redactor = Redactor(phone_region=phone_region)
    results = {}
    for path in sorted([*data_dir.glob("*.csv"), *data_dir.glob("*.conll")]):
        table = read_table(path)
        texts = (
            [" ".join(tokens) if len(tokens[0]) > 1 else "".join(tokens) for tokens in table.column("tokens")]
            if path.suffix == ".conll"
            else [str(t) for t in table.column("text")]
        )
        flagged, web, types = 0, 0, Counter()
        for text in texts:
            found = redactor.find(text)
            kinds = {m.type for m in found} - {"url", "email"}
            flagged += bool(kinds)
            web += any(m.type in ("url", "email") for m in found)
            types.update(m.type for m in found)
        results[path.name] = {
            "rows": len(texts),
            "rows_flagged": flagged,
            "share_flagged": round(flagged / len(texts), 5),
            "rows_with_url_or_email": web,
            "matches_by_type": dict(types),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--per-type", type=int, default=5000)
    parser.add_argument("--phone-region", default="US", help="national-format phones of this region too")
    args = parser.parse_args()
    load = os.getloadavg()
    recalls, per_text_ms = recall(args.per_type, args.phone_region)
    fp = false_positives(args.data_dir, args.phone_region)
    line = {
        "bench": "pii_redaction",
        "date": dt.date.today().isoformat(),
        "load_avg_1m": round(load[0], 2),
        "phone_region": args.phone_region,
        "per_type": args.per_type,
        "recall": recalls,
        "ms_per_text": round(per_text_ms, 3),
        "false_positives": fp,
        "worst_share_flagged": max(v["share_flagged"] for v in fp.values()),
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

"""Blocks to Markdown (images linked by relative path) and to a self-contained HTML page (images embedded
as data URIs, inline CSS, every piece of text escaped). Nothing here knows what a document is about."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

from vertune.evaluate.blocks import Block, Bullets, Code, Heading, Highlighted, Image, Paragraph, Table
from vertune.run import write_text_atomic


def _md(text: str) -> str:
    """Text safe in Markdown: no raw HTML or entities get through."""
    return html.escape(text, quote=False)


def _md_cell(text: str) -> str:
    return _md(text).replace("|", "\\|").replace("\n", " ")


def _md_block(block: Block) -> str:
    match block:
        case Heading(text, level):
            return f"{'#' * level} {_md(text)}"
        case Paragraph(text, highlight):
            return f"**{_md(text)}**" if highlight else _md(text)
        case Table(header, rows):
            rule = "|" + "".join(" ---: |" if side == "r" else " :--- |" for side in block.alignment())
            lines = ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in [header, *rows]]
            return "\n".join([lines[0], rule, *lines[1:]])
        case Image(_, target, caption):
            return f"![{_md(caption)}]({target})"
        case Bullets(items):
            return "\n".join(f"- {_md(item)}" for item in items)
        case Code(text, language):
            return f"```{language}\n{text}\n```"
        case Highlighted(text, spans, caption):
            strongest = sorted(spans, key=lambda s: -abs(s[2]))[:STRONGEST]
            words = ", ".join(f"{text[a:b]} ({w:+.2f})" for a, b, w in strongest)
            lines = [
                f"> {_md(text)}".replace("\n", " "),
                "",
                f"{_md(caption)} strongest tokens: {_md(words)}",
            ]
            return "\n".join(lines)
    raise TypeError(f"unknown block {block!r}")


#: tokens named in the Markdown line under a highlighted text
STRONGEST = 5


def _highlighted_html(text: str, spans: Sequence[tuple[int, int, float]], caption: str) -> str:
    """Escaped text with each weighted span shaded: green pushes toward the prediction, red against it."""
    parts, position = [], 0
    for start, end, weight in sorted((s for s in spans if 0 <= s[0] < s[1] <= len(text)), key=lambda s: s[0]):
        if start < position:
            continue
        parts.append(html.escape(text[position:start]))
        colour = "26,127,55" if weight >= 0 else "207,34,46"
        alpha = min(abs(float(weight)), 1.0) * 0.6
        parts.append(
            f'<span class="attr" style="background: rgba({colour},{alpha:.2f})" title="{float(weight):+.2f}">'
            f"{html.escape(text[start:end])}</span>"
        )
        position = end
    parts.append(html.escape(text[position:]))
    note = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="attributions"><p>{"".join(parts)}</p>{note}</figure>'


def to_markdown(blocks: Sequence[Block]) -> str:
    return "\n\n".join(_md_block(block) for block in blocks) + "\n"


def _html_row(tag: str, cells: Sequence[str], align: str) -> str:
    items = (
        f'<{tag} class="{side}">{html.escape(cell)}</{tag}>' for side, cell in zip(align, cells, strict=True)
    )
    return f"<tr>{''.join(items)}</tr>"


def _html_block(block: Block) -> str:
    e = html.escape
    match block:
        case Heading(text, level):
            return f"<h{level}>{e(text)}</h{level}>"
        case Paragraph(text, highlight):
            return (
                f'<p class="highlight"><strong>{e(text)}</strong></p>' if highlight else f"<p>{e(text)}</p>"
            )
        case Table(header, rows):
            head = _html_row("th", header, block.alignment())
            body = "".join(_html_row("td", row, block.alignment()) for row in rows)
            return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
        case Image(path, _, caption):
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return (
                f'<figure><img src="data:image/png;base64,{data}" alt="{e(caption)}">'
                f"<figcaption>{e(caption)}</figcaption></figure>"
            )
        case Bullets(items):
            return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"
        case Code(text, _):
            return f"<pre><code>{e(text)}</code></pre>"
        case Highlighted(text, spans, caption):
            return _highlighted_html(text, spans, caption)
    raise TypeError(f"unknown block {block!r}")


_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0; }
main { max-width: 980px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #eaeef2; padding-bottom: .2rem; }
.highlight { background: #f6f8fa; border-left: 4px solid #0969da; padding: .6rem .9rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; vertical-align: top; }
th { background: #f6f8fa; }
.l { text-align: left; }
.r { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { color: #57606a; font-size: 13px; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; border-radius: 6px; }
li { overflow-wrap: anywhere; }
.attributions p { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .7rem; }
.attr { border-radius: 3px; }
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    """A standalone HTML page: inline CSS, images as data URIs, no external resources."""
    body = "\n".join(_html_block(block) for block in blocks)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def write_document(markdown: Path, page: Path, blocks: Sequence[Block], title: str) -> dict[str, Path]:
    """Write `blocks` as Markdown to `markdown` and as a self-contained HTML page to `page`, atomically."""
    write_text_atomic(markdown, to_markdown(blocks))
    write_text_atomic(page, to_html(blocks, title))
    return {"markdown": markdown, "html": page}

"""The Highlighted block: attributions as shaded, escaped spans in HTML and the strongest tokens in Markdown."""

from vertune.evaluate.blocks import Highlighted
from vertune.evaluate.render import to_html, to_markdown


def test_highlighted_text_is_escaped_and_shaded_by_sign() -> None:
    text = "<b>rash</b> & fine"
    block = Highlighted(text, [(3, 7, 1.0), (14, 18, -0.5), (50, 60, 0.3)], "predicted bad (0.9), gold good.")
    page = to_html([block], "t")
    assert "<b>" not in page and "&lt;b&gt;" in page and "&amp;" in page
    assert 'rgba(26,127,55,0.60)" title="+1.00">rash</span>' in page  # toward the prediction
    assert 'rgba(207,34,46,0.30)" title="-0.50">fine</span>' in page  # against it
    markdown = to_markdown([block])
    assert "rash (+1.00), fine (-0.50)" in markdown and "&lt;b&gt;" in markdown

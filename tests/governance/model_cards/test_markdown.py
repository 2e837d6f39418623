"""User Markdown is rendered through one sanitised path: nothing executable, styled or remote survives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from governance.model_cards.markdown import ALLOWED_TAGS, render_markdown


class Elements(HTMLParser):
    """Every element and attribute in rendered HTML (text, even if it looks like HTML, is not an element)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def assert_inert(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, tag
        assert tag != "img"
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", name
            if name == "href":
                assert (value or "").split(":", 1)[0].lower() in {"http", "https", "mailto"} or ":" not in (
                    value or ""
                )


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](vbscript:msgbox)",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        "![tracker](https://evil.example/pixel.png)",
        "![inline](data:image/png;base64,iVBORw0KGgo=)",
        '<div style="background:url(https://evil.example)">x</div>',
        "<style>body{display:none}</style>",
        '<a href="https://example.com" onclick="steal()">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<svg><script>alert(1)</script></svg>",
        "<https://example.com/autolink>",
        "[ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_unsafe_markdown_is_neutralised(source):
    html = render_markdown(source)
    assert_inert(html)
    assert "<script" not in html and "<style" not in html and "<iframe" not in html and "<img" not in html


def test_raw_html_is_shown_as_text_not_interpreted():
    assert render_markdown("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_images_become_their_alt_text():
    html = render_markdown("![ROC curve](https://example.com/roc.png)")
    assert html == '<p><span class="md-image">[image: ROC curve]</span></p>\n'


def test_ordinary_markdown_survives_with_safe_links():
    html = render_markdown(
        "# Title\n\n**bold** *em* ~~gone~~ `code`\n\n- a\n- b\n\n| x | y |\n|--:|:-:|\n| 1 | 2 |\n\n"
        "[docs](https://example.com/docs)",
        heading_offset=2,
    )
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<s>gone</s>" in html
    assert '<td class="md-align-right">1</td>' in html and '<td class="md-align-center">2</td>' in html
    assert '<a href="https://example.com/docs" rel="noopener noreferrer nofollow">docs</a>' in html
    assert_inert(html)


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""

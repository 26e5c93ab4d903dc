"""Documents that cost less to lay out and draw (#27 item 2), read from the session's example packets (no render of
their own): no page left half empty by a block kept whole, and the letterhead's mark one image for every page."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.documents.conftest import pdf_pages

MM = 72 / 25.4
#: The footer sits in the bottom margin (20 mm); body text ends above it.
FOOTER_TOP = 25 * MM
#: The largest block kept whole is the signatures section (heading, two signature boxes, the note on times: about
#: 95 mm). A page may end that far above the bottom margin when the block does not fit, and no further.
MOST_LEFT_BLANK = 115 * MM


def lowest_body_text(page) -> float:
    """How far above the bottom edge a page's lowest line of body text (not the footer) sits, in points."""
    heights = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            heights.append(cm[3] * tm[5] + cm[5])

    page.extract_text(visitor_text=visit)
    return min(y for y in heights if y > FOOTER_TOP)


def test_no_page_of_the_consent_is_left_half_empty_by_a_block_kept_whole(packets):
    """Sections 11 to 13 were one block kept whole: when it did not fit, a page went out with only a few lines on it
    and the consent took a page more (the caution example: 6 pages, one of them two-thirds empty; now 5)."""
    for name in ("suitable", "caution", "clearance"):
        pdf = packets[name].document("consent").pdf
        texts = pdf_pages(pdf)
        # the treatment consent's own pages; the photo consent starts on a page of its own, by design
        end = next((i for i, text in enumerate(texts) if "Consent to clinical photographs" in text), len(texts))
        pages = PdfReader(io.BytesIO(pdf)).pages[:end]
        for number, page in enumerate(pages[:-1], 1):
            left = lowest_body_text(page)
            assert left <= MOST_LEFT_BLANK, f"{name}: page {number} ends {left / MM:.0f} mm above the bottom edge"
    assert len(pdf_pages(packets["caution"].document("consent").pdf)) == 5


def images_on(resources, seen: frozenset[int] = frozenset()) -> set[int]:
    """The object numbers of the images a page's resources show, through the form objects that hold them."""
    found: set[int] = set()
    xobjects = resources.get("/XObject") if resources else None
    for ref in (xobjects.get_object().values() if xobjects else ()):
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            found.add(ref.idnum)
        elif obj.get("/Subtype") == "/Form" and ref.idnum not in seen:
            found |= images_on(obj.get("/Resources"), seen | {ref.idnum})
    return found


def test_the_letterhead_mark_is_one_image_drawn_on_every_page(packets):
    """An SVG mark was drawn again, shape by shape, on every page (about 5 % of a packet's function calls); the PNG
    is one image object in the file, shown on each page."""
    for document in packets["suitable"].documents:
        pages = PdfReader(io.BytesIO(document.pdf)).pages
        shown = [images_on(page.get("/Resources")) for page in pages]
        assert len(pages) > 1 and all(len(images) == 1 for images in shown), (document.kind, shown)
        assert len(set().union(*shown)) == 1, (document.kind, shown)

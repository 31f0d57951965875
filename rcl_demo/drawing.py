"""The page the evaluation report is drawn on: its size and colours, fonts and a growing canvas.

Shared by the report's sections (``rcl_demo.report``) and its test-image thumbnails
(``rcl_demo.report_scenes``).
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1200
MARGIN = 40
BACKGROUND = (255, 255, 255)
INK = (34, 34, 34)
MUTED = (110, 110, 110)
GRID = (225, 225, 225)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def load_font(size: int) -> Font:
    """Pillow's default font at ``size`` pixels."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        # Pillow without FreeType only has the small bitmap font.
        return ImageFont.load_default()


def text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> float:
    """How many pixels wide ``text`` is drawn in ``font``."""
    return draw.textlength(text, font=font)


class Canvas:
    """A growing white page: sections draw at ``self.y`` and advance it."""

    def __init__(self, height: int) -> None:
        self.image = Image.new("RGB", (WIDTH, height), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.y = MARGIN

    def text(
        self, x: float, text: str, size: int, fill: tuple[int, int, int] = INK, gap: int = 8
    ) -> None:
        font = load_font(size)
        self.draw.text((x, self.y), text, font=font, fill=fill)
        self.y += int(self.draw.textbbox((0, 0), text or "Ag", font=font)[3]) + gap

"""Write a small synthetic image set for trying the example: two moderation labels and safe
images.

    python make_images.py images    # images/Alcohol/*.png, images/Gambling/*.png, images/safe/

"Alcohol" images show bottle shapes, "Gambling" images show dice, "safe" images show neither;
real adapters need real photos labelled with moderation labels.
"""

import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 96
PER_LABEL = 30


def bottles(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        x, w = rng.randint(5, 60), rng.randint(12, 24)
        top = rng.randint(10, 40)
        color = (rng.randint(20, 120), rng.randint(80, 160), rng.randint(20, 80))
        draw.rectangle([x + w // 3, top - 12, x + 2 * w // 3, top], fill=color)  # neck
        draw.rectangle([x, top, x + w, SIZE - 6], fill=color)  # body


def dice(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 2)):
        x, y, s = rng.randint(5, 45), rng.randint(5, 45), rng.randint(28, 44)
        draw.rectangle([x, y, x + s, y + s], fill=(240, 240, 240), outline=(0, 0, 0), width=2)
        for _ in range(rng.randint(1, 6)):
            px, py = x + rng.randint(6, s - 6), y + rng.randint(6, s - 6)
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=(10, 10, 10))


def nothing(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    for _ in range(rng.randint(2, 5)):
        x, y, r = rng.randint(0, SIZE), rng.randint(0, SIZE), rng.randint(6, 20)
        shade = tuple(rng.randint(60, 220) for _ in range(3))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=shade)


def main(root: Path) -> None:
    rng = random.Random(7)
    for label, paint in (("Alcohol", bottles), ("Gambling", dice), ("safe", nothing)):
        (root / label).mkdir(parents=True, exist_ok=True)
        for index in range(PER_LABEL):
            background = tuple(rng.randint(90, 200) for _ in range(3))
            image = Image.new("RGB", (SIZE, SIZE), background)
            paint(ImageDraw.Draw(image), rng)
            image.save(root / label / f"{index:04d}.png")
    print(f"{root}: 2 labels and safe images, {PER_LABEL} each")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "images"))

"""The campaign poster (layouts/campaign.yaml) as a Pillow service would
draw it, timed per poster in-process like `haibao bench`.

usage: python3 poster.py FORMAT N MODE
  FORMAT  jpeg | png | webp
  MODE    resized: every resized asset cached (background, avatar, code)
          decoded: only decoded assets cached; resizing happens per poster
Prints one JSON line: median_ms, bytes.
"""
import io
import json
import os
import statistics
import sys
import time

from PIL import Image, ImageDraw, ImageFont, ImageOps

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
W, H = 750, 1334


def font(name, size):
    return ImageFont.truetype(os.path.join(ROOT, "fonts", name), size)


FONTS = {
    "kicker": font("NotoSansSC-Regular.otf", 28),
    "headline": font("NotoSansSC-Bold.otf", 96),
    "tagline": font("NotoSansSC-Regular.otf", 34),
    "nickname": font("NotoSansSC-Bold.otf", 34),
    "invite": font("NotoSansSC-Regular.otf", 28),
    "hint": font("NotoSansSC-Regular.otf", 24),
}
BG = Image.open(os.path.join(ROOT, "assets", "bg-dusk.jpg")).convert("RGB")
AVATAR = Image.open(os.path.join(ROOT, "assets", "avatar-sample.jpg")).convert("RGB")
# A 280 px two-tone square stands in for the QR code: haibao draws its code
# from vectors, a Pillow service pastes a cached PNG.
CODE = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
cd = ImageDraw.Draw(CODE)
for i in range(0, 280, 20):
    for j in range(0, 280, 20):
        if (i * 7 + j * 3) % 40 < 20:
            cd.rectangle([i, j, i + 19, j + 19], fill=(0, 0, 0, 255))


def background():
    return ImageOps.fit(BG, (W, H), Image.LANCZOS)


def avatar():
    a = AVATAR.resize((112, 112), Image.LANCZOS)
    mask = Image.new("L", (112 * 4, 112 * 4), 0)
    ImageDraw.Draw(mask).ellipse([0, 0, 112 * 4 - 1, 112 * 4 - 1], fill=255)
    a.putalpha(mask.resize((112, 112), Image.LANCZOS))
    ring = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(ring).ellipse([0, 0, 119, 119], fill=(255, 255, 255, 255))
    ring.alpha_composite(a, (4, 4))
    return ring


CACHE = {}


def cached(name, make):
    if name not in CACHE:
        CACHE[name] = make()
    return CACHE[name]


def render(mode):
    if mode == "resized":
        bg, av = cached("bg", background), cached("avatar", avatar)
    else:
        bg, av = background(), avatar()
    im = bg.convert("RGBA")
    panel = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    ImageDraw.Draw(panel).rounded_rectangle([40, 900, 709, 1293], radius=32, fill=(255, 255, 255, 224))
    im.alpha_composite(panel)
    im.alpha_composite(av, (76, 940))
    d = ImageDraw.Draw(im)
    d.text((64, 120), "N I G H T  R U N  2 0 2 6", font=FONTS["kicker"], fill=(255, 255, 255, 191))
    d.text((64, 170), "城市夜跑节", font=FONTS["headline"], fill=(255, 255, 255, 255))
    d.text((64, 300), "12.20 · 滨江步道 · 5km / 10km", font=FONTS["tagline"], fill=(255, 213, 145, 255))
    d.text((216, 956), "阿杰 Jay", font=FONTS["nickname"], fill=(31, 31, 31, 255))
    d.multiline_text((80, 1084), "我已报名，邀你\n一起夜跑打卡！", font=FONTS["invite"], fill=(67, 67, 67, 255), spacing=14)
    d.text((80, 1226), "长按识别 · 立即报名", font=FONTS["hint"], fill=(140, 140, 140, 255))
    im.alpha_composite(CODE, (398, 956))
    return im


def encode(im, fmt):
    out = io.BytesIO()
    if fmt == "jpeg":
        im.convert("RGB").save(out, "JPEG", quality=90)
    elif fmt == "png":
        im.convert("RGB").save(out, "PNG", compress_level=1)
    else:
        im.convert("RGB").save(out, "WEBP", quality=90)  # Pillow's default method (4)
    return out.getvalue()


def main():
    fmt, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = b""
    for _ in range(3):
        data = encode(render(mode), fmt)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        data = encode(render(mode), fmt)
        times.append((time.perf_counter() - t) * 1000)
    if os.environ.get("POSTER_OUT"):
        with open(os.environ["POSTER_OUT"], "wb") as f:
            f.write(data)
    print(json.dumps({"median_ms": round(statistics.median(times), 2), "bytes": len(data)}))


if __name__ == "__main__":
    main()

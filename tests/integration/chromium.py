"""Render the HTML reports in a real headless Chromium (Debian's `chromium`, installed by `make bootstrap`) and look at
the picture: does the page draw its charts?"""

import os
import shutil
import subprocess


def screenshot(html_path, png_path, width=1280, height=2400):
    """Render ``html_path`` (a local file) to ``png_path`` the way a person's browser shows it; returns ``png_path``."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed: `make bootstrap` installs it as root (apt-get install chromium)"
    argv = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--mute-audio",
            f"--window-size={width},{height}", f"--screenshot={png_path}", "file://" + os.path.abspath(html_path)]
    # Chromium wants a writable home for its profile; a private one keeps runs apart.
    env = dict(os.environ, HOME=os.path.dirname(os.path.abspath(png_path)))
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, check=False)  # noqa: S603
    assert proc.returncode == 0 and os.path.getsize(png_path) > 0, proc.stderr[-2000:]
    return png_path


def pixels_near(png_path, rgb, tolerance=24):
    """How many pixels of the picture are within ``tolerance`` of the colour ``rgb`` on every channel."""
    from PIL import Image, ImageChops

    with Image.open(png_path) as image:
        masks = [channel.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
                 for channel, c in zip(image.convert("RGB").split(), rgb, strict=True)]
        both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
        return both.histogram()[255]


def hex_rgb(color):
    color = color.lstrip("#")
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))

#!/usr/bin/env python3
"""Render a terminal capture with ANSI colours (`tmux capture-pane -e -p`) as a PNG and/or an SVG.

Standard library only. The PNG is drawn with the system's cairo (libcairo.so.2, through ctypes),
the text in DejaVu Sans Mono; box-drawing lines (─│┌┐└┘├┤┬┴┼ and their heavy/double forms) are drawn
as rectangles so that they join across cells the way a terminal draws them. Glyphs the font lacks
are looked up with fc-match (and FreeType, through ctypes) and drawn in a font that has them.

    scripts/ansi-to-png.py CAPTURE.ansi OUT.png [--svg OUT.svg] [--cols 160] [--rows 45]

SGR handled: 0 reset, 1 bold, 2 dim, 3 italic, 4 underline, 7 reverse, 9 strike, 22 23 24 27 29,
30-37 90-97 38;5;N 38;2;R;G;B 39, 40-47 100-107 48;5;N 48;2;R;G;B 49 (also the `:` forms).
Every other escape sequence is dropped.
"""

import argparse
import ctypes
import ctypes.util
import re
import subprocess
import sys
import unicodedata

FONT = "DejaVu Sans Mono"
FONT_SIZE = 14.0  # px
CELL_W = 8.43  # px: DejaVu Sans Mono advances 1233/2048 em
CELL_H = 17.0  # px
PAD = 10  # px around the grid
BG = (0x1E, 0x1E, 0x1E)
FG = (0xD4, 0xD4, 0xD4)

# Colours 0-15: a dark-theme palette (VS Code's terminal) that reads well on BG; 16-255: xterm's.
BASE16 = [
    "000000", "cd3131", "0dbc79", "e5e510", "2472c8", "bc3fbc", "11a8cd", "e5e5e5",
    "767676", "f14c4c", "23d18b", "f5f543", "3b8eea", "d670d6", "29b8db", "ffffff",
]


def palette():
    pal = [tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h in BASE16]
    steps = [0, 95, 135, 175, 215, 255]
    for r in steps:
        for g in steps:
            for b in steps:
                pal.append((r, g, b))
    for i in range(24):
        v = 8 + 10 * i
        pal.append((v, v, v))
    return pal


PALETTE = palette()


class Attr:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse", "strike")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None  # None: default
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = self.strike = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse, self.strike)


def extended_colour(params, i):
    """Parse 38/48 arguments starting at params[i] (the 5 or 2). Returns (colour, next index)."""
    if i < len(params) and params[i] == 5 and i + 1 < len(params):
        n = params[i + 1]
        return (PALETTE[n] if 0 <= n < 256 else None), i + 2
    if i < len(params) and params[i] == 2 and i + 3 < len(params):
        return tuple(max(0, min(255, v)) for v in params[i + 1:i + 4]), i + 4
    return None, len(params)


def apply_sgr(attr, text):
    # `38:5:N` and `38:2::R:G:B` (colon forms) are read like their `;` forms.
    text = text.replace("::", ":")
    params = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", text)] if text else [0]
    i = 0
    while i < len(params):
        p = params[i]
        i += 1
        if p == 0:
            attr.reset()
        elif p == 1:
            attr.bold = True
        elif p == 2:
            attr.dim = True
        elif p == 3:
            attr.italic = True
        elif p == 4:
            attr.underline = True
        elif p == 7:
            attr.reverse = True
        elif p == 9:
            attr.strike = True
        elif p == 22:
            attr.bold = attr.dim = False
        elif p == 23:
            attr.italic = False
        elif p == 24:
            attr.underline = False
        elif p == 27:
            attr.reverse = False
        elif p == 29:
            attr.strike = False
        elif 30 <= p <= 37:
            attr.fg = PALETTE[p - 30]
        elif 90 <= p <= 97:
            attr.fg = PALETTE[p - 90 + 8]
        elif p == 39:
            attr.fg = None
        elif 40 <= p <= 47:
            attr.bg = PALETTE[p - 40]
        elif 100 <= p <= 107:
            attr.bg = PALETTE[p - 100 + 8]
        elif p == 49:
            attr.bg = None
        elif p in (38, 48):
            colour, i = extended_colour(params, i)
            if p == 38:
                attr.fg = colour
            else:
                attr.bg = colour


ESCAPE = re.compile(
    r"\x1b\[([0-9;:?<=>]*)([ -/]*)([@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (hyperlinks, titles)
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]"  # two-character escapes
    r"|\x1b"
)


def char_width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text, cols, rows):
    """Returns rows × cols cells of (char, Attr key); a wide char's second cell holds ''."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if rows is None:
        rows = len(lines)
    attr = Attr()
    grid = []
    plain_widths = []
    for line in lines[:rows]:
        row = []
        pos = 0
        for m in ESCAPE.finditer(line):
            row.extend(cells(line[pos:m.start()], attr))
            if m.group(3) == "m" and not m.group(2) and not (m.group(1) or "").startswith(("?", "<", "=", ">")):
                apply_sgr(attr, m.group(1) or "")
            pos = m.end()
        row.extend(cells(line[pos:], attr))
        grid.append(row)
        plain_widths.append(len(row))
    if cols is None:
        cols = max(plain_widths, default=0)
    blank = (" ", Attr().key())
    out = []
    for row in grid:
        row = row[:cols]
        row.extend([blank] * (cols - len(row)))
        out.append(row)
    while len(out) < rows:
        out.append([blank] * cols)
    return out, cols, rows


def cells(s, attr):
    out = []
    key = attr.key()
    for ch in s:
        if ch == "\t":
            out.extend([(" ", key)] * (8 - len(out) % 8))
            continue
        if ch < " " or ch == "\x7f":
            continue
        w = char_width(ch)
        if w == 0:
            if out:
                c, k = out[-1]
                out[-1] = (c + ch, k)
            continue
        out.append((ch, key))
        if w == 2:
            out.append(("", key))
    return out


def resolve(key):
    """(fg, bg, bold, italic, underline, strike) colours for a cell's attributes."""
    fg, bg, bold, dim, italic, underline, reverse, strike = key
    fg = fg or FG
    bg = bg or BG
    if reverse:
        fg, bg = bg, fg
    if dim:
        fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
    return fg, bg, bold, italic, underline, strike


def hexc(c):
    return "#%02x%02x%02x" % c


# ---------------------------------------------------------------------------------------------
# Box drawing: the arms (up, right, down, left) of each light box character. These are drawn as
# rectangles so that they join across cells; heavy and double lines are left to the font.
BOX = {
    "─": (0, 1, 0, 1), "│": (1, 0, 1, 0),
    "┌": (0, 1, 1, 0), "┐": (0, 0, 1, 1), "└": (1, 1, 0, 0), "┘": (1, 0, 0, 1),
    "├": (1, 1, 1, 0), "┤": (1, 0, 1, 1), "┬": (0, 1, 1, 1), "┴": (1, 1, 0, 1), "┼": (1, 1, 1, 1),
    "╴": (0, 0, 0, 1), "╵": (1, 0, 0, 0), "╶": (0, 1, 0, 0), "╷": (0, 0, 1, 0),
}
# Rounded corners draw as square ones.
BOX.update({"╭": BOX["┌"], "╮": BOX["┐"], "╰": BOX["└"], "╯": BOX["┘"]})


def box_rects(ch, x, y, w, h):
    """Rectangles (x, y, w, h) that draw box character ch in the cell at x, y."""
    arms = BOX[ch]
    t = max(1.0, round(h / 16.0))  # light stroke
    cx = round(x + w / 2 - t / 2)
    cy = round(y + h / 2 - t / 2)
    x0, x1 = round(x), round(x + w)
    y0, y1 = round(y), round(y + h)
    rects = []
    up, right, down, left = arms
    if up:
        rects.append((cx, y0, t, cy + t - y0))
    if down:
        rects.append((cx, cy, t, y1 - cy))
    if left:
        rects.append((x0, cy, cx + t - x0, t))
    if right:
        rects.append((cx, cy, x1 - cx, t))
    return rects


# ---------------------------------------------------------------------------------------------
# SVG

def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_svg(grid, cols, rows, path):
    width = round(2 * PAD + cols * CELL_W)
    height = round(2 * PAD + rows * CELL_H)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="100%" height="100%" fill="{hexc(BG)}"/>',
        f'<g font-family="{FONT}, monospace" font-size="{FONT_SIZE}px" xml:space="preserve">',
    ]
    baseline = CELL_H * 0.75
    for r, row in enumerate(grid):
        y = PAD + r * CELL_H
        # backgrounds, merged into runs
        c = 0
        while c < cols:
            bg = resolve(row[c][1])[1]
            start = c
            while c < cols and resolve(row[c][1])[1] == bg:
                c += 1
            if bg != BG:
                out.append(f'<rect x="{PAD + start * CELL_W:.2f}" y="{y:.2f}" '
                           f'width="{(c - start) * CELL_W:.2f}" height="{CELL_H:.2f}" fill="{hexc(bg)}"/>')
        for c, (ch, key) in enumerate(row):
            if not ch or ch == " ":
                continue
            fg, _, bold, italic, underline, strike = resolve(key)
            x = PAD + c * CELL_W
            if ch in BOX:
                for rx, ry, rw, rh in box_rects(ch, x, y, CELL_W, CELL_H):
                    out.append(f'<rect x="{rx:.2f}" y="{ry:.2f}" width="{rw:.2f}" height="{rh:.2f}" '
                               f'fill="{hexc(fg)}"/>')
                continue
            style = ""
            if bold:
                style += ' font-weight="bold"'
            if italic:
                style += ' font-style="italic"'
            deco = [d for d, on in (("underline", underline), ("line-through", strike)) if on]
            if deco:
                style += f' text-decoration="{" ".join(deco)}"'
            out.append(f'<text x="{x:.2f}" y="{y + baseline:.2f}" fill="{hexc(fg)}"{style}>'
                       f'{xml_escape(ch)}</text>')
    out.append("</g></svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------
# PNG through cairo

class Glyphs:
    """Which font family draws a character: FONT when it has the glyph, else what fc-match finds."""

    def __init__(self):
        self.cache = {}
        self.ft = None
        self.faces = {}
        try:
            self.ft = ctypes.CDLL(ctypes.util.find_library("freetype") or "libfreetype.so.6")
            self.lib = ctypes.c_void_p()
            if self.ft.FT_Init_FreeType(ctypes.byref(self.lib)) != 0:
                self.ft = None
        except OSError:
            self.ft = None

    def face(self, family):
        if family not in self.faces:
            face = None
            try:
                path = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True,
                                      text=True, check=True).stdout
                f = ctypes.c_void_p()
                if self.ft.FT_New_Face(self.lib, path.encode(), 0, ctypes.byref(f)) == 0:
                    face = f
            except (OSError, subprocess.CalledProcessError):
                pass
            self.faces[family] = face
        return self.faces[family]

    def has(self, family, ch):
        face = self.face(family)
        return face is None or self.ft.FT_Get_Char_Index(face, ord(ch[0])) != 0

    def family(self, ch):
        if ch.isascii() or self.ft is None:
            return FONT
        if ch not in self.cache:
            fam = FONT
            if not self.has(FONT, ch):
                try:
                    fam = subprocess.run(["fc-match", "-f", "%{family[0]}", f":charset={ord(ch[0]):x}"],
                                         capture_output=True, text=True, check=True).stdout or FONT
                except (OSError, subprocess.CalledProcessError):
                    fam = FONT
                if fam != FONT and not self.has(fam, ch):
                    fam = FONT
                print(f"ansi-to-png: {ch!r} U+{ord(ch[0]):04X} is not in {FONT}; drawn with {fam}",
                      file=sys.stderr)
            self.cache[ch] = fam
        return self.cache[ch]


def load_cairo():
    name = ctypes.util.find_library("cairo") or "libcairo.so.2"
    c = ctypes.CDLL(name)
    vp, d, i, cp = ctypes.c_void_p, ctypes.c_double, ctypes.c_int, ctypes.c_char_p
    sig = {
        "cairo_image_surface_create": (vp, [i, i, i]),
        "cairo_create": (vp, [vp]),
        "cairo_set_source_rgb": (None, [vp, d, d, d]),
        "cairo_rectangle": (None, [vp, d, d, d, d]),
        "cairo_fill": (None, [vp]),
        "cairo_select_font_face": (None, [vp, cp, i, i]),
        "cairo_set_font_size": (None, [vp, d]),
        "cairo_move_to": (None, [vp, d, d]),
        "cairo_show_text": (None, [vp, cp]),
        "cairo_font_options_create": (vp, []),
        "cairo_font_options_set_antialias": (None, [vp, i]),
        "cairo_font_options_set_hint_style": (None, [vp, i]),
        "cairo_font_options_set_hint_metrics": (None, [vp, i]),
        "cairo_set_font_options": (None, [vp, vp]),
        "cairo_scale": (None, [vp, d, d]),
        "cairo_surface_write_to_png": (i, [vp, cp]),
        "cairo_status": (i, [vp]),
        "cairo_destroy": (None, [vp]),
        "cairo_surface_destroy": (None, [vp]),
    }
    for fn, (res, args) in sig.items():
        f = getattr(c, fn)
        f.restype = res
        f.argtypes = args
    return c


def write_png(grid, cols, rows, path, scale):
    cairo = load_cairo()
    glyphs = Glyphs()
    width = round((2 * PAD + cols * CELL_W) * scale)
    height = round((2 * PAD + rows * CELL_H) * scale)
    surface = cairo.cairo_image_surface_create(1, width, height)  # CAIRO_FORMAT_RGB24
    cr = cairo.cairo_create(surface)
    cairo.cairo_scale(cr, scale, scale)
    opts = cairo.cairo_font_options_create()
    cairo.cairo_font_options_set_antialias(opts, 2)  # CAIRO_ANTIALIAS_GRAY
    cairo.cairo_font_options_set_hint_style(opts, 2)  # CAIRO_HINT_STYLE_SLIGHT
    cairo.cairo_font_options_set_hint_metrics(opts, 1)  # CAIRO_HINT_METRICS_OFF
    cairo.cairo_set_font_options(cr, opts)

    def fill(rgb, x, y, w, h):
        cairo.cairo_set_source_rgb(cr, rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)
        cairo.cairo_rectangle(cr, x, y, w, h)
        cairo.cairo_fill(cr)

    fill(BG, 0, 0, width / scale, height / scale)
    baseline = round(CELL_H * 0.76)
    current_font = None
    for r, row in enumerate(grid):
        y = PAD + r * CELL_H
        c = 0
        while c < cols:  # backgrounds, merged into runs so that no seams show between cells
            bg = resolve(row[c][1])[1]
            start = c
            while c < cols and resolve(row[c][1])[1] == bg:
                c += 1
            if bg != BG:
                x0 = PAD + start * CELL_W
                fill(bg, x0, y, (c - start) * CELL_W, CELL_H)
        for c, (ch, key) in enumerate(row):
            if not ch:
                continue
            fg, _, bold, italic, underline, strike = resolve(key)
            x = PAD + c * CELL_W
            wide = c + 1 < cols and row[c + 1][0] == ""
            cw = CELL_W * (2 if wide else 1)
            if underline:
                fill(fg, x, y + CELL_H - 2, cw, 1)
            if strike:
                fill(fg, x, y + CELL_H / 2, cw, 1)
            if ch == " ":
                continue
            if ch in BOX:
                for rect in box_rects(ch, x, y, CELL_W, CELL_H):
                    fill(fg, *rect)
                continue
            font = (glyphs.family(ch), 1 if italic else 0, 1 if bold else 0)
            if font != current_font:
                cairo.cairo_select_font_face(cr, font[0].encode(), font[1], font[2])
                cairo.cairo_set_font_size(cr, FONT_SIZE)
                current_font = font
            cairo.cairo_set_source_rgb(cr, fg[0] / 255, fg[1] / 255, fg[2] / 255)
            cairo.cairo_move_to(cr, x, y + baseline)
            cairo.cairo_show_text(cr, ch.encode("utf-8"))
    status = cairo.cairo_status(cr)
    if status != 0:
        sys.exit(f"ansi-to-png: cairo status {status}")
    if cairo.cairo_surface_write_to_png(surface, path.encode()) != 0:
        sys.exit(f"ansi-to-png: cannot write {path}")
    cairo.cairo_destroy(cr)
    cairo.cairo_surface_destroy(surface)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture", help="output of `tmux capture-pane -e -p` (`-` for standard input)")
    ap.add_argument("png", nargs="?", help="PNG to write")
    ap.add_argument("--svg", help="also write an SVG")
    ap.add_argument("--cols", type=int, help="grid width (default: the widest line)")
    ap.add_argument("--rows", type=int, help="grid height (default: the number of lines)")
    ap.add_argument("--scale", type=float, default=1.0, help="PNG pixel scale (2 for high-DPI)")
    a = ap.parse_args()
    if not a.png and not a.svg:
        ap.error("nothing to write: give a PNG path and/or --svg")
    if a.capture == "-":
        text = sys.stdin.buffer.read().decode("utf-8", "replace")
    else:
        with open(a.capture, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    grid, cols, rows = parse(text, a.cols, a.rows)
    if a.svg:
        write_svg(grid, cols, rows, a.svg)
    if a.png:
        try:
            write_png(grid, cols, rows, a.png, a.scale)
        except OSError as e:
            sys.exit(f"ansi-to-png: cairo is not available ({e}); write an SVG with --svg and convert it "
                     "with rsvg-convert or ImageMagick")


if __name__ == "__main__":
    main()

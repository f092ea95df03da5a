#!/bin/sh
# Rebuilds assets/fonts/NotoSansCJKsc-subset.otf, the font of Chinese plot text: Noto Sans CJK SC
# (SIL OFL 1.1, Debian package fonts-noto-cjk) cut down to printable ASCII, Latin-1 and every
# non-ASCII character in src/. Run it after adding Chinese text to src/ (the test
# `report::font::tests::the_cjk_font_covers_every_chinese_text` says when). Needs pyftsubset
# (`pip install fonttools`).
set -eu
cd "$(dirname "$0")/.."
src=${NOTO_CJK:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
find src -name '*.rs' -print0 | xargs -0 cat | python3 -c '
import sys
text = sys.stdin.read()
keep = {chr(c) for c in range(0x20, 0x7f)} | {chr(c) for c in range(0xa0, 0x100)}
keep |= {c for c in text if ord(c) > 0x7f}
sys.stdout.write("".join(sorted(keep)))' > "$chars"
subset="pyftsubset"
command -v pyftsubset >/dev/null 2>&1 || subset="python3 -m fontTools.subset"
$subset "$src" --font-number=2 --text-file="$chars" --layout-features='' --no-hinting \
    --desubroutinize --name-IDs='*' --output-file=assets/fonts/NotoSansCJKsc-subset.otf
ls -l assets/fonts/NotoSansCJKsc-subset.otf

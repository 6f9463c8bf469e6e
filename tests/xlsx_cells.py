#!/usr/bin/env python3
"""xlsx_cells.py - dump a workbook as text lines, for tests/test_xlsx.c.

usage: xlsx_cells.py FILE.xlsx          every cell and the sheets' set-up (openpyxl)
       xlsx_cells.py --meta FILE.xlsx   sheet names, tables, charts, and each sheet's
                                        XML parsed (zipfile and expat; fast for
                                        100,000-row workbooks)

Lines (one fact each, so a C test can look for a line or a prefix):

  sheets=Name1|Name2|...                  tab order
  Sheet!A1=T|FORMAT|LEN|VALUE             a cell: T is s (string), n (number),
                                          d (datetime), f (formula), b (bool);
                                          FORMAT its number format; LEN the length
                                          in characters of a string (else 0);
                                          VALUE with \\ \\n \\r \\t escaped, a date
                                          as yyyy-mm-ddThh:mm:ss, a number as repr
  table Sheet!Name=A4:E7 autofilter=1     an Excel table and its range
  freeze Sheet=A5                         frozen panes (top-left free cell)
  page Sheet orientation=landscape fit_width=1 fit_height=0
  header Sheet=TEXT / footer Sheet=TEXT   left/center/right parts joined by |
  italic Sheet!B15 color=FF2F5597         after a cell's line when its font is italic
                                          (values from the run history), with its colour
  cf Sheet!F7:F9=N                        N conditional format rules on a range
  cfrule Sheet!C9:E11 TYPE FORMULA        each rule: cellIs "Met", expression F9="Met"
  cols Sheet!J:V hidden=1 level=1         columns hidden or in an outline group
  prop NAME=VALUE                         document properties
  charts=N                                chart parts in the package
  chart N type=barChart dir=bar points=P cat=REF val=REF
                                          each chart: its kind, the points coloured
                                          one by one, its categories and values
  sheetxml xl/worksheets/sheet4.xml dimension=A1:E7 rows=7 cells=23
                                          (--meta) a worksheet part: well-formed, its
                                          <dimension>, its <row> and <c> elements
  cellkinds xl/worksheets/sheet4.xml shared=S inline=I spans=R
                                          (--meta) its cells with a shared string
                                          (t="s"), with inline text, its rows with spans
  sst count=N unique=U refs=R             (--meta) the shared strings' count and
                                          uniqueCount, and the t="s" cells of all sheets
  badcrc NAME                             (--meta) a part whose CRC is wrong
"""
import re
import sys
import zipfile


def esc(text):
    return (text.replace("\\", "\\\\").replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def cell_line(ws, c):
    import datetime
    v = c.value
    if v is None:
        return None
    if isinstance(v, bool):
        t, out = "b", str(v)
    elif isinstance(v, (int, float)):
        t, out = "n", repr(float(v))
    elif isinstance(v, datetime.datetime):
        t, out = "d", v.strftime("%Y-%m-%dT%H:%M:%S")
    elif isinstance(v, datetime.date):
        t, out = "d", v.strftime("%Y-%m-%dT00:00:00")
    elif c.data_type == "f":
        t, out = "f", str(v)
    else:
        t, out = "s", str(v)
    length = len(v) if t == "s" else 0
    return "%s!%s=%s|%s|%d|%s" % (ws.title, c.coordinate, t, c.number_format, length, esc(out))


def part_text(part):
    if part is None:
        return ""
    return "|".join(esc(p.text or "") for p in (part.left, part.center, part.right))


def italic_line(ws, c):
    """'italic Sheet!B15 color=FF2F5597' for a cell with a value in italics."""
    font = c.font
    if c.value is None or font is None or not font.i:
        return None
    rgb = font.color.rgb if font.color is not None else None
    return "italic %s!%s color=%s" % (ws.title, c.coordinate, rgb if isinstance(rgb, str) else "-")


def dump_sheet(ws):
    for row in ws.iter_rows():
        for c in row:
            line = cell_line(ws, c)
            if line:
                print(line)
                italic = italic_line(ws, c)
                if italic:
                    print(italic)
    for name in sorted(ws.tables.keys()):
        table = ws.tables[name]
        auto = 1 if table.autoFilter is not None else 0
        print("table %s!%s=%s autofilter=%d" % (ws.title, name, table.ref, auto))
    if ws.freeze_panes:
        print("freeze %s=%s" % (ws.title, ws.freeze_panes))
    ps = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr
    print("page %s orientation=%s fit=%s fit_width=%s fit_height=%s" % (
        ws.title, ps.orientation, fit.fitToPage if fit else None, ps.fitToWidth, ps.fitToHeight))
    print("header %s=%s" % (ws.title, part_text(ws.oddHeader)))
    print("footer %s=%s" % (ws.title, part_text(ws.oddFooter)))
    for rng in ws.conditional_formatting:
        print("cf %s!%s=%d" % (ws.title, rng.sqref, len(rng.rules)))
        for rule in rng.rules:
            print("cfrule %s!%s %s %s" % (ws.title, rng.sqref, rule.type,
                                          esc("|".join(rule.formula or []))))
    from openpyxl.utils import get_column_letter
    for key in sorted(ws.column_dimensions.keys(), key=lambda k: ws.column_dimensions[k].min or 0):
        dim = ws.column_dimensions[key]
        if dim.hidden or dim.outlineLevel or dim.collapsed:
            print("cols %s!%s:%s hidden=%d level=%d collapsed=%d" % (
                ws.title, get_column_letter(dim.min), get_column_letter(dim.max),
                1 if dim.hidden else 0, dim.outlineLevel or 0, 1 if dim.collapsed else 0))


def dump_props(wb):
    p = wb.properties
    for name in ("title", "subject", "creator", "keywords", "description", "created"):
        value = getattr(p, name)
        if hasattr(value, "strftime"):
            value = value.strftime("%Y-%m-%dT%H:%M:%S")
        print("prop %s=%s" % (name, esc(str(value))))


def count_charts(path):
    with zipfile.ZipFile(path) as z:
        return sum(1 for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n))


def dump_charts(path):
    """A line per chart: kind, direction, coloured points, ranges."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]
        for n in sorted(names, key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1))):
            x = z.read(n).decode("utf-8")
            kind = re.search(r"<c:(\w+Chart)>", x)
            bar_dir = re.search(r'<c:barDir val="(\w+)"/>', x)
            cat = re.search(r"<c:cat>.*?<c:f>(.*?)</c:f>", x)
            val = re.search(r"<c:val>.*?<c:f>(.*?)</c:f>", x)
            print("chart %s type=%s dir=%s points=%d cat=%s val=%s" % (
                re.search(r"(\d+)\.xml$", n).group(1), kind.group(1) if kind else "",
                bar_dir.group(1) if bar_dir else "", x.count("<c:dPt>"),
                cat.group(1).replace("&apos;", "'") if cat else "",
                val.group(1).replace("&apos;", "'") if val else ""))


def sheet_xml(z, name):
    """A worksheet part parsed with expat (so it must be well-formed XML):
    its <dimension> and the <row> and <c> elements it holds."""
    import xml.parsers.expat
    counts = {"row": 0, "c": 0, "dimension": "", "s": 0, "inlineStr": 0, "spans": 0}

    def start(tag, attrs):
        if tag in ("row", "c"):
            counts[tag] += 1
        if tag == "c" and attrs.get("t") in ("s", "inlineStr"):
            counts[attrs["t"]] += 1
        elif tag == "row" and "spans" in attrs:
            counts["spans"] += 1
        elif tag == "dimension":
            counts["dimension"] = attrs.get("ref", "")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    with z.open(name) as f:
        parser.ParseFile(f)
    return ("sheetxml %s dimension=%s rows=%d cells=%d" % (
        name, counts["dimension"], counts["row"], counts["c"]),
        "cellkinds %s shared=%d inline=%d spans=%d" % (
            name, counts["s"], counts["inlineStr"], counts["spans"]), counts["s"])


def dump_meta(path):
    """Sheet names, tables and charts straight from the package XML, and
    each worksheet part checked well-formed with its rows and cells counted."""
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            print("badcrc %s" % bad)
        wb = z.read("xl/workbook.xml").decode("utf-8")
        names = re.findall(r'<sheet name="([^"]*)"', wb)
        print("sheets=" + "|".join(n.replace("&amp;", "&") for n in names))
        for n in sorted(z.namelist()):
            if re.match(r"xl/tables/table\d+\.xml$", n):
                x = z.read(n).decode("utf-8")
                name = re.search(r' name="([^"]*)"', x).group(1)
                ref = re.search(r' ref="([^"]*)"', x).group(1)
                print("table %s=%s autofilter=%d" % (name, ref, "<autoFilter" in x))
        refs = 0
        for n in sorted(z.namelist()):
            if re.match(r"xl/worksheets/sheet\d+\.xml$", n):
                line, kinds, shared = sheet_xml(z, n)
                print(line)
                print(kinds)
                refs += shared
        if "xl/sharedStrings.xml" in z.namelist():
            head = z.read("xl/sharedStrings.xml")[:400].decode("utf-8", "replace")
            count = re.search(r' count="(\d+)"', head)
            unique = re.search(r' uniqueCount="(\d+)"', head)
            print("sst count=%s unique=%s refs=%d" % (
                count.group(1) if count else "?", unique.group(1) if unique else "?", refs))
    print("charts=%d" % count_charts(path))
    dump_charts(path)


def main(argv):
    if len(argv) == 3 and argv[1] == "--meta":
        dump_meta(argv[2])
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 64
    import openpyxl
    wb = openpyxl.load_workbook(argv[1])
    print("sheets=" + "|".join(wb.sheetnames))
    for ws in wb.worksheets:
        dump_sheet(ws)
    dump_props(wb)
    print("charts=%d" % count_charts(argv[1]))
    dump_charts(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

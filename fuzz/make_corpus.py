#!/usr/bin/env python3
"""Regenerate the seed corpora of the fuzz harnesses (fuzz/corpus/<harness>/)
from the sample exports in samples/ and hand-written edge cases.

    python3 fuzz/make_corpus.py          # from the repository root

Deterministic: the same samples give the same files.  Each seed of
fuzz_ingest starts with the two configuration bytes described in
fuzz/fuzz_ingest.c; each seed of fuzz_date with its four prefix bytes.
"""
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")

# ---------------------------------------------------------------- fuzz_ingest

ENC = {"auto": 0, "utf-8": 1, "windows-1252": 2, "utf-16": 3,
       # the second list, selected by bit 3 of byte 1
       "iso-8859-1": 0 | 0x100, "utf-16le": 1 | 0x100, "utf-16be": 2 | 0x100, "iso-8859-15": 3 | 0x100}
DELIM = {"auto": 0, ";": 1, ",": 2, "\t": 3}
HEADER = {1: 0, 2: 1, 3: 2, 0: 3}
DATES = {"yyyy-mm-dd": 0, "dd.mm.yyyy": 1, "d.m.yyyy": 2, "dd/mm/yyyy": 3}
DATE_OVERRIDE = {None: 0, "excel": 1, "yyyymmdd": 2, "m/d/yyyy": 3}
COLUMNS = {"canonical": 0, "arvika": 1, "nordland": 2, "troms": 3}
DATASET = {"deviations": 0, "inquiries": 2, "reviews": 3}


def config(enc="auto", delim="auto", header=1, dates="yyyy-mm-dd", columns="canonical",
           maps=False, date_override=None, dataset="deviations"):
    e = ENC[enc]
    c0 = (e & 3) | DELIM[delim] << 2 | HEADER[header] << 4 | DATES[dates] << 6
    c1 = (COLUMNS[columns] | (4 if maps else 0) | (8 if e & 0x100 else 0)
          | DATE_OVERRIDE[date_override] << 4 | DATASET[dataset] << 6)
    return bytes([c0, c1])


def sample(path):
    with open(os.path.join(ROOT, "samples", path), "rb") as f:
        return f.read()


def lines(data, first, last):
    """Physical lines first..last (1-based, inclusive), terminators kept."""
    return b"".join(data.splitlines(keepends=True)[first - 1:last])


CANON_DEV = "id;unit;reported;due;closed;category;severity;root_cause;gender;age_group;area"


def ingest_seeds():
    s = {}
    arvika = sample("arvika/avvikelser.csv")
    s["arvika_cp1252_semicolon"] = config("windows-1252", ";", 1, "yyyy-mm-dd", "arvika") + lines(arvika, 1, 30)
    s["arvika_detected"] = config(columns="arvika", maps=True) + lines(arvika, 1, 12)
    s["arvika_as_latin1"] = config("iso-8859-1", ";", columns="arvika") + lines(arvika, 1, 8)

    nordland = sample("nordland/avvik.csv")
    s["nordland_cp1252_ddmmyyyy"] = config("windows-1252", ";", 1, "dd.mm.yyyy", "nordland", maps=True) + lines(nordland, 1, 30)
    s["nordland_as_utf8"] = config("utf-8", ";", 1, "dd.mm.yyyy", "nordland") + lines(nordland, 1, 6)

    troms = sample("troms/avvik.csv")
    s["troms_title_rows_header3"] = config("utf-8", ",", 3, "dd.mm.yyyy", "troms") + lines(troms, 1, 25)
    s["troms_quoted_newline"] = config("auto", "auto", 3, "dd.mm.yyyy", "troms") + lines(troms, 1, 3) + lines(troms, 1083, 1090)

    # Other samples with the canonical header.
    norr = sample("norrtalje/avvikelser.csv").decode("utf-8-sig")
    body = "".join(norr.splitlines(keepends=True)[1:25])
    hdr = "id;title;unit;category;reported;due;closed;gender;description\r\n"
    s["norrtalje_bom_crlf"] = config() + ("\ufeff" + hdr + body).encode("utf-8")
    hudd = sample("huddinge/avvikelser.csv").decode("utf-8")
    hbody = hudd.splitlines(keepends=True)[1:20]
    hhdr = "id,title,unit,category,severity,reported,due,closed,gender,age_group,area\n"
    s["huddinge_comma"] = config("utf-8", ",") + (hhdr + "".join(hbody)).encode("utf-8")
    tab = (hhdr + "".join(hbody)).replace(",", "\t").replace("\n", "\r\n")
    s["utf16le_bom_tab"] = config("utf-16", "\t") + b"\xff\xfe" + tab.encode("utf-16-le")
    s["utf16le_bom_detected"] = config() + b"\xff\xfe" + "".join(tab.splitlines(keepends=True)[:6]).encode("utf-16-le")
    s["utf16be_bom"] = config("utf-16be", "\t") + b"\xfe\xff" + "".join(tab.splitlines(keepends=True)[:6]).encode("utf-16-be")
    s["utf16le_no_bom"] = config("auto") + "".join(tab.splitlines(keepends=True)[:6]).encode("utf-16-le")
    s["utf16_odd_length"] = config("utf-16") + b"\xff\xfe" + "".join(tab.splitlines(keepends=True)[:3]).encode("utf-16-le") + b"\x41"
    s["utf16_lone_surrogate"] = config("utf-16") + b"\xff\xfe" + "id\tunit\treported\r\n1\t".encode("utf-16-le") + b"\x00\xd8" + "\t2024-01-01\r\n".encode("utf-16-le")

    # Date-times (inquiries) and integers without a key (reviews).
    arenden = sample("norrtalje/arenden.csv").decode("utf-8").splitlines(keepends=True)
    s["inquiries_datetimes"] = config("utf-8", ",", dataset="inquiries") + (
        "id,unit,channel,subject,received,answered,gender\n" + "".join(arenden[1:20])
        + "KC-X,Kundcenter,Telefon,x,2024-01-01T23:59:59.5,2024-01-02 24:00,K\n").encode("utf-8")
    lg = sample("troms/ledelsens_gjennomgang.csv").decode("utf-8").splitlines(keepends=True)
    s["reviews_integers"] = config("utf-8", ";", dates="dd.mm.yyyy", dataset="reviews") + (
        "unit;date;level;improvement_goals;internal_audit;clerk\n" + "".join(lg[1:15])
        + "Enhet;01.01.2024;x;-9223372036854775808;;\nEnhet;01.01.2024;x;99999999999999999999;;\nEnhet;01.01.2024;x;+7;;\n").encode("utf-8")

    # Hand-made edge cases, canonical header.
    def dev(body, **kw):
        return config(**kw) + (CANON_DEV + "\n" + body).encode("utf-8")

    s["edge_duplicates_impossible_dates"] = dev(
        "A1;Enhet 1;2024-01-15;2024-01-20;;HMS;høy;ja;K;18-29;Nord\n"
        "A1;Enhet 1;2024-01-16;;;;;;;;\n"
        "A2;Enhet 2;2023-02-29;;;;;;;;\n"
        "A3;Enhet 2;2024-04-31;;;;;;;;\n"
        "A4;;2024-01-01;;;;;;;;\n"
        "A5;Enhet 3;2024-01-01;;;;;kanskje;;;\n"
        "A6;Enhet 3;2024-01-01;;;;;;;;;extra\n"
        "A7;Enhet 3;2024-01-01;;;;;;;;;;\n"
        "A8;Enhet 3\n"
        "\n"
        ";;;;;;;;;;\n"
        "   \n"
        "A9;  Enhet 4  ;  2024-12-31  ;;;;;X;;;\n", delim=";")
    s["edge_quotes_spanning_lines"] = dev(
        'B1;"Enhet ""sitert""";2024-01-15;;;"Kategori\nover\r\nlinjer";;;;;\n'
        'B2;"Enhet;med;semikolon";2024-01-15;;;;;;;;\n'
        'B3;Enhet;2024-01-15;;;"a""b""";;;;;\n', delim=";")
    s["edge_unclosed_quote"] = dev('C1;Enhet;2024-01-15;;;;;;;;\nC2;"Enhet;2024-01-16;;;;;;;;\nC3;x;2024-01-17\n', delim=";")
    s["edge_nul_byte"] = config(delim=";") + (CANON_DEV + "\nD1;En\x00het;2024-01-15\nD2;Enhet;2024-01-15\n").encode("utf-8")
    s["edge_invalid_utf8"] = config("utf-8", ";") + (CANON_DEV + "\n").encode() + b"E1;Avdeling \xf8st;2024-01-15\nE2;\xc3\xa6ble\xc3;2024-01-15\nE3;ok;2024-01-15\n"
    s["edge_invalid_utf8_detected"] = config() + (CANON_DEV + "\n").encode() + b"E1;Tannhelse\xe6;2024-01-15\nE2;\xc3\x98st;2024-01-15\nE3;\xc3\x85s;2024-01-15\n"
    s["edge_cp1252_undefined_bytes"] = config("windows-1252", ";") + (CANON_DEV + "\n").encode() + b"F1;\x81\x8d\x8f\x90\x9d;2024-01-15\nF2;\x80\x99;2024-01-15\n"
    s["edge_cr_only"] = config() + (CANON_DEV.replace(";", ",") + "\r" + "G1,Enhet,2024-01-15\rG2,Enhet,2024-01-16\r\rG3,\"a\rb\",2024-01-17").encode()
    s["edge_no_final_newline_trailing_delims"] = dev("H1;Enhet;2024-01-15;;;;;;;;;\nH2;Enhet;2024-01-16;;;;;;;;;;;;", delim="auto")
    s["edge_header_twice"] = config() + b"id;unit;reported;UNIT\n1;a;2024-01-01;b\n"
    s["edge_header_missing_required"] = config() + b"id;unit;due\n1;a;2024-01-01\n"
    s["edge_header_only"] = config() + b" ID ; Unit ; REPORTED \n"
    s["edge_empty"] = config()
    s["edge_header_after_blank_lines"] = config(header=2) + b"\n\nid,unit,reported\n1,a,2024-01-01\n"
    s["edge_header_line_past_end"] = config(header=3) + b"id,unit,reported\n"
    s["edge_excel_serials"] = config(date_override="excel") + b"id;unit;reported;due\n1;a;45000;45000,5\n2;a;60;61\n3;a;0;2958466\n4;a;45000.99999999\n"
    s["edge_yyyymmdd"] = config(date_override="yyyymmdd") + b"id;unit;reported\n1;a;20240115\n2;a;2024011\n3;a;20240230\n"
    s["edge_m_d_yyyy"] = config(date_override="m/d/yyyy") + b"id;unit;reported\n1;a;1/15/2024\n2;a;12/31/2024 10:05\n3;a;13/1/2024\n"
    s["edge_d_m_yyyy"] = config(dates="d.m.yyyy") + b"id;unit;reported\n1;a;1.2.2024\n2;a;01.02.2024 8:05:09\n3;a;1.2.24\n"
    s["edge_slash_dates"] = config(dates="dd/mm/yyyy") + b"id;unit;reported\n1;a;15/01/2024\n2;a;15/01/2024T10:05\n3;a;15-01-2024\n"
    s["edge_pipe_delimited"] = config() + b"id|unit|reported\n1|a|2024-01-01\n"
    s["edge_tab_spaces"] = config(delim="\t") + b"id\tunit\treported\n1\t  a b  \t 2024-01-01 \n"
    big = "Ø" * 50000   # 100,000 bytes in one quoted field
    s["edge_field_100000_chars"] = config("utf-8", ";") + (CANON_DEV + "\n" + 'I1;"' + big + '";2024-01-15\n').encode("utf-8")
    s["edge_value_maps_folding"] = config(columns="troms", maps=True, dates="dd.mm.yyyy", delim=",", header=1) + (
        "AVVIKSNR,enhet,MELDT DATO,kategori,alvorlighetsgrad,årsaksanalyse utført,kjønn\n"
        "1,Enhet,01.01.2024,avvik,HØY,JA,k\n2,Enhet,01.01.2024,ÅTGÄRD,svært alvorlig,nei,\n").encode("utf-8")
    return s

# ---------------------------------------------------------------- fuzz_date

PATTERN = {"yyyy-mm-dd": 0, "dd.mm.yyyy": 1, "d.m.yyyy": 2, "dd/mm/yyyy": 3, "mm/dd/yyyy": 4,
           "yyyymmdd": 5, "excel": 6, "custom": 7}


def date_seed(pattern, text, today=(2026 - 1) * 365, custom=None):
    # bytes 1-3: today as an offset, as the harness reads it (any value works).
    prefix = bytes([PATTERN[pattern]]) + struct.pack("<I", today & 0xFFFFFF)[:3]
    body = (custom + "\n" + text) if custom is not None else text
    return prefix + body.encode("utf-8")


def date_seeds():
    s = {}
    for i, (pat, text) in enumerate([
        ("yyyy-mm-dd", "2024-01-15"), ("yyyy-mm-dd", "2024-02-29"), ("yyyy-mm-dd", "2023-02-29"),
        ("yyyy-mm-dd", "2024-01-15 10:05"), ("yyyy-mm-dd", "2024-01-15T23:59:59"),
        ("yyyy-mm-dd", "2024-01-15 07:08:09.123456"), ("yyyy-mm-dd", "2024-01-15 24:00"),
        ("yyyy-mm-dd", "0001-01-01"), ("yyyy-mm-dd", "9999-12-31"), ("yyyy-mm-dd", "0000-01-01"),
        ("dd.mm.yyyy", "31.04.2024"), ("dd.mm.yyyy", "30.04.2024 8:00"), ("d.m.yyyy", "1.2.2024"),
        ("d.m.yyyy", "29.2.2000"), ("d.m.yyyy", "29.2.1900"), ("dd/mm/yyyy", "15/01/2024"),
        ("mm/dd/yyyy", "01/15/2024"), ("yyyymmdd", "20240115"), ("excel", "45000"), ("excel", "45000.5"),
        ("excel", "45000,75"), ("excel", "60"), ("excel", "61"), ("excel", "2958465.5"),
        ("excel", "1e3"), ("excel", "-1"),
    ]):
        s["date_%02d" % i] = date_seed(pat, text)
    for i, (pat, text) in enumerate([
        ("yyyy.mm.dd", "2024.01.15"), ("d/m/yyyy", "1/2/2024"), ("yyyy-m-d", "2024-1-2 3:04"),
        ("dd-mm-yyyy", "15-01-2024"), ("mm.yyyy dd", "01.2024 15"), ("dmyyyy", "112024"),
        ("yyyyddmm", "20241501"),
    ]):
        s["custom_%02d" % i] = date_seed("custom", text, custom=pat)
    for i, text in enumerate([
        "2026-10", "2026-Q3", "2026-T1", "2026-H8", "2026", "2026-q4", "2026-t3", "2026-h8", "2026-13",
        "2026-00", "0999", "last-month", "current-month", "last-quarter", "current-quarter",
        "last-tertial", "current-tertial", "H8", "current-H8", "last-H8", "current-year", "last-year",
    ]):
        s["period_%02d" % i] = date_seed("yyyy-mm-dd", text, today=(i * 104729) & 0xFFFFFF)
    return s

# ---------------------------------------------------------------- fuzz_kolada


def kolada_seeds():
    s = {"arvika_kolada": sample("arvika/kolada.json")}
    snippets = {
        "empty_values": '{"values": []}',
        "no_values": '{"count": 0}',
        "values_not_list": '{"values": {"kpi": "U00001"}}',
        "root_array": '[{"values": []}]',
        "string_period": '{"values":[{"kpi":"U00001","municipality":"1784","period":"2026-H8","values":[{"gender":"T","value":71.5}]}]}',
        "int_period_all_genders": '{"values":[{"kpi":"U00001","municipality":"0000","period":2025,"values":[{"gender":"K","value":80},{"gender":"M","value":70},{"gender":"T","value":75}]}]}',
        "unknown_muni": '{"values":[{"kpi":"U00002","municipality":"9999","period":2024,"values":[{"gender":"T","value":1e2}]}]}',
        "unknown_kpi": '{"values":[{"kpi":"N99999","municipality":"1784","period":2024,"values":[{"gender":"T","value":5}]}]}',
        "null_value": '{"values":[{"kpi":"U00001","municipality":"1784","period":2024,"values":[{"gender":"T","value":null,"status":"Missing"}]}]}',
        "wrong_types": '{"values":[1,"x",null,[],{"kpi":7,"municipality":[],"period":{},"values":"T"},{"kpi":"U00001","municipality":"1784","period":2024.5,"values":[{"gender":"T","value":"5"}]}]}',
        "duplicate_keys": '{"values":[{"kpi":"U00001","kpi":"U00002","municipality":"1784","period":2024,"values":[]}]}',
        "unicode_escapes": '{"values":[{"kpi":"U00001","municipality":"1784\\u0000x","period":"\\u00e5r\\ud83d\\ude00","values":[{"gender":"T","value":-0.0}]}]}',
        "long_period_and_muni": '{"values":[{"kpi":"U00001","municipality":"' + "7" * 100 + '","period":"' + "2" * 100 + '","values":[{"gender":"T","value":1}]}]}',
        "huge_numbers": '{"values":[{"kpi":"U00001","municipality":"1784","period":9223372036854775807,"values":[{"gender":"T","value":1.7976931348623157e308},{"gender":"T","value":-123456789012345678901234567890}]}]}',
        "bom": '\ufeff{"values": []}',
        "truncated": '{"values":[{"kpi":"U00001","municipality":"1784","period":2024,"values":[{"gender":"T","value":',
        "deep_nesting": '{"x":' + "[" * 200 + "]" * 200 + ',"values":[]}',
    }
    for k, v in snippets.items():
        s[k] = v.encode("utf-8")
    return s

# ---------------------------------------------------------------- fuzz_number


def number_seeds():
    vals = ["0.74", "0,74", "-3", "1 234,5", "+.5", "12.", ",5", " 7 ", "1 2 3", "1e5", "NaN", "inf",
            "0x10", "\uff11\uff12", "1\u00a0234,5", "--1", "", "-", "1.2.3", "1,234.5", "\t42\t",
            "9" * 60, "0." + "0" * 58 + "1", '"5"', "5\n6", "\x00"]
    return {"value_%02d" % i: v.encode("utf-8") for i, v in enumerate(vals)}


def write(harness, seeds):
    d = os.path.join(OUT, harness)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    write("fuzz_ingest", ingest_seeds())
    write("fuzz_date", date_seeds())
    write("fuzz_kolada", kolada_seeds())
    write("fuzz_number", number_seeds())
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print("corpus: %d bytes under %s" % (total, os.path.relpath(OUT, ROOT)))
    if total >= 1 << 20:
        sys.exit("corpus too large")


if __name__ == "__main__":
    main()

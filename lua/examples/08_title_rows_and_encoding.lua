--[[
  08_title_rows_and_encoding.lua – exports that are not plain CSV
  ================================================================

  Idea: tell kvalrap how each export is written when it cannot guess.

    header_line = 3          the header is on physical line 3: Troms'
                             deviation export has a title line and a blank
                             line above it. Without it `kvalrap check` says
                               ... avvik.csv: line 1: the header lacks the
                               required column "Avviksnr" (field id)
    encoding = "utf-8"       "utf-8" (with or without BOM), "utf-16" (with
                             BOM), "windows-1252", "iso-8859-1",
                             "iso-8859-15" or "auto" (the default: a BOM
                             wins, else UTF-16 if the bytes look like it,
                             else UTF-8 if they are valid UTF-8, else
                             Windows-1252). A wrong encoding rejects rows,
                             and the message suggests the right one:
                               invalid UTF-8 at line 2; the file looks like
                               windows-1252 (set encoding = "windows-1252")
    delimiter = ";"          ",", ";", "\t" (tab), "|", or the words
                             "comma", "semicolon", "tab", "pipe", "auto"
                             (the default: guessed from the header line).
    date_format = "dd.mm.yyyy"
                             yyyy, mm, dd (two digits), m, d (one or two),
                             any other character literally; "excel" for
                             Excel serial numbers. A time " hh:mm[:ss]" or
                             "Thh:mm[:ss]" may follow any date.

  `kvalrap read deviations samples/troms/avvik.csv --config FILE` shows how
  a file is read with these settings: detected encoding, delimiter, header,
  the rows (stdout) and the rejected rows (stderr).

  Data: samples/troms, with its unit register (dataset "units").
      ./kvalrap check --period 2026-10 lua/examples/08_title_rows_and_encoding.lua
]]

municipality {
  id = "example_encoding",
  name = "Troms fylkeskommune (title rows and encodings)",
  language = "nb",
  data_dir = "../../samples/troms",
}

dataset "deviations" {
  file = "avvik.csv",
  encoding = "utf-8",
  delimiter = ",",
  header_line = 3,                 -- title line, blank line, then the header
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Avviksnr", unit = "Enhet", reported = "Meldt dato", due = "Frist", closed = "Lukket dato",
    category = "Kategori", severity = "Alvorlighetsgrad", root_cause = "Årsaksanalyse utført",
  },
}

dataset "proposals" {
  file = "forbedringsmeldinger.csv",
  encoding = "utf-8",
  delimiter = "comma",
  date_format = "dd.mm.yyyy",
  columns = { id = "Meldingsnr", unit = "Enhet", submitted = "Dato" },
}

dataset "documents" {
  file = "dokumenter.csv",          -- CRLF line ends are read like LF
  encoding = "utf-8",
  delimiter = ";",
  date_format = "dd.mm.yyyy",
  columns = { id = "Dok.id", title = "Tittel", unit = "Enhet", revised = "Revidert" },
}

-- The unit register: when it is declared, its units are the unit set (the
-- rows of every "per unit" breakdown), also units without any deviation.
dataset "units" {
  file = "enheter.csv",
  delimiter = ";",
  columns = { unit = "Enhet", parent = "Overordnet enhet", level = "Nivå" },
}

-- Health, safety and environment deviations reported in the period, per
-- unit of the register (units with none show 0).
kpi.custom {
  id = "deviations_hms",
  title = "HMS-avvik",
  kind = "count",
  breakdown = { "unit", "severity" },
  compute = function(data, p)
    return data.deviations:between("reported", p.start, p["end"]):is("category", "hms")
  end,
}

--[[
  01_minimal.lua – the smallest complete rule file
  =================================================

  Idea: a rule file needs three things –
    1. municipality { ... }   who this is and where the exports are;
    2. dataset "..." { ... }  for each export: its file and, for each
                              canonical field, the export's column header;
    3. kpi.<name> { ... }     the KPIs to compute.

  The deviations, proposals and documents exports are required, even when no
  KPI uses them (their units make up the unit set). Encoding and delimiter are
  left out here, so kvalrap detects them (Nordland's avvik.csv is Windows-1252
  with semicolons); the date format must always be given when it is not
  yyyy-mm-dd.

  Data: samples/nordland. Try it from the repository root:
      ./kvalrap check --period 2026-10 lua/examples/01_minimal.lua
      ./kvalrap run --period 2026-10 --out /tmp/kv lua/examples/01_minimal.lua
]]

municipality {
  id = "example_minimal",               -- names the output folder
  name = "Nordland fylkeskommune (minimal example)",
  language = "en",                      -- report language: "nb", "sv" or "en"
  data_dir = "../../samples/nordland",  -- relative to this file's folder
}

dataset "deviations" {
  file = "avvik.csv",
  date_format = "dd.mm.yyyy",
  columns = {                   -- canonical field = header in the export
    id = "Avviksnr",
    unit = "Avdeling",
    reported = "Registrert",
    due = "Frist",
    closed = "Lukket",
  },
}

dataset "proposals" {
  file = "forbedringsforslag.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Forslagsnr", unit = "Avdeling", submitted = "Innsendt" },
}

dataset "documents" {
  file = "dokumenter.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Dok.nr", title = "Tittel", unit = "Avdeling", revised = "Revidert" },
}

-- Two standard KPIs with their defaults: a plain count (no target) and a
-- share (target 1.0, at_least).
kpi.deviations_reported {}
kpi.deviations_closed_on_time {}

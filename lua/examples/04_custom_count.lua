--[[
  04_custom_count.lua – a custom KPI that counts rows
  ===================================================

  Idea: kpi.custom { kind = "count", compute = function(data, p) ... end }.
  compute gets the datasets (data.deviations, data.proposals, ...) as row
  sets and the period p, narrows a row set with filters and returns it; the
  KPI's value is the number of rows. Each filter returns a new row set and
  runs in C, so a chain of filters over a million rows takes milliseconds.

  Here: serious deviations (severity 3 or 4 on Huddinge's 1–4 scale)
  reported in the period. p.start and p["end"] are the period's first and
  last day (`end` is a Lua keyword, hence the brackets).

  Breakdowns: a count returned as a row set can be broken down by any text
  field of its dataset; `breakdown` picks which (default: unit, plus for
  deviations every one of gender, age_group, area and category the export
  has).

  Data: samples/huddinge.
      ./kvalrap check --period 2026-10 lua/examples/04_custom_count.lua
]]

municipality {
  id = "example_custom_count",
  name = "Huddinge kommun (custom count)",
  language = "sv",
  data_dir = "../../samples/huddinge",
}

dataset "deviations" {
  file = "avvikelser.csv",
  columns = {
    id = "Avvikelse-ID", unit = "Enhet", reported = "Registrerad", due = "Åtgärd senast",
    closed = "Avslutad", category = "Kategori", severity = "Allvarlighetsgrad",
    gender = "Kön", age_group = "Åldersgrupp", area = "Område",
  },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  columns = { id = "Nr", unit = "Enhet", submitted = "Inlämnat" },
}

dataset "documents" {
  file = "styrdokument.csv",      -- UTF-16 with BOM, tab-separated: detected
  columns = { id = "Dokument-ID", title = "Titel", unit = "Enhet", revised = "Senast reviderad" },
}

kpi.custom {
  id = "serious_deviations",
  title = "Allvarliga avvikelser (grad 3–4)",
  definition = "Avvikelser registrerade i perioden med allvarlighetsgrad 3 eller 4.",
  kind = "count",
  breakdown = { "unit", "area" },
  compute = function(data, p)
    return data.deviations
      :between("reported", p.start, p["end"])   -- reported in the period
      :is("severity", { "3", "4" })             -- one of a list of values
  end,
}

-- compute may also return a plain number. Here: the number of units that
-- reported at least one deviation in the period (distinct gives the set of
-- values). A number has no rows, so it has no breakdown.
kpi.custom {
  id = "units_reporting",
  title = "Enheter som rapporterat avvikelser",
  kind = "count",
  compute = function(data, p)
    local n = 0
    for _ in pairs(data.deviations:between("reported", p.start, p["end"]):distinct("unit")) do
      n = n + 1
    end
    return n
  end,
}

--[[
  10_unit_set.lua – KPIs over units, not rows
  ============================================

  Idea: some KPIs count units: "the share of units that ...". data.unit_set
  is the sorted list of units – the unit register (dataset "units") when it
  is declared, otherwise every unit named in the deviations, proposals and
  documents exports. rows:distinct("unit") gives the set { [unit] = true }
  of the units a row set touches. The per-unit breakdown is built by hand
  and returned as compute's 4th value (see 06_custom_breakdown.lua):
  { unit = { [unit] = { numerator, denominator } } }.

  The standard kpi.management_reviews works the same way.

  Data: samples/troms (unit register enheter.csv, management reviews).
      ./kvalrap check --period 2026-10 lua/examples/10_unit_set.lua
]]

municipality {
  id = "example_unit_set",
  name = "Troms fylkeskommune (unit set)",
  language = "nb",
  data_dir = "../../samples/troms",
}

dataset "deviations" {
  file = "avvik.csv",
  header_line = 3,
  date_format = "dd.mm.yyyy",
  columns = { id = "Avviksnr", unit = "Enhet", reported = "Meldt dato", due = "Frist", closed = "Lukket dato" },
}

dataset "proposals" {
  file = "forbedringsmeldinger.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Meldingsnr", unit = "Enhet", submitted = "Dato" },
}

dataset "documents" {
  file = "dokumenter.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Dok.id", title = "Tittel", unit = "Enhet", revised = "Revidert" },
}

dataset "units" {
  file = "enheter.csv",
  columns = { unit = "Enhet", parent = "Overordnet enhet", level = "Nivå" },
}

dataset "reviews" {
  file = "ledelsens_gjennomgang.csv",
  date_format = "dd.mm.yyyy",
  columns = { unit = "Enhet", date = "Dato", level = "Nivå", improvement_goals = "Antall forbedringsmål" },
}

-- Of the units in the register: the share that reported at least one
-- deviation in the period.
kpi.custom {
  id = "units_reporting_deviations",
  title = "Enheter som har meldt avvik",
  definition = "Av enhetene i enhetsregisteret: andelen med minst ett avvik meldt i perioden.",
  kind = "share",
  target = 0.8,
  warning = 0.6,
  compute = function(data, p)
    local reporting = data.deviations:between("reported", p.start, p["end"]):distinct("unit")
    local hits, by_unit = 0, {}
    for _, unit in ipairs(data.unit_set) do
      local hit = reporting[unit] and 1 or 0
      hits = hits + hit
      by_unit[unit] = { hit, 1 }
    end
    return hits, #data.unit_set, nil, { unit = by_unit }
  end,
}

-- Standard: of the units, the share with a management review this calendar
-- year that set at least 2 improvement goals.
kpi.management_reviews { min_goals = 2 }

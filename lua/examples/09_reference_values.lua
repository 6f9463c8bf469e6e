--[[
  09_reference_values.lua – comparing with county, KKiK or national figures
  ==========================================================================

  Idea: reference { ... } loads values to compare with, per KPI id. The
  report shows them beside your value (kpis.json: "references").

  From a CSV file, one row per KPI, source and period:
      reference { file = "referens_kkik.csv",
                  columns = { kpi = "Nyckeltal", source = "Källa",
                              period = "Period", value = "Värde" } }
  `kpi` is the KPI id in this rule file (a custom KPI's id works too),
  `period` a period id (2025, 2026-H8, 2026-10, ...), `value` a number with a
  decimal point or comma, on the KPI's own scale (a share as 0.74, not 74).

  From a saved Kolada API v3 "data" answer (JSON), with the Kolada KPI ids
  mapped to yours, municipality codes named, and percentages scaled:
      reference { file = "kolada.json", format = "kolada",
                  kpis = { U00001 = "deviations_closed_on_time" },
                  sources = { ["0017"] = "Värmlands län" },
                  scale = 0.01 }

  For each source the report takes the row for the report's own period, or
  else the latest period that ends before the report's period ends.

  Data: samples/arvika (the reference values in it are made up).
      ./kvalrap check --period 2026-10 lua/examples/09_reference_values.lua
]]

municipality {
  id = "example_references",
  name = "Arvika kommun (reference values)",
  language = "sv",
  data_dir = "../../samples/arvika",
}

dataset "deviations" {
  file = "avvikelser.csv",
  columns = {
    id = "Löpnr", unit = "Förvaltning/enhet", reported = "Registrerad",
    due = "Sista åtgärdsdatum", closed = "Avslutad", category = "Typ",
  },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  columns = { id = "Förslag nr", unit = "Enhet", submitted = "Inlämnat", status = "Status", decided = "Beslutat" },
  values = {
    status = { ["Ny"] = "new", ["Under utredning"] = "evaluating", ["Genomförd"] = "implemented", ["Avslagen"] = "rejected" },
  },
}

dataset "documents" {
  file = "styrdokument.csv",
  columns = { id = "Id", title = "Titel", unit = "Ansvarig enhet", revised = "Fastställd", status = "Status" },
  values = { status = { ["Publicerad"] = "published", ["Utkast"] = "draft", ["Arkiverad"] = "archived" } },
}

reference {
  file = "referens_kkik.csv",
  columns = { kpi = "Nyckeltal", source = "Källa", period = "Period", value = "Värde" },
}

reference {
  file = "kolada.json",
  format = "kolada",
  kpis = { U00001 = "deviations_closed_on_time", U00002 = "andel_genomforda_forslag" },
  sources = { ["1784"] = "Arvika (Kolada)", ["0017"] = "Värmlands län (Kolada)", ["0000"] = "Riket (Kolada)" },
  scale = 0.01,                 -- Kolada gives percent; our shares are fractions
}

kpi.deviations_closed_on_time { target = 0.9, warning = 0.75 }
kpi.documents_revised_within { years = 2 }

-- The reference files name this custom KPI by its id.
kpi.custom {
  id = "andel_genomforda_forslag",
  title = "Andel beslutade förslag som genomförts",
  kind = "share",
  target = 0.5,
  compute = function(data, p)
    local decided = data.proposals:between("decided", p.start, p["end"])
    return decided:is("status", "implemented"), decided
  end,
}

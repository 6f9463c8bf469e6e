--[[
  12_trends_and_periods.lua – other periods inside a KPI
  =======================================================

  Idea: compute(data, p) gets the period p being computed. kvalrap calls it
  for the report's period and again for the previous period, the same
  period last year and each of the twelve months of the series – so a KPI
  written in terms of p gets its trend for free. Inside compute:

    p:previous()       the period just before (2026-09 for 2026-10; H8 has
                       none and gives last year's H8)
    p:last_year()      the same period a year earlier
    p:months()         the months of p as "yyyy-mm" texts
    period("2024")     any period by its id: 2026-10, 2026-Q3, 2026-T1,
                       2026-H8, 2026

  kind = "change" computes numerator / denominator - 1; it has no value when
  the denominator is 0. The numbers may be plain numbers.

  Data: samples/huddinge.
      ./kvalrap check --period 2026-10 lua/examples/12_trends_and_periods.lua
      ./kvalrap check --period 2026-H8 lua/examples/12_trends_and_periods.lua
]]

municipality {
  id = "example_trends",
  name = "Huddinge kommun (trends and periods)",
  language = "sv",
  data_dir = "../../samples/huddinge",
}

dataset "deviations" {
  file = "avvikelser.csv",
  columns = { id = "Avvikelse-ID", unit = "Enhet", reported = "Registrerad", due = "Åtgärd senast", closed = "Avslutad" },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  columns = { id = "Nr", unit = "Enhet", submitted = "Inlämnat" },
}

dataset "documents" {
  file = "styrdokument.csv",
  columns = { id = "Dokument-ID", title = "Titel", unit = "Enhet", revised = "Senast reviderad" },
}

local function in_period(rows, field, q)
  return rows:between(field, q.start, q["end"])
end

-- Proposals submitted, against the period just before. Returned as row sets,
-- so the change is also broken down per unit.
kpi.custom {
  id = "proposals_change_previous",
  title = "Förbättringsförslag, förändring mot föregående period",
  kind = "change",
  direction = "above",
  target = 0,
  breakdown = { "unit" },
  compute = function(data, p)
    return in_period(data.proposals, "submitted", p), in_period(data.proposals, "submitted", p:previous())
  end,
}

-- Deviations reported, against a fixed baseline: the monthly average of
-- 2024 times the number of months in p.
local baseline = period("2024")

kpi.custom {
  id = "deviations_vs_2024",
  title = "Rapporterade avvikelser mot snittet 2024",
  kind = "change",
  direction = "above",
  target = 0,
  compute = function(data, p)
    local per_month = in_period(data.deviations, "reported", baseline):count() / 12
    return in_period(data.deviations, "reported", p):count(), per_month * #p:months()
  end,
}

--[[
  03_targets_and_warnings.lua – targets, directions and the yellow band
  ======================================================================

  Idea: every KPI gets a status colour from its value, `target`, `direction`
  and optional `warning`:

    direction    green (target met)    yellow (not met, but ...)   red
    at_least     value >= target       value >= warning             otherwise
    at_most      value <= target       value <= warning             otherwise
    above        value >  target       value >= warning             otherwise

  No value (an empty denominator) or no target gives "none". Without
  `warning` there is no yellow. Shares are fractions: 0.9 means 90 %.

  Defaults: shares target 1.0 (at_least); deviations_open_overdue 0
  (at_most); deviations_reported_change 0 (above); plain counts no target.
  `target = false` removes a default target.

  Data: samples/troms (the deviation export has a title line: header_line = 3).
      ./kvalrap check --period 2026-10 lua/examples/03_targets_and_warnings.lua
]]

municipality {
  id = "example_targets",
  name = "Troms fylkeskommune (targets and warnings)",
  language = "en",
  data_dir = "../../samples/troms",
}

dataset "deviations" {
  file = "avvik.csv",
  header_line = 3,
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Avviksnr", unit = "Enhet", reported = "Meldt dato", due = "Frist", closed = "Lukket dato",
    category = "Kategori", severity = "Alvorlighetsgrad", root_cause = "Årsaksanalyse utført",
  },
}

dataset "proposals" {
  file = "forbedringsmeldinger.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Meldingsnr", unit = "Enhet", submitted = "Dato" },
}

dataset "documents" {
  file = "dokumenter.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Dok.id", title = "Tittel", unit = "Enhet", revised = "Revidert", status = "Status" },
  values = { status = { ["Publisert"] = "published", ["Utkast"] = "draft", ["Arkivert"] = "archived" } },
}

-- A share: green from 95 %, yellow from 85 %, red below.
kpi.deviations_closed_on_time { target = 0.95, warning = 0.85 }

-- at_most: green at 0 open overdue deviations, yellow up to 30, red above.
kpi.deviations_open_overdue { target = 0, warning = 30 }

-- above: green when this year's count is above last year's (change > 0);
-- yellow down to a 10 % fall (-0.1); red below that.
kpi.deviations_reported_change { target = 0, direction = "above", warning = -0.1 }

-- A count with a target of its own: at least 15 proposals a month.
kpi.proposals_submitted { target = 15, warning = 10 }

-- A share reported without a target: its status is always "none".
kpi.documents_revised_within { years = 3, target = false }

-- A custom KPI with direction at_most: deviations still open on the as-of
-- date that were reported more than 60 days before it. Fewer is better.
kpi.custom {
  id = "deviations_open_60_days",
  title = "Deviations open for more than 60 days",
  kind = "count",
  direction = "at_most",
  target = 10,
  warning = 30,
  compute = function(data, p)
    local old = data.deviations:between("reported", nil, p.as_of - 61)
    return old:except(old:between("closed", nil, p.as_of))
  end,
}

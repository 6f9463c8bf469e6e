--[[
  06_custom_breakdown.lua – a breakdown of your own
  ==================================================

  Idea: the built-in breakdowns group by one field's values (unit, gender,
  age_group, area, category, ...). To group differently – here children
  (age group 0-17) against adults (18-64 and 65+) – compute returns a 4th
  value: a table of your own dimensions,

      { dimension = { key = { numerator, denominator }, ... }, ... }

  (for a count, { key = { count } }). compute returns
      numerator, denominator, items, custom_breakdowns
  and items may be nil. `breakdown` then lists which dimensions to show, in
  order: your own names, and built-in fields, which are still counted from
  the returned row sets. Without `breakdown`, only your own dimensions are
  shown. An empty key "" is shown as "unknown".

  count_by(field) gives { value = count } over a row set – the building
  block for a custom grouping.

  Data: samples/huddinge.
      ./kvalrap check --period 2026-10 lua/examples/06_custom_breakdown.lua
]]

municipality {
  id = "example_custom_breakdown",
  name = "Huddinge kommun (custom breakdown)",
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
  file = "styrdokument.csv",
  columns = { id = "Dokument-ID", title = "Titel", unit = "Enhet", revised = "Senast reviderad" },
}

-- Which group an age group belongs to; anything else (and empty) is "".
local group_of = { ["0-17"] = "barn", ["18-64"] = "vuxna", ["65+"] = "vuxna" }

-- Add count_by results into { group = { numerator, denominator } }.
local function by_group(num_rows, den_rows)
  local out = {}
  local function add(counts, slot)
    for age, n in pairs(counts) do
      local g = group_of[age] or ""
      out[g] = out[g] or { 0, 0 }
      out[g][slot] = out[g][slot] + n
    end
  end
  add(num_rows:count_by("age_group"), 1)
  add(den_rows:count_by("age_group"), 2)
  return out
end

kpi.custom {
  id = "closed_on_time_children",
  title = "Avvikelser åtgärdade i tid, barn och vuxna",
  definition = "Av avvikelser avslutade i perioden med ett åtgärdsdatum: andelen avslutade senast det datumet; "
    .. "uppdelat på barn (0-17) och vuxna (18-64, 65+).",
  kind = "share",
  target = 1.0,
  warning = 0.9,
  breakdown = { "barn_vuxna", "unit" },     -- own dimension first, then a built-in one
  compute = function(data, p)
    local closed = data.deviations:between("closed", p.start, p["end"]):present("due")
    local on_time = closed:compare("closed", "<=", "due")
    return on_time, closed, nil, { barn_vuxna = by_group(on_time, closed) }
  end,
}

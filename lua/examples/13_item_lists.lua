--[[
  13_item_lists.lua – a list of the rows behind a KPI
  ====================================================

  Idea: besides its number, a KPI can carry a list – the overdue deviations,
  the documents not revised. compute returns it as its 3rd value:

      return rows, nil, {                 -- count: numerator, (no) denominator, items
        name = "Öppna synpunkter efter sista åtgärdsdag",  -- heading / sheet name
        rows = rows,                       -- a row set
        columns = { "id", "unit", "reported", "due", "days_overdue" },
        days_overdue = "due",              -- days_overdue = as_of - due
        sort = "days_overdue",             -- or a date field: oldest first
      }

  `columns` are canonical fields of the row set's dataset, plus
  "days_overdue" when `days_overdue` names a date field. The list appears in
  kpis.json ("items"), as a sheet of the workbook and as a table in the PDF
  (at most municipality.list_limit rows there; the workbook and kpis.json
  hold all). Only the list of the report's own period is kept.

  Data: samples/norrtalje.
      ./kvalrap check --period 2026-10 lua/examples/13_item_lists.lua
]]

municipality {
  id = "example_item_lists",
  name = "Norrtälje kommun (item lists)",
  language = "sv",
  data_dir = "../../samples/norrtalje",
  list_limit = 20,                      -- rows per list in the PDF
}

dataset "deviations" {
  file = "avvikelser.csv",
  columns = {
    id = "Ärendenr", unit = "Enhet", reported = "Registrerad", due = "Åtgärdas senast",
    closed = "Avslutad", category = "Kategori", gender = "Kön",
  },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  columns = { id = "Id", unit = "Enhet", submitted = "Inlämnat" },
}

dataset "documents" {
  file = "styrdokument.csv",
  columns = { id = "Dokument-ID", title = "Titel", unit = "Enhet", revised = "Senast reviderad" },
}

-- Citizens' comments (category "Synpunkt") still open on the as-of date
-- whose last day for action has passed, most overdue first.
kpi.custom {
  id = "open_comments_overdue",
  title = "Öppna synpunkter efter sista åtgärdsdag",
  kind = "count",
  direction = "at_most",
  target = 0,
  breakdown = { "unit" },
  compute = function(data, p)
    local a = p.as_of
    local due = data.deviations:is("category", "Synpunkt")
      :between("reported", nil, a):between("due", nil, a - 1)
    local open = due:except(due:between("closed", nil, a))
    return open, nil, {
      name = "Öppna synpunkter efter sista åtgärdsdag",
      rows = open,
      columns = { "id", "unit", "reported", "due", "days_overdue" },
      days_overdue = "due",
      sort = "days_overdue",
    }
  end,
}

--[[
  07_date_arithmetic.lua – comparing dates, with an offset
  =========================================================

  Idea: dates are whole day numbers inside kvalrap, so date arithmetic is
  addition:

    rows:compare("closed", "<=", "reported", 7)
        keeps rows where closed <= reported + 7 days (both present);
    rows:between("reported", nil, p.as_of - 30)
        keeps rows reported 30 or more days before the as-of date;
    date.add_months(p.as_of, -12), date.years_before(p.as_of, 2)
        calendar arithmetic (31 March - 1 month = 28/29 February);
    date.make(2026, 1, 1), date.parse("01.01.2026", "dd.mm.yyyy"),
    date.format(day) -> "2026-01-01".

  Data: samples/arvika (deviations are Windows-1252, semicolons).
      ./kvalrap check --period 2026-10 lua/examples/07_date_arithmetic.lua
]]

municipality {
  id = "example_dates",
  name = "Arvika kommun (date arithmetic)",
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
}

dataset "documents" {
  file = "styrdokument.csv",
  columns = { id = "Id", title = "Titel", unit = "Ansvarig enhet", revised = "Fastställd", status = "Status" },
  values = { status = { ["Publicerad"] = "published", ["Utkast"] = "draft", ["Arkiverad"] = "archived" } },
}

-- Of the deviations closed in the period: the share closed within 7 days of
-- being reported (closed <= reported + 7).
kpi.custom {
  id = "closed_within_7_days",
  title = "Avvikelser avslutade inom 7 dagar",
  definition = "Av avvikelser avslutade i perioden: andelen avslutade senast 7 dagar efter registreringen.",
  kind = "share",
  target = 0.5,
  warning = 0.3,
  breakdown = { "unit" },
  compute = function(data, p)
    local closed = data.deviations:between("closed", p.start, p["end"])
    return closed:compare("closed", "<=", "reported", 7), closed
  end,
}

-- Deviations open on the as-of date that were reported 30 or more days
-- before it. "Open on as_of": not closed, or closed after as_of.
kpi.custom {
  id = "open_30_days",
  title = "Avvikelser öppna i 30 dagar eller mer",
  kind = "count",
  direction = "at_most",
  target = 0,
  compute = function(data, p)
    local old = data.deviations:between("reported", nil, p.as_of - 30)
    return old:except(old:between("closed", nil, p.as_of))
  end,
}

-- Of the documents not archived: the share revised in the last 12 months
-- (on or after the day 12 months before as_of).
kpi.custom {
  id = "documents_revised_12_months",
  title = "Styrdokument fastställda de senaste 12 månaderna",
  kind = "share",
  compute = function(data, p)
    local live = data.documents:is_not("status", "archived")
    return live:between("revised", date.add_months(p.as_of, -12), nil), live
  end,
}

-- Of the proposals decided in the calendar year so far (1 January up to the
-- period's end): the share decided within 30 days of being submitted.
kpi.custom {
  id = "proposals_decided_30_days",
  title = "Förslag beslutade inom 30 dagar, hittills i år",
  kind = "share",
  target = 0.5,
  compute = function(data, p)
    local year = date.ymd(p["end"])                 -- ymd returns year, month, day
    local decided = data.proposals:between("decided", date.make(year, 1, 1), p["end"])
    return decided:compare("decided", "<=", "submitted", 30), decided
  end,
}

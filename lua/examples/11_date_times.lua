--[[
  11_date_times.lua – date-times: hours, not days
  ================================================

  Idea: a field that holds a date and a time ("2026-10-03 14:25") is a
  date-time. inquiries.received and inquiries.answered are date-time fields;
  any other date field ignores a time.

    rows:between("received", p.start, p["end"])  uses the day only: the whole
        last day of the period counts.
    rows:compare("answered", "<=", "received", 1)  when both values have a
        time: answered <= received + 24 hours; when either has only a date:
        the answered day <= the received day + 1.
    rows:deadline_after("received", 1, p.as_of)  rows whose deadline,
        received + 24 hours (or the received day + 1 when there is no time),
        falls after the end of the as-of day: still pending, not late.

  Here: the share of inquiries answered within 24 hours, leaving out those
  still pending – the standard kpi.inquiries_answered_within with days = 1,
  written out by hand.

  Data: samples/norrtalje (arenden.csv: "yyyy-mm-dd hh:mm").
      ./kvalrap check --period 2026-10 lua/examples/11_date_times.lua
]]

municipality {
  id = "example_date_times",
  name = "Norrtälje kommun (date-times)",
  language = "sv",
  data_dir = "../../samples/norrtalje",
}

dataset "deviations" {
  file = "avvikelser.csv",
  columns = { id = "Ärendenr", unit = "Enhet", reported = "Registrerad", due = "Åtgärdas senast", closed = "Avslutad" },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  columns = { id = "Id", unit = "Enhet", submitted = "Inlämnat" },
}

dataset "documents" {
  file = "styrdokument.csv",
  columns = { id = "Dokument-ID", title = "Titel", unit = "Enhet", revised = "Senast reviderad" },
}

dataset "inquiries" {
  file = "arenden.csv",
  date_format = "yyyy-mm-dd",   -- the time " hh:mm" after the date is read too
  columns = {
    id = "Ärende-ID", unit = "Enhet", received = "Inkom", answered = "Besvarad",
    channel = "Kanal", gender = "Kön",
  },
}

kpi.custom {
  id = "answered_within_24_hours",
  title = "Ärenden besvarade inom ett dygn",
  definition = "Av ärenden som inkom i perioden, utom obesvarade vars dygn ännu inte gått ut: "
    .. "andelen besvarade inom 24 timmar.",
  kind = "share",
  target = 0.9,
  warning = 0.8,
  breakdown = { "channel", "gender" },
  compute = function(data, p)
    local received = data.inquiries:between("received", p.start, p["end"])
    local pending = received:empty("answered"):deadline_after("received", 1, p.as_of)
    local counted = received:except(pending)
    return counted:compare("answered", "<=", "received", 1), counted
  end,
}

-- The standard KPI with the policy's two days, for comparison.
kpi.inquiries_answered_within { days = 2, target = 0.9, warning = 0.8 }

--[[
  05_custom_share.lua – a custom KPI that is a share
  ==================================================

  Idea: kind = "share" – compute returns two row sets (or two numbers): the
  numerator and the denominator. The value is numerator / denominator, and
  kpis.json carries both counts. Build the denominator first, then narrow it
  to the numerator, so the numerator is always part of the denominator.

  An empty denominator gives no value (null) and the status "none". A share
  has the default target 1.0 (at_least) unless you set one.

  A breakdown by a field counts numerator and denominator per value of that
  field, e.g. per gender: share of women's inquiries, share of men's, and
  "unknown" for an empty value.

  Note: only category, severity, status, course and role are compared
  ignoring case; `channel` and `unit` must be written exactly as in the
  export.

  Data: samples/norrtalje (inquiries with date-times).
      ./kvalrap check --period 2026-10 lua/examples/05_custom_share.lua
]]

municipality {
  id = "example_custom_share",
  name = "Norrtälje kommun (custom share)",
  language = "sv",
  data_dir = "../../samples/norrtalje",
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

dataset "inquiries" {
  file = "arenden.csv",
  columns = {
    id = "Ärende-ID", unit = "Enhet", received = "Inkom", answered = "Besvarad",
    channel = "Kanal", gender = "Kön",
  },
}

-- Of the inquiries received in the period: the share that came in through
-- a digital channel (e-mail or the e-service).
kpi.custom {
  id = "digital_inquiries",
  title = "Andel ärenden via digitala kanaler",
  definition = "Av ärenden som inkom i perioden: andelen via e-post eller e-tjänst.",
  kind = "share",
  target = 0.6,
  warning = 0.5,
  breakdown = { "channel", "gender" },
  compute = function(data, p)
    local received = data.inquiries:between("received", p.start, p["end"])
    local digital = received:is("channel", { "E-post", "E-tjänst" })
    return digital, received          -- numerator, denominator
  end,
}

-- Of the deviations reported in the period: the share already closed on the
-- as-of date. A closing date after as_of does not count (the report may be
-- run for an earlier as_of than the export's date).
kpi.custom {
  id = "deviations_closed_share",
  title = "Andel avvikelser som är avslutade",
  kind = "share",
  target = 0.8,
  breakdown = { "unit", "gender" },
  compute = function(data, p)
    local reported = data.deviations:between("reported", p.start, p["end"])
    return reported:between("closed", nil, p.as_of), reported
  end,
}

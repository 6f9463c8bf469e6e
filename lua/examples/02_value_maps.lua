--[[
  02_value_maps.lua – translating the export's words into canonical ones
  ======================================================================

  Idea: the standard KPIs look for canonical words – a proposal's status is
  "new", "evaluating", "implemented" or "rejected"; a document's status is
  "published", "draft" or "archived"; a training row's role is "leader" or
  "employee". Your system writes its own words ("Gjennomført", "Arkivert",
  "Leder"). `values = { field = { ["their word"] = "canonical word" } }`
  translates them while the export is read.

  - The export's word is matched ignoring case and surrounding spaces.
  - Words that no entry names are kept as they are.
  - Mapping a word to "" makes the value empty (absent), e.g. "Ukjent" = "".
  - Maps work on any field, also booleans (["Delvis"] = "nei") and dates
    (["Ikke satt"] = "").

  Data: samples/nordland.
      ./kvalrap check --period 2026-10 lua/examples/02_value_maps.lua
]]

municipality {
  id = "example_value_maps",
  name = "Nordland fylkeskommune (value maps)",
  language = "nb",
  data_dir = "../../samples/nordland",
}

dataset "deviations" {
  file = "avvik.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Avviksnr", unit = "Avdeling", reported = "Registrert", due = "Frist", closed = "Lukket" },
}

dataset "proposals" {
  file = "forbedringsforslag.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Forslagsnr", unit = "Avdeling", submitted = "Innsendt", status = "Status", decided = "Behandlet" },
  values = {
    status = {
      ["Ny"] = "new",
      ["Under vurdering"] = "evaluating",
      ["Gjennomført"] = "implemented",
      ["Avvist"] = "rejected",
    },
  },
}

dataset "documents" {
  file = "dokumenter.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Dok.nr", title = "Tittel", unit = "Avdeling", revised = "Revidert", status = "Status" },
  values = {
    status = { ["Publisert"] = "published", ["Utkast"] = "draft", ["Arkivert"] = "archived" },
  },
}

dataset "training" {
  file = "opplaering.csv",
  date_format = "dd.mm.yyyy",
  columns = { person = "Ansattnr", unit = "Avdeling", role = "Rolle", course = "Kurs", completed = "Fullført" },
  values = {
    role = { ["Leder"] = "leader", ["Medarbeider"] = "employee" },
  },
}

-- Counts proposals whose status is "implemented": only true after the map.
kpi.proposals_implemented {}

-- Leaves out documents whose status is "archived".
kpi.documents_revised_within { years = 2 }

-- role = "leader" matches the mapped role. The course name is the export's
-- own (it is not mapped), compared ignoring case.
kpi.training_completed {
  id = "training_leaders_quality",
  course = "Kvalitetsledelse",
  role = "leader",
  deadline = "2023-12-31",
}

-- A custom KPI can use the canonical words too: proposals rejected in the
-- period.
kpi.custom {
  id = "proposals_rejected",
  title = "Forbedringsforslag avvist",
  kind = "count",
  breakdown = { "unit" },
  compute = function(data, p)
    return data.proposals:is("status", "rejected"):between("decided", p.start, p["end"])
  end,
}

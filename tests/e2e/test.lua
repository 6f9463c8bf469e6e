-- The end-to-end test municipality: small data whose every number is known.
municipality { id = "e2e", name = "Testfjord kommune", language = "nb", data_dir = "data" }

dataset "deviations" {
  file = "avvik.csv", delimiter = ";", date_format = "dd.mm.yyyy",
  columns = { id = "Nr", unit = "Enhet", reported = "Registrert", due = "Frist", closed = "Lukket",
              category = "Kategori", severity = "Alvorlighet", root_cause = "Årsak" },
}
dataset "proposals" { file = "prop.csv" }
dataset "documents" { file = "doc.csv" }

kpi.deviations_reported {}
kpi.deviations_closed_on_time { warning = 0.4 }
kpi.deviations_open_overdue {}
kpi.root_cause_serious_injury { categories = { "Personskade" }, severities = { "Alvorlig" } }
kpi.documents_revised_within { years = 2 }

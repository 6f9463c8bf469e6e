--[[
  Nordland fylkeskommune – regler for kvalitetsrapporten
  ======================================================

  Grunnlag: «Kvalitetspolicy» for Nordland fylkeskommune (Bodø, 09.06.2022):

      «Vi skal alltid ville nå lengre!»
      «Oppfølging skal hjelpe oss å sjekke at vi gjør det vi skal for å nå
       våre kvalitetsmål.»

  Hver indikator nedenfor svarer til en rad i policyens tabell «Våre
  kvalitetsmål er» (mål – KPI). Sitatene i kommentarene er policyens egne ord.

  Data: eksporter fra avvikssystemet (semikolon, Windows-1252, dd.mm.yyyy),
  dokumentarkivet EK (komma, UTF-8 med BOM, alle felt i anførselstegn) og
  læringsplattformen (semikolon, UTF-8). Se samples/README.md.

  Kjøring, f.eks. månedsrapporten for oktober 2026:
      kvalrap run --period 2026-10 --municipality nordland
]]

municipality {
  id = "nordland",
  name = "Nordland fylkeskommune",
  language = "nb",
  title = "Kvalitetsrapport",
  data_dir = "../samples/nordland",   -- i forhold til denne filens mappe
  list_limit = 50,                    -- rader per liste i PDF-en
}

-- ═══════════════════════════════════════════════════════ Datagrunnlag

-- Avvik fra avvikssystemet. Avdeling er «DG nivå» (direktørgruppenivå).
dataset "deviations" {
  file = "avvik.csv",
  encoding = "windows-1252",
  delimiter = ";",
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Avviksnr",
    unit = "Avdeling",
    reported = "Registrert",
    due = "Frist",
    closed = "Lukket",
    category = "Kategori",
    severity = "Alvorlighetsgrad",
  },
}

-- Forbedringsforslag fra samme system; statusordene oversettes til de
-- kanoniske (new / evaluating / implemented / rejected).
dataset "proposals" {
  file = "forbedringsforslag.csv",
  encoding = "windows-1252",
  delimiter = ";",
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Forslagsnr",
    unit = "Avdeling",
    submitted = "Innsendt",
    status = "Status",
    decided = "Behandlet",
  },
  values = {
    status = {
      ["Ny"] = "new",
      ["Under vurdering"] = "evaluating",
      ["Gjennomført"] = "implemented",
      ["Avvist"] = "rejected",
    },
  },
}

-- Styrende dokumenter fra EK. Arkiverte dokumenter teller ikke med.
dataset "documents" {
  file = "dokumenter.csv",
  encoding = "utf-8",
  delimiter = ",",
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Dok.nr",
    title = "Tittel",
    unit = "Avdeling",
    owner = "Dokumentansvarlig",
    revised = "Revidert",
    status = "Status",
  },
  values = {
    status = { ["Publisert"] = "published", ["Utkast"] = "draft", ["Arkivert"] = "archived" },
  },
}

-- Kurs: én rad per person og tildelt kurs. Rollene oversettes til
-- leader / employee, så KPI-ene nedenfor bruker de kanoniske ordene.
dataset "training" {
  file = "opplaering.csv",
  encoding = "utf-8",
  delimiter = ";",
  date_format = "dd.mm.yyyy",
  columns = {
    person = "Ansattnr",
    unit = "Avdeling",
    role = "Rolle",
    course = "Kurs",
    completed = "Fullført",
  },
  values = {
    role = { ["Leder"] = "leader", ["Medarbeider"] = "employee" },
  },
}

-- ═══════════════════════════════════════════════════════ 1. Tenke forbedring i alt vi gjør

-- Mål: «Erfaringsoverføring, løfte fram de gode ideene, tenke forbedring.»
-- KPI: «Rapportere minimum 5 stk forbedringsforslag pr mnd pr avdeling (DG nivå)».
-- Verdien er andelen (avdeling, måned)-par med minst 5 forslag; målet er
-- at alle avdelinger når det hver måned.
kpi.proposals_per_unit_month {
  title = "Avdelinger med minst 5 forbedringsforslag per måned",
  threshold = 5,
  target = 1.0,
  warning = 0.75,
}

-- Til oppfølging: hvor mange forslag som kommer inn og hvor mange som blir
-- gjennomført («løfte fram gode ideer»).
kpi.proposals_submitted {
  title = "Innsendte forbedringsforslag",
  breakdown = { "unit" },
}

kpi.proposals_implemented {
  title = "Gjennomførte forbedringsforslag",
  breakdown = { "unit" },
}

-- ═══════════════════════════════════════════════════════ 2. Behandle og lukke avvik

-- Mål: «Fokusere på forbedring og lukke avvik ved å implementere tiltak.»
-- KPI: «Avvik skal lukkes innen frist.»
kpi.deviations_closed_on_time {
  title = "Avvik lukket innen frist",
  target = 1.0,
  warning = 0.9,
  breakdown = { "unit" },
}

-- Det som ennå ikke er lukket og har passert fristen, med liste og antall
-- dager over frist, så avdelingene kan følge opp.
kpi.deviations_open_overdue {
  title = "Åpne avvik over frist",
  breakdown = { "unit" },
}

kpi.deviations_reported {
  title = "Registrerte avvik",
  breakdown = { "unit", "category" },
}

-- Egen indikator: «lukke avvik ved å implementere tiltak» – raskt. Av avvik
-- lukket i perioden: andelen som ble lukket innen 30 dager etter at de ble
-- registrert. Fristene i systemet er 14–60 dager; 30 dager er et lokalt
-- valgt ambisjonsnivå (ikke et tall fra policyen) – endre det her ved behov.
kpi.custom {
  id = "avvik_lukket_30_dager",
  title = "Avvik lukket innen 30 dager",
  definition = "Av avvik lukket i perioden: andelen som ble lukket senest 30 dager etter registrering.",
  kind = "share",
  direction = "at_least",
  target = 0.75,
  warning = 0.6,
  breakdown = { "unit" },
  compute = function(data, p)
    local lukket = data.deviations:between("closed", p.start, p["end"])
    return lukket:compare("closed", "<=", "reported", 30), lukket
  end,
}

-- ═══════════════════════════════════════════════════════ 3. Oppdatert kvalitetssystem

-- Mål: «Oppdaterte og relevante dokumenter (Sikre beste praksis).»
-- KPI: «Dokumenter i systemet skal være revidert i løpet av siste 2 år.»
-- Dokumenter uten revisjonsdato regnes som ikke revidert.
kpi.documents_revised_within {
  title = "Dokumenter revidert siste 2 år",
  years = 2,
  target = 1.0,
  warning = 0.9,
}

-- ═══════════════════════════════════════════════════════ 4. Kompetanseutvikling ledere

-- Mål: «Økt kompetanse innen kvalitet. Bygge kvalitetskultur.»
-- KPI: «Gjennomføre digitalt kurs i kvalitetsledelse i løpet av 2022-2023.»
kpi.training_completed {
  id = "training_leaders_quality",
  title = "Ledere: digitalt kurs i kvalitetsledelse (2022–2023)",
  course = "Kvalitetsledelse",
  role = "leader",
  deadline = "2023-12-31",
  warning = 0.9,
}

-- KPI: «Gjennomføre digitalt kurs i avvikshåndtering i løpet av 2022.»
kpi.training_completed {
  id = "training_leaders_deviations",
  title = "Ledere: digitalt kurs i avvikshåndtering (2022)",
  course = "Avvikshåndtering",
  role = "leader",
  deadline = "2022-12-31",
  warning = 0.9,
}

-- ═══════════════════════════════════════════════════════ 5. Kompetanseutvikling medarbeidere

-- Mål: «Medarbeidere med relevant kompetanse i eget fag samt minimum av
-- digital kompetanse.»
-- KPI: «Gjennomføre digitalt kurs i kvalitet i løpet av 2022.»
kpi.training_completed {
  id = "training_employees_quality",
  title = "Medarbeidere: digitalt kurs i kvalitet (2022)",
  course = "Kvalitet",
  role = "employee",
  deadline = "2022-12-31",
  warning = 0.9,
}

-- KPI: «Digital opplæringspakke etableres og skal gjennomføres av alle i
-- løpet av 2022-23.» «Alle» – derfor ingen rolle: ledere og medarbeidere.
kpi.training_completed {
  id = "training_digital_package",
  title = "Alle ansatte: digital opplæringspakke (2022–23)",
  course = "Digital opplæringspakke",
  deadline = "2023-12-31",
  warning = 0.9,
}

--[[
  Troms fylkeskommune – regler for kvalitetsrapporten
  ===================================================

  Grunnlag: «Kvalitetspolicy og mål for Troms fylkeskommune, 2023-2026»,
  vedtatt av Porteføljestyret 01.03.2023. Policyen sier:

      «Kvaliteten skal komme til uttrykk ikke bare gjennom planer og
       intensjoner, men ved at vi gjennom systematisk kvalitetsarbeid oppnår
       organisatorisk læring og utvikling.»

  Indikatorene følger tabellen «Kvalitetsmål Troms fylkeskommune»
  (målsetting – delmål – hvordan kontrollere). Sitatene i kommentarene er
  policyens egne ord.

  Rapporten er også grunnlaget for delmålet «Internkontroll på bruk av
  systemet»: «Rapportere regelmessig til porteføljestyret på bruken av
  systemet», og for rapporteringen til fylkestinget «i tråd med
  kommunelovens §25 om Internkontroll». Derfor brytes bruken ned per enhet.

  Data: avvikssystemet (komma, UTF-8, tittellinje over overskriften, som
  derfor står på linje 3), EK (semikolon, CRLF), ledelsens gjennomgang og
  enhetsregisteret. Se samples/README.md.

      kvalrap run --period 2026-10 --municipality troms
]]

municipality {
  id = "troms",
  name = "Troms fylkeskommune",
  language = "nb",
  title = "Kvalitetsrapport",
  data_dir = "../samples/troms",
  list_limit = 50,
}

-- ═══════════════════════════════════════════════════════ Datagrunnlag

-- Avvik. Eksporten har en tittellinje og en tom linje over overskriften.
-- Alvorlighetsgrad: Lav / Middels / Alvorlig / Svært alvorlig.
-- Årsaksanalyse utført: Ja / Nei / tom (tom = ikke utført).
dataset "deviations" {
  file = "avvik.csv",
  encoding = "utf-8",
  delimiter = ",",
  header_line = 3,
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Avviksnr",
    unit = "Enhet",
    reported = "Meldt dato",
    due = "Frist",
    closed = "Lukket dato",
    category = "Kategori",
    severity = "Alvorlighetsgrad",
    root_cause = "Årsaksanalyse utført",
  },
}

-- Meldinger fra «forbedringsmelding-knappen».
dataset "proposals" {
  file = "forbedringsmeldinger.csv",
  encoding = "utf-8",
  delimiter = ",",
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Meldingsnr",
    unit = "Enhet",
    submitted = "Dato",
    status = "Status",
    decided = "Behandlet dato",
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

-- Styringsdokumenter i EK («Rutine utarbeidet og publisert i EK»).
dataset "documents" {
  file = "dokumenter.csv",
  encoding = "utf-8",
  delimiter = ";",
  date_format = "dd.mm.yyyy",
  columns = {
    id = "Dok.id",
    title = "Tittel",
    unit = "Enhet",
    owner = "Dokumentansvarlig",
    revised = "Revidert",
    status = "Status",
  },
  values = {
    status = { ["Publisert"] = "published", ["Utkast"] = "draft", ["Arkivert"] = "archived" },
  },
}

-- Ledelsens gjennomgang: én rad per gjennomgang.
dataset "reviews" {
  file = "ledelsens_gjennomgang.csv",
  encoding = "utf-8",
  delimiter = ";",
  date_format = "dd.mm.yyyy",
  columns = {
    unit = "Enhet",
    date = "Dato",
    level = "Nivå",
    improvement_goals = "Antall forbedringsmål",
  },
}

-- Enhetsregisteret: alle nivåer (fylkesdirektør, etat, enhet). Det er
-- enhetene her som skal ha ledelsens gjennomgang – «på alle nivå».
dataset "units" {
  file = "enheter.csv",
  encoding = "utf-8",
  delimiter = ";",
  columns = {
    unit = "Enhet",
    parent = "Overordnet enhet",
    level = "Nivå",
  },
}

-- ═══════════════════════════════════════════════════════ Oppdatert og relevant

-- Delmål: «Oppdaterte og relevante dokumenter».
-- Kontroll: «Dokumenter i systemet skal være reviderte i løpet av siste 3 år.»
kpi.documents_revised_within {
  title = "Dokumenter revidert siste 3 år",
  years = 3,
  target = 1.0,
  warning = 0.9,
}

-- ═══════════════════════════════════════════════════════ Brukes aktivt – flere avvik

-- Delmål: «Mål om å øke antall avvik som meldes i systemet (aggregert nivå).»
-- Antall meldte avvik, per enhet og kategori (rapport til porteføljestyret) …
kpi.deviations_reported {
  title = "Meldte avvik",
  breakdown = { "unit", "category" },
}

-- … og endringen mot samme periode i fjor: målet er en økning (> 0).
kpi.deviations_reported_change {
  title = "Endring i meldte avvik mot samme periode i fjor",
  target = 0,
  direction = "above",
}

-- ═══════════════════════════════════════════════════════ Læring – årsaksanalyse

-- Delmål: «Årsaksanalyse minimum ved alvorlig personskade for å sikre læring.»
-- Av avvik i kategorien Personskade med alvorlighetsgrad Alvorlig eller
-- Svært alvorlig: andelen med årsaksanalyse. Målet er alle.
kpi.root_cause_serious_injury {
  title = "Årsaksanalyse ved alvorlig personskade",
  categories = { "Personskade" },
  severities = { "Alvorlig", "Svært alvorlig" },
  target = 1.0,
}

-- ═══════════════════════════════════════════════════════ Gode ideer

-- Delmål: «Løfte frem gode ideer og erfaringsdeling».
-- Kontroll: «Bruk av «forbedringsmelding-knapp» (+måltall?)» – måltallet
-- er ikke fastsatt, så indikatoren er et antall uten mål, per enhet.
kpi.proposals_submitted {
  title = "Forbedringsmeldinger (bruk av forbedringsknappen)",
  breakdown = { "unit" },
}

-- ═══════════════════════════════════════════════════════ Ledelsens gjennomgang

-- Delmål: «"Ledelsens gjennomgang" gjennomføres årlig på alle nivå»,
-- med «minimum 2 forbedringsmål per år».
-- Av enhetene i registeret: andelen med minst én gjennomgang i
-- rapportperiodens kalenderår som har minst 2 forbedringsmål.
kpi.management_reviews {
  title = "Ledelsens gjennomgang med minst 2 forbedringsmål",
  min_goals = 2,
  target = 1.0,
}

-- ═══════════════════════════════════════════════════════ Internkontroll

-- Delmål: «Internkontroll på bruk av systemet». Åpne avvik over frist, med
-- liste, og hvor mange som lukkes innen frist.
kpi.deviations_open_overdue {
  title = "Åpne avvik over frist",
  breakdown = { "unit" },
}

kpi.deviations_closed_on_time {
  title = "Avvik lukket innen frist",
  target = 1.0,
  warning = 0.9,
  breakdown = { "unit" },
}

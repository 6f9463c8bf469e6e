--[[
  Norrtälje kommun – regler för kvalitetsrapporten
  ================================================

  Grund: «Kvalitetspolicy för Norrtälje kommun» (KF 2017-11-06, § 233,
  KS17-1384). Policyn säger bland annat:

      «Vi älskar avvikelser! ... Vi ser varje avvikelse som en möjlighet
       till en förbättring.»
      «Vid enklare ärenden ska jag som invånare kunna förvänta mig att inom
       maximalt två dygn få svar via telefon eller e-post.»
      «Vi arbetar aktivt med könsseparerad statistik»
      «Vi jämför våra resultat över tid och jämför med både vår invärd och
       vår omvärld.»

  Varje nyckeltal nedan bygger på ett av dessa åtaganden; citaten i
  kommentarerna är policyns egna ord. Jämförelsen över tid ger rapporten
  själv: föregående period, samma period i fjol och en månadsserie.

  Data: avvikelsesystemets export (CSV UTF-8 med BOM, semikolon, CRLF),
  ärendesystemet (kommaseparerat, datum med klockslag), förbättringsförslag
  och styrdokument. Se samples/README.md.

      kvalrap run --period 2026-10 --municipality norrtalje
]]

municipality {
  id = "norrtalje",
  name = "Norrtälje kommun",
  language = "sv",
  title = "Kvalitetsrapport",
  data_dir = "../samples/norrtalje",
  list_limit = 50,
}

-- ═══════════════════════════════════════════════════════ Dataunderlag

-- Avvikelser, synpunkter och klagomål. Kön: K / M / tomt.
dataset "deviations" {
  file = "avvikelser.csv",
  encoding = "utf-8",          -- med BOM; BOM:en tas bort vid inläsning
  delimiter = ";",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Ärendenr",
    unit = "Enhet",
    reported = "Registrerad",
    due = "Åtgärdas senast",
    closed = "Avslutad",
    category = "Kategori",
    gender = "Kön",
  },
}

-- Enklare ärenden via e-post, telefon och e-tjänst. Inkom och Besvarad är
-- datum med klockslag ("2026-10-03 14:25"); några telefonsvar har bara datum.
dataset "inquiries" {
  file = "arenden.csv",
  encoding = "utf-8",
  delimiter = ",",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Ärende-ID",
    unit = "Enhet",
    received = "Inkom",
    answered = "Besvarad",
    channel = "Kanal",
    gender = "Kön",
  },
}

-- Förbättringsförslag från medarbetare och invånare.
dataset "proposals" {
  file = "forbattringsforslag.csv",
  encoding = "utf-8",
  delimiter = ",",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Id",
    unit = "Enhet",
    submitted = "Inlämnat",
    status = "Status",
    decided = "Beslutsdatum",
  },
  values = {
    status = {
      ["Ny"] = "new",
      ["Under utredning"] = "evaluating",
      ["Genomförd"] = "implemented",
      ["Avslagen"] = "rejected",
    },
  },
}

-- Styrdokument. Arkiverade dokument räknas inte.
dataset "documents" {
  file = "styrdokument.csv",
  encoding = "utf-8",
  delimiter = ";",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Dokument-ID",
    title = "Titel",
    unit = "Enhet",
    owner = "Dokumentägare",
    revised = "Senast reviderad",
    status = "Status",
  },
  values = {
    status = { ["Publicerad"] = "published", ["Utkast"] = "draft", ["Arkiverad"] = "archived" },
  },
}

-- ═══════════════════════════════════════════════════════ Tillgänglighet

-- «Vid enklare ärenden ska jag som invånare kunna förvänta mig att inom
-- maximalt två dygn få svar via telefon eller e-post.»
-- Två dygn = 48 timmar när både inkom och besvarad har klockslag. Ärenden
-- som ännu inte är besvarade och vars tid inte har gått ut räknas inte.
-- Uppdelat på kön: «könsseparerad statistik».
kpi.inquiries_answered_within {
  title = "Ärenden besvarade inom två dygn",
  days = 2,
  target = 1.0,
  warning = 0.9,
  breakdown = { "unit", "channel", "gender" },
}

-- ═══════════════════════════════════════════════════════ Vi älskar avvikelser

-- «Vi älskar avvikelser! För att kunna arbeta med förbättringar ska det
-- råda en tillåtande och öppen kultur i organisationen där vi uppmuntrar
-- synliggörande av fel och avvikelser.» Fler rapporterade avvikelser är
-- bra. Uppdelat på kön: «Vi arbetar aktivt med könsseparerad statistik».
kpi.deviations_reported {
  title = "Rapporterade avvikelser",
  breakdown = { "gender", "unit", "category" },
}

-- Trenden: förändring mot samma period i fjol; målet är en ökning.
kpi.deviations_reported_change {
  title = "Förändring i rapporterade avvikelser mot samma period i fjol",
  target = 0,
  direction = "above",
}

-- «Vi följer upp förbättringarna och säkrar att de verkligen lett till mer
-- positiva erfarenheter»: avvikelser ska åtgärdas i tid.
kpi.deviations_closed_on_time {
  title = "Avvikelser åtgärdade i tid",
  target = 1.0,
  warning = 0.9,
  breakdown = { "gender", "unit" },
}

kpi.deviations_open_overdue {
  title = "Öppna avvikelser efter sista åtgärdsdag",
  breakdown = { "unit" },
}

-- ═══════════════════════════════════════════════════════ Invånarnas idéer

-- «Invånarnas idéer utvecklar verksamheten» – «Vi tar systematiskt tillvara
-- invånarnas förslag och synpunkter och återkopplar resultat.»
kpi.proposals_submitted {
  title = "Inlämnade förbättringsförslag",
  breakdown = { "unit" },
}

kpi.proposals_implemented {
  title = "Genomförda förbättringsförslag",
  breakdown = { "unit" },
}

-- ═══════════════════════════════════════════════════════ Styrdokument

-- Policyns egen rubrik: «Senaste datum för översyn: 3 år efter beslut».
-- Samma regel för alla styrdokument: översedda under de senaste 3 åren.
kpi.documents_revised_within {
  title = "Styrdokument reviderade de senaste 3 åren",
  years = 3,
  target = 1.0,
  warning = 0.9,
}

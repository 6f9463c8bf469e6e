--[[
  Huddinge kommun – regler för kvalitetsrapporten
  ===============================================

  Grund: «Huddinges kvalitetsstrategi för ständiga förbättringar»
  (uppdaterad 12 december 2019), princip 7 och 10:

      «Vi mäter, analyserar, bedömer och kommunicerar verksamhetens
       resultat och effektivitet. Vi jämför våra resultat över tid samt med
       länet. Vi gör analys utifrån kön, område och ålder där barnen
       särskilt sätts i fokus.»
      «Detta ska systematiskt följas upp och analyseras i delårsrapporter,
       verksamhetsberättelser samt i kommunens årsredovisning.»

  Rapporten körs för månaden, för delårsrapporten (januari–augusti) och
  för helåret (verksamhetsberättelse och årsredovisning):

      kvalrap run --period 2026-10 --municipality huddinge
      kvalrap run --period 2026-H8 --municipality huddinge
      kvalrap run --period 2026    --municipality huddinge

  Data: avvikelser med kön, åldersgrupp och område (kommaseparerad UTF-8),
  förbättringsförslag (semikolon) och styrdokument sparade från Excel som
  «Unicode-text» (UTF-16 med BOM, tabbseparerad). Referensvärden för
  Stockholms län (påhittade exempel) finns i lansvarden.csv.
]]

municipality {
  id = "huddinge",
  name = "Huddinge kommun",
  language = "sv",
  title = "Kvalitetsrapport",
  data_dir = "../samples/huddinge",
  list_limit = 50,
}

-- ═══════════════════════════════════════════════════════ Dataunderlag

-- Avvikelser. Kön: K / M / tomt. Åldersgrupp: 0-17, 18-64, 65+.
-- Område: kommundelarna (Flemingsberg, Skogås, Trångsund, Vårby, …).
dataset "deviations" {
  file = "avvikelser.csv",
  encoding = "utf-8",
  delimiter = ",",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Avvikelse-ID",
    unit = "Enhet",
    reported = "Registrerad",
    due = "Åtgärd senast",
    closed = "Avslutad",
    category = "Kategori",
    severity = "Allvarlighetsgrad",
    gender = "Kön",
    age_group = "Åldersgrupp",
    area = "Område",
  },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  encoding = "utf-8",
  delimiter = ";",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Nr",
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

-- Excel «Unicode-text»: UTF-16LE med BOM och tabbar.
dataset "documents" {
  file = "styrdokument.csv",
  encoding = "utf-16",
  delimiter = "\t",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Dokument-ID",
    title = "Titel",
    unit = "Enhet",
    owner = "Ägare",
    revised = "Senast reviderad",
    status = "Status",
  },
  values = {
    status = { ["Publicerad"] = "published", ["Utkast"] = "draft", ["Arkiverad"] = "archived" },
  },
}

-- ═══════════════════════════════════════════════════════ Fokus på resultat – analys

-- «Vi gör analys utifrån kön, område och ålder där barnen särskilt sätts i
-- fokus.» Antalet avvikelser, uppdelat på kön, åldersgrupp, område och
-- kategori (och enhet).
-- Jämförelse med länet: referensvärden för Stockholms län (påhittade exempel).
reference {
  file = "lansvarden.csv",
  columns = { kpi = "Nyckeltal", source = "Källa", period = "Period", value = "Värde" },
}

kpi.deviations_reported {
  title = "Rapporterade avvikelser",
  breakdown = { "gender", "age_group", "area", "category", "unit" },
}

-- «Vi jämför våra resultat över tid»: förändringen mot samma period i fjol.
kpi.deviations_reported_change {
  title = "Förändring i rapporterade avvikelser mot samma period i fjol",
}

-- ═══════════════════════════════════════════════════════ Barnen i fokus

-- Egna nyckeltal: «där barnen särskilt sätts i fokus».
-- 1) Hur många av periodens avvikelser som rör barn (0–17 år), uppdelat
--    på kön och område. Ett analysmått: inget mål.
kpi.custom {
  id = "avvikelser_barn",
  title = "Avvikelser som rör barn (0–17 år)",
  definition = "Avvikelser registrerade i perioden med åldersgrupp 0-17.",
  kind = "count",
  breakdown = { "gender", "area", "unit" },
  compute = function(data, p)
    return data.deviations:between("reported", p.start, p["end"]):is("age_group", "0-17")
  end,
}

-- 2) Av avvikelserna som rör barn och avslutades under perioden: andelen
--    som åtgärdades senast på åtgärdsdatum – barnens ärenden ska inte vänta.
kpi.custom {
  id = "barn_avslutade_i_tid",
  title = "Avvikelser som rör barn, åtgärdade i tid",
  definition = "Av avvikelser med åldersgrupp 0-17 som avslutats i perioden och har ett åtgärdsdatum: andelen avslutade senast det datumet.",
  kind = "share",
  direction = "at_least",
  target = 1.0,
  warning = 0.9,
  breakdown = { "area" },
  compute = function(data, p)
    local avslutade = data.deviations:between("closed", p.start, p["end"])
      :present("due"):is("age_group", "0-17")
    return avslutade:compare("closed", "<=", "due"), avslutade
  end,
}

-- ═══════════════════════════════════════════════════════ Planera, utföra, följa upp, förbättra

-- Princip 10, «kvalitetshjulets princip: planera, utföra, följa upp och
-- förbättra»: avvikelser åtgärdas i tid, och de som inte gjort det listas.
kpi.deviations_closed_on_time {
  title = "Avvikelser åtgärdade i tid",
  target = 1.0,
  warning = 0.9,
  breakdown = { "age_group", "area", "unit" },
}

kpi.deviations_open_overdue {
  title = "Öppna avvikelser efter åtgärdsdatum",
  breakdown = { "unit", "area" },
}

-- Princip 9, «Ständigt lärande», och princip 2: «Vi tar systematiskt
-- tillvara invånarnas förslag och synpunkter och återkopplar resultat.»
kpi.proposals_submitted {
  title = "Inlämnade förbättringsförslag",
  breakdown = { "unit" },
}

-- «följa gällande lagar, andra styrdokument och föreskrifter»: styrdokumenten
-- ska vara aktuella. Strategin anger ingen tidsgräns; två år är ett lokalt val.
kpi.documents_revised_within {
  title = "Styrdokument reviderade de senaste 2 åren",
  years = 2,
  target = 1.0,
  warning = 0.9,
}

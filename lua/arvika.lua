--[[
  Arvika kommun – regler för kvalitetsrapporten
  =============================================

  Grund: «Kvalitetsstrategi – strategi för kommunkoncernens kvalitetsarbete»,
  antagen av kommunfullmäktige 26 juni 2023, § 119. Strategin säger:

      «Uppföljning av ekonomi- och verksamhetsmål sker i kommunstyrelsen
       varje månad med fördjupad uppföljning i april och med delårsbokslut
       i augusti.»
      «Arbetet med kvalitet sker systematisk, transparent och utvecklar
       processer som har värde för invånarna.»
      «Kvalitetsarbetet sker systematiskt med fokus på uppföljning, lärande
       och delande av goda exempel mellan verksamheter.»

  Rapporterna körs därför varje månad, för tertialet (fördjupningen i april)
  och för delåret januari–augusti:

      kvalrap run --period 2026-10    --municipality arvika   # månaden
      kvalrap run --period 2026-T1    --municipality arvika   # april
      kvalrap run --period 2026-H8    --municipality arvika   # delårsbokslut

  Data: avvikelser sparade från Excel som «CSV (semikolonavgränsad)»
  (Windows-1252, CRLF), förslag som tabbseparerad text, styrdokument som
  kommaseparerad CSV. Se samples/README.md.
]]

municipality {
  id = "arvika",
  name = "Arvika kommun",
  language = "sv",
  title = "Kvalitetsrapport",
  data_dir = "../samples/arvika",
  list_limit = 50,
}

-- ═══════════════════════════════════════════════════════ Dataunderlag

dataset "deviations" {
  file = "avvikelser.csv",
  encoding = "windows-1252",
  delimiter = ";",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Löpnr",
    unit = "Förvaltning/enhet",
    reported = "Registrerad",
    due = "Sista åtgärdsdatum",
    closed = "Avslutad",
    category = "Typ",
  },
}

dataset "proposals" {
  file = "forbattringsforslag.csv",
  encoding = "utf-8",
  delimiter = "\t",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Förslag nr",
    unit = "Enhet",
    submitted = "Inlämnat",
    status = "Status",
    decided = "Beslutat",
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

dataset "documents" {
  file = "styrdokument.csv",
  encoding = "utf-8",
  delimiter = ",",
  date_format = "yyyy-mm-dd",
  columns = {
    id = "Id",
    title = "Titel",
    unit = "Ansvarig enhet",
    owner = "Ansvarig",
    revised = "Fastställd",
    status = "Status",
  },
  values = {
    status = { ["Publicerad"] = "published", ["Utkast"] = "draft", ["Arkiverad"] = "archived" },
  },
}

-- Referensvärden: referens_kkik.csv (KKiK, länet Värmland, kommungruppen)
-- och kolada.json (Kolada-format) ligger bredvid exporterna. Alla värden i
-- dem är påhittade exempel. Strategin: «KKiK används som underlag i
-- kvalitetsarbetet där nyckeltal i jämförelse med andra kommuner ligger som
-- grund för analys». Nyckeltalens id i referens_kkik.csv är desamma som här.
reference {
  file = "referens_kkik.csv",
  columns = { kpi = "Nyckeltal", source = "Källa", period = "Period", value = "Värde" },
}

-- Kolada lämnar procent; skala 0.01 gör dem till andelar som våra nyckeltal.
-- KPI-id:na U00000–U00002 är platshållare i exempelfilen.
reference {
  file = "kolada.json",
  format = "kolada",
  kpis = { U00001 = "deviations_closed_on_time", U00002 = "andel_genomforda_forslag" },
  sources = { ["1784"] = "Arvika (Kolada)", ["0017"] = "Värmlands län (Kolada)", ["0000"] = "Riket (Kolada)" },
  scale = 0.01,
}

-- ═══════════════════════════════════════════════════════ Systematiskt – avvikelser

-- «Arbetet med kvalitet sker systematisk, transparent»: avvikelser ska
-- åtgärdas före sista åtgärdsdatum …
kpi.deviations_closed_on_time {
  title = "Avvikelser åtgärdade i tid",
  target = 1.0,
  warning = 0.9,
  breakdown = { "unit" },
}

-- … och de som passerat datumet utan att vara avslutade syns i en lista.
kpi.deviations_open_overdue {
  title = "Öppna avvikelser efter sista åtgärdsdatum",
  breakdown = { "unit" },
}

-- «Transparent»: hur många avvikelser som rapporteras, och trenden.
kpi.deviations_reported {
  title = "Rapporterade avvikelser",
  breakdown = { "unit", "category" },
}

kpi.deviations_reported_change {
  title = "Förändring i rapporterade avvikelser mot samma period i fjol",
}

-- ═══════════════════════════════════════════════════════ Lärande och goda exempel

-- Mål 3: «en arbetskultur som präglas av lärande, innovation och
-- involvering av medarbetare» – förslag som lämnas in …
kpi.proposals_submitted {
  title = "Inlämnade förbättringsförslag",
  breakdown = { "unit" },
}

-- … och förslag som blir verklighet: «delande av goda exempel mellan verksamheter».
kpi.proposals_implemented {
  title = "Genomförda förbättringsförslag",
  breakdown = { "unit" },
}

-- Eget nyckeltal: av förslagen som fått beslut under perioden, hur stor
-- andel som genomförts. Riktmärket 50 % är ett lokalt val, inte ett tal ur
-- strategin – ändra det här vid behov.
kpi.custom {
  id = "andel_genomforda_forslag",
  title = "Andel beslutade förslag som genomförts",
  definition = "Av förbättringsförslag med beslutsdatum i perioden: andelen med status genomförd.",
  kind = "share",
  direction = "at_least",
  target = 0.5,
  warning = 0.4,
  compute = function(data, p)
    local beslutade = data.proposals:between("decided", p.start, p["end"])
    return beslutade:is("status", "implemented"), beslutade
  end,
}

-- ═══════════════════════════════════════════════════════ Styrdokument

-- «följer lagar och styrdokument»: styrdokumenten ska vara aktuella. Strategin
-- anger ingen tidsgräns; två år (fastställda eller reviderade) är ett lokalt val.
kpi.documents_revised_within {
  title = "Styrdokument fastställda de senaste 2 åren",
  years = 2,
  target = 1.0,
  warning = 0.9,
}

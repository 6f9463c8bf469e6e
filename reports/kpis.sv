# Titlar och definitioner för standardnyckeltalen (svenska).  {namn} ersätts med parametern.
kpi.deviations_reported.title = Rapporterade avvikelser
kpi.deviations_reported.definition = Avvikelser med registreringsdatum i perioden.
kpi.deviations_reported_change.title = Förändring i rapporterade avvikelser
kpi.deviations_reported_change.definition = Avvikelser rapporterade i perioden delat med dem som rapporterades samma period i fjol, minus 1; inget värde när fjolåret saknade avvikelser.
kpi.deviations_closed_on_time.title = Avvikelser avslutade inom tidsfrist
kpi.deviations_closed_on_time.definition = Av avvikelser avslutade i perioden som har tidsfrist: andelen avslutade senast på fristen.
kpi.deviations_open_overdue.title = Öppna avvikelser efter tidsfrist
kpi.deviations_open_overdue.definition = Avvikelser registrerade senast per datum, inte avslutade per datum, med tidsfrist före det datumet; dagar efter frist = per datum minus frist.
kpi.root_cause_serious_injury.title = Orsaksanalys vid allvarlig personskada
kpi.root_cause_serious_injury.definition = Av avvikelser rapporterade i perioden i kategorierna {categories} med allvarlighetsgrad {severities}: andelen med genomförd orsaksanalys.
kpi.proposals_submitted.title = Inlämnade förbättringsförslag
kpi.proposals_submitted.definition = Förbättringsförslag med inlämningsdatum i perioden.
kpi.proposals_implemented.title = Genomförda förbättringsförslag
kpi.proposals_implemented.definition = Förslag med status genomförd och beslutsdatum i perioden.
kpi.proposals_per_unit_month.title = Minst {threshold} förbättringsförslag per månad och enhet
kpi.proposals_per_unit_month.definition = För varje enhet och varje månad i perioden: andelen enhetsmånader med minst {threshold} inlämnade förslag.
kpi.documents_revised_within.title = Styrdokument reviderade senaste {years} åren
kpi.documents_revised_within.definition = Av dokument som inte är arkiverade: andelen reviderade på eller efter dagen {years} år före per datum; dokument utan revisionsdatum räknas som ej reviderade.
kpi.inquiries_answered_within.title = Ärenden besvarade inom {days} dagar
kpi.inquiries_answered_within.definition = Av ärenden mottagna i perioden, utom obesvarade vars tidsfrist ännu inte passerat: andelen besvarade inom {days} dagar (x 24 timmar när båda klockslagen är kända).
kpi.training_completed.title = Genomförd utbildning: {course}
kpi.training_completed.definition = Av personer som ska gå kursen {course}: andelen som slutfört den senast vid tidsfristen (annars per datum).
kpi.management_reviews.title = Ledningens genomgång med minst {min_goals} förbättringsmål
kpi.management_reviews.definition = Av enheterna: andelen med minst en ledningens genomgång under kalenderåret för periodens slut med minst {min_goals} förbättringsmål.

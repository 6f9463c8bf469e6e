/*
 * fixture.c - see fixture.h.
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

static const char *const units[] = {"Økonomi og styring", "Sámi giellaguovddáš", "Åsgård skole",
                                    "Vård & omsorg", "Ŋuorra-Đavvi"};

static void add_series(report *r, kpi_result *k, int32_t as_of, double base)
{
    k->nseries = 12;
    k->series = arena_alloc(&r->mem, 12 * sizeof *k->series);
    for (int i = 0; i < 12; i++) {
        period p = period_month_of(date_add_months(as_of, i - 11));
        memcpy(k->series[i].month, p.id, 8);
        k->series[i].value = i == 3 ? MAYBE_NONE : MAYBE(base + 0.01 * i);
    }
}

static breakdown unit_breakdown(report *r, bool share)
{
    breakdown b = {.dimension = "unit", .n = 5};
    b.entries = arena_alloc(&r->mem, 5 * sizeof *b.entries);
    for (size_t i = 0; i < 5; i++) {
        breakdown_entry *e = &b.entries[i];
        e->key = units[i];
        if (share) {
            e->numerator = MAYBE(3 + i);
            e->denominator = MAYBE(i == 4 ? 0 : 5 + i);
            e->value = i == 4 ? MAYBE_NONE : MAYBE((3.0 + i) / (5.0 + i));
        } else {
            e->value = MAYBE(10 * i);
        }
    }
    return b;
}

report *fixture_report(const char *language)
{
    report *r = calloc(1, sizeof *r);
    r->municipality = "nordland";
    r->name = "Nordland fylkeskommune";
    r->language = language;
    r->title = "Kvalitetsrapport";
    r->period = period_make(PERIOD_MONTH, 2026, 10);
    r->as_of = r->period.end;
    r->generated = 1793491200;   /* 2026-11-01T00:00:00Z */
    r->rule_file = "lua/nordland.lua";
    memset(r->rule_sha256, 'a', 64);

    r->nkpis = 3;
    r->kpis = arena_alloc(&r->mem, 3 * sizeof *r->kpis);

    kpi_result *k = &r->kpis[0];
    k->id = "deviations_closed_on_time";
    k->title = "Avvik lukket innen frist";
    k->definition = "Av avvik lukket i perioden med frist: andel lukket senest på fristen.";
    k->kind = KPI_SHARE;
    k->numerator = MAYBE(87);
    k->denominator = MAYBE(100);
    k->value = MAYBE(0.87);
    k->target = MAYBE(1.0);
    k->warning = MAYBE(0.9);
    k->direction = DIR_AT_LEAST;
    k->status = kpi_status_of(k->value, k->target, k->warning, k->direction);
    k->nbreakdowns = 1;
    k->breakdowns = arena_alloc(&r->mem, sizeof *k->breakdowns);
    k->breakdowns[0] = unit_breakdown(r, true);
    k->previous = MAYBE(0.8);
    k->last_year = MAYBE_NONE;
    strcpy(k->previous_id, "2026-09");
    strcpy(k->last_year_id, "2025-10");
    add_series(r, k, r->as_of, 0.7);

    k = &r->kpis[1];
    k->id = "deviations_open_overdue";
    k->title = "Åpne avvik over frist";
    k->definition = "Avvik registrert senest per dato, ikke lukket, med frist før per dato.";
    k->kind = KPI_COUNT;
    k->value = MAYBE(3);
    k->numerator = k->denominator = MAYBE_NONE;
    k->target = MAYBE(0);
    k->direction = DIR_AT_MOST;
    k->status = kpi_status_of(k->value, k->target, k->warning, k->direction);
    k->nbreakdowns = 1;
    k->breakdowns = arena_alloc(&r->mem, sizeof *k->breakdowns);
    k->breakdowns[0] = unit_breakdown(r, false);
    strcpy(k->previous_id, "2026-09");
    strcpy(k->last_year_id, "2025-10");
    k->previous = MAYBE(5);
    k->last_year = MAYBE(2);
    add_series(r, k, r->as_of, 4);

    static const char *const cols[] = {"id", "unit", "reported", "due", "days_overdue"};
    item_list *l = arena_alloc(&r->mem, sizeof *l);
    l->name = "overdue_deviations";
    l->ncols = 5;
    l->columns = (const char **)cols;
    l->nrows = 3;
    l->cells = arena_alloc(&r->mem, 15 * sizeof *l->cells);
    const char *ids[] = {"=HYPERLINK(\"http://x\")", "A-2", "A-3"};
    for (int i = 0; i < 3; i++) {
        cell *c = l->cells + 5 * i;
        c[0] = (cell){.kind = CELL_TEXT, .u.text = ids[i]};
        c[1] = (cell){.kind = CELL_TEXT, .u.text = units[i]};
        c[2] = (cell){.kind = CELL_DATE, .u.day = date_from_ymd(2026, 1 + i, 29)};
        c[3] = (cell){.kind = i == 2 ? CELL_EMPTY : CELL_DATE, .u.day = date_from_ymd(2026, 9, 1 + i)};
        c[4] = (cell){.kind = CELL_INT, .u.i = 60 - i};
    }
    k->items = l;

    k = &r->kpis[2];
    k->id = "proposals_submitted";
    k->title = "Forbedringsforslag";
    k->definition = "Forslag med innsendt dato i perioden.";
    k->kind = KPI_COUNT;
    k->value = MAYBE(1234567);
    k->direction = DIR_AT_LEAST;
    k->status = STATUS_NONE;
    strcpy(k->previous_id, "2026-09");
    strcpy(k->last_year_id, "2025-10");
    add_series(r, k, r->as_of, 100);

    r->ninputs = 1;
    r->inputs = arena_alloc(&r->mem, sizeof *r->inputs);
    r->inputs[0] = (input_file){.dataset = "deviations", .path = "samples/nordland/avvik.csv",
                                .encoding = "windows-1252", .delimiter_name = "semicolon",
                                .size = 12345, .rows = 120, .accepted = 119, .rejected = 1};
    memset(r->inputs[0].sha256, 'b', 64);
    r->nrejects = 1;
    r->rejects = arena_alloc(&r->mem, sizeof *r->rejects);
    r->rejects[0] = (reject){"samples/nordland/avvik.csv", 17, "reported", "31.04.2024",
                             "not a date of the form dd.mm.yyyy"};
    r->rejected_rows = 1;
    return r;
}

/*
 * schema.c - the datasets of spec §1.
 */
#include "schema.h"

#include <string.h>

#define T(n) {n, FT_TEXT, false, false}
#define TR(n) {n, FT_TEXT, true, false}
#define TF(n) {n, FT_TEXT, false, true}
#define TFR(n) {n, FT_TEXT, true, true}
#define D(n) {n, FT_DATE, false, false}
#define DR(n) {n, FT_DATE, true, false}

const dataset_schema schema_datasets[] = {
    {"deviations", true, "id", 11,
     {TR("id"), TR("unit"), DR("reported"), D("due"), D("closed"), TF("category"), TF("severity"),
      {"root_cause", FT_BOOL, false, false}, T("gender"), T("age_group"), T("area")}},
    {"proposals", true, "id", 5, {TR("id"), TR("unit"), DR("submitted"), TF("status"), D("decided")}},
    {"documents", true, "id", 6,
     {TR("id"), TR("title"), T("unit"), T("owner"), D("revised"), TF("status")}},
    {"inquiries", false, "id", 6,
     {TR("id"), T("unit"), {"received", FT_DATETIME, true, false}, {"answered", FT_DATETIME, false, false},
      T("channel"), T("gender")}},
    {"training", false, NULL, 5, {TR("person"), T("unit"), TF("role"), TFR("course"), D("completed")}},
    {"reviews", false, NULL, 4,
     {TR("unit"), DR("date"), T("level"), {"improvement_goals", FT_INT, false, false}}},
    {"units", false, NULL, 3, {TR("unit"), T("parent"), T("level")}},
    /* Reference values to compare with (county, KKiK, national averages). */
    {"references", false, NULL, 4,
     {TR("kpi"), TR("source"), TR("period"), {"value", FT_NUMBER, true, false}}},
};

const size_t schema_ndatasets = sizeof schema_datasets / sizeof schema_datasets[0];

const dataset_schema *schema_find(const char *dataset)
{
    for (size_t i = 0; i < schema_ndatasets; i++)
        if (strcmp(schema_datasets[i].name, dataset) == 0)
            return &schema_datasets[i];
    return NULL;
}

int schema_field_index(const dataset_schema *ds, const char *field)
{
    for (size_t i = 0; i < ds->nfields; i++)
        if (strcmp(ds->fields[i].name, field) == 0)
            return (int)i;
    return -1;
}

const char *field_type_name(field_type t)
{
    switch (t) {
    case FT_TEXT: return "text";
    case FT_DATE: return "date";
    case FT_DATETIME: return "date-time";
    case FT_BOOL: return "boolean";
    case FT_INT: return "integer";
    case FT_NUMBER: return "number";
    }
    return "?";
}

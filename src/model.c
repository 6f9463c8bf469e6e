/*
 * model.c - names of the model's enums and the status rule of spec §3.
 */
#include "model.h"

#include <string.h>

const char *kpi_direction_name(kpi_direction d)
{
    switch (d) {
    case DIR_AT_LEAST: return "at_least";
    case DIR_AT_MOST: return "at_most";
    case DIR_ABOVE: return "above";
    }
    return "?";
}

const char *kpi_status_name(kpi_status s)
{
    switch (s) {
    case STATUS_NONE: return "none";
    case STATUS_GREEN: return "green";
    case STATUS_YELLOW: return "yellow";
    case STATUS_RED: return "red";
    }
    return "?";
}

const char *kpi_kind_name(kpi_kind k)
{
    switch (k) {
    case KPI_COUNT: return "count";
    case KPI_SHARE: return "share";
    case KPI_CHANGE: return "change";
    }
    return "?";
}

/*
 * green when the target is met; yellow when it is not, but the value is on
 * the target's side of the warning threshold (or on it); red otherwise;
 * none without a value or without a target.
 */
kpi_status kpi_status_of(maybe value, maybe target, maybe warning, kpi_direction d)
{
    if (!value.present || !target.present)
        return STATUS_NONE;
    double v = value.v, t = target.v;
    bool met = d == DIR_AT_LEAST ? v >= t : d == DIR_AT_MOST ? v <= t : v > t;
    if (met)
        return STATUS_GREEN;
    if (warning.present) {
        bool near = d == DIR_AT_MOST ? v <= warning.v : v >= warning.v;
        if (near)
            return STATUS_YELLOW;
    }
    return STATUS_RED;
}

void report_free(report *r)
{
    if (r)
        arena_free(&r->mem);
}

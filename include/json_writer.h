/*
 * json_writer.h - kpis.json exactly as spec §5 describes it.
 */
#ifndef KV_JSON_WRITER_H
#define KV_JSON_WRITER_H

#include <stdio.h>

#include "model.h"

/* Write the report as JSON to f.  0 on success, -1 when a write failed. */
int json_write_report(const report *r, FILE *f);

/* A number at full precision, or null. */
void json_write_maybe(FILE *f, maybe m);

/* A JSON string literal of s (UTF-8 passed through, controls escaped). */
void json_write_string(FILE *f, const char *s);

#endif

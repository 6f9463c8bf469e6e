/*
 * labels.h - the words of the reports in nb, sv and en, and their number
 * formats.  The texts are data: reports/<part>.<lang> files of "key = text"
 * lines, compiled into the binary so an installed kvalrap needs no data dir.
 */
#ifndef KV_LABELS_H
#define KV_LABELS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct labels labels;

/* NULL when the language is unknown (nb, sv and en are known). */
labels *labels_load(const char *lang);
void labels_free(labels *l);
bool labels_known_language(const char *lang);
/* The text for key; falls back to English, then to the key itself. */
const char *label(const labels *l, const char *key);
const char *labels_language(const labels *l);

/* Number formats of the language: nb/sv use a decimal comma and a (no-break)
 * space between thousands, en a point and a comma.  buf holds 64 bytes. */
void labels_fmt_number(const labels *l, double v, int decimals, char buf[64]);
void labels_fmt_percent(const labels *l, double share, int decimals, char buf[64]); /* 0.873 -> "87,3 %" */
/* "oktober 2026"-style month name; month 1-12. */
const char *labels_month_name(const labels *l, int month);
/* Date for people: nb "31.10.2026", sv/en "2026-10-31". buf holds 16 bytes. */
void labels_fmt_date(const labels *l, int day_number, char buf[16]);

#endif

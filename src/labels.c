/*
 * labels.c - report words per language, read from the embedded
 * reports/<part>.<lang> files ("key = text" lines, '#' comments).
 */
#include "labels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "embedded.h"
#include "util.h"

typedef struct {
    char *key, *text;
    size_t order;           /* position in the files: the first definition wins */
} label_entry;

struct labels {
    char lang[8];
    size_t n;
    label_entry *entries;
    labels *fallback;       /* English, for keys a language lacks */
};

static const char *const known[] = {"nb", "sv", "en"};

bool labels_known_language(const char *lang)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (lang && strcmp(lang, known[i]) == 0)
            return true;
    return false;
}

static char *trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

static void add_file(labels *l, const embedded_file *f)
{
    char *copy = xstrndup(f->data, f->len);
    char *line = copy;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        char *end = nl ? nl : line + strlen(line);
        char *eq = memchr(line, '=', (size_t)(end - line));
        if (*line != '#' && eq) {
            char *key = trim(line, eq);
            char *text = trim(eq + 1, end);
            if (*key) {
                l->entries = xrealloc(l->entries, (l->n + 1) * sizeof *l->entries);
                l->entries[l->n] = (label_entry){xstrdup(key), xstrdup(text), l->n};
                l->n++;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const label_entry *)a)->key, ((const label_entry *)b)->key);
}

/* qsort is not stable: break ties by file order, so duplicates resolve the
 * same way every time. */
static int entry_order_cmp(const void *a, const void *b)
{
    const label_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static labels *load_one(const char *lang)
{
    labels *l = xcalloc(1, sizeof *l);
    snprintf(l->lang, sizeof l->lang, "%s", lang);
    size_t suffix = strlen(lang) + 1;
    for (const embedded_file *f = embedded_files; f->name; f++) {
        size_t n = strlen(f->name);
        if (strncmp(f->name, "reports/", 8) == 0 && n > suffix &&
            f->name[n - suffix] == '.' && strcmp(f->name + n - suffix + 1, lang) == 0)
            add_file(l, f);
    }
    qsort(l->entries, l->n, sizeof *l->entries, entry_order_cmp);
    /* Keep only the first definition of each key, so bsearch finds it. */
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (w > 0 && strcmp(l->entries[w - 1].key, l->entries[i].key) == 0) {
            free(l->entries[i].key);
            free(l->entries[i].text);
            continue;
        }
        l->entries[w++] = l->entries[i];
    }
    l->n = w;
    return l;
}

labels *labels_load(const char *lang)
{
    if (!labels_known_language(lang))
        return NULL;
    labels *l = load_one(lang);
    if (strcmp(lang, "en") != 0)
        l->fallback = load_one("en");
    return l;
}

void labels_free(labels *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->entries[i].key);
        free(l->entries[i].text);
    }
    free(l->entries);
    labels_free(l->fallback);
    free(l);
}

const char *label(const labels *l, const char *key)
{
    for (; l; l = l->fallback) {
        label_entry probe = {(char *)key, NULL, 0};
        label_entry *e = bsearch(&probe, l->entries, l->n, sizeof *l->entries, entry_cmp);
        if (e)
            return e->text;
    }
    return key;
}

const char *labels_language(const labels *l) { return l->lang; }

static bool comma_language(const labels *l) { return strcmp(l->lang, "en") != 0; }

void labels_fmt_number(const labels *l, double v, int decimals, char buf[64])
{
    /* Beyond 1e15 grouping would not fit the buffer, and a report never
     * shows such numbers: fall back to plain exponent form. */
    if (!isfinite(v) || fabs(v) >= 1e15) {
        snprintf(buf, 64, "%.6g", v);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
    const char *thousands = comma_language(l) ? "\u00a0" : ",";
    char dec = comma_language(l) ? ',' : '.';
    const char *p = raw;
    size_t o = 0;
    if (*p == '-') {
        /* A real minus sign reads better than a hyphen in print. */
        memcpy(buf, "\u2212", 3);
        o = 3;
        p++;
    }
    const char *dot = strchr(p, '.');
    size_t intlen = dot ? (size_t)(dot - p) : strlen(p);
    for (size_t i = 0; i < intlen; i++) {
        if (i > 0 && (intlen - i) % 3 == 0 && intlen > 4) {
            size_t tl = strlen(thousands);
            memcpy(buf + o, thousands, tl);
            o += tl;
        }
        buf[o++] = p[i];
    }
    if (dot) {
        buf[o++] = dec;
        size_t fl = strlen(dot + 1);
        memcpy(buf + o, dot + 1, fl);
        o += fl;
    }
    buf[o] = '\0';
}

void labels_fmt_percent(const labels *l, double share, int decimals, char buf[64])
{
    char num[64];
    labels_fmt_number(l, share * 100.0, decimals, num);
    snprintf(buf, 64, "%.56s\u00a0%%", num);
}

const char *labels_month_name(const labels *l, int month)
{
    char key[16];
    snprintf(key, sizeof key, "month.%d", month);
    /* label() returns the stored text, so the pointer outlives this frame. */
    return label(l, key);
}

void labels_fmt_date(const labels *l, int day_number, char buf[16])
{
    int y, m, d;
    date_to_ymd(day_number, &y, &m, &d);
    if (strcmp(l->lang, "nb") == 0)
        snprintf(buf, 16, "%02d.%02d.%04d", d, m, y);
    else
        snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
}

/*
 * benchmark.c - the benchmark model from kpis.json files (a lean scanner of
 * its own, jansson for what the scanner leaves), and its JSON form.
 */
#include "benchmark.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_writer.h"

void benchmark_free(benchmark *b)
{
    if (b)
        arena_free(&b->mem);
}

static kpi_status status_named(const char *s)
{
    if (!s) return STATUS_NONE;
    if (strcmp(s, "green") == 0) return STATUS_GREEN;
    if (strcmp(s, "yellow") == 0) return STATUS_YELLOW;
    if (strcmp(s, "red") == 0) return STATUS_RED;
    return STATUS_NONE;
}

static kpi_kind kind_named(const char *s)
{
    if (s && strcmp(s, "share") == 0) return KPI_SHARE;
    if (s && strcmp(s, "change") == 0) return KPI_CHANGE;
    return KPI_COUNT;
}

static kpi_direction direction_named(const char *s)
{
    if (s && strcmp(s, "at_most") == 0) return DIR_AT_MOST;
    if (s && strcmp(s, "above") == 0) return DIR_ABOVE;
    return DIR_AT_LEAST;
}

/*
 * What the benchmark needs of a kpis.json: the header and, per KPI, its
 * value, numerator, denominator, status, target, title, kind, direction and
 * references - not the breakdowns, series and item lists that make up
 * nearly all of the file (a million-row municipality's is 21 MB).  A small
 * scanner reads just that without building the document; anything it does
 * not accept goes to jansson, which gives the same answer on what it
 * accepts and its own message on what it refuses.
 */
typedef struct {
    const char *source, *period;
    double value;
} lean_ref;

typedef struct {
    const char *id, *title, *kind, *direction, *status;
    maybe value, numerator, denominator, target;
    size_t nrefs, caprefs;
    lean_ref *refs;             /* those with a numeric value, in order */
} lean_kpi;

typedef struct {
    const char *path;
    const char *id, *name, *language, *period_id, *as_of;
    bool kpis_array;
    size_t nkpis, capkpis;
    lean_kpi *kpis;
} loaded;

static void lean_reset_kpis(loaded *f)
{
    for (size_t i = 0; i < f->nkpis; i++)
        free(f->kpis[i].refs);
    f->nkpis = 0;
    f->kpis_array = false;
}

static void lean_free(loaded *f)
{
    lean_reset_kpis(f);
    free(f->kpis);
    f->kpis = NULL;
    f->capkpis = 0;
}

static lean_kpi *lean_add_kpi(loaded *f)
{
    if (f->nkpis == f->capkpis) {
        f->capkpis = f->capkpis ? 2 * f->capkpis : 16;
        f->kpis = xrealloc(f->kpis, f->capkpis * sizeof *f->kpis);
    }
    lean_kpi *k = &f->kpis[f->nkpis++];
    *k = (lean_kpi){.value = MAYBE_NONE, .numerator = MAYBE_NONE, .denominator = MAYBE_NONE,
                    .target = MAYBE_NONE};
    return k;
}

static void lean_add_ref(lean_kpi *k, lean_ref r)
{
    if (k->nrefs == k->caprefs) {
        k->caprefs = k->caprefs ? 2 * k->caprefs : 4;
        k->refs = xrealloc(k->refs, k->caprefs * sizeof *k->refs);
    }
    k->refs[k->nrefs++] = r;
}

/* ------------------------------------------------ the scanner */

typedef struct {
    const unsigned char *p, *end;
    int depth;
    arena *mem;                 /* the strings kept */
} jscan;

enum { JS_MAX_DEPTH = 2000 };

typedef enum { JV_OTHER, JV_STRING, JV_NUMBER } jv_kind;

static void js_ws(jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool js_at(const jscan *s, unsigned char c) { return s->p < s->end && *s->p == c; }

static bool js_hex4(const unsigned char *q, const unsigned char *end, uint32_t *v)
{
    if (end - q < 4)
        return false;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = q[i];
        uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0')
                   : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16u;
        if (d > 15)
            return false;
        *v = *v << 4 | d;
    }
    return true;
}

static size_t js_put_utf8(char *o, uint32_t u)
{
    if (u < 0x80) {
        o[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (char)(0xC0 | u >> 6);
        o[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        o[0] = (char)(0xE0 | u >> 12);
        o[1] = (char)(0x80 | (u >> 6 & 0x3F));
        o[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | u >> 18);
    o[1] = (char)(0x80 | (u >> 12 & 0x3F));
    o[2] = (char)(0x80 | (u >> 6 & 0x3F));
    o[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/* The string at s->p (its opening quote), checked as jansson checks it
 * (no control characters, valid escapes and UTF-8, no \u0000).  Its text
 * goes to *out (kept in s->mem) when out is set, or to buf (cap bytes; ""
 * when it does not fit) when buf is set. */
static bool js_string(jscan *s, const char **out, char *buf, size_t cap)
{
    const unsigned char *start = s->p + 1, *q = start;
    bool escapes = false;
    for (;;) {
        if (q >= s->end)
            return false;
        unsigned char c = *q;
        if (c == '"')
            break;
        if (c < 0x20)
            return false;
        if (c != '\\') {
            q++;
            continue;
        }
        escapes = true;
        if (q + 1 >= s->end)
            return false;
        unsigned char e = q[1];
        if (e == 'u') {
            uint32_t u, lo;
            if (!js_hex4(q + 2, s->end, &u) || u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
                return false;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (s->end - q < 12 || q[6] != '\\' || q[7] != 'u' || !js_hex4(q + 8, s->end, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                q += 12;
            } else {
                q += 6;
            }
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                   e == 't') {
            q += 2;
        } else {
            return false;
        }
    }
    size_t n = (size_t)(q - start);
    if (utf8_valid_prefix((const char *)start, n) != n)
        return false;
    s->p = q + 1;
    if (!out && !buf)
        return true;
    char *o;
    if (out)
        o = arena_alloc(s->mem, n + 1);
    else if (n < cap)
        o = buf;
    else {
        buf[0] = '\0';
        return true;
    }
    if (!escapes) {
        memcpy(o, start, n);
        o[n] = '\0';
    } else {
        size_t k = 0;
        for (const unsigned char *r = start; r < q;) {
            if (*r != '\\') {
                o[k++] = (char)*r++;
                continue;
            }
            unsigned char e = r[1];
            if (e == 'u') {
                uint32_t u, lo;
                js_hex4(r + 2, q, &u);
                r += 6;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    js_hex4(r + 2, q, &lo);
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    r += 6;
                }
                k += js_put_utf8(o + k, u);
                continue;
            }
            o[k++] = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : (char)e;
            r += 2;
        }
        o[k] = '\0';
    }
    if (out)
        *out = o;
    return true;
}

/* A number as jansson reads it: an integer (converted to double, as
 * json_number_value does) unless it has a fraction or an exponent. */
static bool js_number(jscan *s, double *v)
{
    const unsigned char *q = s->p;
    bool real = false;
    if (q < s->end && *q == '-')
        q++;
    if (q < s->end && *q == '0')
        q++;
    else if (q < s->end && *q >= '1' && *q <= '9')
        while (q < s->end && *q >= '0' && *q <= '9')
            q++;
    else
        return false;
    if (q < s->end && *q == '.') {
        real = true;
        q++;
        if (q >= s->end || *q < '0' || *q > '9')
            return false;
        while (q < s->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < s->end && (*q == 'e' || *q == 'E')) {
        real = true;
        q++;
        if (q < s->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= s->end || *q < '0' || *q > '9')
            return false;
        while (q < s->end && *q >= '0' && *q <= '9')
            q++;
    }
    char text[128];
    size_t n = (size_t)(q - s->p);
    if (n >= sizeof text)
        return false;           /* leave the unusual to jansson */
    memcpy(text, s->p, n);
    text[n] = '\0';
    errno = 0;
    if (real) {
        *v = strtod(text, NULL);
        if (errno == ERANGE && (*v == HUGE_VAL || *v == -HUGE_VAL))
            return false;
    } else {
        long long i = strtoll(text, NULL, 10);
        if (errno == ERANGE)
            return false;
        *v = (double)i;
    }
    s->p = q;
    return true;
}

static bool js_literal(jscan *s, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return false;
    s->p += n;
    return true;
}

typedef bool (*js_member_fn)(jscan *s, const char *key, void *ctx);
typedef bool (*js_element_fn)(jscan *s, void *ctx);

static bool js_value(jscan *s, jv_kind *kind, const char **str, double *num);

/* At the opening bracket of an object or array: past it, false when too
 * deep; *empty (and past `close`) when nothing is inside. */
static bool js_enter(jscan *s, char close, bool *empty)
{
    if (++s->depth > JS_MAX_DEPTH)
        return false;
    s->p++;
    js_ws(s);
    *empty = js_at(s, close);
    if (*empty) {
        s->p++;
        s->depth--;
    }
    return true;
}

/* After a member or element: past the ',' before the next (*more), or
 * past `close`; false when neither follows. */
static bool js_next(jscan *s, char close, bool *more)
{
    js_ws(s);
    *more = js_at(s, ',');
    if (!*more && !js_at(s, close))
        return false;
    s->p++;
    if (*more)
        js_ws(s);
    else
        s->depth--;
    return true;
}

/* At '{': each member's value is left to member (key "" when too long
 * to be one that matters). */
static bool js_object(jscan *s, js_member_fn member, void *ctx)
{
    bool empty, more = true;
    if (!js_enter(s, '}', &empty))
        return false;
    while (!empty && more) {
        char key[128];
        if (!js_at(s, '"') || !js_string(s, NULL, key, sizeof key))
            return false;
        js_ws(s);
        if (!js_at(s, ':'))
            return false;
        s->p++;
        js_ws(s);
        if (!member(s, key, ctx) || !js_next(s, '}', &more))
            return false;
    }
    return true;
}

static bool js_array(jscan *s, js_element_fn element, void *ctx)
{
    bool empty, more = true;
    if (!js_enter(s, ']', &empty))
        return false;
    while (!empty && more)
        if (!element(s, ctx) || !js_next(s, ']', &more))
            return false;
    return true;
}

static bool skip_member(jscan *s, const char *key, void *ctx)
{
    (void)key, (void)ctx;
    jv_kind k;
    return js_value(s, &k, NULL, NULL);
}

static bool skip_element(jscan *s, void *ctx)
{
    (void)ctx;
    jv_kind k;
    return js_value(s, &k, NULL, NULL);
}

/* Any value: strings and numbers reported (their text or number stored
 * when str or num is set), objects and arrays checked and skipped. */
static bool js_value(jscan *s, jv_kind *kind, const char **str, double *num)
{
    *kind = JV_OTHER;
    if (s->p >= s->end)
        return false;
    switch (*s->p) {
    case '"':
        *kind = JV_STRING;
        return js_string(s, str, NULL, 0);
    case '{': return js_object(s, skip_member, NULL);
    case '[': return js_array(s, skip_element, NULL);
    case 't': return js_literal(s, "true");
    case 'f': return js_literal(s, "false");
    case 'n': return js_literal(s, "null");
    default: {
        double v;
        *kind = JV_NUMBER;
        if (!js_number(s, &v))
            return false;
        if (num)
            *num = v;
        return true;
    }
    }
}

/* A member whose value matters only as a string: *out, or NULL. */
static bool js_take_string(jscan *s, const char **out)
{
    jv_kind k;
    const char *v = NULL;
    if (!js_value(s, &k, &v, NULL))
        return false;
    *out = k == JV_STRING ? v : NULL;
    return true;
}

static bool js_take_number(jscan *s, maybe *out)
{
    jv_kind k;
    double v = 0;
    if (!js_value(s, &k, NULL, &v))
        return false;
    *out = k == JV_NUMBER ? MAYBE(v) : MAYBE_NONE;
    return true;
}

static bool ref_member(jscan *s, const char *key, void *ctx)
{
    struct {
        lean_ref r;
        maybe value;
    } *x = ctx;
    if (strcmp(key, "source") == 0) return js_take_string(s, &x->r.source);
    if (strcmp(key, "period") == 0) return js_take_string(s, &x->r.period);
    if (strcmp(key, "value") == 0) return js_take_number(s, &x->value);
    return skip_member(s, key, ctx);
}

static bool ref_element(jscan *s, void *ctx)
{
    if (!js_at(s, '{'))
        return skip_element(s, ctx);
    struct {
        lean_ref r;
        maybe value;
    } x = {{NULL, NULL, 0}, MAYBE_NONE};
    if (!js_object(s, ref_member, &x))
        return false;
    if (x.value.present) {       /* a reference without a number compares with nothing */
        x.r.value = x.value.v;
        lean_add_ref(ctx, x.r);
    }
    return true;
}

static bool kpi_member(jscan *s, const char *key, void *ctx)
{
    lean_kpi *k = ctx;
    if (strcmp(key, "id") == 0) return js_take_string(s, &k->id);
    if (strcmp(key, "title") == 0) return js_take_string(s, &k->title);
    if (strcmp(key, "kind") == 0) return js_take_string(s, &k->kind);
    if (strcmp(key, "direction") == 0) return js_take_string(s, &k->direction);
    if (strcmp(key, "status") == 0) return js_take_string(s, &k->status);
    if (strcmp(key, "value") == 0) return js_take_number(s, &k->value);
    if (strcmp(key, "numerator") == 0) return js_take_number(s, &k->numerator);
    if (strcmp(key, "denominator") == 0) return js_take_number(s, &k->denominator);
    if (strcmp(key, "target") == 0) return js_take_number(s, &k->target);
    if (strcmp(key, "references") == 0) {
        k->nrefs = 0;           /* the last of a repeated key counts, as in jansson */
        return js_at(s, '[') ? js_array(s, ref_element, k) : skip_member(s, key, ctx);
    }
    return skip_member(s, key, ctx);
}

static bool kpi_element(jscan *s, void *ctx)
{
    lean_kpi *k = lean_add_kpi(ctx);
    return js_at(s, '{') ? js_object(s, kpi_member, k) : skip_element(s, ctx);
}

static bool period_member(jscan *s, const char *key, void *ctx)
{
    return strcmp(key, "id") == 0 ? js_take_string(s, ctx) : skip_member(s, key, ctx);
}

static bool root_member(jscan *s, const char *key, void *ctx)
{
    loaded *f = ctx;
    if (strcmp(key, "municipality") == 0) return js_take_string(s, &f->id);
    if (strcmp(key, "name") == 0) return js_take_string(s, &f->name);
    if (strcmp(key, "language") == 0) return js_take_string(s, &f->language);
    if (strcmp(key, "as_of") == 0) return js_take_string(s, &f->as_of);
    if (strcmp(key, "period") == 0) {
        f->period_id = NULL;
        return js_at(s, '{') ? js_object(s, period_member, &f->period_id) : skip_member(s, key, ctx);
    }
    if (strcmp(key, "kpis") == 0) {
        lean_reset_kpis(f);
        if (!js_at(s, '['))
            return skip_member(s, key, ctx);
        f->kpis_array = true;
        return js_array(s, kpi_element, f);
    }
    return skip_member(s, key, ctx);
}

/* Scan path into f; false when the file is unreadable or not what the
 * scanner accepts (jansson then decides). */
static bool lean_scan(const char *path, loaded *f, arena *mem)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return false;
    strbuf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
        strbuf_add(&b, chunk, got);
    bool ok = !ferror(in);
    fclose(in);
    if (ok) {
        /* An empty file leaves b.data NULL: no arithmetic on it. */
        const unsigned char *text = b.data ? (const unsigned char *)b.data : (const unsigned char *)"";
        jscan s = {text, text + b.len, 0, mem};
        js_ws(&s);
        jv_kind k;
        if (js_at(&s, '{'))
            ok = js_object(&s, root_member, f);
        else if (js_at(&s, '['))
            ok = js_value(&s, &k, NULL, NULL);
        else
            ok = false;
        js_ws(&s);
        ok = ok && s.p == s.end;
    }
    strbuf_free(&b);
    return ok;
}

/* ------------------------------------------------ jansson, for the rest */

static const char *dom_string(arena *mem, json_t *v)
{
    return json_is_string(v) ? arena_strdup(mem, json_string_value(v)) : NULL;
}

static maybe json_maybe(json_t *v)
{
    return json_is_number(v) ? MAYBE(json_number_value(v)) : MAYBE_NONE;
}

static void lean_from_dom(json_t *root, loaded *f, arena *mem)
{
    f->id = dom_string(mem, json_object_get(root, "municipality"));
    f->name = dom_string(mem, json_object_get(root, "name"));
    f->language = dom_string(mem, json_object_get(root, "language"));
    f->as_of = dom_string(mem, json_object_get(root, "as_of"));
    f->period_id = dom_string(mem, json_object_get(json_object_get(root, "period"), "id"));
    json_t *kpis = json_object_get(root, "kpis");
    f->kpis_array = json_is_array(kpis);
    size_t i;
    json_t *kv;
    json_array_foreach(kpis, i, kv) {
        lean_kpi *k = lean_add_kpi(f);
        k->id = dom_string(mem, json_object_get(kv, "id"));
        k->title = dom_string(mem, json_object_get(kv, "title"));
        k->kind = dom_string(mem, json_object_get(kv, "kind"));
        k->direction = dom_string(mem, json_object_get(kv, "direction"));
        k->status = dom_string(mem, json_object_get(kv, "status"));
        k->value = json_maybe(json_object_get(kv, "value"));
        k->numerator = json_maybe(json_object_get(kv, "numerator"));
        k->denominator = json_maybe(json_object_get(kv, "denominator"));
        k->target = json_maybe(json_object_get(kv, "target"));
        size_t j;
        json_t *ref;
        json_array_foreach(json_object_get(kv, "references"), j, ref) {
            if (!json_is_number(json_object_get(ref, "value")))
                continue;
            lean_add_ref(k, (lean_ref){dom_string(mem, json_object_get(ref, "source")),
                                       dom_string(mem, json_object_get(ref, "period")),
                                       json_number_value(json_object_get(ref, "value"))});
        }
    }
}

static int by_id(const void *a, const void *c)
{
    return strcmp(((const loaded *)a)->id, ((const loaded *)c)->id);
}

static const lean_kpi *find_kpi(const loaded *f, const char *id)
{
    for (size_t i = 0; i < f->nkpis; i++)
        if (f->kpis[i].id && strcmp(f->kpis[i].id, id) == 0)
            return &f->kpis[i];
    return NULL;
}

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* fuzz/fuzz_benchmark.c compares the scanner with jansson alone (its own
 * extern declaration; fuzz builds only). */
static bool jansson_only;
void benchmark_fuzz_jansson_only(bool on);
void benchmark_fuzz_jansson_only(bool on) { jansson_only = on; }
#else
enum { jansson_only = 0 };
#endif

/* Open and check one file; the period must agree with the first. */
static int load_one(benchmark *b, const char *path, loaded *out, char *err, size_t errlen)
{
    out->path = path;
    if (jansson_only || !lean_scan(path, out, &b->mem)) {
        lean_free(out);
        *out = (loaded){.path = path};
        json_error_t je;
        json_t *root = json_load_file(path, 0, &je);
        if (!root) {
            snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
            return 65;
        }
        lean_from_dom(root, out, &b->mem);
        json_decref(root);
    }
    period p;
    date_pattern iso;
    date_pattern_compile("yyyy-mm-dd", &iso);
    int32_t day;
    int64_t secs;
    bool has_time;
    /* Name the first field that is missing or wrong. */
    const char *why = !out->id ? "\"municipality\" is missing or not a string"
                      : !out->period_id ? "\"period\".\"id\" is missing or not a string"
                      : !period_parse(out->period_id, 0, &p) ? "\"period\".\"id\" is not a period"
                      : !out->as_of ? "\"as_of\" is missing or not a string"
                      : !date_parse(&iso, out->as_of, strlen(out->as_of), &day, &secs, &has_time)
                          ? "\"as_of\" is not a date yyyy-mm-dd"
                      : !out->kpis_array ? "\"kpis\" is missing or not an array"
                                         : NULL;
    if (why) {
        snprintf(err, errlen, "%s: not a kvalrap kpis.json: %s", path, why);
        return 65;
    }
    if (b->nmunicipalities == 0) {
        b->period = p;
        b->as_of = day;
    } else if (strcmp(p.id, b->period.id) != 0) {
        snprintf(err, errlen, "%s: period %s, but the others are for %s", path, p.id, b->period.id);
        return 65;
    }
    b->nmunicipalities++;
    return 0;
}

static void fill_row(benchmark *b, bench_row *row, loaded *files, size_t n)
{
    row->cells = arena_alloc(&b->mem, n * sizeof *row->cells);
    bool same_target = true;
    bool first = true;
    size_t nrefs = 0;
    for (size_t m = 0; m < n; m++) {
        const lean_kpi *k = find_kpi(&files[m], row->kpi);
        if (k)
            nrefs += k->nrefs;
    }
    row->references = arena_alloc(&b->mem, (nrefs + 1) * sizeof *row->references);
    for (size_t m = 0; m < n; m++) {
        const lean_kpi *k = find_kpi(&files[m], row->kpi);
        if (!k) {
            row->cells[m] = (bench_cell){MAYBE_NONE, MAYBE_NONE, MAYBE_NONE, STATUS_NONE};
            continue;
        }
        row->cells[m] = (bench_cell){k->value, k->numerator, k->denominator, status_named(k->status)};
        if (first) {
            row->title = k->title;
            row->kind = kind_named(k->kind);
            row->direction = direction_named(k->direction);
            row->target = k->target;
            first = false;
        } else if (k->target.present != row->target.present ||
                   (k->target.present && k->target.v != row->target.v)) {
            same_target = false;
        }
        for (size_t i = 0; i < k->nrefs; i++)
            row->references[row->nreferences++] = (bench_reference){
                b->municipalities[m].id, k->refs[i].source, k->refs[i].period, k->refs[i].value};
    }
    if (!same_target)
        row->target = MAYBE_NONE;
}

int benchmark_load(benchmark *b, const char *const *paths, size_t n, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    loaded *files = xcalloc(n + 1, sizeof *files);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = load_one(b, paths[i], &files[i], err, errlen);
    if (!rc) {
        qsort(files, n, sizeof *files, by_id);
        b->municipalities = arena_alloc(&b->mem, (n + 1) * sizeof *b->municipalities);
        for (size_t m = 0; m < n; m++)
            b->municipalities[m] = (bench_municipality){files[m].id, files[m].name, files[m].language};
        /* Every KPI id, then those that two or more municipalities have. */
        const char **ids = NULL;
        size_t nids = 0;
        for (size_t m = 0; m < n; m++)
            for (size_t i = 0; i < files[m].nkpis; i++)
                if (files[m].kpis[i].id) {
                    ids = xrealloc(ids, (nids + 1) * sizeof *ids);
                    ids[nids++] = files[m].kpis[i].id;
                }
        qsort(ids, nids, sizeof *ids, str_ptr_cmp);
        b->rows = arena_alloc(&b->mem, (nids + 1) * sizeof *b->rows);
        for (size_t i = 0; i < nids;) {
            size_t j = i;
            while (j < nids && strcmp(ids[j], ids[i]) == 0)
                j++;
            if (j - i >= 2) {
                bench_row *row = &b->rows[b->nrows++];
                row->kpi = ids[i];
                fill_row(b, row, files, n);
            }
            i = j;
        }
        free(ids);
    }
    for (size_t i = 0; i < n; i++)
        lean_free(&files[i]);
    free(files);
    return rc;
}


char **benchmark_find(const char *out_dir, const char *period_id, size_t *n)
{
    *n = 0;
    DIR *d = opendir(out_dir);
    if (!d)
        return NULL;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || e->d_name[0] == '_')
            continue;
        size_t len = strlen(out_dir) + strlen(e->d_name) + strlen(period_id) + 20;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s/%s/kpis.json", out_dir, e->d_name, period_id);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            v = xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof *v, str_ptr_cmp);
    return v;
}


int json_write_benchmark(const benchmark *b, FILE *f)
{
    char start[11], end[11], as_of[11];
    date_format_iso(b->period.start, start);
    date_format_iso(b->period.end, end);
    date_format_iso(b->as_of, as_of);
    fprintf(f, "{\n  \"period\": {\"id\": \"%s\", \"start\": \"%s\", \"end\": \"%s\"},\n  \"as_of\": \"%s\",\n",
            b->period.id, start, end, as_of);
    fputs("  \"municipalities\": [", f);
    for (size_t m = 0; m < b->nmunicipalities; m++) {
        fputs(m ? ", " : "", f);
        json_write_string(f, b->municipalities[m].id);
    }
    fputs("],\n  \"kpis\": [", f);
    for (size_t r = 0; r < b->nrows; r++) {
        const bench_row *row = &b->rows[r];
        fputs(r ? ",\n    {\"id\": " : "\n    {\"id\": ", f);
        json_write_string(f, row->kpi);
        fputs(", \"title\": ", f);
        json_write_string(f, row->title ? row->title : row->kpi);
        fputs(", \"target\": ", f);
        json_write_maybe(f, row->target);
        fputs(",\n     \"values\": {", f);
        for (size_t m = 0; m < b->nmunicipalities; m++) {
            fputs(m ? ", " : "", f);
            json_write_string(f, b->municipalities[m].id);
            fputs(": ", f);
            json_write_maybe(f, row->cells[m].value);
        }
        fputs("},\n     \"status\": {", f);
        for (size_t m = 0; m < b->nmunicipalities; m++) {
            fputs(m ? ", " : "", f);
            json_write_string(f, b->municipalities[m].id);
            fprintf(f, ": \"%s\"", kpi_status_name(row->cells[m].status));
        }
        fputs("},\n     \"references\": [", f);
        for (size_t i = 0; i < row->nreferences; i++) {
            const bench_reference *ref = &row->references[i];
            fputs(i ? ", {\"municipality\": " : "{\"municipality\": ", f);
            json_write_string(f, ref->municipality);
            fputs(", \"source\": ", f);
            json_write_string(f, ref->source ? ref->source : "");
            fputs(", \"period\": ", f);
            json_write_string(f, ref->period ? ref->period : "");
            fputs(", \"value\": ", f);
            json_write_maybe(f, MAYBE(ref->value));
            fputs("}", f);
        }
        fputs("]}", f);
    }
    fputs(b->nrows ? "\n  ]\n}\n" : "]\n}\n", f);
    return ferror(f) ? -1 : 0;
}

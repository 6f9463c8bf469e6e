/*
 * table.c - columnar tables, interned strings and selection primitives.
 */
#define _GNU_SOURCE   /* qsort_r */
#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- strpool */

static uint32_t pool_hash(const char *s, size_t n) { return (uint32_t)hash_bytes(s, n); }

void strpool_init(strpool *p)
{
    memset(p, 0, sizeof *p);
    p->cap = 64;
    p->strs = xmalloc(p->cap * sizeof *p->strs);
    p->lens = xmalloc(p->cap * sizeof *p->lens);
    p->fold = zeroed_grow(NULL, 0, p->cap * sizeof *p->fold);
    p->nslots = 128;
    p->slots = xcalloc(p->nslots, sizeof *p->slots);
    p->strs[0] = arena_strdup(&p->mem, "");
    p->lens[0] = 0;             /* and fold[0] is 0: "" folds to itself */
    p->n = 1;
}

void strpool_free(strpool *p)
{
    arena_free(&p->mem);
    free(p->strs);
    free(p->lens);
    zeroed_free(p->fold, p->cap * sizeof *p->fold);
    free(p->slots);
    free(p->unindexed_bits);
    memset(p, 0, sizeof *p);
}

static strpool_slot *pool_slot(const strpool *p, const char *s, size_t n, uint32_t h)
{
    uint32_t mask = p->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        strpool_slot *sl = &p->slots[i];
        if (!sl->id || (sl->hash == h && p->lens[sl->id] == n && memcmp(p->strs[sl->id], s, n) == 0))
            return sl;
    }
}

static void pool_rehash(strpool *p)
{
    strpool_slot *old = p->slots;
    uint32_t nold = p->nslots;
    p->nslots *= 2;
    p->slots = xcalloc(p->nslots, sizeof *p->slots);
    uint32_t mask = p->nslots - 1;
    for (uint32_t i = 0; i < nold; i++) {
        if (!old[i].id)
            continue;
        uint32_t j = old[i].hash & mask;
        while (p->slots[j].id)
            j = (j + 1) & mask;
        p->slots[j] = old[i];
    }
    free(old);
}

/* Room for `more` ids besides those p has. */
static void pool_reserve(strpool *p, size_t more)
{
    if (p->n + more <= p->cap)
        return;
    uint32_t old = p->cap;
    while (p->cap < p->n + more)
        p->cap *= 2;
    p->strs = xrealloc(p->strs, p->cap * sizeof *p->strs);
    p->lens = xrealloc(p->lens, p->cap * sizeof *p->lens);
    p->fold = zeroed_grow(p->fold, old * sizeof *p->fold, p->cap * sizeof *p->fold);
}

/* A new id for text that already lives as long as the pool, in room
 * the caller made. */
static inline uint32_t pool_store(strpool *p, char *s, size_t n)
{
    uint32_t id = p->n++;
    p->strs[id] = s;
    p->lens[id] = (uint32_t)n;  /* fold[id] is STRPOOL_NOFOLD: never written yet */
    return id;
}

static uint32_t pool_push(strpool *p, char *s, size_t n)
{
    pool_reserve(p, 1);
    return pool_store(p, s, n);
}

static void pool_index(strpool *p, uint32_t id, uint32_t h)
{
    if ((p->nindexed + 1) * 2 > p->nslots)
        pool_rehash(p);
    strpool_slot *sl = pool_slot(p, p->strs[id], p->lens[id], h);
    if (!sl->id) {              /* an unindexed twin of indexed text stays unfindable */
        *sl = (strpool_slot){id, h};
        p->nindexed++;
    }
}

/* Ids added by strpool_append go into the hash the first time anyone looks
 * text up; the ingest of a million unique ids never pays for it. */
static void pool_index_pending(const strpool *cp)
{
    strpool *p = (strpool *)cp;     /* the pool itself is never const; a lookup only completes it */
    for (uint32_t w = 0; w < (p->n + 63) / 64 && w < p->capunindexed; w++) {
        for (uint64_t bits = p->unindexed_bits[w]; bits; bits &= bits - 1) {
            uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(bits);
            pool_index(p, id, pool_hash(p->strs[id], p->lens[id]));
        }
        p->unindexed_bits[w] = 0;
    }
    p->nunindexed = 0;
}

uint32_t strpool_find(const strpool *p, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (p->nunindexed)
        pool_index_pending(p);
    return pool_slot(p, s, n, pool_hash(s, n))->id;
}

uint32_t strpool_find_indexed(const strpool *p, const char *s, size_t n, uint64_t hash)
{
    return n ? pool_slot(p, s, n, (uint32_t)hash)->id : 0;
}

static uint32_t intern_plain(strpool *p, const char *s, size_t n, uint32_t h)
{
    strpool_slot *sl = pool_slot(p, s, n, h);
    if (sl->id)
        return sl->id;
    uint32_t id = pool_push(p, arena_strndup(&p->mem, s, n), n);
    pool_index(p, id, h);
    return id;
}

uint32_t strpool_intern(strpool *p, const char *s, size_t n, bool with_fold)
{
    if (n == 0)
        return 0;
    uint32_t id = intern_plain(p, s, n, pool_hash(s, n));
    if (!with_fold || p->fold[id] != STRPOOL_NOFOLD)
        return id;
    /* The folded form lives in the same pool, so folded comparison is an
     * integer comparison.  Text that is its own folding points to itself. */
    char *f = utf8_fold(s, n);
    size_t fn = strlen(f);
    uint32_t fid = fn == n && memcmp(f, s, n) == 0 ? id : intern_plain(p, f, fn, pool_hash(f, fn));
    p->fold[id] = fid;
    p->fold[fid] = fid;
    free(f);
    return id;
}

/* Room in the bitmap of unindexed ids for ids below `n`. */
static void unindexed_reserve(strpool *p, size_t n)
{
    if ((n + 63) / 64 <= p->capunindexed)
        return;
    uint32_t cap = p->capunindexed ? p->capunindexed * 2 : 64;
    while (cap < (n + 63) / 64)
        cap *= 2;
    p->unindexed_bits = xrealloc(p->unindexed_bits, cap * sizeof *p->unindexed_bits);
    memset(p->unindexed_bits + p->capunindexed, 0, (cap - p->capunindexed) * sizeof *p->unindexed_bits);
    p->capunindexed = cap;
}

void strpool_reserve(strpool *p, size_t more)
{
    pool_reserve(p, more);
    unindexed_reserve(p, p->n + more);
}

/* pool_store for an id kept out of the hash until it is looked up. */
static inline uint32_t pool_store_unindexed(strpool *p, char *s, size_t n)
{
    uint32_t id = pool_store(p, s, n);
    p->unindexed_bits[id / 64] |= (uint64_t)1 << (id % 64);
    p->nunindexed++;
    return id;
}

static uint32_t pool_push_unindexed(strpool *p, char *s, size_t n)
{
    strpool_reserve(p, 1);
    return pool_store_unindexed(p, s, n);
}

void strpool_append_kept(strpool *p, char *const *texts, const uint32_t *lens, uint32_t *out, size_t n)
{
    strpool_reserve(p, n);      /* then no check per id */
    for (size_t k = 0; k < n; k++)
        out[k] = lens[k] ? pool_store_unindexed(p, texts[k], lens[k]) : 0;
}

uint32_t strpool_append(strpool *p, const char *s, size_t n)
{
    return n ? pool_push_unindexed(p, arena_strndup(&p->mem, s, n), n) : 0;
}


uint32_t strpool_find_folded(const strpool *p, const char *s, size_t n)
{
    char *f = utf8_fold(s, n);
    uint32_t id = strpool_find(p, f, strlen(f));
    free(f);
    return id;
}

/* ---------------------------------------------------------------- table */

table *table_new(const dataset_schema *ds)
{
    table *t = xcalloc(1, sizeof *t);
    t->schema = ds;
    for (size_t i = 0; i < ds->nfields; i++)
        t->cols[i].schema = &ds->fields[i];
    strpool_init(&t->pool);
    return t;
}

void table_free_column(table *t, size_t i)
{
    column *c = &t->cols[i];
    free(c->text);
    free(c->day);
    free(c->secs);
    free(c->has_time);
    free(c->flag);
    free(c->num);
    free(c->real);
    free(c->zones);
    *c = (column){.schema = c->schema, .mapped = c->mapped};
}

void table_free(table *t)
{
    if (!t)
        return;
    if (!t->borrowed) {
        for (size_t i = 0; i < t->schema->nfields; i++)
            table_free_column(t, i);
        free(t->line);
    }
    strpool_free(&t->pool);
    free(t);
}

table *table_view(table *whole, size_t from, size_t cap)
{
    table *t = table_new(whole->schema);
    t->borrowed = true;
    t->cap = cap;
    t->line = whole->line + from;
    for (size_t i = 0; i < t->schema->nfields; i++) {
        const column *w = &whole->cols[i];
        column *c = &t->cols[i];
        c->mapped = w->mapped;
        switch (c->schema->type) {
        case FT_TEXT: c->text = w->text + from; break;
        case FT_DATE: c->day = w->day + from; break;
        case FT_DATETIME:
            c->day = w->day + from;
            c->secs = w->secs + from;
            c->has_time = w->has_time + from;
            break;
        case FT_BOOL: c->flag = w->flag + from; break;
        case FT_INT: c->num = w->num + from; break;
        case FT_NUMBER: c->real = w->real + from; break;
        }
    }
    return t;
}

int table_col(const table *t, const char *field) { return schema_field_index(t->schema, field); }

/* Columns for `cap` rows. */
static void table_resize(table *t, size_t cap)
{
    if (t->borrowed) {
        /* A view's arrays are another table's: its reader stops before it
         * is full, so this is a bug, not bad input. */
        fprintf(stderr, "kvalrap: internal error: a parallel reader's share of the %s table is full\n",
                t->schema->name);
        abort();
    }
    t->cap = cap;
    t->line = xrealloc(t->line, t->cap * sizeof *t->line);
    for (size_t i = 0; i < t->schema->nfields; i++) {
        column *c = &t->cols[i];
        switch (c->schema->type) {
        case FT_TEXT: c->text = xrealloc(c->text, t->cap * sizeof *c->text); break;
        case FT_DATE: c->day = xrealloc(c->day, t->cap * sizeof *c->day); break;
        case FT_DATETIME:
            c->day = xrealloc(c->day, t->cap * sizeof *c->day);
            c->secs = xrealloc(c->secs, t->cap * sizeof *c->secs);
            c->has_time = xrealloc(c->has_time, t->cap * sizeof *c->has_time);
            break;
        case FT_BOOL: c->flag = xrealloc(c->flag, t->cap * sizeof *c->flag); break;
        case FT_INT: c->num = xrealloc(c->num, t->cap * sizeof *c->num); break;
        case FT_NUMBER: c->real = xrealloc(c->real, t->cap * sizeof *c->real); break;
        }
    }
}

void table_reserve(table *t, size_t rows)
{
    if (rows > t->cap)
        table_resize(t, rows);
}

void table_shrink(table *t)
{
    if (t->nrows + 64 < t->cap)
        table_resize(t, t->nrows + 1);
}

size_t table_add_row_unset(table *t, int32_t line)
{
    if (t->nrows == t->cap)
        table_resize(t, t->cap ? t->cap + t->cap / 2 : 1024);
    size_t r = t->nrows++;
    t->line[r] = line;
    return r;
}

void table_set_absent(table *t, size_t i, size_t r)
{
    column *c = &t->cols[i];
    switch (c->schema->type) {
    case FT_TEXT: c->text[r] = 0; break;
    case FT_DATE: c->day[r] = DATE_NONE; break;
    case FT_DATETIME:
        c->day[r] = DATE_NONE;
        c->secs[r] = DATETIME_NONE;
        c->has_time[r] = 0;
        break;
    case FT_BOOL: c->flag[r] = 0; break;
    case FT_INT: c->num[r] = INT64_MIN; break;
    case FT_NUMBER: c->real[r] = NAN; break;
    }
}

size_t table_add_row(table *t, int32_t line)
{
    size_t r = table_add_row_unset(t, line);
    for (size_t i = 0; i < t->schema->nfields; i++)
        table_set_absent(t, i, r);
    return r;
}

void table_drop_last_row(table *t)
{
    if (t->nrows)
        t->nrows--;
}

/* Copy row `from` over row `to` in every column. */
static void table_move_row(table *t, size_t to, size_t from)
{
    t->line[to] = t->line[from];
    for (size_t i = 0; i < t->schema->nfields; i++) {
        column *c = &t->cols[i];
        switch (c->schema->type) {
        case FT_TEXT: c->text[to] = c->text[from]; break;
        case FT_DATE: c->day[to] = c->day[from]; break;
        case FT_DATETIME:
            c->day[to] = c->day[from];
            c->secs[to] = c->secs[from];
            c->has_time[to] = c->has_time[from];
            break;
        case FT_BOOL: c->flag[to] = c->flag[from]; break;
        case FT_INT: c->num[to] = c->num[from]; break;
        case FT_NUMBER: c->real[to] = c->real[from]; break;
        }
    }
}

void table_drop_rows(table *t, const uint8_t *drop)
{
    size_t kept = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        if (drop[r])
            continue;
        if (kept != r)
            table_move_row(t, kept, r);
        kept++;
    }
    t->nrows = kept;
}

void table_finish(table *t)
{
    t->finished = true;
}

/* The least and greatest day of each block of ZONE_ROWS rows of a date
 * column (of its rows with a date): one pass over the column. */
static void build_zones(const table *t, column *c)
{
    size_t nzones = (t->nrows + ZONE_ROWS - 1) / ZONE_ROWS;
    c->zones = xmalloc((nzones ? nzones : 1) * sizeof *c->zones);
    for (size_t z = 0; z < nzones; z++) {
        size_t end = (z + 1) * ZONE_ROWS < t->nrows ? (z + 1) * ZONE_ROWS : t->nrows;
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        size_t dated = 0;
        for (size_t r = z * ZONE_ROWS; r < end; r++) {
            int32_t d = c->day[r];
            lo = d != DATE_NONE && d < lo ? d : lo;
            hi = d > hi ? d : hi;       /* DATE_NONE is INT32_MIN: never greater */
            dated += d != DATE_NONE;
        }
        c->zones[z] = (day_zone){lo, hi, dated == end - z * ZONE_ROWS};
    }
}

/* The zones of a date column, made on the first range query over the
 * whole of a finished table.  The selections are const; the zones are a
 * cache that does not change what they return. */
static const day_zone *zones_of(const table *t, const column *c)
{
    if (t->finished && !c->zones)
        build_zones(t, (column *)c);
    return c->zones;
}

void table_drop_indexes(table *t)
{
    for (size_t i = 0; i < t->schema->nfields; i++) {
        free(t->cols[i].zones);
        t->cols[i].zones = NULL;
    }
}

const char *table_text(const table *t, int col, size_t row)
{
    return t->pool.strs[t->cols[col].text[row]];
}

/* ---------------------------------------------------------------- selections */

selection sel_all(const table *t)
{
    selection s = {t, xmalloc((t->nrows ? t->nrows : 1) * sizeof(uint32_t)), t->nrows};
    for (size_t i = 0; i < t->nrows; i++)
        s.rows[i] = (uint32_t)i;
    return s;
}

selection sel_copy(const selection *s)
{
    if (!s->rows)
        return sel_all(s->t);
    selection c = {s->t, xmalloc((s->n ? s->n : 1) * sizeof(uint32_t)), s->n};
    memcpy(c.rows, s->rows, s->n * sizeof(uint32_t));
    return c;
}

void sel_free(selection *s)
{
    free(s->rows);
    s->rows = NULL;
    s->n = 0;
}

static selection sel_start(const selection *s)
{
    return (selection){s->t, xmalloc((s->n ? s->n : 1) * sizeof(uint32_t)), 0};
}

/* body for each row r of s, in order: rows[i], or i itself when s is
 * every row of its table without a row array (rows NULL).  A loop of its
 * own for each, so the loop over rows[] stays as it was. */
#define SEL_EACH(s, r, ...)                                  \
    do {                                                     \
        const uint32_t *rows_ = (s)->rows;                   \
        if (rows_) {                                         \
            for (size_t i_ = 0; i_ < (s)->n; i_++) {         \
                uint32_t r = rows_[i_];                      \
                __VA_ARGS__                                  \
            }                                                \
        } else {                                             \
            for (size_t i_ = 0; i_ < (s)->n; i_++) {         \
                uint32_t r = (uint32_t)i_;                   \
                __VA_ARGS__                                  \
            }                                                \
        }                                                    \
    } while (0)

/* Every filter is this loop with a different test; the macro keeps each one
 * a tight loop over a single column array the compiler can vectorise (a
 * loop of its own for a selection of every row, which has no row array). */
#define SEL_FILTER(s, test)                              \
    do {                                                 \
        selection out_ = sel_start(s);                   \
        const uint32_t *rows_ = (s)->rows;               \
        if (rows_) {                                     \
            for (size_t i_ = 0; i_ < (s)->n; i_++) {     \
                uint32_t r = rows_[i_];                  \
                out_.rows[out_.n] = r;   /* no branch */ \
                out_.n += (test) ? 1 : 0;                \
            }                                            \
        } else {                                         \
            for (size_t i_ = 0; i_ < (s)->n; i_++) {     \
                uint32_t r = (uint32_t)i_;               \
                out_.rows[out_.n] = r;                   \
                out_.n += (test) ? 1 : 0;                \
            }                                            \
        }                                                \
        return out_;                                     \
    } while (0)

selection sel_between(const selection *s, int col, int64_t lo, int64_t hi)
{
    const column *c = &s->t->cols[col];
    if (lo == DATE_NONE) lo = INT64_MIN + 1;
    if (hi == DATE_NONE) hi = INT64_MAX;
    bool whole = s->n == s->t->nrows;   /* then rows[i] == i */
    if (c->schema->type == FT_INT) {
        const int64_t *v = c->num;
        SEL_FILTER(s, v[r] != INT64_MIN && v[r] >= lo && v[r] <= hi);
    }
    /* Days are 32-bit and absent ones are INT32_MIN: clamped to
     * [INT32_MIN + 1, INT32_MAX], the range leaves the absent out by itself
     * and the test is one unsigned comparison. */
    selection out = sel_start(s);
    if (lo < INT32_MIN + 1)
        lo = INT32_MIN + 1;
    if (hi > INT32_MAX)
        hi = INT32_MAX;
    if (lo > hi)
        return out;
    const int32_t *d = c->day;
    uint32_t base = (uint32_t)(int32_t)lo, span = (uint32_t)(hi - lo);
    const day_zone *zones = whole && s->n > ZONE_ROWS ? zones_of(s->t, c) : NULL;
    if (zones) {
        /* Exports are mostly in date order: a range of days meets a few
         * blocks of rows, and only those are scanned. */
        for (size_t z = 0, nzones = (s->n + ZONE_ROWS - 1) / ZONE_ROWS; z < nzones; z++) {
            if (zones[z].hi < lo || zones[z].lo > hi)
                continue;
            size_t end = (z + 1) * ZONE_ROWS < s->n ? (z + 1) * ZONE_ROWS : s->n;
            if (zones[z].all_dated && zones[z].lo >= lo && zones[z].hi <= hi) {
                /* The whole block is in the range: no test (most blocks
                 * a month's range meets in an export in date order). */
                uint32_t *o = out.rows + out.n;
                for (size_t i = z * ZONE_ROWS; i < end; i++)
                    *o++ = (uint32_t)i;
                out.n += end - z * ZONE_ROWS;
                continue;
            }
            for (size_t i = z * ZONE_ROWS; i < end; i++) {
                out.rows[out.n] = (uint32_t)i;
                out.n += (uint32_t)d[i] - base <= span;
            }
        }
    } else if (whole) {
        for (size_t i = 0; i < s->n; i++) {
            out.rows[out.n] = (uint32_t)i;
            out.n += (uint32_t)d[i] - base <= span;
        }
    } else {
        for (size_t i = 0; i < s->n; i++) {
            uint32_t r = s->rows[i];
            out.rows[out.n] = r;
            out.n += (uint32_t)d[r] - base <= span;
        }
    }
    return out;
}

static bool value_present(const column *c, uint32_t r)
{
    switch (c->schema->type) {
    case FT_TEXT: return c->text[r] != 0;
    case FT_DATE:
    case FT_DATETIME: return c->day[r] != DATE_NONE;
    case FT_BOOL: return c->flag[r] != 0;
    case FT_INT: return c->num[r] != INT64_MIN;
    case FT_NUMBER: return !isnan(c->real[r]);
    }
    return false;
}

selection sel_empty(const selection *s, int col, bool want_empty)
{
    const column *c = &s->t->cols[col];
    /* One loop per type: no switch per row. */
    switch (c->schema->type) {
    case FT_TEXT: {
        const uint32_t *v = c->text;
        SEL_FILTER(s, (v[r] != 0) != want_empty);
    }
    case FT_DATE:
    case FT_DATETIME: {
        const int32_t *v = c->day;
        SEL_FILTER(s, (v[r] != DATE_NONE) != want_empty);
    }
    default:
        SEL_FILTER(s, value_present(c, r) != want_empty);
    }
}

/* A small map from pool ids to a value: the few distinct values of a
 * column among the rows of a selection, without an array over the whole
 * pool (which holds every distinct text of the table, ids included). */
typedef struct {
    uint32_t key;
    uint32_t val;
    size_t count;           /* 0: a free slot */
} idmap_slot;

typedef struct {
    idmap_slot *slots;
    uint32_t mask, n;
} idmap;

static void idmap_init(idmap *m)
{
    m->mask = 63;
    m->n = 0;
    m->slots = xcalloc(m->mask + 1, sizeof *m->slots);
}

static uint32_t idmap_hash(uint32_t key) { return (key * 2654435761u) ^ (key >> 15); }

/* The slot of key: found, or a free one to claim (count 0). */
static idmap_slot *idmap_slot_of(idmap *m, uint32_t key)
{
    for (uint32_t i = idmap_hash(key) & m->mask;; i = (i + 1) & m->mask)
        if (!m->slots[i].count || m->slots[i].key == key)
            return &m->slots[i];
}

/* Claim a free slot of key (from idmap_slot_of), growing the map; returns it. */
static idmap_slot *idmap_claim(idmap *m, idmap_slot *sl, uint32_t key, uint32_t val)
{
    *sl = (idmap_slot){key, val, 1};
    if (++m->n * 2 <= m->mask + 1)
        return sl;
    idmap_slot *old = m->slots;
    uint32_t nold = m->mask + 1;
    m->mask = 2 * nold - 1;
    m->slots = xcalloc(m->mask + 1, sizeof *m->slots);
    idmap_slot *moved = NULL;
    for (uint32_t i = 0; i < nold; i++)
        if (old[i].count) {
            idmap_slot *to = idmap_slot_of(m, old[i].key);
            *to = old[i];
            if (old[i].key == key)
                moved = to;
        }
    free(old);
    return moved;
}

/* Does the text of pool id `id` equal one of values?  Folded columns
 * compare the folded text with the folded values. */
static bool text_wanted(const strpool *p, uint32_t id, const char *const *values, char *const *folded, size_t n)
{
    if (!id)
        return false;      /* the empty value matches nothing */
    for (size_t i = 0; i < n; i++) {
        const char *v = folded ? folded[i] : values[i];
        if (strlen(v) == p->lens[id] && memcmp(v, p->strs[id], p->lens[id]) == 0)
            return true;
    }
    return false;
}

selection sel_text_in(const selection *s, int col, const char *const *values, size_t n, bool negate)
{
    const column *c = &s->t->cols[col];
    const strpool *p = &s->t->pool;
    bool is_folded = c->schema->folded;
    char **folded = NULL;
    if (is_folded) {
        folded = xmalloc((n ? n : 1) * sizeof *folded);
        for (size_t i = 0; i < n; i++)
            folded[i] = utf8_fold(values[i], strlen(values[i]));
    }
    /* Each distinct id of the rows is matched against the values once (by
     * its text: no pool lookup) and remembered in a map; a small
     * direct-mapped cache in front of the map answers almost every row. */
    enum { CACHE = 256 };
    uint32_t tag[CACHE];
    uint8_t keep[CACHE];
    memset(tag, 0xff, sizeof tag);
    memset(keep, 0, sizeof keep);
    idmap seen;
    idmap_init(&seen);
    selection out = sel_start(s);
    SEL_EACH(s, r, {
        uint32_t id = c->text[r];
        uint32_t h = (id ^ (id >> 8)) & (CACHE - 1);
        if (tag[h] != id) {
            idmap_slot *sl = idmap_slot_of(&seen, id);
            if (!sl->count) {
                uint32_t key = is_folded ? p->fold[id] : id;
                bool hit = text_wanted(p, key, values, folded, n);
                sl = idmap_claim(&seen, sl, id, hit != negate);
            }
            tag[h] = id;
            keep[h] = (uint8_t)sl->val;
        }
        out.rows[out.n] = r;
        out.n += keep[h];
    });
    free(seen.slots);
    if (folded) {
        for (size_t i = 0; i < n; i++)
            free(folded[i]);
        free(folded);
    }
    return out;
}

selection sel_bool(const selection *s, int col, bool value)
{
    const uint8_t *f = s->t->cols[col].flag;
    SEL_FILTER(s, (f[r] != 0) == value);
}

static bool cmp_holds(int64_t a, cmp_op op, int64_t b)
{
    switch (op) {
    case CMP_LT: return a < b;
    case CMP_LE: return a <= b;
    case CMP_EQ: return a == b;
    case CMP_GE: return a >= b;
    case CMP_GT: return a > b;
    case CMP_NE: return a != b;
    }
    return false;
}

selection sel_compare(const selection *s, int a, cmp_op op, int b, int offset_days)
{
    const column *ca = &s->t->cols[a], *cb = &s->t->cols[b];
    bool timed = ca->schema->type == FT_DATETIME && cb->schema->type == FT_DATETIME;
    selection out = sel_start(s);
    SEL_EACH(s, r, {
        if (ca->day[r] == DATE_NONE || cb->day[r] == DATE_NONE)
            continue;
        bool holds;
        if (timed && ca->has_time[r] && cb->has_time[r])
            holds = cmp_holds(ca->secs[r], op, cb->secs[r] + (int64_t)offset_days * 86400);
        else
            holds = cmp_holds(ca->day[r], op, (int64_t)cb->day[r] + offset_days);
        if (holds)
            out.rows[out.n++] = r;
    });
    return out;
}

selection sel_deadline_after(const selection *s, int col, int days, int32_t day)
{
    const column *c = &s->t->cols[col];
    int64_t end_of_day = ((int64_t)day + 1) * 86400;
    selection out = sel_start(s);
    SEL_EACH(s, r, {
        if (c->day[r] == DATE_NONE)
            continue;
        bool after;
        if (c->schema->type == FT_DATETIME && c->has_time[r])
            after = c->secs[r] + (int64_t)days * 86400 > end_of_day;
        else
            after = (int64_t)c->day[r] + days > day;
        if (after)
            out.rows[out.n++] = r;
    });
    return out;
}

static int group_text_cmp(const void *a, const void *b, void *pool)
{
    const group_count *x = a, *y = b;
    const strpool *sort_pool = pool;
    if (!x->key || !y->key)     /* the empty value sorts last */
        return (x->key == 0) - (y->key == 0);
    return strcmp(sort_pool->strs[x->key], sort_pool->strs[y->key]);
}

static int group_key_cmp(const void *a, const void *b)
{
    const group_count *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static group_count *group_text(const selection *s, const column *c, size_t *n)
{
    const strpool *p = &s->t->pool;
    bool is_folded = c->schema->folded;
    /* key (folded id on folded columns) -> count, and the first id seen as
     * the group's spelling. */
    idmap groups;
    idmap_init(&groups);
    idmap_slot *last = NULL;
    uint32_t last_id = UINT32_MAX;
    SEL_EACH(s, r, {
        uint32_t id = c->text[r];
        if (id == last_id) {
            last->count++;
            continue;
        }
        uint32_t k = is_folded ? p->fold[id] : id;
        idmap_slot *sl = idmap_slot_of(&groups, k);
        if (sl->count)
            sl->count++;
        else
            sl = idmap_claim(&groups, sl, k, id);
        /* Only an unfolded id repeats into the same slot untouched. */
        last = sl;
        last_id = id;
    });
    group_count *g = xmalloc((groups.n ? groups.n : 1) * sizeof *g);
    size_t m = 0;
    for (uint32_t i = 0; i <= groups.mask; i++)
        if (groups.slots[i].count)
            g[m++] = (group_count){groups.slots[i].val, groups.slots[i].count};
    free(groups.slots);
    qsort_r(g, m, sizeof *g, group_text_cmp, (void *)p);
    *n = m;
    return g;
}

static group_count *group_month(const selection *s, const column *c, size_t *n)
{
    group_count *g = NULL;
    size_t m = 0, cap = 0;
    /* Months are few: a small linear map is fast enough and keeps order. */
    SEL_EACH(s, r, {
        int32_t d = c->day[r];
        if (d == DATE_NONE)
            continue;
        int y, mo, dd;
        date_to_ymd(d, &y, &mo, &dd);
        uint32_t key = (uint32_t)(y * 12 + mo - 1);
        size_t j = 0;
        while (j < m && g[j].key != key)
            j++;
        if (j == m) {
            if (m == cap) {
                cap = cap ? 2 * cap : 16;
                g = xrealloc(g, cap * sizeof *g);
            }
            g[m++] = (group_count){key, 0};
        }
        g[j].count++;
    });
    if (!g)
        g = xmalloc(sizeof *g);
    qsort(g, m, sizeof *g, group_key_cmp);
    *n = m;
    return g;
}

group_count *sel_group_count(const selection *s, int col, size_t *n)
{
    const column *c = &s->t->cols[col];
    if (c->schema->type == FT_DATE || c->schema->type == FT_DATETIME)
        return group_month(s, c, n);
    return group_text(s, c, n);
}

/*
 * table.h - typed, columnar storage of one dataset and the primitives the
 * KPIs are built from: selections (sorted row-number vectors) that filters
 * narrow, counts, and group-bys.
 *
 * Text is interned: a column holds string ids into the table's pool, id 0 is
 * the empty (absent) value.  Case-insensitive columns compare by the id of
 * the folded text.  Dates are day numbers (DATE_NONE when absent); date-times
 * keep their day in `day` as well, so day filters work on both.
 */
#ifndef KV_TABLE_H
#define KV_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "schema.h"
#include "util.h"

typedef struct {
    uint32_t id;            /* 0 = free */
    uint32_t hash;          /* compared before the text: no cache miss on a mismatch */
} strpool_slot;

typedef struct {
    arena mem;              /* the strings */
    char **strs;            /* id -> text; strs[0] = "" */
    uint32_t *lens;         /* id -> length */
    uint32_t *fold;         /* id -> folded id (into the same pool); STRPOOL_NOFOLD until needed
                             * (zeroed_grow: the entries of ids never folded, a million
                             * record ids, are never written and take no memory) */
    uint32_t n, cap;
    strpool_slot *slots;    /* open-addressing hash of ids */
    uint32_t nslots, nindexed;
    uint64_t *unindexed_bits;   /* ids added by strpool_append, not yet in slots */
    uint32_t nunindexed, capunindexed;  /* how many; words of the bitmap */
} strpool;

#define STRPOOL_NOFOLD 0u     /* no text but "" folds to "" */

void strpool_init(strpool *p);
void strpool_free(strpool *p);
/* The id of s, added if new.  with_fold also works out the id of its
 * case-folded form (only case-insensitive columns need it). */
uint32_t strpool_intern(strpool *p, const char *s, size_t n, bool with_fold);
/* A new id for text known to be new or meant to stay apart (the ids of a
 * dataset, unique by the reading rules): no hashing while the million ids
 * of an export go in.  The id enters the hash on the first lookup; text
 * that is already in the hash keeps its older id there. */
uint32_t strpool_append(strpool *p, const char *s, size_t n);
/* The same for texts[k] of lens[k] bytes where lens[k] is not 0, their
 * bytes staying where they are (in an arena the pool adopts): out[k] is
 * the new id, 0 where lens[k] is 0 (out may be lens).  One pass, for the
 * ids of a parallel reader's rows. */
void strpool_append_kept(strpool *p, char *const *texts, const uint32_t *lens, uint32_t *out, size_t n);
/* Room for `more` ids without growing (one allocation, not a doubling
 * and copy after another, for the million ids of an export). */
void strpool_reserve(strpool *p, size_t more);
/* Id of s, or 0 when the pool does not hold it. */
uint32_t strpool_find(const strpool *p, const char *s, size_t n);
/* The same among the ids already hashed, given hash_bytes(s, n). */
uint32_t strpool_find_indexed(const strpool *p, const char *s, size_t n, uint64_t hash);
/* Id of the folded form of s, or 0 when no text folds to it. */
uint32_t strpool_find_folded(const strpool *p, const char *s, size_t n);

enum { ZONE_ROWS = 1024 };

typedef struct {
    int32_t lo, hi;         /* INT32_MAX, INT32_MIN: no row of the block has a date */
    bool all_dated;         /* every row of the block has a date */
} day_zone;

typedef struct {
    const field_schema *schema;
    bool mapped;            /* the export had this column */
    uint32_t *text;         /* FT_TEXT */
    int32_t *day;           /* FT_DATE, FT_DATETIME */
    int64_t *secs;          /* FT_DATETIME: seconds, with has_time */
    uint8_t *has_time;      /* FT_DATETIME */
    uint8_t *flag;          /* FT_BOOL: 0 or 1 */
    int64_t *num;           /* FT_INT: INT64_MIN when absent */
    double *real;           /* FT_NUMBER: NaN when absent */
    /* Date columns, from the first range query over the whole of a
     * finished table (see table_finish): the least and greatest day of
     * each ZONE_ROWS rows, so that such a query scans only the blocks of
     * rows its range meets (8 bytes a block instead of an index of 4
     * bytes a row). */
    day_zone *zones;
} column;

typedef struct {
    const dataset_schema *schema;
    size_t nrows, cap;
    column cols[SCHEMA_MAX_FIELDS];
    int32_t *line;          /* physical line each row started on (the batch frees it once read) */
    strpool pool;
    bool finished;          /* all rows are in: zones may be made */
    bool borrowed;          /* a view (table_view): the arrays are another table's */
} table;

table *table_new(const dataset_schema *ds);
void table_free(table *t);
/* Rows [from, from + cap) of whole's arrays as a table of their own, empty,
 * with a pool of its own: a parallel reader fills its part of the file in
 * place.  It never grows (the reader stops before it is full); freeing it
 * frees its pool only. */
table *table_view(table *whole, size_t from, size_t cap);
/* Give back one column's arrays early (the table must not be read there again). */
void table_free_column(table *t, size_t i);
/* Index of the column for a canonical field name, or -1. */
int table_col(const table *t, const char *field);
/* Append an all-absent row; returns its index. */
size_t table_add_row(table *t, int32_t line);
/* A row whose every field the caller sets: a value or table_set_absent. */
size_t table_add_row_unset(table *t, int32_t line);
void table_set_absent(table *t, size_t col, size_t row);
void table_drop_last_row(table *t);
/* Room for `rows` rows without growing; table_shrink gives back the rest. */
void table_reserve(table *t, size_t rows);
void table_shrink(table *t);
/* Remove the rows whose drop[row] is set, keeping the order of the rest. */
void table_drop_rows(table *t, const uint8_t *drop);
/* All rows are in: from now on the selections may build indexes. */
void table_finish(table *t);
/* Give back what the selections built (the zones of date columns); a
 * later query builds it again.  The rules stage calls it once it is done. */
void table_drop_indexes(table *t);
const char *table_text(const table *t, int col, size_t row);

/* ---------------------------------------------------------------- selections */

typedef struct {
    const table *t;
    uint32_t *rows;         /* ascending row numbers; owned.  NULL in a selection
                             * handed in: every row of t (n == t->nrows), without
                             * an array; the selections made are never NULL */
    size_t n;
} selection;

selection sel_all(const table *t);
selection sel_copy(const selection *s);
void sel_free(selection *s);

/* Rows whose day (date, date-time, or integer for FT_INT) lies in [lo, hi];
 * DATE_NONE (INT32_MIN) for lo or hi leaves that side open.  Absent values
 * never match. */
selection sel_between(const selection *s, int col, int64_t lo, int64_t hi);
/* Rows whose value is absent (want_empty) or present. */
selection sel_empty(const selection *s, int col, bool want_empty);
/* Rows whose text equals one of values (ignoring case on folded columns);
 * negate keeps the others, absent values included. */
selection sel_text_in(const selection *s, int col, const char *const *values, size_t n, bool negate);
selection sel_bool(const selection *s, int col, bool value);

typedef enum { CMP_LT, CMP_LE, CMP_EQ, CMP_GE, CMP_GT, CMP_NE } cmp_op;
/* Rows where a <op> b + offset, both present.  When both are date-times
 * with a time the offset counts as offset x 24 hours on seconds; otherwise
 * dates are compared with the offset in days. */
selection sel_compare(const selection *s, int a, cmp_op op, int b, int offset_days);
/* Rows whose deadline, value + days (x 24 h when it has a time), falls after
 * the end of day `day`. */
selection sel_deadline_after(const selection *s, int col, int days, int32_t day);

typedef struct {
    uint32_t key;           /* string id for text; year*12+month-1 for months */
    size_t count;
} group_count;

/* Counts per distinct value of col (folded columns by folded value; key is
 * then the first original spelling).  Dates group by month.  Result sorted
 * by key text / month; *n set; caller frees. */
group_count *sel_group_count(const selection *s, int col, size_t *n);

#endif

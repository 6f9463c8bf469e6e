/*
 * rules.c - the Lua side of kvalrap: the sandbox, the C primitives that rule
 * files call (row sets, periods, dates), reading the declared configuration
 * and turning the computed KPIs into the report model.
 */
#include "rules.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embedded.h"

const rules_limits rules_default_limits = {
    .max_instructions = 1000000000LL,
    .max_memory = (size_t)1 << 30,
    .max_seconds = 120.0,
};

enum { HOOK_EVERY = 10000, PRINT_MAX = 100 };

struct rules {
    lua_State *L;
    rules_limits limits;
    /* budgets of the current call into Lua */
    size_t mem_used;
    bool mem_over;
    long long instructions;
    struct timespec started;
    const char *tripped;        /* why the budget hook fires; sticky */
    char trip_msg[512];         /* "file:line: time limit exceeded ..." */
    int lib_ref;                /* registry ref of the standard library's table */
    char *path;
    char *data_dir_override;
    arena mem;                  /* the config's strings */
    rules_config config;
    const labels *labels;       /* during rules_evaluate */
    bool tables_live;           /* during rules_evaluate: the row sets' tables exist */
};

/* ================================================================ budgets */

/* The Lua allocator: refuses to grow past the memory cap, and remembers
 * that it did so the hook keeps failing even if the script swallows the
 * "not enough memory" error with pcall. */
static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    rules *r = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        r->mem_used -= old;
        return NULL;
    }
    if (nsize > old && r->mem_used + (nsize - old) > r->limits.max_memory) {
        r->mem_over = true;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p)
        r->mem_used = r->mem_used - old + nsize;
    return p;
}

static rules *rules_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Runs every HOOK_EVERY instructions; once a budget is spent it runs on
 * every instruction and raises the error again, so pcall cannot swallow it. */
static void budget_hook(lua_State *L, lua_Debug *ar)
{
    rules *r = rules_of(L);
    if (!r->tripped) {
        r->instructions += HOOK_EVERY;
        if (r->mem_over)
            r->tripped = "memory limit";
        else if (r->instructions > r->limits.max_instructions)
            r->tripped = "instruction limit";
        else if (seconds_since(&r->started) > r->limits.max_seconds)
            r->tripped = "time limit";
        if (!r->tripped)
            return;
        /* Name the line that was running, then fail on every instruction:
         * the same message, without a new position, however deep a
         * script's pcall handlers go. */
        lua_getinfo(L, "Sl", ar);
        if (ar->currentline > 0)
            snprintf(r->trip_msg, sizeof r->trip_msg, "%s:%d: %s exceeded (the rules were stopped)",
                     ar->short_src, ar->currentline, r->tripped);
        else
            snprintf(r->trip_msg, sizeof r->trip_msg, "%s: %s exceeded (the rules were stopped)", r->path,
                     r->tripped);
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushstring(L, r->trip_msg);
    lua_error(L);
}

static void budget_start(rules *r)
{
    r->instructions = 0;
    r->tripped = NULL;
    clock_gettime(CLOCK_MONOTONIC, &r->started);
    lua_sethook(r->L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/* Message handler: keep the message, add a short traceback of the rule
 * file's frames.  Error objects that are not strings are never converted
 * with __tostring (that could run script code outside the budget). */
static int message_handler(lua_State *L)
{
    const char *msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* pcall with the budgets on; on failure the first line of the message (the
 * "file:line: what" part) goes to err. */
static int protected_call(rules *r, int nargs, int nresults, char *err, size_t errlen)
{
    lua_State *L = r->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    budget_start(r);
    int rc = lua_pcall(L, nargs, nresults, base);
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    if (rc == LUA_OK)
        return 0;
    const char *msg = lua_tostring(L, -1);
    if (r->tripped)
        msg = r->trip_msg;
    else if (rc == LUA_ERRMEM || r->mem_over)
        msg = "memory limit exceeded (the rules were stopped)";
    /* The first line is the message; the traceback follows "stack traceback:". */
    const char *tb = msg ? strstr(msg, "\nstack traceback:") : NULL;
    size_t n = msg ? (tb ? (size_t)(tb - msg) : strlen(msg)) : 0;
    snprintf(err, errlen, "%.*s", (int)n, msg ? msg : "unknown error");
    lua_pop(L, 1);
    return -1;
}

/* ================================================================ helpers */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* ================================================================ row sets */

#define ROWSET "kvalrap.rows"

/* A row set of every row of its table (data.deviations, say) holds no
 * row numbers: row i is i.  That is 4 MB a million rows less for the
 * whole evaluation, and less for the garbage collector to wait for. */
typedef struct {
    const table *t;
    size_t n;
    bool whole;                 /* every row of t, rows[] left out */
    uint32_t rows[];
} rowset;

/* A row set kept past the evaluation (by a finalizer that runs when the
 * state closes, say) points at tables that are gone by then. */
static rowset *check_rowset(lua_State *L, int idx)
{
    rowset *rs = luaL_checkudata(L, idx, ROWSET);
    if (!rules_of(L)->tables_live)
        luaL_error(L, "a row set can only be used while the KPIs are computed");
    return rs;
}

static selection rowset_view(const rowset *rs)
{
    return (selection){rs->t, rs->whole ? NULL : (uint32_t *)rs->rows, rs->n};
}

/* Row k of the row set. */
static inline uint32_t rowset_row(const rowset *rs, size_t k)
{
    return rs->whole ? (uint32_t)k : rs->rows[k];
}

/* Push the row set of every row of t. */
static void push_whole(lua_State *L, const table *t)
{
    rowset *rs = lua_newuserdatauv(L, sizeof *rs, 0);
    *rs = (rowset){t, t->nrows, true};
    luaL_setmetatable(L, ROWSET);
}

/* Push a row set holding sel's rows (the memory counts against the Lua
 * budget), then free sel. */
static void push_selection(lua_State *L, selection *sel)
{
    if (sel->n == sel->t->nrows) {      /* ascending and distinct: every row */
        push_whole(L, sel->t);
        sel_free(sel);
        return;
    }
    rowset *rs = lua_newuserdatauv(L, sizeof *rs + sel->n * sizeof(uint32_t), 0);
    rs->t = sel->t;
    rs->n = sel->n;
    rs->whole = false;
    memcpy(rs->rows, sel->rows, sel->n * sizeof(uint32_t));
    sel_free(sel);
    luaL_setmetatable(L, ROWSET);
}

/* Column index of the field named at idx; an error naming the dataset and
 * the closest field otherwise. */
static int check_field(lua_State *L, const rowset *rs, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    int col = table_col(rs->t, name);
    if (col >= 0)
        return col;
    const dataset_schema *ds = rs->t->schema;
    const char *best = NULL;
    size_t bestd = 99;
    for (size_t i = 0; i < ds->nfields; i++) {
        size_t d = edit_distance(name, ds->fields[i].name);
        if (d < bestd) {
            bestd = d;
            best = ds->fields[i].name;
        }
    }
    if (best && bestd <= 2)
        return luaL_error(L, "%s has no field '%s' (did you mean '%s'?)", ds->name, name, best);
    return luaL_error(L, "%s has no field '%s'", ds->name, name);
}

static field_type col_type(const rowset *rs, int col) { return rs->t->cols[col].schema->type; }

/* A day argument: nil (open), an integer day number, or "yyyy-mm-dd". */
static int64_t opt_day(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return DATE_NONE;
    if (lua_type(L, idx) == LUA_TSTRING) {
        date_pattern iso;
        date_pattern_compile("yyyy-mm-dd", &iso);
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        int32_t day;
        int64_t secs;
        bool has_time;
        if (!date_parse(&iso, s, n, &day, &secs, &has_time))
            return luaL_error(L, "bad date \"%s\" (expected yyyy-mm-dd)", s);
        return day;
    }
    return luaL_checkinteger(L, idx);
}

/* rows:between(field, from, to) - value in [from, to]; nil leaves a side open. */
static int rows_between(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    int col = check_field(L, rs, 2);
    field_type t = col_type(rs, col);
    if (t != FT_DATE && t != FT_DATETIME && t != FT_INT)
        return luaL_error(L, "between: field '%s' is %s, not a date or a number",
                          rs->t->cols[col].schema->name, field_type_name(t));
    int64_t lo = opt_day(L, 3), hi = opt_day(L, 4);
    selection v = rowset_view(rs);
    selection out = sel_between(&v, col, lo, hi);
    push_selection(L, &out);
    return 1;
}

static int rows_presence(lua_State *L, bool want_empty)
{
    rowset *rs = check_rowset(L, 1);
    int col = check_field(L, rs, 2);
    selection v = rowset_view(rs);
    selection out = sel_empty(&v, col, want_empty);
    push_selection(L, &out);
    return 1;
}

static int rows_present(lua_State *L) { return rows_presence(L, false); }
static int rows_empty(lua_State *L) { return rows_presence(L, true); }

/* rows:is(field, value | {values} | boolean) and rows:is_not(...). */
static int rows_match(lua_State *L, bool negate)
{
    rowset *rs = check_rowset(L, 1);
    int col = check_field(L, rs, 2);
    selection v = rowset_view(rs);
    selection out;
    if (col_type(rs, col) == FT_BOOL) {
        luaL_checktype(L, 3, LUA_TBOOLEAN);
        out = sel_bool(&v, col, lua_toboolean(L, 3) != negate);
    } else if (col_type(rs, col) == FT_TEXT) {
        const char *one[1];
        const char **vals = one;
        size_t n = 1;
        if (lua_istable(L, 3)) {
            n = (size_t)luaL_len(L, 3);
            vals = lua_newuserdatauv(L, (n ? n : 1) * sizeof *vals, 0);
            for (size_t i = 0; i < n; i++) {
                lua_geti(L, 3, (lua_Integer)i + 1);
                vals[i] = luaL_checkstring(L, -1);
                lua_pop(L, 1);   /* the string stays alive: the list holds it */
            }
        } else {
            one[0] = luaL_checkstring(L, 3);
        }
        out = sel_text_in(&v, col, vals, n, negate);
    } else {
        return luaL_error(L, "is: field '%s' is a %s; use between", rs->t->cols[col].schema->name,
                          field_type_name(col_type(rs, col)));
    }
    push_selection(L, &out);
    return 1;
}

static int rows_is(lua_State *L) { return rows_match(L, false); }
static int rows_is_not(lua_State *L) { return rows_match(L, true); }

static cmp_op check_op(lua_State *L, int idx)
{
    static const char *const names[] = {"<", "<=", "==", ">=", ">", "~=", NULL};
    static const cmp_op ops[] = {CMP_LT, CMP_LE, CMP_EQ, CMP_GE, CMP_GT, CMP_NE};
    return ops[luaL_checkoption(L, idx, NULL, names)];
}

static void check_dated(lua_State *L, const rowset *rs, int col, const char *fn)
{
    field_type t = col_type(rs, col);
    if (t != FT_DATE && t != FT_DATETIME)
        luaL_error(L, "%s: field '%s' is %s, not a date", fn, rs->t->cols[col].schema->name, field_type_name(t));
}

/* rows:compare(a, op, b [, days]) - a op b + days, both present. */
static int rows_compare(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    int a = check_field(L, rs, 2);
    cmp_op op = check_op(L, 3);
    int b = check_field(L, rs, 4);
    lua_Integer days = luaL_optinteger(L, 5, 0);
    check_dated(L, rs, a, "compare");
    check_dated(L, rs, b, "compare");
    selection v = rowset_view(rs);
    selection out = sel_compare(&v, a, op, b, (int)days);
    push_selection(L, &out);
    return 1;
}

/* rows:deadline_after(field, days, day) - field + days falls after the end of day. */
static int rows_deadline_after(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    int col = check_field(L, rs, 2);
    lua_Integer days = luaL_checkinteger(L, 3);
    int64_t day = opt_day(L, 4);
    check_dated(L, rs, col, "deadline_after");
    selection v = rowset_view(rs);
    selection out = sel_deadline_after(&v, col, (int)days, (int32_t)day);
    push_selection(L, &out);
    return 1;
}

/* Merge two sorted row lists: keep_a_only -> a \ b, else a u b. */
static int rows_merge(lua_State *L, bool difference)
{
    rowset *a = check_rowset(L, 1), *b = check_rowset(L, 2);
    if (a->t != b->t)
        return luaL_error(L, "%s: the two row sets come from different datasets", difference ? "except" : "union");
    if (b->whole || (a->whole && !difference)) {
        /* a \ every row = none; a u every row = every row. */
        if (difference) {
            selection none = {a->t, xmalloc(sizeof(uint32_t)), 0};
            push_selection(L, &none);
        } else {
            push_whole(L, a->t);
        }
        return 1;
    }
    if (a->whole) {
        /* Every row but b's: b's rows are ascending. */
        selection out = {a->t, xmalloc((a->n - b->n + 1) * sizeof(uint32_t)), 0};
        size_t j = 0;
        for (uint32_t r = 0; r < a->n; r++) {
            if (j < b->n && b->rows[j] == r)
                j++;
            else
                out.rows[out.n++] = r;
        }
        push_selection(L, &out);
        return 1;
    }
    if (difference && b->n > 64 && a->n > 64) {
        /* Large sets: b's rows as a bitmap over their span, then one pass
         * over a without branches (a merge mispredicts on every row). */
        uint32_t lo = b->rows[0], hi = b->rows[b->n - 1];
        size_t nwords = (size_t)(hi / 64 - lo / 64) + 1, base = lo / 64;
        uint64_t *bits = xcalloc(nwords, sizeof *bits);
        for (size_t k = 0; k < b->n; k++)
            bits[b->rows[k] / 64 - base] |= (uint64_t)1 << (b->rows[k] & 63);
        selection out = {a->t, xmalloc((a->n + 1) * sizeof(uint32_t)), 0};
        for (size_t k = 0; k < a->n; k++) {
            uint32_t r = a->rows[k];
            size_t w = r / 64 - base;     /* wraps above nwords when r < lo */
            bool in_b = r >= lo && r <= hi && (bits[w] >> (r & 63) & 1);
            out.rows[out.n] = r;
            out.n += !in_b;
        }
        free(bits);
        push_selection(L, &out);
        return 1;
    }
    selection out = {a->t, xmalloc((a->n + b->n + 1) * sizeof(uint32_t)), 0};
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        if (j == b->n || (i < a->n && a->rows[i] < b->rows[j]))
            out.rows[out.n++] = a->rows[i++];
        else if (i == a->n || b->rows[j] < a->rows[i]) {
            if (!difference)
                out.rows[out.n++] = b->rows[j];
            j++;
        } else {
            if (!difference)
                out.rows[out.n++] = a->rows[i];
            i++;
            j++;
        }
    }
    push_selection(L, &out);
    return 1;
}

static int rows_except(lua_State *L) { return rows_merge(L, true); }
static int rows_union(lua_State *L) { return rows_merge(L, false); }

static int rows_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_rowset(L, 1)->n);
    return 1;
}

static void push_group_key(lua_State *L, const rowset *rs, int col, uint32_t key)
{
    field_type t = col_type(rs, col);
    if (t == FT_DATE || t == FT_DATETIME) {
        char month[16];
        snprintf(month, sizeof month, "%04d-%02d", (int)(key / 12) % 10000, (int)(key % 12) + 1);
        lua_pushstring(L, month);
    } else
        lua_pushstring(L, rs->t->pool.strs[key]);
}

static void check_groupable(lua_State *L, const rowset *rs, int col)
{
    field_type t = col_type(rs, col);
    if (t != FT_TEXT && t != FT_DATE && t != FT_DATETIME)
        luaL_error(L, "count_by: field '%s' is a %s; group by text or dates", rs->t->cols[col].schema->name,
                   field_type_name(t));
}

/* rows:count_by(field [, field2]) - {key = count} or {key = {key2 = count}};
 * dates group by month "yyyy-mm", empty values under "". */
static int rows_count_by(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    int c1 = check_field(L, rs, 2);
    check_groupable(L, rs, c1);
    int c2 = -1;
    if (!lua_isnoneornil(L, 3)) {
        c2 = check_field(L, rs, 3);
        check_groupable(L, rs, c2);
    }
    selection v = rowset_view(rs);
    size_t n;
    group_count *g = sel_group_count(&v, c1, &n);
    lua_createtable(L, 0, (int)n);
    if (c2 < 0) {
        for (size_t i = 0; i < n; i++) {
            push_group_key(L, rs, c1, g[i].key);
            lua_pushinteger(L, (lua_Integer)g[i].count);
            lua_settable(L, -3);
        }
        free(g);
        return 1;
    }
    /* Second level: split the rows by the first key, then group each part.
     * One pass puts every row in its group's part (in row order), instead
     * of a pass over all rows per group.  A small open-addressing map takes
     * a group's key (the folded text id, or the month of a date, as
     * sel_group_count makes it) to its index. */
    const column *col1 = &rs->t->cols[c1];
    const strpool *pool = &rs->t->pool;
    bool text1 = col1->text != NULL, date1 = col1->day != NULL;
    uint32_t nslots = 16;
    while (nslots < 2 * n + 2)
        nslots *= 2;
    uint32_t *slot_key = xmalloc(nslots * sizeof *slot_key);
    uint32_t *slot_group = xmalloc(nslots * sizeof *slot_group);
    memset(slot_group, 0xff, nslots * sizeof *slot_group);
    for (size_t i = 0; (text1 || date1) && i < n; i++) {
        uint32_t want = text1 && col1->schema->folded ? pool->fold[g[i].key] : g[i].key;
        uint32_t h = want * 2654435761u & (nslots - 1);
        while (slot_group[h] != UINT32_MAX && slot_key[h] != want)
            h = (h + 1) & (nslots - 1);
        if (slot_group[h] == UINT32_MAX) {
            slot_key[h] = want;
            slot_group[h] = (uint32_t)i;
        }
    }
    size_t *start = xcalloc(n + 2, sizeof *start);
    uint32_t *group_of = xmalloc((rs->n + 1) * sizeof *group_of);
    for (size_t k = 0; k < rs->n; k++) {
        group_of[k] = UINT32_MAX;
        uint32_t key;
        if (date1) {
            int32_t day = col1->day[rowset_row(rs, k)];
            int y, mo, dd;
            if (day == DATE_NONE)
                continue;
            date_to_ymd(day, &y, &mo, &dd);
            key = (uint32_t)(y * 12 + mo - 1);
        } else if (text1) {
            uint32_t id = col1->text[rowset_row(rs, k)];
            key = col1->schema->folded ? pool->fold[id] : id;
        } else {
            continue;
        }
        uint32_t h = key * 2654435761u & (nslots - 1);
        while (slot_group[h] != UINT32_MAX && slot_key[h] != key)
            h = (h + 1) & (nslots - 1);
        group_of[k] = slot_group[h];
        if (group_of[k] != UINT32_MAX)
            start[group_of[k] + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    uint32_t *grouped = xmalloc((start[n] + 1) * sizeof *grouped);
    size_t *fill = xmalloc((n + 1) * sizeof *fill);
    memcpy(fill, start, (n + 1) * sizeof *fill);
    for (size_t k = 0; k < rs->n; k++)
        if (group_of[k] != UINT32_MAX)
            grouped[fill[group_of[k]]++] = rowset_row(rs, k);
    free(fill);
    free(group_of);
    free(slot_key);
    free(slot_group);
    for (size_t i = 0; i < n; i++) {
        selection part = {rs->t, grouped + start[i], start[i + 1] - start[i]};
        size_t m;
        group_count *h = sel_group_count(&part, c2, &m);
        push_group_key(L, rs, c1, g[i].key);
        lua_createtable(L, 0, (int)m);
        for (size_t k = 0; k < m; k++) {
            push_group_key(L, rs, c2, h[k].key);
            lua_pushinteger(L, (lua_Integer)h[k].count);
            lua_settable(L, -3);
        }
        lua_settable(L, -3);
        free(h);
    }
    free(grouped);
    free(start);
    free(g);
    return 1;
}

/* rows:distinct(field) - the set {value = true} of non-empty values. */
static int rows_distinct(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    int col = check_field(L, rs, 2);
    if (col_type(rs, col) != FT_TEXT)
        return luaL_error(L, "distinct: field '%s' is not text", rs->t->cols[col].schema->name);
    selection v = rowset_view(rs);
    size_t n;
    group_count *g = sel_group_count(&v, col, &n);
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
        if (!g[i].key)
            continue;
        lua_pushstring(L, rs->t->pool.strs[g[i].key]);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
    }
    free(g);
    return 1;
}

static int rows_has(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    int col = check_field(L, rs, 2);
    lua_pushboolean(L, rs->t->cols[col].mapped);
    return 1;
}

static int rows_dataset(lua_State *L)
{
    lua_pushstring(L, check_rowset(L, 1)->t->schema->name);
    return 1;
}

static int rows_tostring(lua_State *L)
{
    rowset *rs = check_rowset(L, 1);
    lua_pushfstring(L, "%s rows (%d)", rs->t->schema->name, (int)rs->n);
    return 1;
}

static const luaL_Reg rowset_methods[] = {
    {"between", rows_between}, {"present", rows_present}, {"empty", rows_empty},
    {"is", rows_is}, {"is_not", rows_is_not}, {"compare", rows_compare},
    {"deadline_after", rows_deadline_after}, {"except", rows_except}, {"union", rows_union},
    {"count", rows_count}, {"count_by", rows_count_by}, {"distinct", rows_distinct},
    {"has", rows_has}, {"dataset", rows_dataset}, {NULL, NULL},
};

static void register_rowset(lua_State *L)
{
    luaL_newmetatable(L, ROWSET);
    luaL_newlib(L, rowset_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, rows_count);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, rows_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* ================================================================ periods */

#define PERIOD_MT "kvalrap.period"

static const char *const period_kinds[] = {"month", "quarter", "tertial", "H8", "year", NULL};

/* A period is a plain table {id, kind, year, index, start, end, as_of}
 * with methods; scripts may read it freely. */
static void push_period(lua_State *L, const period *p, int32_t as_of)
{
    lua_createtable(L, 0, 7);
    lua_pushstring(L, p->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, period_kinds[p->kind]);
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, p->year);
    lua_setfield(L, -2, "year");
    lua_pushinteger(L, p->index);
    lua_setfield(L, -2, "index");
    lua_pushinteger(L, p->start);
    lua_setfield(L, -2, "start");
    lua_pushinteger(L, p->end);
    lua_setfield(L, -2, "end");
    lua_pushinteger(L, as_of);
    lua_setfield(L, -2, "as_of");
    luaL_setmetatable(L, PERIOD_MT);
}

/* Day numbers a script hands to the date functions: years 1 to 9999, so
 * the calendar arithmetic in C never overflows. */
static int32_t check_day(lua_State *L, int idx)
{
    lua_Integer d = luaL_checkinteger(L, idx);
    static int32_t lo, hi;
    if (!hi) {
        lo = date_from_ymd(1, 1, 1);
        hi = date_from_ymd(9999, 12, 31);
    }
    luaL_argcheck(L, d >= lo && d <= hi, idx, "not a day number of the years 1 to 9999");
    return (int32_t)d;
}

static period check_period(lua_State *L, int idx, int32_t *as_of)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_getfield(L, idx, "kind");
    period_kind kind = (period_kind)luaL_checkoption(L, -1, NULL, period_kinds);
    lua_getfield(L, idx, "year");
    lua_getfield(L, idx, "index");
    lua_getfield(L, idx, "as_of");
    lua_Integer year = luaL_checkinteger(L, -3), index = luaL_optinteger(L, -2, 0);
    static const int max_index[] = {12, 4, 3, 0, 0};
    if (year < 2 || year > 9998 || index < (max_index[kind] ? 1 : 0) || index > max_index[kind])
        luaL_error(L, "not a period: %s %d index %d", period_kinds[kind], (int)year, (int)index);
    period p = period_make(kind, (int)year, (int)index);
    *as_of = lua_isnil(L, -1) ? p.end : check_day(L, lua_absindex(L, -1));
    lua_pop(L, 4);
    return p;
}

static int period_previous_l(lua_State *L)
{
    int32_t as_of;
    period p = check_period(L, 1, &as_of);
    period q = period_previous(&p);
    push_period(L, &q, q.end);
    return 1;
}

static int period_last_year_l(lua_State *L)
{
    int32_t as_of;
    period p = check_period(L, 1, &as_of);
    period q = period_last_year(&p);
    push_period(L, &q, q.end);
    return 1;
}

/* p:months() - the "yyyy-mm" keys of the period's months. */
static int period_months_l(lua_State *L)
{
    int32_t as_of;
    period p = check_period(L, 1, &as_of);
    int n = period_month_count(&p);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        period m = period_month_of(date_add_months(p.start, i));
        lua_pushstring(L, m.id);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* p:series() - the twelve month periods up to as_of's month, each with its
 * last day as as_of except as_of's own month (spec §5). */
static int period_series_l(lua_State *L)
{
    int32_t as_of;
    check_period(L, 1, &as_of);
    lua_createtable(L, 12, 0);
    for (int i = 0; i < 12; i++) {
        period m = period_month_of(date_add_months(date_month_start(as_of), i - 11));
        push_period(L, &m, i == 11 ? as_of : m.end);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static const luaL_Reg period_methods[] = {
    {"previous", period_previous_l}, {"last_year", period_last_year_l},
    {"months", period_months_l}, {"series", period_series_l}, {NULL, NULL},
};

static void register_period(lua_State *L)
{
    luaL_newmetatable(L, PERIOD_MT);
    luaL_newlib(L, period_methods);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* ================================================================ kv: dates and schema */

static int kv_date_parse(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    date_pattern pat;
    if (!date_pattern_compile(luaL_optstring(L, 2, "yyyy-mm-dd"), &pat))
        return luaL_error(L, "bad date pattern \"%s\"", luaL_optstring(L, 2, ""));
    int32_t day;
    int64_t secs;
    bool has_time;
    if (date_parse(&pat, s, n, &day, &secs, &has_time))
        lua_pushinteger(L, day);
    else
        lua_pushnil(L);
    return 1;
}

static int kv_date_format(lua_State *L)
{
    char buf[11];
    date_format_iso(check_day(L, 1), buf);
    lua_pushstring(L, buf);
    return 1;
}

static int kv_date(lua_State *L)
{
    int y = (int)luaL_checkinteger(L, 1), m = (int)luaL_checkinteger(L, 2), d = (int)luaL_checkinteger(L, 3);
    if (!date_valid_ymd(y, m, d))
        return luaL_error(L, "no such date: %d-%d-%d", y, m, d);
    lua_pushinteger(L, date_from_ymd(y, m, d));
    return 1;
}

static int kv_ymd(lua_State *L)
{
    int y, m, d;
    date_to_ymd(check_day(L, 1), &y, &m, &d);
    lua_pushinteger(L, y);
    lua_pushinteger(L, m);
    lua_pushinteger(L, d);
    return 3;
}

static int kv_year_of(lua_State *L)
{
    int y, m, d;
    date_to_ymd(check_day(L, 1), &y, &m, &d);
    lua_pushinteger(L, y);
    return 1;
}

/* Add months to a day, refusing results outside the years 1 to 9999. */
static int push_month_shift(lua_State *L, int32_t day, lua_Integer months)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    lua_Integer total = (lua_Integer)y * 12 + (m - 1) + months;
    if (months < -120000 || months > 120000 || total < 12 || total > 9999 * 12 + 11)
        return luaL_error(L, "the date would fall outside the years 1 to 9999");
    lua_pushinteger(L, date_add_months(day, (int)months));
    return 1;
}

static int kv_years_before(lua_State *L)
{
    return push_month_shift(L, check_day(L, 1), -12 * luaL_checkinteger(L, 2));
}

static int kv_add_months(lua_State *L)
{
    return push_month_shift(L, check_day(L, 1), luaL_checkinteger(L, 2));
}

static int kv_period(lua_State *L)
{
    const char *id = luaL_checkstring(L, 1);
    period p;
    if (!period_parse(id, date_today(), &p))
        return luaL_error(L, "bad period \"%s\" (2026-10, 2026-Q3, 2026-T1, 2026-H8 or 2026)", id);
    push_period(L, &p, p.end);
    return 1;
}

/* kv.fields(dataset) - {field = type} or nil for an unknown dataset. */
static int kv_fields(lua_State *L)
{
    const dataset_schema *ds = schema_find(luaL_checkstring(L, 1));
    if (!ds) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, (int)ds->nfields);
    for (size_t i = 0; i < ds->nfields; i++) {
        lua_pushstring(L, field_type_name(ds->fields[i].type));
        lua_setfield(L, -2, ds->fields[i].name);
    }
    return 1;
}

static int kv_datasets(lua_State *L)
{
    lua_createtable(L, (int)schema_ndatasets, 0);
    for (size_t i = 0; i < schema_ndatasets; i++) {
        lua_pushstring(L, schema_datasets[i].name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* kv.check_dataset(encoding, delimiter, date_format) - nil or a message. */
static int kv_check_dataset(lua_State *L)
{
    const char *enc = luaL_optstring(L, 1, NULL);
    const char *delim = luaL_optstring(L, 2, NULL);
    const char *fmt = luaL_optstring(L, 3, NULL);
    char d;
    date_pattern pat;
    if (enc && !encoding_canonical(enc))
        lua_pushfstring(L, "unsupported encoding \"%s\" (use utf-8, utf-16, windows-1252, iso-8859-1 or auto)", enc);
    else if (delim && !delimiter_parse(delim, &d))
        lua_pushfstring(L, "unsupported delimiter \"%s\" (use \",\", \";\", \"\\t\" or \"auto\")", delim);
    else if (fmt && !date_pattern_compile(fmt, &pat))
        lua_pushfstring(L, "bad date_format \"%s\" (e.g. \"dd.mm.yyyy\", \"yyyy-mm-dd\", \"d.m.yyyy\", \"excel\")", fmt);
    else
        lua_pushnil(L);
    return 1;
}

/* kv.where() - "file:line: " of the innermost Lua function that is not
 * the standard library: the rule file line an API error belongs to. */
static int kv_where(lua_State *L)
{
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0 && strcmp(ar.source, "=kvalrap/stdlib.lua") != 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return 1;
        }
    }
    lua_pushliteral(L, "");
    return 1;
}

static int kv_is_rows(lua_State *L)
{
    lua_pushboolean(L, luaL_testudata(L, 1, ROWSET) != NULL);
    return 1;
}

static const luaL_Reg kv_functions[] = {
    {"where", kv_where}, {"is_rows", kv_is_rows},
    {"date_parse", kv_date_parse}, {"date_format", kv_date_format}, {"date", kv_date},
    {"ymd", kv_ymd}, {"year_of", kv_year_of}, {"years_before", kv_years_before},
    {"add_months", kv_add_months}, {"period", kv_period}, {"fields", kv_fields},
    {"datasets", kv_datasets}, {"check_dataset", kv_check_dataset}, {NULL, NULL},
};

/* The `date` table of rule files: the same functions under friendlier names. */
static const luaL_Reg date_functions[] = {
    {"parse", kv_date_parse}, {"format", kv_date_format}, {"make", kv_date}, {"ymd", kv_ymd},
    {"years_before", kv_years_before}, {"add_months", kv_add_months}, {NULL, NULL},
};

/* print in a rule file: kept (capped) for --verbose, never on stdout. */
static int sandbox_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        int t = lua_type(L, i);
        if (t == LUA_TSTRING || t == LUA_TNUMBER) {
            size_t len;
            const char *s = lua_tolstring(L, i, &len);
            luaL_addlstring(&b, s, len > 1000 ? 1000 : len);
        } else {
            luaL_addstring(&b, luaL_typename(L, i));
        }
    }
    luaL_pushresult(&b);
    lua_getfield(L, LUA_REGISTRYINDEX, "kvalrap.prints");
    lua_Integer count = luaL_len(L, -1);
    if (count < PRINT_MAX) {
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, count + 1);
    }
    return 0;
}

/* ================================================================ the sandbox */

static int undeclared_get(lua_State *L)
{
    return luaL_error(L, "undeclared global '%s'", lua_tostring(L, 2));
}

static int undeclared_set(lua_State *L)
{
    return luaL_error(L, "assignment to undeclared global '%s' (declare it with 'local')", lua_tostring(L, 2));
}

/* Open only the safe libraries and strip what can reach outside. */
static void open_safe_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    static const char *const unsafe[] = {"dofile", "loadfile", "load", "collectgarbage", "require", "print", NULL};
    for (const char *const *u = unsafe; *u; u++) {
        lua_pushnil(L);
        lua_setglobal(L, *u);
    }
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    /* Strings share one metatable whose __index is the real string
     * library: hide it from getmetatable("") so scripts cannot reach it. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The rule file's _ENV: copies of the safe globals and the API, behind a
 * metatable that makes unknown names errors. */
static void push_sandbox(lua_State *L, int api_idx)
{
    static const char *const safe[] = {
        "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring",
        "type", "xpcall", "rawequal", "rawlen", "rawget", "rawset", "setmetatable", "getmetatable",
        "string", "table", "math", "utf8", "_VERSION", NULL,
    };
    lua_newtable(L);
    for (const char *const *s = safe; *s; s++) {
        lua_getglobal(L, *s);
        /* Libraries as copies: a script that reassigns string.match must
         * not change what the standard library (and its checks) calls. */
        if (lua_istable(L, -1)) {
            lua_newtable(L);
            lua_pushnil(L);
            while (lua_next(L, -3)) {   /* stack: lib, copy, key, value */
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_settable(L, -4);    /* copy[key] = value; key stays for lua_next */
            }
            lua_remove(L, -2);
        }
        lua_setfield(L, -2, *s);
    }
    lua_pushnil(L);
    while (lua_next(L, api_idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -4);
    }
    luaL_newlib(L, date_functions);
    lua_setfield(L, -2, "date");
    lua_pushcfunction(L, kv_period);
    lua_setfield(L, -2, "period");
    lua_pushcfunction(L, sandbox_print);
    lua_setfield(L, -2, "print");
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, undeclared_get);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, undeclared_set);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* Load the embedded standard library and call it with the kv table; leaves
 * its result table on the stack. */
static int load_stdlib(rules *r, char *err, size_t errlen)
{
    lua_State *L = r->L;
    const embedded_file *f = embedded_find("lua/lib/kvalrap.lua");
    if (!f) {
        snprintf(err, errlen, "internal error: the Lua standard library is not compiled in");
        return -1;
    }
    if (luaL_loadbufferx(L, f->data, f->len, "=kvalrap/stdlib.lua", "t") != LUA_OK) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    luaL_newlib(L, kv_functions);
    return protected_call(r, 1, 1, err, errlen);
}

/* ================================================================ configuration */

bool municipality_id_valid(const char *id)
{
    if (!id || !*id || strlen(id) > 64 || !((*id >= 'a' && *id <= 'z') || (*id >= '0' && *id <= '9')))
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return false;
    return true;
}

/* An export's file name: a path below the data folder, nothing that climbs
 * out of it; "" when it is fine, else why not. */
static const char *file_name_problem(const char *file)
{
    if (!file || !*file)
        return "is empty";
    if (file[0] == '/')
        return "is an absolute path; give it relative to data_dir";
    for (const char *p = file; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return "climbs out of data_dir with \"..\"";
        p += n + (slash ? 1 : 0);
    }
    return "";
}

static const char *get_string(lua_State *L, int idx, const char *key, arena *mem)
{
    lua_getfield(L, idx, key);
    const char *s = lua_type(L, -1) == LUA_TSTRING ? arena_strdup(mem, lua_tostring(L, -1)) : NULL;
    lua_pop(L, 1);
    return s;
}

static lua_Integer get_integer(lua_State *L, int idx, const char *key, lua_Integer dflt)
{
    lua_getfield(L, idx, key);
    lua_Integer v = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : dflt;
    lua_pop(L, 1);
    return v;
}

static const char *join_path(arena *mem, const char *dir, const char *file)
{
    if (!file || file[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
        return arena_strdup(mem, file);
    char *p = arena_printf(mem, "%s/%s", dir, file);
    path_normalize(p);
    return p;
}

/* Fill one ingest_config from the table at the top of the stack. */
static void read_dataset(rules *r, const dataset_schema *ds, rules_dataset *out)
{
    lua_State *L = r->L;
    int t = lua_gettop(L);
    const char *file = get_string(L, t, "file", &r->mem);
    const char *why = file_name_problem(file);
    if (*why)
        luaL_error(L, "dataset \"%s\": file \"%s\" %s", ds->name, file ? file : "", why);
    const char *path = join_path(&r->mem, r->config.data_dir, file);
    out->dataset = ds->name;
    ingest_config_init(&out->ingest, ds->name, path);
    out->ingest.encoding = get_string(L, t, "encoding", &r->mem);
    const char *delim = get_string(L, t, "delimiter", &r->mem);
    if (delim)
        delimiter_parse(delim, &out->ingest.delimiter);
    out->ingest.header_line = (int)get_integer(L, t, "header_line", 1);
    date_pattern_compile(get_string(L, t, "date_format", &r->mem), &out->ingest.dates);
    lua_getfield(L, t, "columns");
    lua_getfield(L, t, "values");
    for (size_t f = 0; f < ds->nfields; f++) {
        out->ingest.columns[f] = lua_istable(L, t + 1) ? get_string(L, t + 1, ds->fields[f].name, &r->mem) : NULL;
        if (lua_istable(L, t + 2))
            lua_getfield(L, t + 2, ds->fields[f].name);
        else
            lua_pushnil(L);
        if (lua_istable(L, -1)) {
            size_t n = 0;
            for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1))
                n++;
            value_map *maps = arena_alloc(&r->mem, (n ? n : 1) * sizeof *maps);
            n = 0;
            for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1))
                maps[n++] = (value_map){arena_strdup(&r->mem, lua_tostring(L, -2)),
                                        arena_strdup(&r->mem, lua_tostring(L, -1))};
            out->ingest.maps[f] = maps;
            out->ingest.nmaps[f] = n;
        }
        lua_pop(L, 1);
    }
    lua_settop(L, t);
}

static const char *dir_of(arena *mem, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(mem, path, (size_t)(slash - path)) : ".";
}

/* A Lua table of string -> string at the top of the stack, as value_maps. */
static const value_map *read_string_map(rules *r, size_t *n)
{
    lua_State *L = r->L;
    *n = 0;
    if (!lua_istable(L, -1))
        return NULL;
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1))
        (*n)++;
    value_map *m = arena_alloc(&r->mem, (*n + 1) * sizeof *m);
    size_t i = 0;
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1))
        m[i++] = (value_map){arena_strdup(&r->mem, lua_tostring(L, -2)), arena_strdup(&r->mem, lua_tostring(L, -1))};
    return m;
}

static void read_reference(rules *r, rules_reference *ref)
{
    lua_State *L = r->L;
    int t = lua_gettop(L);
    const char *format = get_string(L, t, "format", &r->mem);
    ref->format = format && strcmp(format, "kolada") == 0 ? REF_KOLADA : REF_CSV;
    rules_dataset tmp;
    read_dataset(r, schema_find("references"), &tmp);
    ref->ingest = tmp.ingest;
    lua_getfield(L, t, "kpis");
    ref->kpis = read_string_map(r, &ref->nkpis);
    lua_pop(L, 1);
    lua_getfield(L, t, "sources");
    ref->sources = read_string_map(r, &ref->nsources);
    lua_pop(L, 1);
    lua_getfield(L, t, "scale");
    ref->scale = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 1.0;
    lua_pop(L, 1);
    ref->gender = get_string(L, t, "gender", &r->mem);
}

/* Read what the rule file declared (stdlib's `config`) into r->config. */
static int read_config(rules *r, char *err, size_t errlen)
{
    lua_State *L = r->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->lib_ref);
    lua_getfield(L, -1, "config");
    int cfg = lua_gettop(L);
    lua_getfield(L, cfg, "municipality");
    if (!lua_istable(L, -1)) {
        snprintf(err, errlen, "%s: no municipality { id = ..., name = ... } is declared", r->path);
        lua_settop(L, cfg - 2);
        return -1;
    }
    int m = lua_gettop(L);
    rules_config *c = &r->config;
    c->id = get_string(L, m, "id", &r->mem);
    /* The id names the output folder: checked here too, whatever the
     * script did to the library's own check. */
    if (!municipality_id_valid(c->id)) {
        snprintf(err, errlen, "%s: municipality id \"%s\" must be 1-64 lower-case letters, digits, '-' or '_' "
                 "and start with a letter or digit", r->path, c->id ? c->id : "");
        lua_settop(L, cfg - 2);
        return -1;
    }
    c->name = get_string(L, m, "name", &r->mem);
    c->language = get_string(L, m, "language", &r->mem);
    c->title = get_string(L, m, "title", &r->mem);
    c->list_limit = (int)get_integer(L, m, "list_limit", 50);
    c->data_dir = r->data_dir_override
                      ? arena_strdup(&r->mem, r->data_dir_override)
                      : join_path(&r->mem, dir_of(&r->mem, r->path), get_string(L, m, "data_dir", &r->mem));
    lua_getfield(L, cfg, "datasets");
    c->datasets = arena_alloc(&r->mem, schema_ndatasets * sizeof *c->datasets);
    for (size_t i = 0; i < schema_ndatasets; i++) {
        lua_getfield(L, -1, schema_datasets[i].name);
        if (lua_istable(L, -1))
            read_dataset(r, &schema_datasets[i], &c->datasets[c->ndatasets++]);
        lua_pop(L, 1);
    }
    lua_getfield(L, cfg, "references");
    c->nreferences = (size_t)luaL_len(L, -1);
    c->references = arena_alloc(&r->mem, (c->nreferences + 1) * sizeof *c->references);
    for (size_t i = 0; i < c->nreferences; i++) {
        lua_geti(L, -1, (lua_Integer)i + 1);
        read_reference(r, &c->references[i]);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_getfield(L, cfg, "order");
    c->nkpis = (size_t)luaL_len(L, -1);
    c->kpi_ids = arena_alloc(&r->mem, (c->nkpis + 1) * sizeof *c->kpi_ids);
    for (size_t i = 0; i < c->nkpis; i++) {
        lua_geti(L, -1, (lua_Integer)i + 1);
        c->kpi_ids[i] = arena_strdup(&r->mem, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_settop(L, cfg - 2);
    return 0;
}

/* C code that walks Lua values can raise errors (a malformed table, no
 * memory); it runs inside lua_pcall so an error is a message, not a panic. */
typedef struct {
    rules *r;
    char *err;
    size_t errlen;
    int rc;
    /* for read_results */
    report *out;
    int32_t as_of;
} host_call;

static int read_config_protected(lua_State *L)
{
    host_call *c = lua_touserdata(L, 1);
    c->rc = read_config(c->r, c->err, c->errlen);
    return 0;
}

static int call_host(rules *r, lua_CFunction fn, host_call *c)
{
    lua_State *L = r->L;
    int top = lua_gettop(L);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, c);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        snprintf(c->err, c->errlen, "%s: %s", r->path, msg ? msg : "error while reading the rules' results");
        lua_settop(L, top);
        return -1;
    }
    lua_settop(L, top);
    return c->rc;
}

rules *rules_open(const char *path, const rules_limits *limits, const char *data_dir, char *err, size_t errlen)
{
    rules *r = xcalloc(1, sizeof *r);
    r->data_dir_override = data_dir ? xstrdup(data_dir) : NULL;
    r->limits = limits ? *limits : rules_default_limits;
    r->path = xstrdup(path);
    r->L = lua_newstate(budget_alloc, r);
    if (!r->L && !r->mem_over)
        out_of_memory();        /* as any other allocation would (not a fault of the rule file) */
    if (!r->L) {
        snprintf(err, errlen, "%s: cannot create a Lua state within the rule files' memory limit of %zu bytes",
                 path, r->limits.max_memory);
        rules_close(r);
        return NULL;
    }
    lua_State *L = r->L;
    open_safe_libs(L);
    register_rowset(L);
    register_period(L);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "kvalrap.prints");
    if (load_stdlib(r, err, errlen) != 0) {
        rules_close(r);
        return NULL;
    }
    int lib = lua_gettop(L);
    lua_pushvalue(L, lib);
    r->lib_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    /* Text chunks only: a precompiled chunk could break the VM's invariants. */
    int rc = luaL_loadfilex(L, path, "t");
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        snprintf(err, errlen, "%s", msg ? msg : "cannot load the rule file");
        rules_close(r);
        return NULL;
    }
    lua_getfield(L, lib, "api");
    push_sandbox(L, lua_gettop(L));
    lua_remove(L, -2);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    host_call hc = {.r = r, .err = err, .errlen = errlen};
    if (protected_call(r, 0, 0, err, errlen) != 0 || call_host(r, read_config_protected, &hc) != 0) {
        rules_close(r);
        return NULL;
    }
    lua_settop(L, 0);
    return r;
}

const rules_config *rules_get_config(const rules *r) { return &r->config; }

void rules_each_print(rules *r, void (*fn)(const char *line, void *ctx), void *ctx)
{
    lua_State *L = r->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "kvalrap.prints");
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) == LUA_TSTRING)
            fn(lua_tostring(L, -1), ctx);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

void rules_close(rules *r)
{
    if (!r)
        return;
    if (r->L)
        lua_close(r->L);
    arena_free(&r->mem);
    free(r->path);
    free(r->data_dir_override);
    free(r);
}

/* ================================================================ evaluation */

/* data.unit_set: the units register, or else the units of deviations,
 * proposals and documents (spec §1). */
static void push_unit_set(lua_State *L, table *const *tables)
{
    const char *sources[] = {"units", NULL};
    const char *fallback[] = {"deviations", "proposals", "documents", NULL};
    const table *units = NULL;
    for (size_t i = 0; i < schema_ndatasets; i++)
        if (strcmp(schema_datasets[i].name, sources[0]) == 0)
            units = tables[i];
    lua_newtable(L);            /* set */
    int set = lua_gettop(L);
    for (size_t i = 0; i < schema_ndatasets; i++) {
        const table *t = tables[i];
        bool use = false;
        if (units)
            use = t == units;
        else
            for (const char **f = fallback; *f; f++)
                use |= t && strcmp(schema_datasets[i].name, *f) == 0;
        if (!use)
            continue;
        int col = table_col(t, "unit");
        /* Each distinct id once: a table has a million rows and some fifty
         * units (a bit per pool id: the pool holds every id of the export). */
        uint64_t *seen = xcalloc(t->pool.n / 64 + 1, sizeof *seen);
        const uint32_t *text = t->cols[col].text;
        for (size_t r = 0; r < t->nrows; r++) {
            uint32_t id = text[r];
            if (!id || (seen[id / 64] >> (id % 64) & 1))
                continue;
            seen[id / 64] |= (uint64_t)1 << (id % 64);
            lua_pushstring(L, t->pool.strs[id]);
            lua_pushboolean(L, 1);
            lua_rawset(L, set);
        }
        free(seen);
    }
    /* As a sorted list, so every report lists units in the same order. */
    lua_newtable(L);
    int list = lua_gettop(L);
    lua_Integer n = 0;
    for (lua_pushnil(L); lua_next(L, set); lua_pop(L, 1)) {
        lua_pushvalue(L, -2);
        lua_rawseti(L, list, ++n);
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, list);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    lua_remove(L, set);
}

static void push_data(lua_State *L, table *const *tables)
{
    lua_newtable(L);
    for (size_t i = 0; i < schema_ndatasets; i++) {
        if (!tables[i])
            continue;
        push_whole(L, tables[i]);
        lua_setfield(L, -2, schema_datasets[i].name);
    }
    push_unit_set(L, tables);
    lua_setfield(L, -2, "unit_set");
}

static maybe get_maybe(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    maybe m = MAYBE_NONE;
    if (lua_type(L, -1) == LUA_TNUMBER) {
        double v = lua_tonumber(L, -1);
        if (isfinite(v))
            m = MAYBE(v);
    }
    lua_pop(L, 1);
    return m;
}

/* Replace {name} in text with the KPI's parameter of that name. */
static const char *fill_params(report *rep, lua_State *L, int params, const char *text)
{
    strbuf b = {0};
    for (const char *p = text; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close && close - p < 32) {
            char key[32];
            snprintf(key, sizeof key, "%.*s", (int)(close - p - 1), p + 1);
            lua_getfield(L, params, key);
            if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
                strbuf_adds(&b, lua_tostring(L, -1));
                lua_pop(L, 1);
                p = close + 1;
                continue;
            }
            lua_pop(L, 1);
        }
        strbuf_addc(&b, *p++);
    }
    const char *s = arena_strdup(&rep->mem, b.data ? b.data : "");
    strbuf_free(&b);
    return s;
}

/* Title or definition: the rule file's text, else the label of the
 * standard KPI with its parameters filled in, else the id. */
static const char *kpi_text(rules *r, report *rep, int res, int params, const char *field, const char *base,
                            const char *id)
{
    lua_State *L = r->L;
    const char *own = get_string(L, res, field, &rep->mem);
    if (own)
        return own;
    char key[96];
    snprintf(key, sizeof key, "kpi.%s.%s", base, field);
    const char *text = label(r->labels, key);
    if (strcmp(text, key) == 0)
        return strcmp(field, "title") == 0 ? arena_strdup(&rep->mem, id) : "";
    return fill_params(rep, L, params, text);
}

static void json_string(strbuf *b, const char *s)
{
    strbuf_addc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            strbuf_printf(b, "\\%c", c);
        else if (c < 0x20)
            strbuf_printf(b, "\\u%04x", c);
        else
            strbuf_addc(b, (char)c);
    }
    strbuf_addc(b, '"');
}

static void json_value(strbuf *b, lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: {
        char num[32];
        if (lua_isinteger(L, idx))
            snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
        else
            fmt_double(num, lua_tonumber(L, idx));
        strbuf_adds(b, num);
        break;
    }
    case LUA_TBOOLEAN: strbuf_adds(b, lua_toboolean(L, idx) ? "true" : "false"); break;
    case LUA_TSTRING: json_string(b, lua_tostring(L, idx)); break;
    case LUA_TTABLE: {
        lua_Integer n = luaL_len(L, idx);
        strbuf_addc(b, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1)
                strbuf_addc(b, ',');
            lua_geti(L, idx, i);
            json_value(b, L, -1);
            lua_pop(L, 1);
        }
        strbuf_addc(b, ']');
        break;
    }
    default: strbuf_adds(b, "null");
    }
}

/* The KPI's parameters as a JSON object with sorted keys, or NULL. */
static const char *params_json(report *rep, lua_State *L, int params)
{
    const char *keys[16];
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, params) && n < 16; lua_pop(L, 1))
        if (lua_type(L, -2) == LUA_TSTRING)
            keys[n++] = lua_tostring(L, -2);   /* alive: the table holds them */
    if (n == 0)
        return NULL;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    strbuf b = {0};
    strbuf_addc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addc(&b, ',');
        json_string(&b, keys[i]);
        strbuf_addc(&b, ':');
        lua_getfield(L, params, keys[i]);
        json_value(&b, L, -1);
        lua_pop(L, 1);
    }
    strbuf_addc(&b, '}');
    const char *s = arena_strdup(&rep->mem, b.data);
    strbuf_free(&b);
    return s;
}

static int breakdown_cmp(const void *a, const void *b)
{
    const breakdown_entry *x = a, *y = b;
    if (!*x->key || !*y->key)
        return (*x->key == '\0') - (*y->key == '\0');
    return strcmp(x->key, y->key);
}

static void read_breakdowns(report *rep, lua_State *L, int res, kpi_result *k)
{
    lua_getfield(L, res, "breakdowns");
    int bt = lua_gettop(L);
    k->nbreakdowns = (size_t)luaL_len(L, bt);
    k->breakdowns = arena_alloc(&rep->mem, (k->nbreakdowns + 1) * sizeof *k->breakdowns);
    for (size_t i = 0; i < k->nbreakdowns; i++) {
        lua_geti(L, bt, (lua_Integer)i + 1);
        int bi = lua_gettop(L);
        breakdown *b = &k->breakdowns[i];
        b->dimension = get_string(L, bi, "dimension", &rep->mem);
        lua_getfield(L, bi, "entries");
        b->n = (size_t)luaL_len(L, -1);
        b->entries = arena_alloc(&rep->mem, (b->n + 1) * sizeof *b->entries);
        for (size_t j = 0; j < b->n; j++) {
            lua_geti(L, -1, (lua_Integer)j + 1);
            int e = lua_gettop(L);
            breakdown_entry *be = &b->entries[j];
            be->key = get_string(L, e, "key", &rep->mem);
            if (!be->key)
                be->key = "";
            be->value = get_maybe(L, e, "value");
            be->numerator = get_maybe(L, e, "numerator");
            be->denominator = get_maybe(L, e, "denominator");
            lua_pop(L, 1);
        }
        qsort(b->entries, b->n, sizeof *b->entries, breakdown_cmp);
        lua_settop(L, bi - 1);
    }
    lua_settop(L, bt - 1);
}

static void read_series(report *rep, lua_State *L, int res, kpi_result *k)
{
    lua_getfield(L, res, "series");
    k->nseries = lua_istable(L, -1) ? (size_t)luaL_len(L, -1) : 0;
    k->series = arena_alloc(&rep->mem, (k->nseries + 1) * sizeof *k->series);
    for (size_t i = 0; i < k->nseries; i++) {
        lua_geti(L, -1, (lua_Integer)i + 1);
        lua_getfield(L, -1, "month");
        snprintf(k->series[i].month, sizeof k->series[i].month, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        k->series[i].value = get_maybe(L, -1, "value");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The report's copy of each distinct text of a list (units, owners,
 * titles), found by pool id: an open-addressing map sized by the texts the
 * list has, not an array over the whole pool (a million ids). */
typedef struct {
    uint32_t id;                /* 0: a free slot */
    const char *text;
} list_text_slot;

typedef struct {
    const table *t;
    report *rep;
    list_text_slot *slots;
    uint32_t mask, n;
} list_ctx;

static const char *list_text(list_ctx *c, uint32_t id)
{
    uint32_t i = (id * 2654435761u) & c->mask;
    while (c->slots[i].id && c->slots[i].id != id)
        i = (i + 1) & c->mask;
    if (c->slots[i].id)
        return c->slots[i].text;
    const char *text = arena_strdup(&c->rep->mem, c->t->pool.strs[id]);
    c->slots[i] = (list_text_slot){id, text};
    if (++c->n * 2 > c->mask) {
        list_text_slot *old = c->slots;
        uint32_t nold = c->mask + 1;
        c->mask = 2 * nold - 1;
        c->slots = xcalloc(c->mask + 1, sizeof *c->slots);
        for (uint32_t k = 0; k < nold; k++) {
            if (!old[k].id)
                continue;
            uint32_t j = (old[k].id * 2654435761u) & c->mask;
            while (c->slots[j].id)
                j = (j + 1) & c->mask;
            c->slots[j] = old[k];
        }
        free(old);
    }
    return text;
}

typedef struct {
    uint32_t row;
    uint32_t idx;               /* its place in row order */
    int64_t key;                /* what the list is sorted by */
    const char *id;
} list_row;

static int list_row_cmp(const void *a, const void *b)
{
    const list_row *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Sort by key, then id (then row, as the stable comparison sort did).
 * With 32-bit keys: (key, row) packed into 64 bits and radix-sorted, then
 * each run of one key put in id order - usually it already is, exports
 * numbering their rows in row order - so few strings are compared.
 * Otherwise the comparison sort. */
static void sort_list_rows(list_row *order, size_t n)
{
    bool packable = n >= 4096;
    for (size_t i = 0; packable && i < n; i++)
        packable = order[i].key >= INT32_MIN && order[i].key <= INT32_MAX && (i == 0 || order[i - 1].row < order[i].row);
    if (!packable) {
        qsort(order, n, sizeof *order, list_row_cmp);
        return;
    }
    uint64_t *v = xmalloc(n * sizeof *v), *tmp = xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint64_t)((uint32_t)(int32_t)order[i].key ^ 0x80000000u) << 32 | (uint32_t)i;
    /* Least significant 16 bits first, four stable counting passes. */
    size_t *count = xmalloc(65536 * sizeof *count);
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[v[i] >> shift & 0xFFFF]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[v[i] >> shift & 0xFFFF]++] = v[i];
        uint64_t *swap = v;
        v = tmp;
        tmp = swap;
    }
    free(count);
    /* order is in row order, so its index orders as the row does. */
    list_row *sorted = xmalloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = order[(uint32_t)v[i]];
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        bool in_order = true;
        for (; j < n && sorted[j].key == sorted[i].key; j++)
            in_order = in_order && strcmp(sorted[j - 1].id, sorted[j].id) < 0;
        if (!in_order)
            qsort(sorted + i, j - i, sizeof *sorted, list_row_cmp);
        i = j;
    }
    memcpy(order, sorted, n * sizeof *order);
    free(sorted);
    free(v);
    free(tmp);
}

/* items = {name, rows, columns, days_overdue = field, sort = field | "days_overdue"} */
static item_list *read_items(report *rep, lua_State *L, int res, int32_t as_of)
{
    lua_getfield(L, res, "items");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    int it = lua_gettop(L);
    lua_getfield(L, it, "rows");
    rowset *rs = luaL_testudata(L, -1, ROWSET);
    lua_pop(L, 1);
    if (!rs) {
        lua_settop(L, it - 1);
        return NULL;
    }
    item_list *l = arena_alloc(&rep->mem, sizeof *l);
    l->name = get_string(L, it, "name", &rep->mem);
    const char *overdue_from = get_string(L, it, "days_overdue", &rep->mem);
    const char *sort = get_string(L, it, "sort", &rep->mem);
    lua_getfield(L, it, "columns");
    l->ncols = (size_t)luaL_len(L, -1);
    l->columns = arena_alloc(&rep->mem, (l->ncols + 1) * sizeof *l->columns);
    int *cols = arena_alloc(&rep->mem, (l->ncols + 1) * sizeof *cols);
    for (size_t c = 0; c < l->ncols; c++) {
        lua_geti(L, -1, (lua_Integer)c + 1);
        if (!lua_isstring(L, -1))   /* lua_tostring would give NULL, and strcmp below crash */
            luaL_error(L, "list \"%s\": column %d is a %s, not a field name", l->name ? l->name : "",
                       (int)c + 1, luaL_typename(L, -1));
        l->columns[c] = arena_strdup(&rep->mem, lua_tostring(L, -1));
        cols[c] = table_col(rs->t, l->columns[c]);
        lua_pop(L, 1);
    }
    const table *t = rs->t;
    int due = overdue_from ? table_col(t, overdue_from) : -1;
    int sort_col = sort && strcmp(sort, "days_overdue") != 0 ? table_col(t, sort) : -1;
    int idcol = table_col(t, "id");
    list_ctx ctx = {t, rep, xcalloc(64, sizeof(list_text_slot)), 63, 0};
    /* Sort: most overdue first; or by a date, absent (never) first. */
    list_row *order = xmalloc((rs->n + 1) * sizeof *order);
    for (size_t i = 0; i < rs->n; i++) {
        uint32_t r = rowset_row(rs, i);
        int64_t key = 0;
        if (sort_col >= 0 && t->cols[sort_col].day)
            key = t->cols[sort_col].day[r];
        else if (due >= 0)
            key = -((int64_t)as_of - t->cols[due].day[r]);
        order[i] = (list_row){r, (uint32_t)i, key, idcol >= 0 ? t->pool.strs[t->cols[idcol].text[r]] : ""};
    }
    sort_list_rows(order, rs->n);
    /* Fill the rows in row order (the columns read front to back, not at
     * random), each into its sorted place. */
    uint32_t *place = xmalloc((rs->n + 1) * sizeof *place);
    for (size_t i = 0; i < rs->n; i++)
        place[order[i].idx] = (uint32_t)i;
    free(order);
    l->nrows = rs->n;
    l->cells = arena_alloc(&rep->mem, (l->nrows * l->ncols + 1) * sizeof *l->cells);
    for (size_t k = 0; k < rs->n; k++) {
        uint32_t r = rowset_row(rs, k);
        size_t i = place[k];
        for (size_t c = 0; c < l->ncols; c++) {
            cell *cl = &l->cells[i * l->ncols + c];
            int col = cols[c];
            if (col < 0) {
                /* A row without a deadline is not overdue: the cell stays empty. */
                if (strcmp(l->columns[c], "days_overdue") == 0 && due >= 0 && t->cols[due].day[r] != DATE_NONE)
                    *cl = (cell){.kind = CELL_INT, .u.i = (int64_t)as_of - t->cols[due].day[r]};
                continue;
            }
            const column *cc = &t->cols[col];
            switch (cc->schema->type) {
            case FT_TEXT:
                /* Ids are unique: copied straight, not through the cache. */
                if (cc->text[r])
                    *cl = (cell){.kind = CELL_TEXT,
                                 .u.text = col == idcol ? arena_strdup(&rep->mem, t->pool.strs[cc->text[r]])
                                                        : list_text(&ctx, cc->text[r])};
                break;
            case FT_DATE:
            case FT_DATETIME:
                if (cc->day[r] != DATE_NONE)
                    *cl = (cell){.kind = CELL_DATE, .u.day = cc->day[r]};
                break;
            case FT_INT:
                if (cc->num[r] != INT64_MIN)
                    *cl = (cell){.kind = CELL_INT, .u.i = cc->num[r]};
                break;
            case FT_BOOL:
                *cl = (cell){.kind = CELL_INT, .u.i = cc->flag[r]};
                break;
            case FT_NUMBER:
                if (!isnan(cc->real[r]))
                    *cl = (cell){.kind = CELL_INT, .u.i = (int64_t)llround(cc->real[r])};
                break;
            }
        }
    }
    free(place);
    free(ctx.slots);
    lua_settop(L, it - 1);
    return l;
}

static kpi_direction direction_of(const char *s)
{
    if (s && strcmp(s, "at_most") == 0)
        return DIR_AT_MOST;
    if (s && strcmp(s, "above") == 0)
        return DIR_ABOVE;
    return DIR_AT_LEAST;
}

static kpi_kind kind_of(const char *s)
{
    if (s && strcmp(s, "share") == 0)
        return KPI_SHARE;
    if (s && strcmp(s, "change") == 0)
        return KPI_CHANGE;
    return KPI_COUNT;
}

static void read_result(rules *r, report *rep, int res, kpi_result *k, int32_t as_of)
{
    lua_State *L = r->L;
    k->id = get_string(L, res, "id", &rep->mem);
    const char *base = get_string(L, res, "base", &rep->mem);
    lua_getfield(L, res, "params");
    int params = lua_gettop(L);
    k->title = kpi_text(r, rep, res, params, "title", base, k->id);
    k->definition = kpi_text(r, rep, res, params, "definition", base, k->id);
    k->params_json = params_json(rep, L, params);
    lua_pop(L, 1);
    k->kind = kind_of(get_string(L, res, "kind", &rep->mem));
    k->direction = direction_of(get_string(L, res, "direction", &rep->mem));
    k->value = get_maybe(L, res, "value");
    k->numerator = get_maybe(L, res, "numerator");
    k->denominator = get_maybe(L, res, "denominator");
    k->target = get_maybe(L, res, "target");
    k->warning = get_maybe(L, res, "warning");
    k->status = kpi_status_of(k->value, k->target, k->warning, k->direction);
    k->previous = get_maybe(L, res, "previous");
    k->last_year = get_maybe(L, res, "last_year");
    const char *pid = get_string(L, res, "previous_id", &rep->mem);
    const char *lid = get_string(L, res, "last_year_id", &rep->mem);
    snprintf(k->previous_id, sizeof k->previous_id, "%s", pid ? pid : "");
    snprintf(k->last_year_id, sizeof k->last_year_id, "%s", lid ? lid : "");
    read_breakdowns(rep, L, res, k);
    read_series(rep, L, res, k);
    k->items = read_items(rep, L, res, as_of);
}

static int read_results_protected(lua_State *L)
{
    host_call *c = lua_touserdata(L, 1);
    report *out = c->out;
    lua_getfield(L, LUA_REGISTRYINDEX, "kvalrap.results");
    int results = lua_gettop(L);
    size_t n = (size_t)luaL_len(L, results);
    out->kpis = arena_alloc(&out->mem, (n + 1) * sizeof *out->kpis);
    for (size_t i = 0; i < n; i++) {
        lua_geti(L, results, (lua_Integer)i + 1);
        read_result(c->r, out, lua_gettop(L), &out->kpis[i], c->as_of);
        lua_pop(L, 1);
        out->nkpis = i + 1;
    }
    c->rc = 0;
    return 0;
}

static int collect_garbage(lua_State *L)
{
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}

/* A full collection, under the budgets like any call into the state (a
 * script's __gc may run in it).  Only memory is at stake: a failure is
 * left for the next call into the rules to meet. */
static void collect(rules *r)
{
    char ignored[256];
    lua_pushcfunction(r->L, collect_garbage);
    protected_call(r, 0, 0, ignored, sizeof ignored);
}

/* Once the KPIs are computed nothing queries the tables again: what the
 * queries built in them goes back before the report's lists are made. */
static void drop_indexes(table *const *tables)
{
    for (size_t i = 0; i < schema_ndatasets; i++)
        if (tables[i])
            table_drop_indexes(tables[i]);
}

int rules_evaluate(rules *r, table *const *tables, const period *p, int32_t as_of,
                   const labels *l, report *out, char *err, size_t errlen)
{
    lua_State *L = r->L;
    r->labels = l;
    r->tables_live = true;
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->lib_ref);
    lua_getfield(L, 1, "evaluate");
    push_data(L, tables);
    push_period(L, p, as_of);
    if (protected_call(r, 2, 1, err, errlen) != 0) {
        /* Errors raised from the standard library carry no position of the
         * rule file; name the file so the user knows whose rules failed. */
        if (strncmp(err, r->path, strlen(r->path)) != 0) {
            char tmp[1024];
            snprintf(tmp, sizeof tmp, "%s: %s", r->path, err);
            snprintf(err, errlen, "%s", tmp);
        }
        lua_settop(L, 0);
        drop_indexes(tables);
        r->tables_live = false;
        return -1;
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "kvalrap.results");
    /* Every row set of every period the KPIs were measured for, and the
     * data, are garbage now; the collector would keep them (several MB at
     * a million rows) until the state closes.  The lists made next take
     * their place. */
    collect(r);
    drop_indexes(tables);
    host_call hc = {.r = r, .err = err, .errlen = errlen, .out = out, .as_of = as_of};
    int rc = call_host(r, read_results_protected, &hc);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "kvalrap.results");
    lua_settop(L, 0);
    collect(r);     /* the results, and the row sets of the lists */
    r->tables_live = false;
    return rc;
}

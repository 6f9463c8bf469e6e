/*
 * install_config.c - the installation's configuration file, read with a
 * bare Lua state (no libraries: it is data, and an administrator's).
 */
#include "install_config.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <string.h>
#include <unistd.h>

static const char *const known_keys[] = {
    "out", "rules", "period", "jobs", "timeout", "max_memory", "lua_memory", "lua_instructions",
    "log", "syslog", "history", "lang", "municipalities", NULL,
};

static const char *resolve(install_config *c, const char *dir, const char *path)
{
    if (!path)
        return NULL;
    if (path[0] == '/' || !dir)
        return arena_strdup(&c->mem, path);
    char *p = arena_printf(&c->mem, "%s/%s", dir, path);
    path_normalize(p);
    return p;
}

static int bad(char *err, size_t errlen, const char *path, const char *fmt, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what);
    snprintf(err, errlen, "%s: %s", path, msg);
    return 78;
}

/* String setting `key` of the environment table at idx, or NULL. */
static int get_text(lua_State *L, int env, const char *key, const char **out, install_config *c,
                    const char *dir, bool is_path, const char *path, char *err, size_t errlen)
{
    lua_getfield(L, env, key);
    int t = lua_type(L, -1);
    if (t != LUA_TNIL && t != LUA_TSTRING) {
        lua_pop(L, 1);
        return bad(err, errlen, path, "'%s' must be a string", key);
    }
    if (t == LUA_TSTRING)
        *out = is_path ? resolve(c, dir, lua_tostring(L, -1)) : arena_strdup(&c->mem, lua_tostring(L, -1));
    lua_pop(L, 1);
    return 0;
}

static int get_number(lua_State *L, int env, const char *key, long *out, const char *path, char *err,
                      size_t errlen)
{
    lua_getfield(L, env, key);
    int t = lua_type(L, -1);
    int rc = 0;
    if (t == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0)
        *out = (long)lua_tointeger(L, -1);
    else if (t != LUA_TNIL)
        rc = bad(err, errlen, path, "'%s' must be a whole number >= 0", key);
    lua_pop(L, 1);
    return rc;
}

static int read_items(lua_State *L, int env, install_config *c, const char *dir, const char *path, char *err,
                      size_t errlen)
{
    lua_getfield(L, env, "municipalities");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1))
        return bad(err, errlen, path, "'%s' must be a list", "municipalities");
    size_t n = (size_t)lua_rawlen(L, -1);
    c->items = arena_alloc(&c->mem, (n + 1) * sizeof *c->items);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        batch_item *it = &c->items[c->nitems++];
        if (lua_type(L, -1) == LUA_TSTRING) {
            it->rules = resolve(c, dir, lua_tostring(L, -1));
        } else if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "rules");
            lua_getfield(L, -2, "data_dir");
            if (lua_type(L, -2) != LUA_TSTRING || (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING))
                return bad(err, errlen, path, "municipalities: each entry is \"rules.lua\" or "
                           "{ rules = \"...\", data_dir = \"...\" }%s", "");
            it->rules = resolve(c, dir, lua_tostring(L, -2));
            it->data_dir = lua_isnil(L, -1) ? NULL : resolve(c, dir, lua_tostring(L, -1));
            lua_pop(L, 2);
        } else {
            return bad(err, errlen, path, "municipalities: entry %s is neither a path nor a table",
                       lua_pushfstring(L, "%d", (int)i + 1));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 0;
}

static int check_keys(lua_State *L, int env, const char *path, char *err, size_t errlen)
{
    for (lua_pushnil(L); lua_next(L, env); lua_pop(L, 1)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        bool known = false;
        for (const char *const *kk = known_keys; *kk; kk++)
            known |= strcmp(*kk, k) == 0;
        if (!known) {
            lua_pop(L, 2);
            return bad(err, errlen, path, "unknown setting '%s' (out, rules, period, jobs, timeout, max_memory, "
                       "lua_memory, lua_instructions, log, syslog, history, lang, municipalities)", k);
        }
    }
    return 0;
}

static int read_settings(lua_State *L, install_config *c, const char *path, char *err, size_t errlen)
{
    int env = lua_gettop(L);
    const char *slash = strrchr(path, '/');
    const char *dir = slash ? arena_strndup(&c->mem, path, (size_t)(slash - path)) : NULL;
    int rc = check_keys(L, env, path, err, errlen);
    if (!rc) rc = get_text(L, env, "out", &c->out, c, dir, true, path, err, errlen);
    if (!rc) rc = get_text(L, env, "rules", &c->rules, c, dir, true, path, err, errlen);
    if (!rc) rc = get_text(L, env, "log", &c->log, c, dir, true, path, err, errlen);
    if (!rc) rc = get_text(L, env, "history", &c->history, c, dir, true, path, err, errlen);
    if (!rc) rc = get_text(L, env, "period", &c->period, c, dir, false, path, err, errlen);
    if (!rc) rc = get_text(L, env, "lang", &c->lang, c, dir, false, path, err, errlen);
    if (!rc) rc = get_number(L, env, "jobs", &c->jobs, path, err, errlen);
    if (!rc) rc = get_number(L, env, "timeout", &c->timeout, path, err, errlen);
    if (!rc) rc = get_number(L, env, "max_memory", &c->max_memory, path, err, errlen);
    if (!rc) rc = get_number(L, env, "lua_memory", &c->lua_memory, path, err, errlen);
    if (!rc) rc = get_number(L, env, "lua_instructions", &c->lua_instructions, path, err, errlen);
    if (!rc) {
        lua_getfield(L, env, "syslog");
        if (lua_isboolean(L, -1))
            c->use_syslog = lua_toboolean(L, -1);
        else if (!lua_isnil(L, -1))
            rc = bad(err, errlen, path, "'%s' must be true or false", "syslog");
        lua_pop(L, 1);
    }
    if (!rc)
        rc = read_items(L, env, c, dir, path, err, errlen);
    return rc;
}

int install_config_load(const char *path, install_config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->jobs = c->timeout = c->max_memory = c->lua_memory = c->lua_instructions = -1;
    c->use_syslog = -1;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot open the configuration: %s", path, strerror(errno));
        return 66;
    }
    lua_State *L = luaL_newstate();
    if (!L) {
        snprintf(err, errlen, "%s: out of memory", path);
        return 70;
    }
    /* No libraries at all: the file only assigns settings. */
    int rc = 0;
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        rc = 78;
    } else {
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setupvalue(L, -3, 1);
        lua_insert(L, -2);
        if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
            snprintf(err, errlen, "%s", lua_tostring(L, -1));
            rc = 78;
        } else {
            rc = read_settings(L, c, path, err, errlen);
        }
    }
    lua_close(L);
    return rc;
}

void install_config_free(install_config *c) { arena_free(&c->mem); }

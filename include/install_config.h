/*
 * install_config.h - an installation's configuration: which municipalities,
 * where their rules and exports are, where reports go, and the batch's
 * settings, in one Lua file (say /etc/kvalrap/kvalrap.conf):
 *
 *     out = "/var/lib/kvalrap/reports"
 *     period = "last-month"
 *     jobs = 2
 *     timeout = 600
 *     log = "/var/log/kvalrap.log"
 *     history = "/var/lib/kvalrap/history.sqlite"
 *     municipalities = {
 *       { rules = "rules/nordland.lua", data_dir = "/srv/exports/nordland" },
 *       "rules/troms.lua",
 *     }
 *
 * Relative paths are relative to the configuration file's folder.  Options
 * on the command line win over the file.
 */
#ifndef KV_INSTALL_CONFIG_H
#define KV_INSTALL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "batch.h"
#include "util.h"

typedef struct {
    arena mem;
    const char *out, *rules, *period, *log, *history, *lang;
    long jobs, timeout, max_memory, lua_memory, lua_instructions;   /* -1 = not set */
    int use_syslog;                                                 /* -1 = not set */
    size_t nitems;
    batch_item *items;          /* NULL: every rule file in `rules` */
} install_config;

/* Read the file; 0, or 78 (66 when it cannot be opened) with err. */
int install_config_load(const char *path, install_config *c, char *err, size_t errlen);
void install_config_free(install_config *c);

#endif

/*
 * testutil.h - what every cmocka test file includes.
 */
#ifndef KV_TESTUTIL_H
#define KV_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif

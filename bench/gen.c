/*
 * gen.c - deterministic benchmark data for kvalrap (issue 7, issue 3 item 6).
 *
 *   cc -std=c17 -Wall -Wextra -Werror -O2 -o build/bench/gen bench/gen.c
 *   build/bench/gen OUTDIR DEVIATIONS PROPOSALS DOCUMENTS MUNICIPALITIES SEED
 *   build/bench/gen build/bench/1m 1000000 200000 50000 1 1
 *
 * Writes, for each of MUNICIPALITIES municipalities (each with the given
 * numbers of rows):
 *
 *   OUTDIR/data/<id>/avvik.csv               deviations: UTF-8 with BOM, ';',
 *                                            CRLF, dd.mm.yyyy, 11 columns
 *   OUTDIR/data/<id>/forbedringsforslag.csv  proposals: UTF-8, ',', LF,
 *                                            dd.mm.yyyy, 6 columns (1 unmapped)
 *   OUTDIR/data/<id>/dokumenter.csv          documents: UTF-8, ';', LF,
 *                                            dd.mm.yyyy, 7 columns (1 unmapped)
 *   OUTDIR/rules/<id>.lua                    its rule file: municipality{},
 *                                            the three dataset{} mappings,
 *                                            every standard KPI of spec §3
 *                                            the data support, one custom KPI
 *   OUTDIR/variants/<id>-none.lua            (first municipality only) the
 *   OUTDIR/variants/<id>-custom.lua          same datasets with no KPI, and
 *                                            with only the custom KPI
 *   OUTDIR/manifest.txt                      what was generated and the
 *                                            expected figures as of 2026-10-31
 *
 * Every export runs over three years ending 2026-10-31 (the as_of of the
 * benchmark period 2026-10).  Distributions: 40-200 units per municipality
 * with Norwegian, Swedish and Sámi names, Zipf-like unit sizes, a reporting
 * rate that grows over the three years and drops at weekends, in July and
 * at Christmas; about 80 % of deviations closed (about a fifth of those
 * after their deadline), about 12.8 % open and overdue on 2026-10-31, about
 * 62 % of documents not revised within 2 years.  Text carries æøå, åäö,
 * á č đ ŋ š ŧ ž, embedded delimiters, quotes and (rarely) a line break, all
 * quoted as RFC 4180 says.  About one row in 200,000 has an impossible date,
 * so the rejects list is not empty.
 *
 * Determinism: one splitmix64 stream per municipality and file, derived from
 * SEED; only integer arithmetic (no libm, no rand(), no clock, no locale):
 * the same arguments give the same bytes on every machine.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* ================================================================ random */

/* splitmix64 (Steele, Lea, Flood 2014). */
typedef struct {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* An independent stream for (seed, municipality, purpose). */
static rng rng_for(uint64_t seed, uint64_t muni, uint64_t purpose)
{
    rng r = {seed ^ 0x6b76616c72617000ULL};
    r.s ^= rng_next(&r) + muni * 0xd1342543de82ef95ULL;
    r.s ^= rng_next(&r) + purpose * 0xaf251af3b0f025b5ULL;
    (void)rng_next(&r);
    return r;
}

/* Uniform in [0, n) (multiply-high; the bias is below 2^-40 here). */
static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static int rng_int(rng *r, int lo, int hi) { return hi <= lo ? lo : lo + (int)rng_below(r, (uint32_t)(hi - lo + 1)); }

/* True with probability permille / 1000. */
static bool rng_pm(rng *r, int permille) { return (int)rng_below(r, 1000) < permille; }

/* Index picked by integer weights. */
static int rng_pick(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = (int)rng_below(r, (uint32_t)total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* A cumulative weight table, sampled by binary search. */
typedef struct {
    uint64_t *cum;
    int n;
} wtable;

static int wt_pick(const wtable *t, rng *r)
{
    uint64_t x = ((unsigned __int128)rng_next(r) * t->cum[t->n - 1]) >> 64;
    int lo = 0, hi = t->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (x < t->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ================================================================ dates */

typedef int32_t day_t;

/* Days since 1970-01-01 (H. Hinnant's algorithms). */
static day_t ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil(day_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Monday. 1970-01-01 was a Thursday. */
static int weekday(day_t z) { return (int)(((z % 7) + 7 + 3) % 7); }

static day_t END;    /* 2026-10-31: the last export day and the benchmark's as_of */
static day_t START;  /* 2023-11-01: three years of data */
static day_t DMIN;   /* first day in the date table */
static int NDAYS;    /* days in the date table */
static char (*DMY)[11];  /* "dd.mm.yyyy" of DMIN + i */

static void dates_init(void)
{
    END = ymd(2026, 10, 31);
    START = ymd(2023, 11, 1);
    DMIN = ymd(2000, 1, 1);
    NDAYS = ymd(2031, 1, 1) - DMIN;
    DMY = xmalloc((size_t)NDAYS * sizeof *DMY);
    for (int i = 0; i < NDAYS; i++) {
        int y, m, d;
        civil(DMIN + i, &y, &m, &d);
        snprintf(DMY[i], sizeof DMY[i], "%02d.%02d.%04d", d, m, y);
    }
}

static const char *dmy(day_t z)
{
    if (z < DMIN || z >= DMIN + NDAYS)
        die("date out of range");
    return DMY[z - DMIN];
}

/* ================================================================ output */

typedef struct {
    FILE *f;
    char *buf;
    size_t len;
    uint64_t bytes;
} out;

#define OUTBUF (1u << 20)

static void out_open(out *o, const char *path)
{
    o->f = fopen(path, "wb");
    if (!o->f)
        die("cannot create %s: %s", path, strerror(errno));
    o->buf = xmalloc(OUTBUF);
    o->len = 0;
    o->bytes = 0;
}

static void out_flush(out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        die("write failed: %s", strerror(errno));
    o->bytes += o->len;
    o->len = 0;
}

static void out_put(out *o, const char *s, size_t n)
{
    if (o->len + n > OUTBUF) {
        out_flush(o);
        if (n > OUTBUF) {
            if (fwrite(s, 1, n, o->f) != n)
                die("write failed: %s", strerror(errno));
            o->bytes += n;
            return;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_s(out *o, const char *s) { out_put(o, s, strlen(s)); }
static void out_c(out *o, char c) { out_put(o, &c, 1); }

/* A field, quoted when it holds the delimiter, a quote, a line break or
 * surrounding spaces (RFC 4180: quotes doubled inside). */
static void out_field(out *o, const char *s, char delim)
{
    size_t n = strlen(s);
    bool q = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !q; i++)
        q = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!q) {
        out_put(o, s, n);
        return;
    }
    out_c(o, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            out_c(o, '"');
        out_c(o, *p);
    }
    out_c(o, '"');
}

static void out_u64(out *o, uint64_t v)
{
    char b[24];
    int i = (int)sizeof b;
    do
        b[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    out_put(o, b + i, sizeof b - (size_t)i);
}

static void out_close(out *o)
{
    out_flush(o);
    if (fclose(o->f) != 0)
        die("close failed: %s", strerror(errno));
    free(o->buf);
}

/* dst = a + b (+ c), or die when it does not fit. */
static void join(char *dst, size_t cap, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = c ? strlen(c) : 0;
    if (la + lb + lc + 1 > cap)
        die("path too long: %s%s%s", a, b, c ? c : "");
    memcpy(dst, a, la);
    memcpy(dst + la, b, lb);
    memcpy(dst + la + lb, c ? c : "", lc);
    dst[la + lb + lc] = 0;
}

static void mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                die("cannot create %s: %s", tmp, strerror(errno));
            *p = '/';
        }
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        die("cannot create %s: %s", tmp, strerror(errno));
}

/* ================================================================ words */

static const char *const sectors[] = {
    "Hjemmetjenesten", "Sykehjemmet", "Bo- og behandlingssenter", "Barnehage", "Skole",
    "Helsestasjon", "NAV", "Barnevernstjenesten", "Legevakt", "Rus og psykisk helse",
    "Teknisk drift", "Eiendom", "Kulturskole", "Bibliotek", "Økonomiavdelingen",
    "Lønn og personal", "IKT-tjenesten", "Renovasjon", "Vann og avløp", "Omsorgsboliger",
    "Avlastning", "Fysio- og ergoterapi", "Storkjøkken", "Servicetorget", "Flyktningtjenesten",
    "PPT", "Svømmehall", "Brann og redning", "Äldreboende", "Hemtjänst", "Förskola",
    "Socialtjänst", "Måltidsservice", "Fritidsgård",
};

static const char *const places[] = {
    "Åsen", "Nordbyen", "Sørvika", "Bjørkelund", "Ørnes", "Lærdal", "Vågen", "Fjellheim",
    "Storøya", "Kárášjohka", "Guovdageaidnu", "Unjárga", "Deatnu", "Porsáŋgu", "Gáivuotna",
    "Čáhcesuolu", "Ájluokta", "Snåsa", "Røros", "Ølen", "Hamarøy", "Kvænangen", "Måløy",
    "Nærøy", "Lødingen", "Fauske", "Skånland", "Gratangen", "Sørreisa", "Bardu", "Målselv",
    "Lyngen", "Kåfjord", "Nordreisa", "Björkängen", "Älvsbyn", "Öjebyn", "Hälleberget",
    "Sjöängen", "Jåhkåmåhkke", "Árjepluovve", "Giron", "Ŧuolbmájávri", "Đákterávju",
    "Žiŋŋávárri", "Bæivásgiedde", "Øvre Ålen", "Nedre Sæter",
};

/* Short kinds of unit, written after the place ("Åsen skole"). */
static const char *const kinds[] = {
    "skole", "barnehage", "sykehjem", "helsestasjon", "omsorgssenter", "hjemmetjeneste",
    "bofellesskap", "förskola", "äldreboende", "skuvla", "mánáidgárdi", "legekontor", "bibliotek",
};

/* Units whose names need quoting in a ';' file, or hold a quote. */
static const char *const odd_units[] = {
    "Bofellesskapet \"Solstua\"",
    "Helse; rus og psykiatri",
    "Barnehage \"Tusenfryd\"; avd. Blåklokka",
    "Miljøarbeidertjenesten; \"Ung i Ørnes\"",
    "Äldreboende \"Solgården\"",
    "Sámi mánáidgárdi \"Ođđa beaivi\"",
};

static const char *const areas[] = {
    "Sentrum", "Nord", "Sør", "Øst", "Vest", "Indre strøk", "Ytre strøk", "Fjellbygda",
    "Øyane", "Sápmi", "Bygda, nord", "Älvdalen", "Čoavddatmohkki",
};

static const char *const categories[] = {
    "Kvalitet", "HMS", "Synspunkt", "Personskade", "Informasjonssikkerhet", "Miljø",
    "Legemidler", "Vold og trusler",
};
static const int category_w[] = {30, 20, 12, 10, 8, 5, 10, 5};

static const char *const severities[] = {"", "Lav", "Middels", "Alvorlig", "Svært alvorlig"};
static const int severity_w[] = {2, 40, 35, 18, 5};

static const char *const genders[] = {"K", "M", ""};
static const int gender_w[] = {48, 40, 12};

static const char *const age_groups[] = {"0-17", "18-64", "65+", ""};
static const int age_w[] = {18, 45, 30, 7};

static const char *const first_names[] = {
    "Kari", "Ola", "Ingrid", "Lars", "Siri", "Terje", "Tone", "Eirik", "Åse", "Øystein",
    "Bjørg", "Håkon", "Máret", "Ánde", "Biret", "Niillas", "Elle", "Áslat", "Sigríd",
    "Märta", "Björn", "Åsa", "Göran", "Linnéa", "Jörgen", "Kajsa",
};

static const char *const last_names[] = {
    "Hansen", "Johansen", "Olsen", "Larsen", "Andreassen", "Brønnøy", "Jåma", "Sæther",
    "Kristiansen", "Bakken", "Solbakk", "Somby", "Gaup", "Eira", "Sara", "Turi", "Kuoljok",
    "Žiŋŋá", "Løvås", "Åström", "Öberg", "Lindström", "Hägg", "Nyström",
};

static const char *const topics[] = {
    "avvikshåndtering", "legemiddelhåndtering", "brannvern", "informasjonssikkerhet",
    "personvern (GDPR)", "varsling av kritikkverdige forhold", "vold og trusler", "smittevern",
    "innkjøp", "arkiv og journalføring", "beredskap", "bruk av tvang og makt",
    "samisk språk i tjenestene", "mottak av nyansatte", "internkontroll", "klagebehandling",
    "tilsyn med private barnehager", "sikker pasientforflytning",
};

static const char *const doc_kinds[] = {"Rutine for", "Retningslinje for", "Prosedyre:", "Plan for",
                                        "Instruks for", "Sjekkliste –"};

static const char *const odd_titles[] = {
    "Rutine for \"Stopp og tenk\"; legemidler",
    "Plan for beredskap, krise og \"uønskede hendelser\"",
    "Retningslinje; bruk av \"velferdsteknologi\" i hjemmet",
};

static const char *const proposal_titles[] = {
    "Enklere skjema for reiseregning", "Digital signering, kontrakter og avtaler",
    "Ny rutine for \"nøkkelutlevering\"", "Felles kalender for vaktbytte",
    "Gjenbruk av møbler mellom skoler", "Samkjøring av skyssruter, nord og sør",
    "Kvartalsvis erfaringsdeling", "Bedre skilting ved \"Servicetorget\"",
    "Færre papirutskrifter", "Mattilbud for eldre, også i helgene", "Bättre rutiner för måltider",
    "Sámegiella ja dáruskiella: tospråklige skjema",
};

/* Status words of the proposals system, and their canonical meaning. */
static const char *const proposal_status[] = {"Ny", "Under vurdering", "Gjennomført", "Avvist"};
static const char *const doc_status[] = {"Publisert", "Utkast", "Arkivert"};

/* Municipality names: a first part and an ending. */
static const char *const muni_head[] = {
    "Fjell", "Stor", "Nord", "Sør", "Øst", "Vest", "Lille", "Sjø", "Berg", "Bjørk", "Gran",
    "Å", "Ø", "Vå", "Lyng", "Hav", "Mål", "Sæl", "Kár", "Guov", "Björk", "Älv", "Sjö", "Ham",
    "Kvæ", "Lød", "Røn", "Tys", "Ån", "Rå",
};
static const char *const muni_tail[] = {
    "vik", "dal", "fjord", "ås", "øy", "berg", "strand", "sund", "nes", "anger", "ängen",
    "sjön", "heim", "stad", "bygd", "mo", "seter", "vågen", "jávri", "johka",
};

/* ASCII transliteration for ids. */
static void slug(char *dst, size_t cap, const char *s)
{
    static const struct { const char *from, *to; } tr[] = {
        {"æ", "ae"}, {"Æ", "ae"}, {"ø", "o"}, {"Ø", "o"}, {"å", "a"}, {"Å", "a"}, {"ä", "a"},
        {"Ä", "a"}, {"ö", "o"}, {"Ö", "o"}, {"á", "a"}, {"Á", "a"}, {"č", "c"}, {"Č", "c"},
        {"đ", "d"}, {"Đ", "d"}, {"ŋ", "n"}, {"Ŋ", "n"}, {"š", "s"}, {"Š", "s"}, {"ŧ", "t"},
        {"Ŧ", "t"}, {"ž", "z"}, {"Ž", "z"}, {"é", "e"},
    };
    size_t n = 0;
    while (*s && n + 3 < cap) {
        bool done = false;
        for (size_t i = 0; i < COUNT(tr) && !done; i++) {
            size_t l = strlen(tr[i].from);
            if (strncmp(s, tr[i].from, l) == 0) {
                for (const char *t = tr[i].to; *t; t++)
                    dst[n++] = *t;
                s += l;
                done = true;
            }
        }
        if (done)
            continue;
        unsigned char c = (unsigned char)*s++;
        if (c >= 'A' && c <= 'Z')
            dst[n++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            dst[n++] = (char)c;
        else if (n && dst[n - 1] != '_')
            dst[n++] = '_';
    }
    dst[n] = 0;
}

/* ================================================================ municipality */

typedef struct {
    char id[80];
    char name[80];
    int nunits;
    char **units;
    wtable unit_w;   /* Zipf-like: a few big units, a long tail of small ones */
    int nareas;
    const char *area[COUNT(areas) + 1];
    wtable area_w;
} muni;

static bool has_unit(const muni *m, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(m->units[i], s) == 0)
            return true;
    return false;
}

static void muni_make(muni *m, uint64_t seed, int index, int total)
{
    rng r = rng_for(seed, (uint64_t)index, 1);
    /* Distinct names: index -> (head, tail) through a bijection of the
     * pairs (7919 is prime to their number), a numeral past them. */
    uint64_t npairs = COUNT(muni_head) * COUNT(muni_tail);
    uint64_t pair = ((uint64_t)index * 7919u + seed % npairs) % npairs;
    char name[64];
    if ((uint64_t)index < npairs)
        snprintf(name, sizeof name, "%s%s", muni_head[pair / COUNT(muni_tail)], muni_tail[pair % COUNT(muni_tail)]);
    else
        snprintf(name, sizeof name, "%s%s %d", muni_head[pair / COUNT(muni_tail)], muni_tail[pair % COUNT(muni_tail)],
                 (int)((uint64_t)index / npairs) + 1);
    snprintf(m->name, sizeof m->name, "%s kommune", name);
    char s[64];
    slug(s, sizeof s, name);
    if (total == 1)
        snprintf(m->id, sizeof m->id, "bench_%s", s);
    else
        snprintf(m->id, sizeof m->id, "m%03d_%s", index + 1, s);

    m->nunits = rng_int(&r, 40, 200);
    m->units = xmalloc((size_t)m->nunits * sizeof *m->units);
    m->unit_w.n = m->nunits;
    m->unit_w.cum = xmalloc((size_t)m->nunits * sizeof *m->unit_w.cum);
    for (int i = 0; i < m->nunits; i++) {
        char u[160];
        do {
            if (rng_pm(&r, 30))
                snprintf(u, sizeof u, "%s", odd_units[rng_below(&r, COUNT(odd_units))]);
            else if (rng_pm(&r, 30))
                snprintf(u, sizeof u, "%s %s avd. %d", sectors[rng_below(&r, COUNT(sectors))],
                         places[rng_below(&r, COUNT(places))], rng_int(&r, 1, 4));
            else if (rng_pm(&r, 600))
                snprintf(u, sizeof u, "%s %s", places[rng_below(&r, COUNT(places))],
                         kinds[rng_below(&r, COUNT(kinds))]);
            else
                snprintf(u, sizeof u, "%s %s", sectors[rng_below(&r, COUNT(sectors))],
                         places[rng_below(&r, COUNT(places))]);
        } while (has_unit(m, i, u));
        m->units[i] = strdup(u);
        /* weight ~ 1 / (rank + 4): the top unit has 10-50x the rows of the last */
        m->unit_w.cum[i] = (i ? m->unit_w.cum[i - 1] : 0) + 1000000u / (uint64_t)(i + 4);
    }
    m->nareas = rng_int(&r, 5, (int)COUNT(areas));
    int order[COUNT(areas)];
    for (int i = 0; i < (int)COUNT(areas); i++)
        order[i] = i;
    for (int i = (int)COUNT(areas) - 1; i > 0; i--) {
        int j = (int)rng_below(&r, (uint32_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    m->area_w.n = m->nareas + 1;
    m->area_w.cum = xmalloc((size_t)(m->nareas + 1) * sizeof *m->area_w.cum);
    for (int i = 0; i < m->nareas; i++) {
        m->area[i] = areas[order[i]];
        m->area_w.cum[i] = (i ? m->area_w.cum[i - 1] : 0) + 100u / (uint64_t)(i + 2);
    }
    m->area[m->nareas] = "";   /* about 5 % without area */
    m->area_w.cum[m->nareas] = m->area_w.cum[m->nareas - 1] + m->area_w.cum[m->nareas - 1] / 19;
}

static void muni_free(muni *m)
{
    for (int i = 0; i < m->nunits; i++)
        free(m->units[i]);
    free(m->units);
    free(m->unit_w.cum);
    free(m->area_w.cum);
}

/* ================================================================ when things happen */

/* Rows per day over [from, END]: the rate grows by 60 % over the period,
 * weekends have a fifth of a weekday's, July half, Christmas week 60 %. */
static day_t *spread_days(rng *r, uint64_t n, day_t from)
{
    int ndays = END - from + 1;
    uint64_t *cum = xmalloc((size_t)ndays * sizeof *cum);
    uint64_t total = 0;
    for (int i = 0; i < ndays; i++) {
        day_t z = from + i;
        int y, m, d;
        civil(z, &y, &m, &d);
        uint64_t w = 1000 + 600 * (uint64_t)i / (uint64_t)ndays;
        if (weekday(z) >= 5)
            w /= 5;
        if (m == 7)
            w /= 2;
        if (m == 12 && d >= 22)
            w = w * 6 / 10;
        total += w;
        cum[i] = total;
    }
    /* Row k falls on the day whose cumulative share first exceeds k/n: the
     * rows come sorted by date, as exports sorted by number do. A little
     * jitter (registration a day or two late) keeps them from being perfect. */
    day_t *days = xmalloc((size_t)(n ? n : 1) * sizeof *days);
    int di = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t x = (uint64_t)(((unsigned __int128)k * total + total / 2) / n);
        while (di < ndays - 1 && cum[di] <= x)
            di++;
        int j = di;
        if (rng_pm(r, 100))
            j -= rng_int(r, 1, 2);
        if (j < 0)
            j = 0;
        days[k] = from + j;
    }
    free(cum);
    return days;
}

/* ================================================================ the exports */

typedef struct {
    uint64_t deviations, open, open_overdue, closed, closed_late, closed_on_time, rejects;
    uint64_t dev_bytes;
    uint64_t proposals, prop_bytes;
    uint64_t documents, doc_live, doc_not_revised, doc_bytes;
} stats;

/* An impossible date, for the odd broken row. */
static const char *bad_date(rng *r)
{
    static const char *const bad[] = {"31.04.2025", "29.02.2025", "30.02.2024", "00.10.2026", "31.06.2026"};
    return bad[rng_below(r, COUNT(bad))];
}

static void write_deviations(const muni *m, const char *dir, uint64_t n, uint64_t seed, int index, stats *st)
{
    char path[4096];
    join(path, sizeof path, dir, "/avvik.csv", NULL);
    out o;
    out_open(&o, path);
    rng r = rng_for(seed, (uint64_t)index, 2);
    day_t *days = spread_days(&r, n, START);
    static const int due_days[] = {7, 14, 14, 21, 30, 30, 30, 45, 60, 90};
    out_s(&o, "\xEF\xBB\xBF");
    out_s(&o, "Avviksnr;Meldt dato;Enhet;Område;Kategori;Alvorlighetsgrad;Kjønn;Aldersgruppe;"
              "Frist;Lukket dato;Årsaksanalyse utført\r\n");
    uint64_t first_id = 100000 + (uint64_t)rng_below(&r, 900000);
    for (uint64_t k = 0; k < n; k++) {
        day_t rep = days[k];
        bool has_due = rng_pm(&r, 950);
        day_t due = has_due ? rep + due_days[rng_below(&r, COUNT(due_days))] : 0;
        bool open;
        if (!has_due)
            open = rng_pm(&r, 300);
        else if (due >= END)
            open = rng_pm(&r, 850);
        else {
            int late = END - due;
            open = rng_pm(&r, late < 90 ? 450 : late < 365 ? 190 : 67);
        }
        day_t closed = 0;
        if (!open) {
            int span = has_due ? due - rep : 30;
            if (!has_due || rng_pm(&r, 780))
                closed = rep + rng_int(&r, 0, span);
            else
                closed = due + rng_int(&r, 1, rng_pm(&r, 700) ? 30 : 120);
            if (closed > END)
                closed = rep + rng_int(&r, 0, END - rep);
        }
        int cat = rng_pick(&r, category_w, (int)COUNT(category_w));
        int sev = rng_pick(&r, severity_w, (int)COUNT(severity_w));
        bool serious = sev >= 3;
        const char *rc = serious ? (rng_pm(&r, 700) ? "Ja" : "Nei")
                                 : (rng_pm(&r, 100) ? "Ja" : rng_pm(&r, 550) ? "Nei" : "");
        bool broken = rng_below(&r, 200000) == 0;

        out_u64(&o, first_id + k);
        out_c(&o, ';');
        out_s(&o, dmy(rep));
        out_c(&o, ';');
        out_field(&o, m->units[wt_pick(&m->unit_w, &r)], ';');
        out_c(&o, ';');
        out_field(&o, m->area[wt_pick(&m->area_w, &r)], ';');
        out_c(&o, ';');
        out_s(&o, categories[cat]);
        out_c(&o, ';');
        out_s(&o, severities[sev]);
        out_c(&o, ';');
        out_s(&o, genders[rng_pick(&r, gender_w, (int)COUNT(gender_w))]);
        out_c(&o, ';');
        out_s(&o, age_groups[rng_pick(&r, age_w, (int)COUNT(age_w))]);
        out_c(&o, ';');
        if (has_due)
            out_s(&o, dmy(due));
        out_c(&o, ';');
        if (broken)
            out_s(&o, bad_date(&r));
        else if (!open)
            out_s(&o, dmy(closed));
        out_c(&o, ';');
        out_s(&o, rc);
        out_s(&o, "\r\n");

        if (broken) {
            st->rejects++;
            continue;
        }
        st->deviations++;
        if (open) {
            st->open++;
            if (has_due && due < END)
                st->open_overdue++;
        } else {
            st->closed++;
            if (has_due && closed > due)
                st->closed_late++;
            else if (has_due)
                st->closed_on_time++;
        }
    }
    free(days);
    out_close(&o);
    st->dev_bytes += o.bytes;
}

static void write_proposals(const muni *m, const char *dir, uint64_t n, uint64_t seed, int index, stats *st)
{
    char path[4096];
    join(path, sizeof path, dir, "/forbedringsforslag.csv", NULL);
    out o;
    out_open(&o, path);
    rng r = rng_for(seed, (uint64_t)index, 3);
    day_t *days = spread_days(&r, n, START);
    out_s(&o, "Forslagsnr,Enhet,Innsendt,Tittel,Status,Behandlet\n");
    for (uint64_t k = 0; k < n; k++) {
        day_t sub = days[k];
        int age = END - sub;
        int status;
        if (age < 30)
            status = rng_pm(&r, 600) ? 0 : 1;
        else {
            static const int w[] = {15, 15, 45, 25};
            status = rng_pick(&r, w, 4);
        }
        int y, mo, d;
        civil(sub, &y, &mo, &d);
        char id[32];
        snprintf(id, sizeof id, "FF-%d-%06" PRIu64, y, k + 1);
        out_s(&o, id);
        out_c(&o, ',');
        out_field(&o, m->units[wt_pick(&m->unit_w, &r)], ',');
        out_c(&o, ',');
        out_s(&o, dmy(sub));
        out_c(&o, ',');
        out_field(&o, proposal_titles[rng_below(&r, COUNT(proposal_titles))], ',');
        out_c(&o, ',');
        out_field(&o, proposal_status[status], ',');
        out_c(&o, ',');
        if (status >= 2) {
            day_t dec = sub + rng_int(&r, 3, 120);
            if (dec > END)
                dec = sub + rng_int(&r, 0, END - sub);
            out_s(&o, dmy(dec));
        }
        out_c(&o, '\n');
        st->proposals++;
    }
    free(days);
    out_close(&o);
    st->prop_bytes += o.bytes;
}

static void write_documents(const muni *m, const char *dir, uint64_t n, uint64_t seed, int index, stats *st)
{
    char path[4096];
    join(path, sizeof path, dir, "/dokumenter.csv", NULL);
    out o;
    out_open(&o, path);
    rng r = rng_for(seed, (uint64_t)index, 4);
    day_t cutoff = ymd(2024, 10, 31);   /* 2 years before as_of */
    day_t oldest = ymd(2008, 1, 1);
    out_s(&o, "Dok.nr;Tittel;Enhet;Dokumentansvarlig;Versjon;Revidert;Status\n");
    for (uint64_t k = 0; k < n; k++) {
        char title[200];
        if (rng_pm(&r, 20))
            snprintf(title, sizeof title, "%s", odd_titles[rng_below(&r, COUNT(odd_titles))]);
        else if (rng_below(&r, 20000) == 0)
            snprintf(title, sizeof title, "%s %s\n(gjelder alle enheter)",
                     doc_kinds[rng_below(&r, COUNT(doc_kinds))], topics[rng_below(&r, COUNT(topics))]);
        else
            snprintf(title, sizeof title, "%s %s", doc_kinds[rng_below(&r, COUNT(doc_kinds))],
                     topics[rng_below(&r, COUNT(topics))]);
        int status = rng_pm(&r, 880) ? 0 : rng_pm(&r, 580) ? 1 : 2;
        day_t rev = 0;
        bool has_rev = rng_pm(&r, 970);
        if (has_rev)
            rev = rng_pm(&r, 360) ? cutoff + rng_int(&r, 0, END - cutoff)
                                  : oldest + rng_int(&r, 0, cutoff - 1 - oldest);
        char owner[96];
        snprintf(owner, sizeof owner, "%s %s", first_names[rng_below(&r, COUNT(first_names))],
                 last_names[rng_below(&r, COUNT(last_names))]);
        out_s(&o, "EK-");
        out_u64(&o, 10000 + k);
        out_c(&o, ';');
        out_field(&o, title, ';');
        out_c(&o, ';');
        out_field(&o, m->units[wt_pick(&m->unit_w, &r)], ';');
        out_c(&o, ';');
        out_field(&o, owner, ';');
        out_c(&o, ';');
        char ver[16];
        snprintf(ver, sizeof ver, "%d.%d", rng_int(&r, 1, 9), rng_int(&r, 0, 9));
        out_s(&o, ver);
        out_c(&o, ';');
        if (has_rev)
            out_s(&o, dmy(rev));
        out_c(&o, ';');
        out_s(&o, doc_status[status]);
        out_c(&o, '\n');
        st->documents++;
        if (status != 2) {
            st->doc_live++;
            if (!has_rev || rev < cutoff)
                st->doc_not_revised++;
        }
    }
    out_close(&o);
    st->doc_bytes += o.bytes;
}

/* ================================================================ rule files */

static const char custom_kpi[] =
    "-- One custom KPI over the C primitives: serious deviations concerning children\n"
    "-- (0-17) closed in the period with a deadline, the share closed by it.\n"
    "kpi.custom {\n"
    "  id = \"serious_children_closed_on_time\",\n"
    "  title = \"Alvorlige avvik for barn lukket innen fristen\",\n"
    "  kind = \"share\",\n"
    "  target = 1.0,\n"
    "  warning = 0.9,\n"
    "  breakdown = { \"unit\", \"area\" },\n"
    "  compute = function(data, p)\n"
    "    local closed = data.deviations:between(\"closed\", p.start, p[\"end\"]):present(\"due\")\n"
    "      :is(\"age_group\", \"0-17\"):is(\"severity\", { \"Alvorlig\", \"Svært alvorlig\" })\n"
    "    return closed:compare(\"closed\", \"<=\", \"due\"), closed\n"
    "  end,\n"
    "}\n";

static const char standard_kpis[] =
    "-- Every standard KPI of spec §3 that these exports support.\n"
    "kpi.deviations_reported {}\n"
    "kpi.deviations_reported_change {}\n"
    "kpi.deviations_closed_on_time { warning = 0.9 }\n"
    "kpi.deviations_open_overdue {}\n"
    "kpi.root_cause_serious_injury { categories = { \"Personskade\" }, severities = { \"Alvorlig\", \"Svært alvorlig\" } }\n"
    "kpi.proposals_submitted {}\n"
    "kpi.proposals_implemented {}\n"
    "kpi.proposals_per_unit_month { threshold = 5 }\n"
    "kpi.documents_revised_within { years = 2, warning = 0.8 }\n";

enum { KPIS_ALL, KPIS_NONE, KPIS_CUSTOM };

static void write_rules(const muni *m, const char *path, const char *data_dir, int kpis, uint64_t seed,
                        const uint64_t sizes[3])
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot create %s: %s", path, strerror(errno));
    fprintf(f,
            "--[[\n  %s – benchmark rules, written by bench/gen (seed %" PRIu64 ").\n"
            "  %" PRIu64 " deviations, %" PRIu64 " proposals, %" PRIu64 " documents, %d units;\n"
            "  three years of data ending 2026-10-31.\n\n"
            "      kvalrap run --period 2026-10 %s\n]]\n\n",
            m->name, seed, sizes[0], sizes[1], sizes[2], m->nunits, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    fprintf(f,
            "municipality {\n  id = \"%s\",\n  name = \"%s\",\n  language = \"nb\",\n"
            "  title = \"Kvalitetsrapport\",\n  data_dir = \"%s\",\n  list_limit = 500,\n}\n\n",
            m->id, m->name, data_dir);
    fputs("-- The deviation system's export: UTF-8 with BOM, semicolons, CRLF, dd.mm.yyyy.\n"
          "dataset \"deviations\" {\n"
          "  file = \"avvik.csv\",\n  encoding = \"utf-8\",\n  delimiter = \";\",\n"
          "  date_format = \"dd.mm.yyyy\",\n"
          "  columns = {\n"
          "    id = \"Avviksnr\", unit = \"Enhet\", reported = \"Meldt dato\", due = \"Frist\",\n"
          "    closed = \"Lukket dato\", category = \"Kategori\", severity = \"Alvorlighetsgrad\",\n"
          "    root_cause = \"Årsaksanalyse utført\", gender = \"Kjønn\", age_group = \"Aldersgruppe\",\n"
          "    area = \"Område\",\n"
          "  },\n}\n\n"
          "dataset \"proposals\" {\n"
          "  file = \"forbedringsforslag.csv\",\n  encoding = \"utf-8\",\n  delimiter = \",\",\n"
          "  date_format = \"dd.mm.yyyy\",\n"
          "  columns = { id = \"Forslagsnr\", unit = \"Enhet\", submitted = \"Innsendt\", status = \"Status\",\n"
          "              decided = \"Behandlet\" },\n"
          "  values = {\n"
          "    status = { [\"Ny\"] = \"new\", [\"Under vurdering\"] = \"evaluating\",\n"
          "               [\"Gjennomført\"] = \"implemented\", [\"Avvist\"] = \"rejected\" },\n"
          "  },\n}\n\n"
          "dataset \"documents\" {\n"
          "  file = \"dokumenter.csv\",\n  encoding = \"utf-8\",\n  delimiter = \";\",\n"
          "  date_format = \"dd.mm.yyyy\",\n"
          "  columns = { id = \"Dok.nr\", title = \"Tittel\", unit = \"Enhet\", owner = \"Dokumentansvarlig\",\n"
          "              revised = \"Revidert\", status = \"Status\" },\n"
          "  values = {\n"
          "    status = { [\"Publisert\"] = \"published\", [\"Utkast\"] = \"draft\", [\"Arkivert\"] = \"archived\" },\n"
          "  },\n}\n\n",
          f);
    if (kpis == KPIS_ALL) {
        fputs(standard_kpis, f);
        fputc('\n', f);
    }
    if (kpis != KPIS_NONE)
        fputs(custom_kpi, f);
    if (fclose(f) != 0)
        die("cannot write %s", path);
}

/* ================================================================ main */

static uint64_t arg_u64(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || s[0] == '-')
        die("%s must be a whole number, not '%s'", what, s);
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr,
                "usage: gen OUTDIR DEVIATIONS PROPOSALS DOCUMENTS MUNICIPALITIES SEED\n"
                "  e.g. gen build/bench/1m 1000000 200000 50000 1 1\n"
                "       gen build/bench/m300 20000 4000 1000 300 1\n"
                "  (the row counts are per municipality)\n");
        return 2;
    }
    const char *dir = argv[1];
    uint64_t ndev = arg_u64(argv[2], "DEVIATIONS");
    uint64_t nprop = arg_u64(argv[3], "PROPOSALS");
    uint64_t ndoc = arg_u64(argv[4], "DOCUMENTS");
    uint64_t nmuni = arg_u64(argv[5], "MUNICIPALITIES");
    uint64_t seed = arg_u64(argv[6], "SEED");
    if (nmuni < 1 || nmuni > 9999)
        die("MUNICIPALITIES must be 1 to 9999");
    dates_init();

    char path[4096], sub[4096];
    join(path, sizeof path, dir, "/rules", NULL);
    mkdirs(path);
    join(path, sizeof path, dir, "/variants", NULL);
    mkdirs(path);

    stats total = {0};
    uint64_t sizes[3] = {ndev, nprop, ndoc};
    for (uint64_t i = 0; i < nmuni; i++) {
        muni m;
        muni_make(&m, seed, (int)i, (int)nmuni);
        join(sub, sizeof sub, dir, "/data/", m.id);
        mkdirs(sub);
        stats st = {0};
        write_deviations(&m, sub, ndev, seed, (int)i, &st);
        write_proposals(&m, sub, nprop, seed, (int)i, &st);
        write_documents(&m, sub, ndoc, seed, (int)i, &st);
        char data_dir[200];
        join(data_dir, sizeof data_dir, "../data/", m.id, NULL);
        char name[200];
        join(name, sizeof name, m.id, ".lua", NULL);
        join(path, sizeof path, dir, "/rules/", name);
        write_rules(&m, path, data_dir, KPIS_ALL, seed, sizes);
        if (i == 0) {
            join(name, sizeof name, m.id, "-none.lua", NULL);
            join(path, sizeof path, dir, "/variants/", name);
            write_rules(&m, path, data_dir, KPIS_NONE, seed, sizes);
            join(name, sizeof name, m.id, "-custom.lua", NULL);
            join(path, sizeof path, dir, "/variants/", name);
            write_rules(&m, path, data_dir, KPIS_CUSTOM, seed, sizes);
        }
        if (nmuni == 1 || i < 3 || i + 1 == nmuni)
            fprintf(stderr, "gen: %s (%s): %d units, %" PRIu64 " deviations (%" PRIu64 " open overdue), %" PRIu64
                            " proposals, %" PRIu64 " documents (%" PRIu64 " not revised)\n",
                    m.id, m.name, m.nunits, st.deviations + st.rejects, st.open_overdue, st.proposals,
                    st.documents, st.doc_not_revised);
        total.deviations += st.deviations;
        total.open += st.open;
        total.open_overdue += st.open_overdue;
        total.closed += st.closed;
        total.closed_late += st.closed_late;
        total.closed_on_time += st.closed_on_time;
        total.rejects += st.rejects;
        total.dev_bytes += st.dev_bytes;
        total.proposals += st.proposals;
        total.prop_bytes += st.prop_bytes;
        total.documents += st.documents;
        total.doc_live += st.doc_live;
        total.doc_not_revised += st.doc_not_revised;
        total.doc_bytes += st.doc_bytes;
        muni_free(&m);
    }

    join(path, sizeof path, dir, "/manifest.txt", NULL);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot create %s: %s", path, strerror(errno));
    fprintf(f,
            "generator        bench/gen %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n"
            "municipalities   %" PRIu64 "\n"
            "deviations       %" PRIu64 " rows (%" PRIu64 " bytes), %" PRIu64 " with an impossible date\n"
            "  closed         %" PRIu64 " (%" PRIu64 " by the deadline, %" PRIu64 " after it)\n"
            "  open           %" PRIu64 ", of which overdue on 2026-10-31: %" PRIu64 "\n"
            "proposals        %" PRIu64 " rows (%" PRIu64 " bytes)\n"
            "documents        %" PRIu64 " rows (%" PRIu64 " bytes), %" PRIu64 " not archived, %" PRIu64
            " of them not revised since 2024-10-31\n",
            dir, ndev, nprop, ndoc, nmuni, seed, nmuni, total.deviations + total.rejects, total.dev_bytes,
            total.rejects, total.closed, total.closed_on_time, total.closed_late, total.open, total.open_overdue,
            total.proposals, total.prop_bytes, total.documents, total.doc_bytes, total.doc_live,
            total.doc_not_revised);
    if (fclose(f) != 0)
        die("cannot write %s", path);
    free(DMY);
    return 0;
}

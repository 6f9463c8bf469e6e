--[[
  Finding 6 of fuzz/README.md (found by reading, not by a harness): the
  calendar functions of src/date.c index a 12-entry month table and do int
  arithmetic on day numbers without range checks, and src/rules.c hands them
  whatever integers a rule file passes.  Under ASan+UBSan each call below
  aborts (global-buffer-overflow in date_days_in_month, or signed overflow in
  date_to_ymd / date_from_ymd); without sanitizers it reads past the table.

      kvalrap check --max-memory 0 --period 2026-10 \
          fuzz/regressions/rules/date_arithmetic_out_of_range.lua

  with kvalrap built with -fsanitize=address,undefined (--max-memory 0: ASan
  needs more address space than the default limit).  Set CASE to 1-4; each is
  a separate call site.  Seen (clang 14, -fno-sanitize-recover=all):
    1, 2  src/date.c:42:40: runtime error: index -3 out of bounds for type 'const int[12]'
    3     src/date.c:42:40: runtime error: index 12 out of bounds for type 'const int[12]'
    4     src/date.c:26:17: runtime error: signed integer overflow: 2147483647 + 719468
]]

municipality {
  id = "fuzz_dates",
  name = "date arithmetic out of range",
  language = "en",
  data_dir = "../../../samples/nordland",
}

dataset "deviations" {
  file = "avvik.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Avviksnr", unit = "Avdeling", reported = "Registrert", due = "Frist", closed = "Lukket" },
}
dataset "proposals" {
  file = "forbedringsforslag.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Forslagsnr", unit = "Avdeling", submitted = "Innsendt" },
}
dataset "documents" {
  file = "dokumenter.csv",
  date_format = "dd.mm.yyyy",
  columns = { id = "Dok.nr", title = "Tittel", unit = "Avdeling", revised = "Revidert" },
}

local CASE = 1

kpi.custom {
  id = "out_of_range",
  title = "date arithmetic out of range",
  kind = "count",
  compute = function(data, p)
    if CASE == 1 then
      date.add_months(p.as_of, -30000)            -- month index <= 0: days[-1..-12]
    elseif CASE == 2 then
      date.years_before(p.as_of, 5000)            -- year < 0, same path
    elseif CASE == 3 then
      local q = p:previous()
      q.index = 13                                -- a month 13: days[12]
      q:previous()
    elseif CASE == 4 then
      date.ymd(2147483647)                        -- day + 719468 overflows int
    end
    return data.deviations:between("reported", p.start, p["end"])
  end,
}

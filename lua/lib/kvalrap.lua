--[[
kvalrap's standard library: the API that rule files see, and the standard
KPIs of spec §3 written on top of the same API.

It runs once per municipality, before the rule file, with the C primitives
in `kv` (row sets, periods, dates).  The rule file then runs in a sandbox
whose globals are the safe parts of Lua plus `api` below.  The heavy work,
scanning rows, always happens in C: a KPI here calls a handful of row-set
methods, never loops over rows.
]]
local kv = ...

local api = {}          -- globals of the rule file
local config = { municipality = nil, datasets = {}, kpis = {}, order = {}, references = {} }
local custom_kpi        -- kpi.custom, defined below

-- ------------------------------------------------------------------ helpers

-- Edit distance, for "did you mean" suggestions.
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local function suggest(word, candidates)
  local best, bestd
  for _, c in ipairs(candidates) do
    local d = distance(word, c)
    if not bestd or d < bestd then best, bestd = c, d end
  end
  if best and bestd <= math.max(2, #word // 3) then
    return string.format(" (did you mean '%s'?)", best)
  end
  return ""
end

local function keys_of(t)
  local r = {}
  for k in pairs(t) do r[#r + 1] = k end
  table.sort(r)
  return r
end

-- Raise an error at the line of the rule file that called into the API:
-- kv.where() finds the innermost frame that is not this library's.
local function fail(level, fmt, ...)
  error(kv.where() .. string.format(fmt, ...), 0)
end

local function check_type(fname, key, value, want, level)
  if value ~= nil and type(value) ~= want then
    fail(level + 1, "%s: '%s' must be a %s, not a %s", fname, key, want, type(value))
  end
end

local function as_day(fname, key, v, level)
  if v == nil or math.type(v) == "integer" then return v end
  if type(v) == "string" then
    local d = kv.date_parse(v)
    if d then return d end
  end
  fail(level + 1, "%s: '%s' must be a date \"yyyy-mm-dd\", not %q", fname, key, tostring(v))
end

-- ------------------------------------------------------------------ declaring the municipality

local municipality_keys = { "id", "name", "language", "title", "data_dir", "list_limit" }

function api.municipality(t)
  if type(t) ~= "table" then fail(2, "municipality: expects a table { id = ..., name = ... }") end
  if config.municipality then fail(2, "municipality: declared twice") end
  for k in pairs(t) do
    local known = false
    for _, m in ipairs(municipality_keys) do known = known or m == k end
    if not known then
      fail(2, "municipality: unknown key '%s'%s", tostring(k), suggest(tostring(k), municipality_keys))
    end
  end
  if type(t.id) ~= "string" or not t.id:match("^[a-z0-9][a-z0-9_-]*$") or #t.id > 64 then
    fail(2, "municipality: 'id' must be lower-case letters, digits, '-' or '_' (it names the output folder), got %q", tostring(t.id))
  end
  check_type("municipality", "name", t.name, "string", 2)
  check_type("municipality", "title", t.title, "string", 2)
  check_type("municipality", "data_dir", t.data_dir, "string", 2)
  check_type("municipality", "language", t.language, "string", 2)
  if t.language and not (t.language == "nb" or t.language == "sv" or t.language == "en") then
    fail(2, "municipality: 'language' must be \"nb\", \"sv\" or \"en\", got %q", t.language)
  end
  if t.list_limit ~= nil and (math.type(t.list_limit) ~= "integer" or t.list_limit < 0) then
    fail(2, "municipality: 'list_limit' must be a whole number >= 0")
  end
  config.municipality = {
    id = t.id, name = t.name or t.id, language = t.language or "en", title = t.title,
    data_dir = t.data_dir or ".", list_limit = t.list_limit or 50,
  }
end

local dataset_keys = { "file", "encoding", "delimiter", "header_line", "date_format", "columns", "values" }

function api.dataset(name)
  local fields = kv.fields(name)
  if name == "references" then
    fail(2, "dataset \"references\": reference values are declared with reference { file = ..., columns = ... }")
  end
  if type(name) ~= "string" or not fields then
    fail(2, "dataset: unknown dataset %q%s", tostring(name), suggest(tostring(name), kv.datasets()))
  end
  return function(t)
    if type(t) ~= "table" then fail(2, "dataset %q: expects a table { file = ..., columns = ... }", name) end
    if config.datasets[name] then fail(2, "dataset %q: declared twice", name) end
    for k in pairs(t) do
      local known = false
      for _, m in ipairs(dataset_keys) do known = known or m == k end
      if not known then
        fail(2, "dataset %q: unknown key '%s'%s", name, tostring(k), suggest(tostring(k), dataset_keys))
      end
    end
    if type(t.file) ~= "string" then fail(2, "dataset %q: 'file' (the export's file name) is missing", name) end
    check_type("dataset", "encoding", t.encoding, "string", 2)
    check_type("dataset", "delimiter", t.delimiter, "string", 2)
    check_type("dataset", "date_format", t.date_format, "string", 2)
    if t.header_line ~= nil and (math.type(t.header_line) ~= "integer" or t.header_line < 1) then
      fail(2, "dataset %q: 'header_line' must be a whole number >= 1", name)
    end
    local columns = t.columns or {}
    if type(columns) ~= "table" then fail(2, "dataset %q: 'columns' must be a table", name) end
    for field, header in pairs(columns) do
      if not fields[field] then
        fail(2, "dataset %q: unknown field '%s'%s", name, tostring(field), suggest(tostring(field), keys_of(fields)))
      end
      if type(header) ~= "string" then fail(2, "dataset %q: the header of '%s' must be a string", name, field) end
    end
    local values = t.values or {}
    if type(values) ~= "table" then fail(2, "dataset %q: 'values' must be a table", name) end
    for field, map in pairs(values) do
      if not fields[field] then
        fail(2, "dataset %q: 'values' names unknown field '%s'%s", name, tostring(field), suggest(tostring(field), keys_of(fields)))
      end
      if type(map) ~= "table" then fail(2, "dataset %q: values.%s must be a table", name, field) end
      for from, to in pairs(map) do
        if type(from) ~= "string" or type(to) ~= "string" then
          fail(2, "dataset %q: values.%s maps strings to strings", name, field)
        end
      end
    end
    local err = kv.check_dataset(t.encoding, t.delimiter, t.date_format)
    if err then fail(2, "dataset %q: %s", name, err) end
    config.datasets[name] = {
      file = t.file, encoding = t.encoding, delimiter = t.delimiter, header_line = t.header_line,
      date_format = t.date_format, columns = columns, values = values,
    }
  end
end

-- ------------------------------------------------------------------ reference values

local reference_keys = { "file", "format", "encoding", "delimiter", "header_line", "columns",
  "kpis", "sources", "scale", "gender" }

-- reference { file = "kkik.csv", columns = { kpi = ..., source = ..., period = ..., value = ... } }
-- reference { file = "kolada.json", format = "kolada", kpis = { U00001 = "..." }, sources = { ["0017"] = "..." } }
function api.reference(t)
  if type(t) ~= "table" then fail(2, "reference: expects a table { file = ..., ... }") end
  for k in pairs(t) do
    local known = false
    for _, m in ipairs(reference_keys) do known = known or m == k end
    if not known then fail(2, "reference: unknown key '%s'%s", tostring(k), suggest(tostring(k), reference_keys)) end
  end
  if type(t.file) ~= "string" then fail(2, "reference: 'file' is missing") end
  local format = t.format or (t.file:lower():match("%.json$") and "kolada" or "csv")
  if format ~= "csv" and format ~= "kolada" then
    fail(2, "reference: 'format' must be \"csv\" or \"kolada\", got %q", tostring(format))
  end
  for _, k in ipairs({ "kpis", "sources", "columns" }) do
    if t[k] ~= nil and type(t[k]) ~= "table" then fail(2, "reference: '%s' must be a table", k) end
    for a, b in pairs(t[k] or {}) do
      if type(a) ~= "string" or type(b) ~= "string" then fail(2, "reference: '%s' maps strings to strings", k) end
    end
  end
  if format == "kolada" and not t.kpis then
    fail(2, "reference: a Kolada file needs kpis = { [\"U00001\"] = \"kpi_id\", ... }")
  end
  for field in pairs(t.columns or {}) do
    if field ~= "kpi" and field ~= "source" and field ~= "period" and field ~= "value" then
      fail(2, "reference: columns maps kpi, source, period and value, not '%s'", field)
    end
  end
  if t.scale ~= nil and type(t.scale) ~= "number" then fail(2, "reference: 'scale' must be a number") end
  check_type("reference", "gender", t.gender, "string", 2)
  local err = kv.check_dataset(t.encoding, t.delimiter, nil)
  if err then fail(2, "reference: %s", err) end
  config.references[#config.references + 1] = {
    file = t.file, format = format, encoding = t.encoding, delimiter = t.delimiter,
    header_line = t.header_line, columns = t.columns or {}, kpis = t.kpis or {},
    sources = t.sources or {}, scale = t.scale or 1, gender = t.gender or "T",
  }
end

-- ------------------------------------------------------------------ KPI definitions

local directions = { at_least = true, at_most = true, above = true }
local common_params = { "id", "title", "target", "direction", "warning", "breakdown", "definition" }
local deviation_dims = { "gender", "age_group", "area", "category" }

local standard = {}     -- id -> { kind, dataset, direction, target, params, compute }
local standard_names = {}

local function define_standard(id, spec)
  standard[id] = spec
  standard_names[#standard_names + 1] = id
end

-- Breakdown dimensions must be fields of the KPI's dataset (when known).
local function check_breakdown(fname, dataset, dims)
  if dims == nil then return end
  local fields = dataset and kv.fields(dataset)
  for i, dim in ipairs(dims) do
    if type(dim) ~= "string" then fail(4, "%s: breakdown entry %d must be a field name", fname, i) end
    if fields and not fields[dim] then
      fail(4, "%s: %s has no field '%s' to break down by%s", fname, dataset, dim, suggest(dim, keys_of(fields)))
    end
  end
end

-- Validate the parameters a rule file gives a KPI; unknown ones are errors.
local function check_params(name, spec, t)
  local allowed = {}
  for _, p in ipairs(common_params) do allowed[#allowed + 1] = p end
  for _, p in ipairs(spec.params or {}) do allowed[#allowed + 1] = p end
  for k in pairs(t) do
    local known = false
    for _, a in ipairs(allowed) do known = known or a == k end
    if not known then
      fail(4, "kpi.%s: unknown parameter '%s'%s", name, tostring(k), suggest(tostring(k), allowed))
    end
  end
  if t.direction ~= nil and not directions[t.direction] then
    fail(4, "kpi.%s: 'direction' must be \"at_least\", \"at_most\" or \"above\", got %q", name, tostring(t.direction))
  end
  if t.target ~= nil and t.target ~= false and type(t.target) ~= "number" then
    fail(4, "kpi.%s: 'target' must be a number, or false for none", name)
  end
  if t.warning ~= nil and type(t.warning) ~= "number" then fail(4, "kpi.%s: 'warning' must be a number", name) end
  check_type("kpi." .. name, "title", t.title, "string", 4)
  check_type("kpi." .. name, "definition", t.definition, "string", 4)
  check_type("kpi." .. name, "breakdown", t.breakdown, "table", 4)
  check_breakdown("kpi." .. name, spec.dataset, t.breakdown)
  if t.id ~= nil and (type(t.id) ~= "string" or not t.id:match("^[a-z][a-z0-9_]*$")) then
    fail(4, "kpi.%s: 'id' must be lower-case letters, digits and '_', got %q", name, tostring(t.id))
  end
end

local function register(def, level)
  def.where = kv.where()
  if config.kpis[def.id] then
    fail(level + 1, "kpi %q is defined twice; give one of them its own id = \"...\"", def.id)
  end
  config.kpis[def.id] = def
  config.order[#config.order + 1] = def.id
end

local function make_kpi(name, spec, t, level)
  check_params(name, spec, t)
  local params = {}
  if spec.prepare then params = spec.prepare(t, level + 1) end
  local def = {
    id = t.id or (spec.id_of and spec.id_of(params)) or name,
    base = name,
    kind = spec.kind,
    dataset = spec.dataset,
    title = t.title, definition = t.definition,
    target = t.target, warning = t.warning,
    direction = t.direction or spec.direction or "at_least",
    breakdown = t.breakdown,
    params = params,
    compute = spec.compute,
    custom_breakdown = spec.custom_breakdown,
  }
  if def.target == nil then def.target = spec.target end
  if def.target == false then def.target = nil end      -- target = false: no target
  register(def, level + 1)
  return def
end

api.kpi = setmetatable({}, {
  __index = function(_, name)
    if name == "custom" then return custom_kpi end
    local spec = standard[name]
    if not spec then
      local all = { "custom" }
      for _, n in ipairs(standard_names) do all[#all + 1] = n end
      fail(2, "unknown KPI 'kpi.%s'%s", tostring(name), suggest(tostring(name), all))
    end
    return function(t)
      if t == nil then t = {} end
      if type(t) ~= "table" then fail(2, "kpi.%s: expects a table of parameters { ... }", name) end
      return make_kpi(name, spec, t, 2)
    end
  end,
  __newindex = function() fail(2, "kpi: cannot add to the KPI table; use kpi.custom { ... }") end,
})

local custom_keys = { "id", "title", "kind", "target", "direction", "warning", "compute", "breakdown", "definition", "dataset" }

custom_kpi = function(t)
  if type(t) ~= "table" then fail(2, "kpi.custom: expects a table { id = ..., compute = function ... }") end
  for k in pairs(t) do
    local known = false
    for _, m in ipairs(custom_keys) do known = known or m == k end
    if not known then fail(2, "kpi.custom: unknown key '%s'%s", tostring(k), suggest(tostring(k), custom_keys)) end
  end
  if type(t.id) ~= "string" or not t.id:match("^[a-z][a-z0-9_]*$") then
    fail(2, "kpi.custom: 'id' must be lower-case letters, digits and '_', got %q", tostring(t.id))
  end
  if type(t.compute) ~= "function" then fail(2, "kpi.custom %q: 'compute' must be a function(data, p)", t.id) end
  local kind = t.kind or "count"
  if kind ~= "count" and kind ~= "share" and kind ~= "change" then
    fail(2, "kpi.custom %q: 'kind' must be \"count\", \"share\" or \"change\"", t.id)
  end
  if t.direction ~= nil and not directions[t.direction] then
    fail(2, "kpi.custom %q: 'direction' must be \"at_least\", \"at_most\" or \"above\"", t.id)
  end
  check_type("kpi.custom", "title", t.title, "string", 2)
  check_type("kpi.custom", "definition", t.definition, "string", 2)
  check_type("kpi.custom", "breakdown", t.breakdown, "table", 2)
  if t.warning ~= nil and type(t.warning) ~= "number" then fail(2, "kpi.custom %q: 'warning' must be a number", t.id) end
  if t.dataset ~= nil and not kv.fields(tostring(t.dataset)) then
    fail(2, "kpi.custom %q: unknown dataset %q%s", t.id, tostring(t.dataset), suggest(tostring(t.dataset), kv.datasets()))
  end
  check_breakdown("kpi.custom " .. t.id, t.dataset, t.breakdown)
  local user = t.compute
  local def = {
    id = t.id, base = "custom", kind = kind, title = t.title, definition = t.definition, dataset = t.dataset,
    target = t.target, warning = t.warning, breakdown = t.breakdown,
    direction = t.direction or "at_least", params = {},
    compute = function(data, p) return user(data, p) end,
  }
  if t.target ~= nil and t.target ~= false and type(t.target) ~= "number" then
    fail(2, "kpi.custom %q: 'target' must be a number, or false for none", t.id)
  end
  if def.target == nil and kind == "share" then def.target = 1.0 end
  if def.target == false then def.target = nil end
  register(def, 2)
  return def
end

-- ------------------------------------------------------------------ the standard KPIs (spec §3)

local function window(p) return p.start, p["end"] end

define_standard("deviations_reported", {
  kind = "count", dataset = "deviations",
  compute = function(d, p) return d.deviations:between("reported", window(p)) end,
})

define_standard("deviations_reported_change", {
  kind = "change", dataset = "deviations", direction = "above", target = 0,
  compute = function(d, p)
    local ly = p:last_year()
    return d.deviations:between("reported", window(p)), d.deviations:between("reported", window(ly))
  end,
})

define_standard("deviations_closed_on_time", {
  kind = "share", dataset = "deviations", target = 1.0,
  compute = function(d, p)
    local closed = d.deviations:between("closed", window(p)):present("due")
    return closed:compare("closed", "<=", "due"), closed
  end,
})

-- The deviations never closed, per row set of all deviations: the same for
-- every period a run evaluates (the main one, the previous one, last year,
-- twelve months), so found once.
local never_closed = setmetatable({}, { __mode = "k" })

define_standard("deviations_open_overdue", {
  kind = "count", dataset = "deviations", direction = "at_most", target = 0,
  compute = function(d, p)
    local a = p.as_of
    -- Reported by a, due before it, and not closed by it: the same rows as
    -- due:except(due:between("closed", nil, a)) for due = the deviations
    -- reported by a and due before it, found from the open ones (never
    -- closed, or closed after a) rather than by filtering and subtracting
    -- the whole export.
    local all = d.deviations
    local never = never_closed[all]
    if not never then
      never = all:empty("closed")
      never_closed[all] = never
    end
    local open = never:between("due", nil, a - 1):between("reported", nil, a)
      :union(all:between("closed", a + 1, nil):between("due", nil, a - 1):between("reported", nil, a))
    return open, nil, {
      name = "overdue_deviations", rows = open,
      columns = { "id", "unit", "reported", "due", "days_overdue" },
      days_overdue = "due", sort = "days_overdue",
    }
  end,
})

define_standard("root_cause_serious_injury", {
  kind = "share", dataset = "deviations", target = 1.0,
  params = { "categories", "severities" },
  prepare = function(t, level)
    local function list(key, default)
      local v = t[key] or default
      if type(v) == "string" then v = { v } end
      if type(v) ~= "table" or #v == 0 then fail(level + 1, "kpi.root_cause_serious_injury: '%s' must be a list of words", key) end
      for _, s in ipairs(v) do
        if type(s) ~= "string" then fail(level + 1, "kpi.root_cause_serious_injury: '%s' must list strings", key) end
      end
      return v
    end
    return {
      categories = list("categories", { "Personskade", "Personskada" }),
      severities = list("severities", { "Alvorlig", "Svært alvorlig", "Allvarlig", "Mycket allvarlig" }),
    }
  end,
  compute = function(d, p, params)
    local serious = d.deviations:between("reported", window(p))
      :is("category", params.categories):is("severity", params.severities)
    return serious:is("root_cause", true), serious
  end,
})

define_standard("proposals_submitted", {
  kind = "count", dataset = "proposals",
  compute = function(d, p) return d.proposals:between("submitted", window(p)) end,
})

define_standard("proposals_implemented", {
  kind = "count", dataset = "proposals",
  compute = function(d, p)
    -- The period first (a scan of only the blocks of rows it meets), then
    -- the status: the same rows.
    return d.proposals:between("decided", window(p)):is("status", "implemented")
  end,
})

local function positive_integer(name, key, v, default, level)
  if v == nil then return default end
  if math.type(v) ~= "integer" or v < 0 then
    fail(level + 1, "kpi.%s: '%s' must be a whole number >= 0, got %s", name, key, tostring(v))
  end
  return v
end

define_standard("proposals_per_unit_month", {
  kind = "share", dataset = "proposals", target = 1.0,
  params = { "threshold" },
  prepare = function(t, level)
    return { threshold = positive_integer("proposals_per_unit_month", "threshold", t.threshold, 5, level) }
  end,
  compute = function(d, p, params)
    local months = p:months()
    local counts = d.proposals:between("submitted", window(p)):count_by("unit", "submitted")
    local hits, pairs_n, by_unit = 0, 0, {}
    for _, unit in ipairs(d.unit_set) do
      local per = counts[unit] or {}
      local h = 0
      for _, m in ipairs(months) do
        if (per[m] or 0) >= params.threshold then h = h + 1 end
      end
      hits, pairs_n = hits + h, pairs_n + #months
      by_unit[unit] = { h, #months }
    end
    return hits, pairs_n, nil, { unit = by_unit }
  end,
})

define_standard("documents_revised_within", {
  kind = "share", dataset = "documents", target = 1.0,
  params = { "years" },
  prepare = function(t, level)
    return { years = positive_integer("documents_revised_within", "years", t.years, 2, level) }
  end,
  compute = function(d, p, params)
    local live = d.documents:is_not("status", "archived")
    local cutoff = kv.years_before(p.as_of, params.years)
    local revised = live:between("revised", cutoff, nil)
    local stale = live:except(revised)
    return revised, live, {
      name = "documents_not_revised", rows = stale,
      columns = { "id", "title", "unit", "owner", "revised" }, sort = "revised",
    }
  end,
})

define_standard("inquiries_answered_within", {
  kind = "share", dataset = "inquiries", target = 1.0,
  params = { "days" },
  prepare = function(t, level)
    return { days = positive_integer("inquiries_answered_within", "days", t.days, 2, level) }
  end,
  compute = function(d, p, params)
    local received = d.inquiries:between("received", window(p))
    local pending = received:empty("answered"):deadline_after("received", params.days, p.as_of)
    local counted = received:except(pending)
    return counted:compare("answered", "<=", "received", params.days), counted
  end,
})

define_standard("training_completed", {
  kind = "share", dataset = "training", target = 1.0,
  params = { "course", "role", "deadline" },
  prepare = function(t, level)
    if type(t.course) ~= "string" then fail(level + 1, "kpi.training_completed: 'course' (the course name) is required") end
    check_type("kpi.training_completed", "role", t.role, "string", level + 1)
    as_day("kpi.training_completed", "deadline", t.deadline, level + 1)   -- checked now, used as text
    return { course = t.course, role = t.role, deadline = t.deadline }
  end,
  id_of = function(params)
    local text = (params.course .. (params.role and ("_" .. params.role) or "")):lower()
    for from, to in pairs({ ["æ"] = "ae", ["ø"] = "o", ["å"] = "a", ["ä"] = "a", ["ö"] = "o", ["Æ"] = "ae",
                            ["Ø"] = "o", ["Å"] = "a", ["Ä"] = "a", ["Ö"] = "o", ["é"] = "e", ["á"] = "a" }) do
      text = text:gsub(from, to)
    end
    local slug = text:gsub("[^a-z0-9]+", "_")
    return "training_completed_" .. slug
  end,
  compute = function(d, p, params)
    local rows = d.training:is("course", params.course)
    if params.role then rows = rows:is("role", params.role) end
    local deadline = params.deadline and kv.date_parse(params.deadline) or p.as_of
    return rows:between("completed", nil, deadline), rows
  end,
})

define_standard("management_reviews", {
  kind = "share", dataset = "reviews", target = 1.0,
  params = { "min_goals" },
  prepare = function(t, level)
    return { min_goals = positive_integer("management_reviews", "min_goals", t.min_goals, 1, level) }
  end,
  compute = function(d, p, params)
    local year = kv.year_of(p["end"])
    local ok = d.reviews:between("date", kv.date(year, 1, 1), kv.date(year, 12, 31))
      :between("improvement_goals", params.min_goals, nil):distinct("unit")
    local n, by_unit = 0, {}
    for _, unit in ipairs(d.unit_set) do
      local hit = ok[unit] and 1 or 0
      n = n + hit
      by_unit[unit] = { hit, 1 }
    end
    return n, #d.unit_set, nil, { unit = by_unit }
  end,
})

-- ------------------------------------------------------------------ evaluation

-- Size of a measurement: a row set's count, or the number itself.
local function size(def, x, what)
  if x == nil or type(x) == "number" then return x end
  if type(x) == "userdata" and kv.is_rows(x) then return x:count() end
  error(string.format("%skpi %q: compute returned a %s as its %s; return row sets or numbers",
    def.where or "", def.id, type(x), what), 0)
end

local function value_of(kind, num, den)
  if kind == "count" then return num end
  if den == nil or den == 0 then return nil end
  if kind == "share" then return num / den end
  return num / den - 1
end

-- Run a definition for one period; returns value, numerator, denominator and
-- the raw parts (row sets, list, custom breakdown) for the main period.
local function measure(def, data, p)
  local ok, a, b, items, custom = pcall(def.compute, data, p, def.params)
  if not ok then
    -- Never convert a non-string error value: its __tostring is script code.
    if type(a) == "string" then error(a, 0) end
    error(string.format("%skpi %q: compute raised an error that is a %s, not a message",
      def.where or "", def.id, type(a)), 0)
  end
  if def.kind ~= "count" and b == nil then
    error(string.format("%skpi %q of kind %q: compute must return a numerator and a denominator",
      def.where or "", def.id, def.kind), 0)
  end
  local num, den = size(def, a, "first value"), size(def, b, "second value")
  if def.kind == "count" then den = nil end
  return value_of(def.kind, num, den), num, den, { a = a, b = b, items = items, custom = custom }
end

-- The dimensions a KPI is broken down by: its own list, else unit plus,
-- for deviations, every dimension the export has.
local function dimensions(def, parts)
  if def.breakdown then return def.breakdown end
  if parts.custom then return keys_of(parts.custom) end
  local dims = {}
  local rows = type(parts.a) == "userdata" and parts.a or nil
  if not rows then return dims end
  if rows:has("unit") then dims[#dims + 1] = "unit" end
  if rows:dataset() == "deviations" then
    for _, f in ipairs(deviation_dims) do
      if rows:has(f) then dims[#dims + 1] = f end
    end
  end
  return dims
end

local function breakdown(def, data, parts, dim)
  local entries = {}
  if parts.custom and parts.custom[dim] then
    for key, nd in pairs(parts.custom[dim]) do
      entries[#entries + 1] = { key = key, numerator = nd[1], denominator = nd[2], value = value_of(def.kind, nd[1], nd[2]) }
    end
    return entries
  end
  if type(parts.a) ~= "userdata" then return nil end
  -- A share over two datasets breaks down only by fields both have.
  for _, rows in ipairs({ parts.a, parts.b }) do
    if type(rows) == "userdata" and not kv.fields(rows:dataset())[dim] then return nil end
  end
  local nums = parts.a:count_by(dim)
  local dens = type(parts.b) == "userdata" and parts.b:count_by(dim) or nil
  local keys = {}
  for k in pairs(nums) do keys[k] = true end
  if dens then for k in pairs(dens) do keys[k] = true end end
  if dim == "unit" then for _, u in ipairs(data.unit_set) do keys[u] = true end end
  for key in pairs(keys) do
    local n = nums[key] or 0
    if def.kind == "count" then
      entries[#entries + 1] = { key = key, value = n }
    else
      local dn = dens and (dens[key] or 0) or nil
      entries[#entries + 1] = { key = key, numerator = n, denominator = dn, value = value_of(def.kind, n, dn) }
    end
  end
  return entries
end

local function evaluate_one(def, data, p)
  local value, num, den, parts = measure(def, data, p)
  local r = {
    id = def.id, base = def.base, kind = def.kind, title = def.title, definition = def.definition,
    value = value, numerator = def.kind ~= "count" and num or nil, denominator = den,
    target = def.target, warning = def.warning, direction = def.direction,
    params = def.params, items = parts.items, breakdowns = {},
  }
  for _, dim in ipairs(dimensions(def, parts)) do
    local entries = breakdown(def, data, parts, dim)
    if entries then r.breakdowns[#r.breakdowns + 1] = { dimension = dim, entries = entries } end
  end
  local prev, ly = p:previous(), p:last_year()
  r.previous_id, r.last_year_id = prev.id, ly.id
  r.previous = measure(def, data, prev)
  r.last_year = measure(def, data, ly)
  r.series = {}
  for _, m in ipairs(p:series()) do
    r.series[#r.series + 1] = { month = m.id, value = (measure(def, data, m)) }
  end
  return r
end

-- Called by C after the data are loaded: every KPI, in declaration order.
local function evaluate(data, p)
  -- data.<name> of a dataset that is not there: say which are, and how to add one.
  setmetatable(data, { __index = function(_, name)
    local have = {}
    for k in pairs(data) do if k ~= "unit_set" then have[#have + 1] = k end end
    table.sort(have)
    if kv.fields(tostring(name)) then
      error(string.format("data.%s: the dataset %q is not declared; declare it with dataset %q { file = ... }",
        name, name, name), 2)
    end
    error(string.format("data.%s: no such dataset%s (declared: %s)", tostring(name),
      suggest(tostring(name), kv.datasets()), table.concat(have, ", ")), 2)
  end })
  local results = {}
  for _, id in ipairs(config.order) do
    local def = config.kpis[id]
    if def.dataset and not rawget(data, def.dataset) then
      error(string.format("%skpi.%s needs the dataset %q; declare it with dataset %q { file = ... }",
        def.where or "", def.base, def.dataset, def.dataset), 0)
    end
    results[#results + 1] = evaluate_one(def, data, p)
  end
  return results
end

return { api = api, config = config, evaluate = evaluate, standard = standard_names }

-- wrk: POST request bodies and check every answer.
-- usage: wrk -tN -cN ... -s check.lua URL -- CASES_FILE [close]
-- One connection per thread (-c equal to -t): a thread's Lua state pairs
-- each response with the request it made last, so it must have only one
-- request in flight.
-- CASES_FILE: one case a line, "[PATH<TAB>]STATUS<TAB>EXPECTED<TAB>BODY":
-- PATH the URI to post to (the URL's when left out), STATUS the status
-- expected, EXPECTED "*" or the exact answer (several answers separated
-- by "|"), BODY the request body.  "close" sends
-- Connection: close.  done() prints one line:
--   checked: N mismatched: M non2xx: K errors: E requests: R first: F other: O
-- (E: socket errors and timeouts; non-2xx answers count in K)
-- where F counts answers equal to a case's first listed answer and O those
-- equal to another listed one.

local cases = {}
local i = 0
local close = false
checked = 0
mismatched = 0
non2xx = 0
first = 0
other = 0
sample = ""

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    for line in io.lines(args[1]) do
        local path, status, expected, body =
            line:match("^(/[^\t]*)\t(%d+)\t([^\t]*)\t(.*)$")
        if not path then
            status, expected, body = line:match("^(%d+)\t([^\t]*)\t(.*)$")
        end
        local answers = {}
        local n = 0
        for a in expected:gmatch("[^|]+") do
            n = n + 1
            answers[a] = n
        end
        cases[#cases + 1] = { path = path, status = tonumber(status),
                              any = expected == "*",
                              answers = answers, body = body }
    end
    close = args[2] == "close"
    i = math.random(#cases) - 1
end

function request()
    i = i % #cases + 1
    local headers = { ["Content-Type"] = "application/json" }
    if close then
        headers["Connection"] = "close"
    end
    return wrk.format("POST", cases[i].path, headers, cases[i].body)
end

function response(status, headers, body)
    local c = cases[i]
    checked = checked + 1
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
    end
    local answer = body:gsub("\n$", "")
    local k = c.answers[answer]
    if k == 1 then
        first = first + 1
    elseif k then
        other = other + 1
    end
    if status ~= c.status or not (c.any or k) then
        mismatched = mismatched + 1
        if sample == "" then
            sample = status .. " " .. answer:sub(1, 200)
        end
    end
end

function done(summary, latency, requests)
    local n, m, k, f, o, s = 0, 0, 0, 0, 0, ""
    for _, t in ipairs(threads) do
        n = n + t:get("checked")
        m = m + t:get("mismatched")
        k = k + t:get("non2xx")
        f = f + t:get("first")
        o = o + t:get("other")
        if s == "" then
            s = t:get("sample")
        end
    end
    local e = summary.errors
    io.write(string.format("checked: %d mismatched: %d non2xx: %d " ..
                           "errors: %d requests: %d first: %d other: %d\n",
                           n, m, k,
                           e.connect + e.read + e.write + e.timeout,
                           summary.requests, f, o))
    if s ~= "" then
        io.write("first mismatch: " .. s .. "\n")
    end
end

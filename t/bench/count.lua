-- wrk: POST the bodies of a file in turn, exactly N responses per thread
-- (run it with one connection per thread: -tT -cT), so that the requests
-- nginx answered are exactly the ones wrk counted.
-- usage: wrk -t2 -c2 -d60s -s count.lua URL -- BODIES_FILE N

local bodies = {}
local i = 0
local want = 0
local got = 0

function init(args)
    for line in io.lines(args[1]) do
        bodies[#bodies + 1] = line
    end
    want = tonumber(args[2])
    i = math.random(#bodies)
end

function request()
    i = i % #bodies + 1
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
                      bodies[i])
end

function response(status, headers, body)
    got = got + 1
    if got >= want then
        wrk.thread:stop()
    end
end

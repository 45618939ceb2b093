-- wrk: POST the bodies of a file, one per line, in turn.
-- usage: wrk ... -s post.lua URL -- BODIES_FILE

local bodies = {}
local i = 0

function init(args)
    for line in io.lines(args[1]) do
        bodies[#bodies + 1] = line
    end
    -- each thread starts at its own place
    i = math.random(#bodies)
end

function request()
    i = i % #bodies + 1
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
                      bodies[i])
end

-- Replays pre-made webhook requests, each once: thread i of n takes lines i, i+n, i+2n…
-- of the file named by $BENCH_REQUESTS, each "path\theader\tvalue\tcontent-type\tbody"
-- (a Twilio signature or Telegram's secret token as the header).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS"))
  reqs = {}
  local i = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if i % n == tid - 1 then
      local path, name, value, ctype, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      table.insert(reqs, wrk.format("POST", path, {
        ["Content-Type"] = ctype,
        [name] = value,
        ["Host"] = os.getenv("BENCH_HOST"),
      }, body))
    end
    i = i + 1
  end
  pos = 0
end

function request()
  pos = pos % #reqs + 1
  return reqs[pos]
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %f}\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end

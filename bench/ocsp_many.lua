-- wrk script for bench/ocsp: a random one of the NREQ pre-built OCSP requests per call.
--   OCSP_METHOD     GET (RFC 5019 path) or POST (DER body, application/ocsp-request)
--   OCSP_PATH       POST: the path (the shared wrk_post_many.lua always posts to "/");
--                   GET: the prefix before the url-encoded base64 ("/ocsp/" for jpki,
--                   "/" for openssl ocsp and nginx)
--   OCSP_GET_LIST   GET: file with one url-encoded base64 request per line
--   OCSP_REQ_DIR, OCSP_REQ_N   POST: files 1.der .. N.der
-- Skips wrk's connect-and-close address probe, which wedges `openssl ocsp`
-- (../shared/bench/BASELINES.md note 6; as the shared wrk_noprobe.lua does).
wrk.resolve = function(host, service) wrk.addrs = wrk.lookup(host, service) end
local method = os.getenv("OCSP_METHOD") or "POST"
local path = os.getenv("OCSP_PATH") or "/"
local reqs = {}
local n = 0
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

init = function(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  if method == "GET" then
    for line in io.lines(os.getenv("OCSP_GET_LIST")) do
      n = n + 1
      reqs[n] = wrk.format("GET", path .. line)
    end
  else
    local dir = os.getenv("OCSP_REQ_DIR")
    for i = 1, tonumber(os.getenv("OCSP_REQ_N")) do
      local f = assert(io.open(dir .. "/" .. i .. ".der", "rb"))
      local b = f:read("*a")
      f:close()
      n = n + 1
      reqs[n] = wrk.format("POST", path, { ["Content-Type"] = "application/ocsp-request" }, b)
    end
  end
end

request = function()
  return reqs[math.random(n)]
end

-- mod_lua's side of make bench: the same checks as the dotnet contenders.
require "apache2"

-- The group file parsed once per Lua state (LuaScope thread: one state per worker thread)
-- into a table of sets, then one lookup per request: Require lua-group staff.
local groups = nil

local function load_groups(path)
  local t = {}
  for line in io.lines(path) do
    local name, members = line:match("^%s*([^:#%s]+)%s*:(.*)$")
    if name then
      local set = t[name] or {}
      for user in members:gmatch("%S+") do set[user] = true end
      t[name] = set
    end
  end
  return t
end

function authz_group(r, group)
  if r.user == nil then return apache2.AUTHZ_DENIED_NO_USER end
  if groups == nil then groups = load_groups("@STATE@/users.groups") end
  local set = groups[group]
  if set ~= nil and set[r.user] then return apache2.AUTHZ_GRANTED end
  return apache2.AUTHZ_DENIED
end

-- LuaHookAccessChecker: let everyone through.
function access_ok(r)
  return apache2.OK
end

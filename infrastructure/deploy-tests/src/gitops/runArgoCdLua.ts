import { lauxlib, lua, lualib, to_luastring } from 'fengari';

/** A JSON value as a Lua table constructor (null becomes nil). */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`)
    .join(', ')}}`;
}

/**
 * Runs an Argo CD resource health script (Lua) the way Argo CD does: the
 * object as the global `obj`, the script's returned table read for `status`
 * and `message`. Uses fengari, a Lua 5.3 interpreter (Argo CD uses
 * gopher-lua, Lua 5.1: the scripts keep to the common subset). Test-only.
 */
export function runArgoCdHealthLua(
  script: string,
  obj: unknown,
): { status?: string; message?: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const source = `obj = ${toLua(obj)}
local function health()
${script}
end
local hs = health()
__status = hs.status
__message = hs.message`;
  if (lauxlib.luaL_loadstring(L, to_luastring(source)) !== lua.LUA_OK) {
    throw new Error(`Lua syntax error: ${lua.lua_tojsstring(L, -1)}`);
  }
  if (lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
    throw new Error(`Lua error: ${lua.lua_tojsstring(L, -1)}`);
  }
  const read = (name: string) => {
    lua.lua_getglobal(L, to_luastring(name));
    const v = lua.lua_isnil(L, -1) ? undefined : lua.lua_tojsstring(L, -1);
    lua.lua_pop(L, 1);
    return v as string | undefined;
  };
  return { status: read('__status'), message: read('__message') };
}

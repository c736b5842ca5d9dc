/** fengari (Lua 5.3 in JavaScript) ships no types; the tests use a few calls. */
declare module 'fengari';
